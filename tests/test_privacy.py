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
from casedb import data_version, roles
from exports.csv import to_csv_bytes

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
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK") and lines[2] == "'+1+1,2" and lines[3] == "'-2,3"
    assert lines[4] == "'@SUM(A1),4" and lines[6] == "ok,6" and lines[7] == ",7"


# ------------------------------------------------- a quiet city: city-wide counts of 1-4 for press

# WIB days of August 2026 -> cases confirmed that day by PCR and by antigen. Cases of 1-7 Aug recover
# a week later unless they die (DEATHS: death day -> confirmation days of those who die).
QUIET_PCR = {1: 6, 2: 3, 3: 0, 4: 8, 5: 1, 6: 7, 7: 2, 8: 9, 9: 5, 10: 4, 11: 12, 12: 2, 13: 6, 14: 3}
QUIET_ANTIGEN = {10: 1, 13: 1}
DEATHS = {6: [1], 8: [4], 11: [4, 4, 6], 13: [8]}
# Negative results per day and test type, and antibody results (never a case).
NEGATIVE_PCR = 2
NEGATIVE_ANTIGEN = {d: 1 if d % 2 else 6 for d in QUIET_PCR}
ANTIBODY = {3: 3, 6: 3, 9: 3, 12: 3, 14: 7}
QUIET_KEC = {"14.71.01": 90_000, "14.71.02": 40_000}
QUIET_KEL = {"14.71.01.1001": "14.71.01", "14.71.01.1002": "14.71.01", "14.71.02.1001": "14.71.02"}


def _quiet_rows():
    """Cases as (person, test type, confirmation day, recovery day or None, death day or None), and
    the negative and antibody tests as (person, test type, day, result)."""
    dying = {day: sorted(confirmed) for day, confirmed in DEATHS.items()}
    cases, tests = [], []
    for day in QUIET_PCR:
        for test_type, count in (("pcr", QUIET_PCR[day]), ("antigen", QUIET_ANTIGEN.get(day, 0))):
            for _ in range(count):
                died = next((d for d, confirmed in dying.items() if day in confirmed), None)
                if died is not None and test_type == "pcr":
                    dying[died].remove(day)
                else:
                    died = None
                recovered = day + 7 if died is None and day <= 7 else None
                cases.append((f"c{len(cases)}", test_type, day, recovered, died))
        for test_type, count, result in (("pcr", NEGATIVE_PCR, "negative"),
                                         ("antigen", NEGATIVE_ANTIGEN[day], "negative"),
                                         ("antibody", ANTIBODY.get(day, 0), "positive")):
            tests += [(f"n{len(tests) + k}", test_type, day, result) for k in range(count)]
    assert all(not left for left in dying.values())
    return cases, tests


def write_quiet_city(engine) -> None:
    from sqlalchemy import insert

    from casedb import rollups, schema
    from tests.test_queries_overview import _region

    cases, negatives = _quiet_rows()
    kelurahan = list(QUIET_KEL)
    at = lambda day, hour=3: datetime(2026, 8, day, hour)  # noqa: E731 - 10:00 WIB, same day
    with engine.begin() as conn:
        for code, population in QUIET_KEC.items():
            conn.execute(insert(schema.regions).values(_region(code, "kecamatan", None, population)))
        for code, parent in QUIET_KEL.items():
            conn.execute(insert(schema.regions).values(_region(code, "kelurahan", parent, 20_000)))
        conn.execute(insert(schema.facilities).values(
            id=1, registry_code="F1", name="Lab 1", type="lab", kelurahan_code=kelurahan[0], lat=0.5, lon=101.4,
            opened_on=datetime(2020, 1, 1).date(), reports_daily=True, is_synthetic=True, source="test"))
        people = [c[0] for c in cases] + [n[0] for n in negatives]
        conn.execute(insert(schema.persons), [dict(person_key=p, sex="F", birth_year=1980, is_resident=True,
                                                   home_kelurahan_code=kelurahan[0]) for p in people])
        rows = [(p, tt, day, "positive") for p, tt, day, *_ in cases] + negatives
        conn.execute(insert(schema.test_results), [
            dict(id=i, facility_id=1, person_key=p, test_type=tt, purpose="diagnostic",
                 specimen_at=at(day, 0), result_at=at(day), reported_at=at(day), result_day=at(day).date(),
                 result=result, source_ref=f"T{i}")
            for i, (p, tt, day, result) in enumerate(rows, start=1)])
        conn.execute(insert(schema.cases), [
            dict(person_key=p, test_result_id=i, confirmed_at=at(day), confirmed_day=at(day).date(),
                 kelurahan_code=kelurahan[i % len(kelurahan)], is_imported=False,
                 recovered_at=recovered and at(recovered), recovered_day=recovered and at(recovered).date(),
                 died_at=died and at(died), died_day=died and at(died).date())
            for i, (p, tt, day, recovered, died) in enumerate(cases, start=1)])
        rollups.refresh(conn, datetime(2026, 7, 1).date(), datetime(2026, 8, 31).date())
        data_version.bump(conn)


