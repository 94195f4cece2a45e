"""Privacy in the query layer: small-cell suppression for press, no person or case location outside
health, a read-only database role, and formula-safe CSV."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import queries
from casedb import audit, data_version, roles

# --------------------------------------------------------------------------- suppression by hand


def test_primary_and_complementary_suppression_in_one_column():
    frame = pd.DataFrame({"area": list("abcde"), "cases": [3, 12, 7, 0, 30]})
    shown = queries.suppress(frame, ("cases",))
    # 3 is primary; 12-7-0-30 would give it from the total, so the smallest positive (7) goes too.
    assert list(shown["cases"]) == ["<5", 12, "x", 0, 30]


def test_two_small_cells_need_no_complement_and_zero_stays():
    frame = pd.DataFrame({"area": list("abcd"), "cases": [1, 4, 0, 25]})
    assert list(queries.suppress(frame, ("cases",))["cases"]) == ["<5", "<5", 0, 25]


def test_a_zero_is_the_complement_only_when_nothing_positive_is_left():
    frame = pd.DataFrame({"area": list("abc"), "cases": [2, 0, 0]})
    assert list(queries.suppress(frame, ("cases",))["cases"]) == ["<5", "x", 0]


def test_groups_by_key_are_suppressed_apart():
    frame = pd.DataFrame({"day": [1, 1, 1, 2, 2, 2], "type": list("pab" * 2), "n": [2, 9, 8, 20, 30, 40]})
    shown = queries.suppress(frame, ("n",), by=("day",))
    assert list(shown["n"]) == ["<5", 9, "x", 20, 30, 40]


def test_rows_and_columns_until_every_group_holds_two_hidden_cells():
    frame = pd.DataFrame({"a": [3, 10, 7], "b": [10, 8, 6], "c": [9, 9, 9]})
    shown = queries.suppress(frame, ("a", "b", "c"), rows=("a", "b", "c"))
    hidden = shown.map(lambda v: isinstance(v, str))
    assert (hidden.sum(axis=0).isin([0]) | (hidden.sum(axis=0) >= 2)).all()
    assert (hidden.sum(axis=1).isin([0]) | (hidden.sum(axis=1) >= 2)).all()
    assert shown.loc[0, "a"] == "<5"
    # Every visible value is the true one.
    for column in frame:
        for i in frame.index:
            if not hidden.loc[i, column]:
                assert shown.loc[i, column] == frame.loc[i, column]


def test_whole_number_columns_default_skips_text_and_fractions():
    frame = pd.DataFrame({"code": ["01", "02"], "n": [3, 50], "d": [Decimal(2), Decimal(70)],
                          "rate": [1.5, 2.5], "flag": [True, False]})
    assert queries._whole_number_columns(frame) == ("n", "d")


# ------------------------------------------------------------------------- suppression by the runner

@pytest.fixture
def query_dir(tmp_path, monkeypatch):
    """A temporary query folder; the test writes the .sql files it needs."""
    monkeypatch.setattr(queries, "QUERY_DIR", tmp_path)
    queries.load.cache_clear()
    queries.clear_cache()
    yield tmp_path
    queries.load.cache_clear()
    queries.clear_cache()


def _regions(engine, rows):
    with engine.begin() as conn:
        for code, population in rows:
            conn.execute(text("INSERT INTO regions (code, name, level, parent_code, population, "
                              "population_is_estimate, population_source, centroid_lat, centroid_lon, "
                              "area_km2, source) VALUES (:code, :code, 'kecamatan', NULL, :pop, false, 't', "
                              "0, 0, 1, 't')"), {"code": code, "pop": population})
        data_version.bump(conn)


def test_runner_suppresses_for_press_only_and_caches_the_raw_figures(empty_db, query_dir):
    (query_dir / "probe_counts.sql").write_text(
        "-- returns: code, n\n-- params: none\n-- roles: health, press\n-- suppress: n\n"
        "SELECT code, SUM(population) AS n FROM regions GROUP BY code ORDER BY code\n", encoding="utf-8")
    _regions(empty_db, [("14.71.01", 3), ("14.71.02", 40), ("14.71.03", 9)])
    press = queries.run("probe_counts", "press", engine=empty_db)
    health = queries.run("probe_counts", "health", engine=empty_db)
    assert list(press["n"]) == ["<5", 40, "x"]
    assert [int(v) for v in health["n"]] == [3, 40, 9]
    assert list(queries.run("probe_counts", "press", engine=empty_db)["n"]) == ["<5", 40, "x"]


def test_runner_suppresses_every_whole_number_column_when_the_header_is_silent(empty_db, query_dir):
    (query_dir / "probe_silent.sql").write_text(
        "-- returns: code, n\n-- roles: press\n"
        "SELECT code, population AS n, COUNT(*) AS one FROM regions GROUP BY code, population ORDER BY code\n",
        encoding="utf-8")
    _regions(empty_db, [("14.71.01", 2), ("14.71.02", 40)])
    shown = queries.run("probe_silent", "press", engine=empty_db)
    assert list(shown["n"]) == ["<5", "x"]
    assert list(shown["one"]) == ["<5", "<5"]


@pytest.mark.parametrize("role", ["mayor", "press", "admin", "checkpoint"])
@pytest.mark.parametrize("column", sorted(queries.PERSONAL_COLUMNS))
def test_a_person_or_location_column_is_refused_outside_health(empty_db, query_dir, role, column):
    (query_dir / "probe_leak.sql").write_text(
        f"-- returns: a personal column\n-- roles: mayor, health, press, admin, checkpoint\n"
        f"SELECT code AS {column} FROM regions\n", encoding="utf-8")
    with pytest.raises(queries.QueryNotAllowed):
        queries.run("probe_leak", role, engine=empty_db)
    assert queries.run("probe_leak", "health", engine=empty_db).empty


# --------------------------------------------------------------------------- the query files

def _sql_mentions(name: str, pattern: str) -> bool:
    return any(re.search(pattern, queries.load(name, dialect).sql, re.IGNORECASE)
               for dialect in ("sqlite", "postgresql"))


@pytest.mark.parametrize("name", queries.names())
def test_query_roles_follow_the_privacy_rules(name):
    roles_of = queries.load(name, "sqlite").roles | queries.load(name, "postgresql").roles
    # A case's or person's location, or a person: health only.
    if _sql_mentions(name, r"approx_l(at|on)"):
        assert roles_of <= {"health"}, name
    # Checkpoint officers verify certificates and nothing else.
    if "checkpoint" in roles_of:
        assert name.startswith("certificate_"), name
    # Nothing reads the users table through the runner (password hashes).
    assert not _sql_mentions(name, r"\busers\b"), name


# ---------------------------------------------------------------------- read-only role (PostgreSQL)

def test_a_write_through_the_runner_as_the_reader_role_fails(query_dir, tmp_path):
    from tests.conftest import drop_database, migrated_engine
    from casedb.engine import get_engine

    url, owner = migrated_engine("postgresql", tmp_path)
    try:
        roles.create_reader(owner)
        reader = get_engine(roles.reader_url(owner, None))
        (query_dir / "probe_write.sql").write_text(
            "-- returns: the inserted code\n-- roles: health\n"
            "INSERT INTO external_regions (code, name, level, province_code, centroid_lat, centroid_lon) "
            "VALUES ('99', 'Injected', 'province', '99', 0, 0) RETURNING code\n", encoding="utf-8")
        (query_dir / "probe_read.sql").write_text(
            "-- returns: version\n-- roles: health\nSELECT version FROM data_version\n", encoding="utf-8")
        with pytest.raises(DBAPIError) as refused:
            queries.run("probe_write", "health", engine=reader)
        assert "permission denied" in str(refused.value) or "read-only" in str(refused.value)
        assert len(queries.run("probe_read", "health", engine=reader)) == 1
        with pytest.raises(DBAPIError):
            with reader.connect() as conn:
                conn.execute(text("SELECT COUNT(*) FROM users"))
        with pytest.raises(DBAPIError):
            with reader.begin() as conn:
                conn.execute(text("SET TRANSACTION READ WRITE"))
                conn.execute(text("DELETE FROM audit_log"))
        with owner.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM external_regions")).scalar_one() == 0
    finally:
        drop_database(url)


def test_grant_statements_quote_identifiers_and_never_grant_users():
    statements = roles.grant_statements('pku"; DROP DATABASE x; --', "dashboard_reader")
    assert statements[0] == 'GRANT CONNECT ON DATABASE "pku""; DROP DATABASE x; --" TO "dashboard_reader"'
    assert not any('"users"' in s for s in statements)
    assert not any(re.search(r"\b(INSERT|UPDATE|DELETE|TRUNCATE|ALL PRIVILEGES)\b", s) for s in statements
                   if s.startswith("GRANT"))


# ----------------------------------------------------------------------------------- CSV safety

def test_csv_export_neutralises_formulas():
    frame = pd.DataFrame({"detail": ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "ok", None],
                          "n": [1, 2, 3, 4, 5, 6, 7]})
    lines = audit.to_csv(frame).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK") and lines[2] == "'+1+1,2" and lines[3] == "'-2,3"
    assert lines[4] == "'@SUM(A1),4" and lines[6] == "ok,6" and lines[7] == ",7"


# --------------------------------------------- what every page shows every role, on the demo city

# Not after a decimal point: a float such as 0.1111111111111111 in a chart spec is no NIK.
NIK = re.compile(r"(?<![\d.,])\d{16}(?!\d)")
PERSON_KEY = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def _rendered(at) -> tuple[str, list[pd.DataFrame]]:
    """All text of a run (every element's message, sidebar included) and its tables as frames."""
    elements = [e for block in (at.main, at.sidebar) for e in block]
    frames = [e.value for e in elements if e.type in ("arrow_data_frame", "dataframe", "table")
              and isinstance(getattr(e, "value", None), pd.DataFrame)]
    text_parts = [str(e.proto) for e in elements] + [f.to_csv(index=False) for f in frames]
    return "\n".join(text_parts), frames


def _small_counts(frame: pd.DataFrame) -> list:
    """Cells holding a count of 1-4 (a whole number, or its text)."""
    found = []
    for column in frame.columns:
        for value in frame[column]:
            if isinstance(value, str):
                if re.fullmatch(r"\s*[1-4]\s*", value):
                    found.append((column, value))
            elif isinstance(value, (int, np.integer, Decimal)) and not isinstance(value, bool) and 1 <= value <= 4:
                found.append((column, value))
    return found


def test_no_nik_person_key_or_small_press_count_on_any_page(small_city, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.sessions import sign_in
    from ui import page

    url = small_city.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    queries.clear_cache()
    with small_city.connect() as conn:
        keys = set(conn.execute(text("SELECT person_key FROM persons")).scalars())
    # The patterns would find one shown.
    assert keys and all(PERSON_KEY.fullmatch(k) for k in keys)
    assert NIK.findall("NIK 1471012345678901,") and not NIK.findall("0.1111111111111111")
    assert _small_counts(pd.DataFrame({"n": [3, 12], "t": ["4", "<5"]})) == [("n", 3), ("t", "4")]
    checked = 0
    for spec in page.PAGES:
        for role in spec.roles:
            for lang in ("id", "en"):
                at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / spec.path), default_timeout=120)
                at.session_state["lang"] = lang
                sign_in(at, role)
                at.run()
                assert not at.exception, (spec.key, role, [e.value for e in at.exception])
                shown, frames = _rendered(at)
                assert not NIK.findall(shown), (spec.key, role)
                assert not PERSON_KEY.findall(shown), (spec.key, role)
                if role == "press":
                    # Per-area tables (DESIGN 3: "any per-area figure that leaves the health office").
                    for frame in frames:
                        assert _small_counts(frame) == [], (spec.key, frame.columns.tolist())
                checked += 1
    assert checked >= len(page.PAGES)
    # The one export so far: the audit log as CSV.
    export = audit.to_csv(queries.run("audit_log", "admin", engine=small_city, start_at=datetime(2000, 1, 1),
                                      end_at=datetime(2100, 1, 1), action="", username="", row_limit=5000))
    assert not NIK.findall(export.decode("utf-8-sig")) and not PERSON_KEY.findall(export.decode("utf-8-sig"))
