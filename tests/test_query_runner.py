"""The query runner: roles, bound parameters, caching by data version, and dtypes alike on both engines."""
import threading
import time
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import event, text

import queries
from casedb import data_version


@pytest.fixture
def probe_query(query_dir):
    """A throwaway named query in a temporary query folder."""
    (query_dir / "probe_regions.sql").write_text(
        "-- returns: external regions whose name equals :name, with a day column\n"
        "-- params: name (text), day (date)\n"
        "-- roles: health\n"
        "SELECT code, name, :day AS day FROM external_regions WHERE name = :name ORDER BY code\n",
        encoding="utf-8",
    )
    return "probe_regions"


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


def _query_file(folder, name: str, sql: str, params: str = "") -> str:
    (folder / f"{name}.sql").write_text(
        f"-- returns: one row: n\n-- params: {params}\n-- roles: health\n{sql}\n", encoding="utf-8")
    return name


# Counts to :upto one row at a time: minutes for a billion on either engine, unless cut.
COUNT_TO = ("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :upto) "
            "SELECT COUNT(*) AS n FROM c")


def test_a_slow_query_is_cut_after_the_time_limit(empty_db, query_dir, monkeypatch):
    name = _query_file(query_dir, "probe_slow", COUNT_TO, "upto (integer)")
    monkeypatch.setenv("QUERY_TIME_LIMIT_MS", "300")
    started = time.monotonic()
    with pytest.raises(queries.QueryTimeout) as cut:
        queries.run(name, "health", engine=empty_db, upto=1_000_000_000)
    assert time.monotonic() - started < 10
    assert cut.value.limit_ms == 300 and cut.value.name == name
    # The limit is the query's own: the pooled connection runs the next query normally, and a
    # query within the limit is answered.
    assert queries.run(name, "health", engine=empty_db, upto=1_000)["n"].tolist() == [1_000]
    with empty_db.connect() as conn:
        assert conn.execute(text(COUNT_TO), {"upto": 300_000}).scalar_one() == 300_000


def test_the_time_limit_leaves_the_connection_unlimited_afterwards(empty_db, query_dir, monkeypatch):
    name = _query_file(query_dir, "probe_fast", "SELECT 1 AS n")
    monkeypatch.setenv("QUERY_TIME_LIMIT_MS", "50")
    assert queries.run(name, "health", engine=empty_db)["n"].tolist() == [1]
    # A statement outside the runner on a pooled connection is not cut by the runner's 50 ms.
    started = time.monotonic()
    with empty_db.connect() as conn:
        assert conn.execute(text(COUNT_TO), {"upto": 2_000_000}).scalar_one() == 2_000_000
    assert time.monotonic() - started > 0.05


@pytest.mark.parametrize("params, missing, unknown", [
    ({"name": "Riau"}, {"day"}, set()),  # missing
    ({"name": "Riau", "dya": date(2026, 1, 1)}, {"day"}, {"dya"}),  # misspelt
    ({"name": "Riau", "day": date(2026, 1, 1), "limit": 5}, set(), {"limit"}),  # extra
    ({}, {"name", "day"}, set()),
])
def test_a_missing_misspelt_or_extra_parameter_is_refused(empty_db, probe_query, params, missing, unknown):
    with pytest.raises(queries.QueryParameterError) as refused:
        queries.run(probe_query, "health", engine=empty_db, **params)
    assert refused.value.missing == missing and refused.value.unknown == unknown
    for word in sorted(missing | unknown):
        assert word in str(refused.value)


def test_the_time_limit_setting_refuses_nonsense(monkeypatch):
    from casedb import settings

    monkeypatch.setenv("QUERY_TIME_LIMIT_MS", "0")
    with pytest.raises(settings.SettingsError):
        settings.get("QUERY_TIME_LIMIT_MS")
    monkeypatch.delenv("QUERY_TIME_LIMIT_MS")
    assert settings.get("QUERY_TIME_LIMIT_MS") == 5_000