def quiet_expected(day: int) -> dict[str, int]:
    """The true city figures on 2026-08-`day`, counted from the fixture's own tables above."""
    cases, negatives = _quiet_rows()
    tests = {tt: sum(1 for _, t_, d, *_ in cases if (t_, d) == (tt, day))
             + sum(1 for _, t_, d, _r in negatives if (t_, d) == (tt, day)) for tt in ("pcr", "antigen", "antibody")}
    return {
        "new_cases": sum(1 for c in cases if c[2] == day),
        "recovered": sum(1 for c in cases if c[3] is not None and c[3] <= day),
        "died": sum(1 for c in cases if c[4] is not None and c[4] <= day),
        "active": sum(1 for c in cases if c[2] <= day and not (c[3] and c[3] <= day) and not (c[4] and c[4] <= day)),
        **{f"tests_{tt}": n for tt, n in tests.items()},
    }


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def quiet_city(request, tmp_path_factory):
    from tests.conftest import database_in_use

    with database_in_use(request.param, tmp_path_factory.mktemp("quiet"), write_quiet_city) as engine:
        yield engine


# Some days whose own figures include 1-4: new cases (5, 12, 14), deaths in total (6, 8), antibody tests (3).
SMALL_DAYS = (3, 5, 6, 8, 12, 14)


def test_the_quiet_city_has_small_city_wide_counts():
    small = {day: [k for k, v in quiet_expected(day).items() if 1 <= v <= 4] for day in SMALL_DAYS}
    assert "new_cases" in small[5] and "new_cases" in small[14] and "died" in small[6]
    assert "tests_antibody" in small[3] and "tests_antigen" in small[5]
    assert quiet_expected(14)["died"] == 6 and quiet_expected(11)["new_cases"] == 12


@pytest.mark.parametrize("name", [n for n in queries.names() if "press" in queries.load(n, "sqlite").roles])
def test_every_count_a_press_query_returns_is_suppressed(quiet_city, name):
    """Every query press may run, over every window of the quiet city: no whole number of 1-4 in
    any column but the published populations, and health gets the same rows with the real counts."""
    query = queries.load(name, quiet_city.dialect.name)
    for start, end in ((1, 14), (8, 14), (5, 5), (12, 12), (3, 9)):
        params = {"start": datetime(2026, 8, start).date(), "end": datetime(2026, 8, end).date(),
                  "day": datetime(2026, 8, end).date()}
        params = {k: v for k, v in params.items() if k in query.params}
        press = queries.run(name, "press", engine=quiet_city, **params)
        health = queries.run(name, "health", engine=quiet_city, **params)
        assert press.shape == health.shape
        counted = press.drop(columns=[c for c in ("population",) if c in press])
        assert _small_counts(counted) == [], (name, params)
        for column in queries._whole_number_columns(health.drop(columns=["population"], errors="ignore")):
            hidden = press[column].map(lambda v: isinstance(v, str))
            assert [int(v) for v in press.loc[~hidden, column]] == [int(v) for v in health.loc[~hidden, column]]
            assert set(press.loc[hidden, column]) <= {queries.SMALL_COUNT, queries.COMPLEMENT}


