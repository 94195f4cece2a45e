"""The query runner: roles, bound parameters, caching by data version, and dtypes alike on both engines."""
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import text

import queries
from casedb import data_version


@pytest.fixture
def probe_query(tmp_path, monkeypatch):
    """A throwaway named query in a temporary query folder."""
    (tmp_path / "probe_regions.sql").write_text(
        "-- returns: external regions whose name equals :name, with a day column\n"
        "-- params: name (text), day (date)\n"
        "-- roles: health\n"
        "SELECT code, name, :day AS day FROM external_regions WHERE name = :name ORDER BY code\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(queries, "QUERY_DIR", tmp_path)
    queries.load.cache_clear()
    queries.clear_cache()
    yield "probe_regions"
    queries.load.cache_clear()
    queries.clear_cache()


def _add_region(engine, code, name):
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO external_regions (code, name, level, province_code, centroid_lat, centroid_lon) "
                 "VALUES (:code, :name, 'province', :code, 0, 0)"),
            {"code": code, "name": name},
        )
        data_version.bump(conn)


def test_role_not_in_header_is_refused(empty_db, probe_query):
    with pytest.raises(queries.QueryNotAllowed):
        queries.run(probe_query, "press", engine=empty_db, name="Riau", day=date(2026, 1, 1))
    with pytest.raises(queries.QueryNotAllowed):
        queries.run(probe_query, None, engine=empty_db, name="Riau", day=date(2026, 1, 1))


def test_missing_parameter_is_an_error(empty_db, probe_query):
    with pytest.raises(KeyError):
        queries.run(probe_query, "health", engine=empty_db, name="Riau")


def test_injection_text_is_bound_not_executed(empty_db, probe_query):
    _add_region(empty_db, "14", "Riau")
    attack = "Riau' OR '1'='1"
    frame = queries.run(probe_query, "health", engine=empty_db, name=attack, day=date(2026, 1, 1))
    assert frame.empty
    frame = queries.run(probe_query, "health", engine=empty_db, name="x'; DROP TABLE external_regions; --",
                        day=date(2026, 1, 1))
    assert frame.empty
    with empty_db.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM external_regions")).scalar_one() == 1


def test_results_are_cached_until_the_data_version_changes(empty_db, probe_query):
    _add_region(empty_db, "14", "Riau")
    first = queries.run(probe_query, "health", engine=empty_db, name="Riau", day=date(2026, 1, 1))
    # A write that does not bump the version is invisible: the cached frame is served.
    with empty_db.begin() as conn:
        conn.execute(text("INSERT INTO external_regions (code, name, level, province_code, centroid_lat, "
                          "centroid_lon) VALUES ('13', 'Riau', 'province', '13', 0, 0)"))
    assert len(queries.run(probe_query, "health", engine=empty_db, name="Riau", day=date(2026, 1, 1))) == 1
    with empty_db.begin() as conn:
        data_version.bump(conn)
    second = queries.run(probe_query, "health", engine=empty_db, name="Riau", day=date(2026, 1, 1))
    assert list(first["code"]) == ["14"]
    assert list(second["code"]) == ["13", "14"]


def test_a_run_at_a_known_version_reads_no_version_and_caches_under_it(empty_db, probe_query):
    """A page reads the data version once per run (ui.live.check) and passes it: cached queries
    then cost no round trip, and every figure of the run is cached under that version."""
    _add_region(empty_db, "14", "Riau")
    version, _ = queries.data_version(empty_db)
    first = queries.run(probe_query, "health", engine=empty_db, at_version=version, name="Riau", day=date(2026, 1, 1))
    with empty_db.begin() as conn:
        conn.execute(text("INSERT INTO external_regions (code, name, level, province_code, centroid_lat, "
                          "centroid_lon) VALUES ('13', 'Riau', 'province', '13', 0, 0)"))
        data_version.bump(conn)
    # Still at the version this run read: the runner does not look again, the cached frame is served.
    again = queries.run(probe_query, "health", engine=empty_db, at_version=version, name="Riau", day=date(2026, 1, 1))
    assert list(first["code"]) == list(again["code"]) == ["14"]
    # The next run reads the new version: a new query.
    newer, _ = queries.data_version(empty_db)
    assert newer == version + 1
    for at_version in (newer, None):
        frame = queries.run(probe_query, "health", engine=empty_db, at_version=at_version, name="Riau",
                            day=date(2026, 1, 1))
        assert list(frame["code"]) == ["13", "14"]


def test_day_columns_come_back_as_datetimes_on_both_engines(empty_db, probe_query):
    _add_region(empty_db, "14", "Riau")
    frame = queries.run(probe_query, "health", engine=empty_db, name="Riau", day=date(2026, 8, 5))
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])
    assert frame["day"].iloc[0] == pd.Timestamp("2026-08-05")


def test_every_query_file_declares_known_roles_and_parses():
    from casedb.schema import ROLES

    for name in queries.names():
        for dialect in ("sqlite", "postgresql"):
            query = queries.load(name, dialect)
            assert query.roles, name
            assert query.roles <= set(ROLES), name


def test_data_version_reports_changes(empty_db):
    before, _ = queries.data_version(empty_db)
    with empty_db.begin() as conn:
        after = data_version.bump(conn)
    assert after == before + 1
    assert queries.data_version(empty_db)[0] == after
    assert isinstance(queries.data_version(empty_db)[1], datetime)