class _Executions:
    """The statements `engine` executes, with the thread that executed each."""

    def __init__(self, engine):
        self.seen: list[tuple[str, str]] = []
        self.engine = engine

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((statement, threading.current_thread().name))

    def of(self, fragment: str) -> list[str]:
        return [thread for statement, thread in self.seen if fragment in statement]

    def of_query(self, name: str) -> list[str]:
        """The threads that executed the named query, as the driver received it."""
        sent = str(text(queries.load(name, self.engine.dialect.name).sql).compile(dialect=self.engine.dialect))
        return [thread for statement, thread in self.seen if statement == sent]


def one_by_one_and_together(engine, fn, *args):
    """`fn(run, *args)` with a runner that runs its queries one by one, then (caches cleared) with
    the pages' runner that starts them together (bench.pages.bound_run, as ui.live.query), recording
    the statements of the second: (one by one, together, executions)."""
    from bench.pages import bound_run

    version, _ = queries.data_version(engine)
    one_by_one = fn(lambda name, **params: queries.run(name, "health", engine=engine, **params), *args)
    queries.clear_cache()
    with _Executions(engine) as executed:
        together = fn(bound_run("health", engine, version), *args)
    return one_by_one, together, executed


def test_prefetched_queries_run_once_on_worker_threads_and_the_run_reads_them(empty_db, query_dir):
    """figures.common.prefetch: the queries a figure function is about to read start together on the
    server's workers; the function's own calls then find them, and nothing runs twice."""
    _add_region(empty_db, "14", "Riau")
    count = _query_file(query_dir, "probe_count", COUNT_TO, "upto (integer)")
    regions = _query_file(query_dir, "probe_codes", "SELECT code FROM external_regions ORDER BY code")
    version, _ = queries.data_version(empty_db)
    with _Executions(empty_db) as executed:
        queries.start_queries("health", [(count, {"upto": 200_000}), (regions, {})], at_version=version,
                              engine=empty_db)
        assert queries.run(count, "health", engine=empty_db, at_version=version, upto=200_000)["n"].tolist() == [200_000]
        assert queries.run(regions, "health", engine=empty_db, at_version=version)["code"].tolist() == ["14"]
    ran = executed.of("WITH RECURSIVE") + executed.of("SELECT code FROM external_regions")
    assert len(ran) == 2 and all(thread.startswith("query") for thread in ran)


def test_a_prefetch_that_fails_leaves_the_error_to_the_run_itself(empty_db, query_dir, monkeypatch):
    """A query run ahead that is cut, refused or misspelt raises nothing on the worker: the page's
    own call meets the error where the page shows it."""
    slow = _query_file(query_dir, "probe_slow_ahead", COUNT_TO, "upto (integer)")
    monkeypatch.setenv("QUERY_TIME_LIMIT_MS", "300")
    version, _ = queries.data_version(empty_db)
    queries.start_queries("health", [(slow, {"upto": 1_000_000_000}), (slow, {"upot": 5})], at_version=version,
                          engine=empty_db)
    queries.start_queries("press", [(slow, {"upto": 5})], at_version=version, engine=empty_db)
    with pytest.raises(queries.QueryTimeout):
        queries.run(slow, "health", engine=empty_db, at_version=version, upto=1_000_000_000)
    with pytest.raises(queries.QueryParameterError):
        queries.run(slow, "health", engine=empty_db, at_version=version, upot=5)
    with pytest.raises(queries.QueryNotAllowed):
        queries.run(slow, "press", engine=empty_db, at_version=version, upto=5)
    # The limit was the query's own: the next one, within it, is answered.
    assert queries.run(slow, "health", engine=empty_db, at_version=version, upto=1_000)["n"].tolist() == [1_000]


def test_without_a_data_version_nothing_is_started(empty_db, query_dir):
    name = _query_file(query_dir, "probe_unversioned", "SELECT 1 AS n")
    with _Executions(empty_db) as executed:
        queries.start_queries("health", [(name, {})], at_version=None, engine=empty_db)
        assert queries.run(name, "health", engine=empty_db)["n"].tolist() == [1]
    assert executed.of("SELECT 1 AS n") == [threading.current_thread().name]