def test_a_query_declared_without_counts_that_returns_one_is_refused_for_press(empty_db, query_dir):
    (query_dir / "probe_undeclared.sql").write_text(
        "-- returns: code, n\n-- roles: health, press\n-- suppress: none\n"
        "SELECT code, population AS n FROM regions\n", encoding="utf-8")
    _regions(empty_db, [("14.71.01", 2)])
    with pytest.raises(queries.QueryNotAllowed):
        queries.run("probe_undeclared", "press", engine=empty_db)
    assert [int(v) for v in queries.run("probe_undeclared", "health", engine=empty_db)["n"]] == [2]


def test_a_tile_change_that_would_give_a_small_count_away_is_hidden_for_press():
    from figures.common import HIDDEN_CHANGE, SMALL_POSITIVES, Tile, positivity

    died = Tile("died", (7, 5, "<5"), suppressed=True)
    # Two deaths that day (a cumulative count's change is the day's count); and from a hidden value.
    assert died.change(1) == HIDDEN_CHANGE and died.change(7) == HIDDEN_CHANGE
    assert Tile("died", (12, 5, 0), suppressed=True).change(1) == 7
    assert Tile("died", (12, 12, 0), suppressed=True).change(1) == 0
    assert Tile("died", (7, 5, 0)).change(1) == 2  # health sees it
    share = Tile("positivity_pcr", (0.5, 0.25, SMALL_POSITIVES), kind="percent", suppressed=True)
    assert share.change(1) == 0.25 and share.change(7) == HIDDEN_CHANGE
    assert positivity("<5", 40) == SMALL_POSITIVES and positivity(0, "<5") == 0.0
    assert positivity(6, 40) == 0.15 and positivity(0, 0) is None


def _trace_values(values) -> list:
    """A plotly trace array from the chart's JSON spec (plotly may encode it as typed binary)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values or [])


def _counts_shown(at) -> list:
    """Every count of 1-4 the overview renders: tile values and deltas, signed changes in captions,
    table cells, and the bar heights and hover labels of the chart."""
    import json

    found = [("metric", m.label, m.value) for m in at.metric if re.fullmatch(r"[+\-−]?[1-4]", m.value.strip())]
    found += [("delta", m.label, m.proto.delta) for m in at.metric
              if re.fullmatch(r"[+\-−]?[1-4]", m.proto.delta.strip())]
    # A change in a caption is signed ("+3 since last week"); a percentage change has decimals.
    found += [("caption", c.value) for c in at.caption if re.search(r"[+\-−][1-4](?![\d.,])", c.value)]
    found += [("table", cell) for frame in at.dataframe for cell in _small_counts(frame.value)]
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace["type"] == "bar":
                found += [("bar", trace["name"], y) for y in _trace_values(trace.get("y")) if y in (1, 2, 3, 4)]
            labels = [str(label[-1] if isinstance(label, list) else label) for label in trace.get("customdata", [])]
            found += [("hover", trace["name"], label) for label in labels if re.fullmatch(r"[1-4]", label)]
    return found


def _overview(role: str, day: int, lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    from tests.sessions import sign_in

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "overview.py"), default_timeout=120)
    at.session_state["lang"] = lang
    sign_in(at, role)
    at.run()
    at.date_input(key="overview_day").set_value(datetime(2026, 8, day).date()).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _chart(at) -> list[dict]:
    import json
    return json.loads(at.get("plotly_chart")[0].proto.spec)["data"]


@pytest.mark.parametrize("day", SMALL_DAYS)
def test_press_sees_no_city_wide_count_of_1_to_4(quiet_city, day):
    from ui.i18n import format_number

    at = _overview("press", day)
    assert _counts_shown(at) == []
    tiles = {m.label: m for m in at.metric}
    expected = quiet_expected(day)
    for key, true in expected.items():
        shown = tiles[i18n_en(f"tile.{key}")].value
        # A count of 0 or 5+ is shown as it is, unless it is the complementary cell.
        assert shown == ("<5" if 1 <= true <= 4 else format_number(true, lang="en")) or shown == "x", key
    # The day's own bar is replaced by the neutral marker when its count is small.
    hidden = [trace for trace in _chart(at) if trace["name"] == i18n_en("chart.suppressed")]
    if 1 <= expected["new_cases"] <= 4:
        assert hidden and [d[1] for d in hidden[0]["customdata"] if d[0] == f"{day} Aug 2026"] == ["<5"]
    assert i18n_en("chart.suppressed_note") in [c.value for c in at.caption]


@pytest.mark.parametrize("day", (5, 12))
def test_health_sees_the_real_small_counts(quiet_city, day):
    from ui.i18n import format_number

    at = _overview("health", day)
    tiles = {m.label: m.value for m in at.metric}
    for key, true in quiet_expected(day).items():
        assert tiles[i18n_en(f"tile.{key}")] == format_number(true, lang="en"), key
    bars = [trace for trace in _chart(at) if trace["type"] == "bar"]
    heights = {x[:10]: y for bar in bars for x, y in zip(_trace_values(bar["x"]), _trace_values(bar["y"]))}
    assert heights == {f"2026-08-{d:02d}": QUIET_PCR[d] + QUIET_ANTIGEN.get(d, 0) for d in range(1, day + 1)}
    assert not [trace for trace in _chart(at) if trace["name"] == i18n_en("chart.suppressed")]
    assert ("metric", i18n_en("tile.new_cases"), format_number(QUIET_PCR[day], lang="en")) in _counts_shown(at)
    assert i18n_en("chart.suppressed_note") not in [c.value for c in at.caption]


def i18n_en(key: str) -> str:
    from ui import i18n
    return i18n.t(key, lang="en")


# --------------------------------------------- what every page shows every role, on the demo city

# Not after a decimal point: a float such as 0.1111111111111111 in a chart spec is no NIK.
NIK = re.compile(r"(?<![\d.,])\d{16}(?!\d)")
PERSON_KEY = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
STREAMLIT_HASHES = re.compile(r"(?<=\$\$ID-)[0-9a-f]{32}(?=-)|(?<=/media/)[0-9a-f]+(?=\.)")


def _rendered(at) -> str:
    """All text of a run (every element's message, sidebar included), tables as CSV."""
    elements = [e for block in (at.main, at.sidebar) for e in block]
    is_table = [e.type in ("arrow_data_frame", "dataframe", "table") and isinstance(getattr(e, "value", None),
                                                                                   pd.DataFrame) for e in elements]
    frames = [e.value for e, table in zip(elements, is_table) if table]
    # A table's message is Arrow's binary buffers, where the texts of a column lie end to end
    # ("12" "7" "15" ...): they are read as the table itself. Widget ids carry a hex hash of the
    # widget's options ("$$ID-<32 hex digits>-key"), and a download's address one of its file
    # ("/media/<hex digits>.csv"; the audit export's changes with every sign-in). Any of these may
    # hold a run of 16 decimal digits by chance: Streamlit's, not data.
    protos = [STREAMLIT_HASHES.sub("", str(e.proto)) for e, table in zip(elements, is_table) if not table]
    return "\n".join(protos + [f.to_csv(index=False) for f in frames])


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
    shown_in_a_table = AppTest.from_string(
        "import pandas as pd, streamlit as st\nst.dataframe(pd.DataFrame({'nik': ['1471012345678901']}))").run()
    assert NIK.findall(_rendered(shown_in_a_table))  # tables are read through their values
    checked = 0
    for spec in page.PAGES:
        for role in spec.roles:
            for lang in ("id", "en"):
                at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / spec.path), default_timeout=120)
                at.session_state["lang"] = lang
                sign_in(at, role)
                at.run()
                assert not at.exception, (spec.key, role, [e.value for e in at.exception])
                shown = _rendered(at)
                assert not NIK.findall(shown), (spec.key, role)
                assert not PERSON_KEY.findall(shown), (spec.key, role)
                if role == "press":
                    # Tiles, captions, tables and the chart: no count of 1-4 (issue 3).
                    assert _counts_shown(at) == [], (spec.key, lang)
                checked += 1
    assert checked >= len(page.PAGES)
    # The one export so far: the audit log as CSV.
    export = to_csv_bytes(queries.run("audit_log", "admin", engine=small_city, start_at=datetime(2000, 1, 1),
                                      end_at=datetime(2100, 1, 1), action="", username="", row_limit=5000))
    assert not NIK.findall(export.decode("utf-8-sig")) and not PERSON_KEY.findall(export.decode("utf-8-sig"))
