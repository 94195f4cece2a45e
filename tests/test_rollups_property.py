"""Property (hypothesis): on random small databases, every figure read from the daily rollups equals
the same figure computed from the raw rows with pandas, on SQLite and PostgreSQL.

Each example writes a few persons, test results, cases (some recovered or dead) and checkpoint
movements at random WIB moments near midnight (23:00-00:59 WIB, where a UTC date and a WIB day
differ), and facility reports, in three batches; after each batch the rollups of the days that batch
touched are refreshed, as every writer does (`casedb.rollups.refresh`), so the later batches (whose
days may come before the earlier ones') also check that refreshing some days leaves the others right:
the running totals of later days shifted, the positivity windows overlapping the touched days
recomputed, the others untouched. Then:

- each rollup table (daily_area, daily_area_active and daily_city with their running totals,
  daily_facility_tests, daily_entry_point, daily_positivity's 7-day windows of distinct people, daily_facility_report with each
  report's seconds after the end of its day) equals a pandas computation over the raw rows by the
  WIB day of their timestamps (not their stored `*_day` columns);
- the overview's figures (tiles on D, D-1, D-7, the epidemic curve, the kecamatan table and zones),
  computed by the page's figure function through the query runner, equal the naive pandas
  computation of bench/page_sets/overview.py for random days in and around the data.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

import queries
from bench.page_sets import overview as overview_set
from casedb import rollups, schema
from casedb.data_version import bump
from casedb.wib import wib_day
from tests.conftest import BACKENDS, drop_database, migrated_engine
from figures import overview as figures

THRESHOLDS = (20.0, 50.0, 150.0)
INCOMPLETE_DAYS = 3
FIRST_DAY = date(2026, 8, 1)
DAYS = 12
KECAMATAN = {"14.71.01": 4_000, "14.71.02": 600}
KELURAHAN = {"14.71.01.1001": ("14.71.01", 2_400), "14.71.01.1002": ("14.71.01", 1_600),
             "14.71.02.1001": ("14.71.02", 600)}
FACILITIES = (1, 2)
ENTRY_POINTS = (1, 2)
EVENT_TABLES = ("presentation_checks", "certificate_checks", "movements", "contacts", "certificates", "cases", "test_results", "persons", "facility_reports",
                "daily_area", "daily_area_active", "daily_facility_tests", "daily_entry_point", "daily_city", "daily_positivity",
                "daily_facility_report")
BATCHES = 3
WIB = pd.Timedelta(hours=7)


@pytest.fixture(scope="module", params=BACKENDS)
def reference_db(request, tmp_path_factory):
    """A migrated database with regions, two facilities and two entry points; each example replaces
    the event tables."""
    url, engine = migrated_engine(request.param, tmp_path_factory.mktemp("rollups_property"))
    with engine.begin() as conn:
        for code, population in KECAMATAN.items():
            conn.execute(insert(schema.regions).values(_region(code, "kecamatan", None, population)))
        for code, (parent, population) in KELURAHAN.items():
            conn.execute(insert(schema.regions).values(_region(code, "kelurahan", parent, population)))
        conn.execute(insert(schema.facilities), [
            dict(id=i, registry_code=f"F{i}", name=f"Facility {i}", type="hospital", kelurahan_code="14.71.01.1001",
                 lat=0.5, lon=101.4, opened_on=date(2020, 1, 1), reports_daily=True, is_synthetic=True, source="test")
            for i in FACILITIES])
        conn.execute(insert(schema.entry_points), [
            dict(id=i, code=f"E{i}", name=f"Entry {i}", type="airport", lat=0.46, lon=101.44,
                 coord_is_approximate=False, source="test") for i in ENTRY_POINTS])
    yield engine
    drop_database(url)


def _region(code, level, parent, population):
    return dict(code=code, name=f"Area {code}", level=level, parent_code=parent, population=population,
                population_is_estimate=True, population_source="test", centroid_lat=0.5, centroid_lon=101.4,
                area_km2=1.0, source="test")


# A moment near a WIB midnight: 23:00-00:59 WIB is 16:00-17:59 UTC.
near_midnight = st.builds(
    lambda day, minute: datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time())
    + timedelta(hours=16, minutes=minute),
    st.integers(0, DAYS - 1), st.integers(0, 119))
test_row = st.fixed_dictionaries({
    "person": st.integers(0, 5), "facility": st.sampled_from(FACILITIES),
    "test_type": st.sampled_from(("pcr", "antigen", "antibody")),
    "result": st.sampled_from(("positive", "negative", "invalid")), "result_at": near_midnight,
    "confirms": st.booleans(), "outcome": st.sampled_from((None, "recovered", "died")),
    "outcome_after": st.integers(0, 4 * 24 * 60), "kelurahan": st.sampled_from(sorted(KELURAHAN)),
    "batch": st.integers(0, BATCHES - 1)})
movement_row = st.fixed_dictionaries({
    "person": st.integers(0, 5), "entry_point": st.sampled_from(ENTRY_POINTS),
    "direction": st.sampled_from(("in", "out")), "at": near_midnight,
    "document_status": st.sampled_from(("valid", "expired", "not_found", "issuer_unauthorized", "mismatch", "none")),
    "screening_result": st.sampled_from((None, "positive", "negative")), "batch": st.integers(0, BATCHES - 1)})
# A facility's report for a day, submitted some seconds after the end of that WIB day (17:00 UTC), up to
# two days later, with fractions of a second around the deadline hours.
report_row = st.fixed_dictionaries({
    "facility": st.sampled_from(FACILITIES), "day": st.integers(0, DAYS - 1),
    "after": st.one_of(st.integers(-3600, 2 * 86_400), st.sampled_from((43_200, 43_201, 46_800))),
    "fraction_ms": st.sampled_from((0, 1, 500, 999)), "tests_done": st.integers(0, 9),
    "batch": st.integers(0, BATCHES - 1)})


def write(engine, tests: list[dict], movements: list[dict], reports: list[dict] = ()) -> None:
    """Replace the event tables with these rows, in two batches, each followed by the refresh of
    the days it touched, as a writer does."""
    with engine.begin() as conn:
        for table in EVENT_TABLES:
            conn.execute(delete(schema.metadata.tables[table]))
        conn.execute(insert(schema.persons), [
            dict(person_key=f"p{i}", sex="F", birth_year=1980, is_resident=True, home_kelurahan_code="14.71.01.1001")
            for i in range(6)])
    confirmed_people: set[int] = set()
    seen_reports: set[tuple[int, int]] = set()
    for batch in range(BATCHES):
        touched: list[date] = []
        with engine.begin() as conn:
            for row in reports:
                key = (row["facility"], row["day"])
                if row["batch"] != batch or key in seen_reports:  # one report per facility and day
                    continue
                seen_reports.add(key)
                day = FIRST_DAY + timedelta(days=row["day"])
                submitted_at = (datetime.combine(day, datetime.min.time()) + timedelta(hours=17, seconds=row["after"])
                                + timedelta(milliseconds=row["fraction_ms"]))
                conn.execute(insert(schema.facility_reports).values(
                    facility_id=row["facility"], report_day=day, submitted_at=submitted_at,
                    tests_done=row["tests_done"], positives=0))
                touched.append(day)
            for i, row in enumerate(tests):
                if row["batch"] != batch:
                    continue
                result_at = row["result_at"]
                conn.execute(insert(schema.test_results).values(
                    id=i + 1, facility_id=row["facility"], person_key=f"p{row['person']}", test_type=row["test_type"],
                    purpose="diagnostic", specimen_at=result_at - timedelta(hours=3), result_at=result_at,
                    reported_at=result_at, result_day=wib_day(result_at), result=row["result"], source_ref=f"T{i}"))
                touched.append(wib_day(result_at))
                # The case rule: a first positive PCR or antigen result of a person confirms a case.
                if (row["confirms"] and row["result"] == "positive" and row["test_type"] != "antibody"
                        and row["person"] not in confirmed_people):
                    confirmed_people.add(row["person"])
                    outcome_at = result_at + timedelta(minutes=row["outcome_after"])
                    recovered_at = outcome_at if row["outcome"] == "recovered" else None
                    died_at = outcome_at if row["outcome"] == "died" else None
                    conn.execute(insert(schema.cases).values(
                        person_key=f"p{row['person']}", test_result_id=i + 1, confirmed_at=result_at,
                        confirmed_day=wib_day(result_at), kelurahan_code=row["kelurahan"], is_imported=False,
                        recovered_at=recovered_at, recovered_day=recovered_at and wib_day(recovered_at),
                        died_at=died_at, died_day=died_at and wib_day(died_at)))
                    touched += [wib_day(m) for m in (recovered_at, died_at) if m]
            for i, row in enumerate(movements):
                if row["batch"] != batch:
                    continue
                conn.execute(insert(schema.movements).values(
                    id=i + 1, person_key=f"p{row['person']}", entry_point_id=row["entry_point"],
                    direction=row["direction"], at=row["at"], day=wib_day(row["at"]), mode="air",
                    document_status=row["document_status"], screening_result=row["screening_result"],
                    source_ref=f"M{i}"))
                touched.append(wib_day(row["at"]))
            if touched:
                rollups.refresh(conn, min(touched), max(touched))
            bump(conn)


def rollup_from_raw(engine, table: str) -> pd.DataFrame:
    """What the rollup `table` must hold, by pandas from the raw rows and their timestamps."""
    with engine.connect() as conn:
        if table == "daily_city":
            cases = pd.read_sql("SELECT confirmed_at, recovered_at, died_at FROM cases", conn)
            counts = {name: (pd.to_datetime(cases[column], format="mixed") + WIB).dt.normalize().value_counts()
                      for column, name in (("confirmed_at", "new_cases"), ("recovered_at", "recovered"),
                                           ("died_at", "died"))}
            out = pd.DataFrame(counts).fillna(0).astype(int).sort_index()
            for name, total in (("new_cases", "confirmed_total"), ("recovered", "recovered_total"),
                                ("died", "died_total")):
                out[total] = out[name].cumsum()
            return out.rename_axis("day").reset_index()
        if table == "daily_positivity":
            tests = pd.read_sql("SELECT person_key, test_type, result, result_at FROM test_results "
                                "WHERE result IN ('positive', 'negative')", conn)
            tests["day"] = (pd.to_datetime(tests["result_at"], format="mixed") + WIB).dt.normalize()
            rows = []
            ends = sorted({d + pd.Timedelta(days=k) for d in tests["day"] for k in range(7)})
            for end in ends:
                window = tests[(tests["day"] > end - pd.Timedelta(days=7)) & (tests["day"] <= end)]
                for test_type, group in window.groupby("test_type"):
                    rows.append((end, test_type, group["person_key"].nunique(),
                                 group.loc[group["result"] == "positive", "person_key"].nunique()))
            return pd.DataFrame(rows, columns=["day", "test_type", "people_tested", "people_positive"])
        if table == "daily_facility_report":
            reports = pd.read_sql("SELECT facility_id, report_day, submitted_at, tests_done FROM facility_reports", conn)
            reports["day"] = pd.to_datetime(reports["report_day"])
            # Seconds after 17:00 UTC of the report day (the end of the WIB day), rounded up.
            late = (pd.to_datetime(reports["submitted_at"], format="mixed") - reports["day"]
                    - pd.Timedelta(hours=17)).dt.total_seconds()
            reports["seconds_after_day"] = np.ceil(late.round(3)).astype(int)
            tests = pd.read_sql("SELECT facility_id, result_at FROM test_results", conn)
            tests["day"] = (pd.to_datetime(tests["result_at"], format="mixed") + WIB).dt.normalize()
            sent = tests.groupby(["day", "facility_id"]).size().rename("sent_tests")
            out = reports.set_index(["day", "facility_id"])[["seconds_after_day", "tests_done"]].join(sent, how="outer")
            out["sent_tests"] = out["sent_tests"].fillna(0).astype(int)
            out = out.rename(columns={"tests_done": "declared_tests"}).reset_index()
            return out[["day", "facility_id", "seconds_after_day", "declared_tests", "sent_tests"]]
        if table == "daily_area":
            cases = pd.read_sql("SELECT kelurahan_code, confirmed_at, recovered_at, died_at FROM cases", conn)
            events = []
            for column, name in (("confirmed_at", "new_cases"), ("recovered_at", "recovered"), ("died_at", "died")):
                moment = pd.to_datetime(cases[column], format="mixed")
                frame = pd.DataFrame({"day": (moment + WIB).dt.normalize(), "kelurahan_code": cases["kelurahan_code"]})
                frame = frame.dropna(subset=["day"])
                events.append(frame.groupby(["day", "kelurahan_code"]).size().rename(name))
            out = pd.concat(events, axis=1).fillna(0).astype(int).reset_index()
            out["imported_cases"] = 0
            return out[["day", "kelurahan_code", "new_cases", "imported_cases", "recovered", "died"]]
        if table == "daily_area_active":
            area = rollup_from_raw(engine, "daily_area").sort_values(["kelurahan_code", "day"])
            change = area["new_cases"] - area["recovered"] - area["died"]
            area["active"] = change.groupby(area["kelurahan_code"]).cumsum()
            return area[["day", "kelurahan_code", "active"]]
        if table == "daily_facility_tests":
            tests = pd.read_sql("SELECT facility_id, test_type, result, result_at FROM test_results", conn)
            tests["day"] = (pd.to_datetime(tests["result_at"], format="mixed") + WIB).dt.normalize()
            grouped = tests.groupby(["day", "facility_id", "test_type"])["result"]
            return pd.DataFrame({"tests": grouped.size(), "positives": grouped.agg(lambda r: (r == "positive").sum()),
                                 "negatives": grouped.agg(lambda r: (r == "negative").sum())}).reset_index()
        moves = pd.read_sql("SELECT entry_point_id, direction, at, document_status, screening_result FROM movements",
                            conn)
        moves["day"] = (pd.to_datetime(moves["at"], format="mixed") + WIB).dt.normalize()
        grouped = moves.groupby(["day", "entry_point_id", "direction"])
        out = pd.DataFrame({"movements": grouped.size()})
        for status in ("valid", "expired", "not_found", "issuer_unauthorized", "mismatch", "none"):
            out[f"doc_{status}"] = grouped["document_status"].agg(lambda s, status=status: (s == status).sum())
        out["screened"] = grouped["screening_result"].agg(lambda s: s.notna().sum())
        out["screened_positive"] = grouped["screening_result"].agg(lambda s: (s == "positive").sum())
        return out.reset_index()


def rollup_table(engine, table: str, like: pd.DataFrame) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(f"SELECT * FROM {table}", conn)  # noqa: S608 - a fixed table name
    frame["day"] = pd.to_datetime(frame["day"])
    return frame[list(like.columns)]


def _sorted(frame: pd.DataFrame) -> list[tuple]:
    keys = [c for c in frame.columns if c in ("day", "kelurahan_code", "facility_id", "test_type", "entry_point_id",
                                              "direction")]
    frame = frame.sort_values(keys).reset_index(drop=True)
    return [tuple(None if v is None or (isinstance(v, float) and np.isnan(v)) else
                  int(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else v
                  for v in row)
            for row in frame.itertuples(index=False)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tests=st.lists(test_row, min_size=0, max_size=14), movements=st.lists(movement_row, max_size=8),
       reports=st.lists(report_row, max_size=6), days=st.lists(st.integers(-2, DAYS + 9), min_size=1, max_size=2))
def test_rollup_figures_equal_raw_figures(reference_db, tests, movements, reports, days):
    engine = reference_db
    write(engine, tests, movements, reports)
    queries.clear_cache()

    for table in ("daily_area", "daily_area_active", "daily_facility_tests", "daily_entry_point", "daily_city",
                  "daily_positivity", "daily_facility_report"):
        want = rollup_from_raw(engine, table)
        # Days with only zero counts are not rows of a rollup (nothing happened on them).
        assert _sorted(rollup_table(engine, table, want)) == _sorted(want), table

    def run(name, **params):
        return queries.run(name, "health", engine=engine, **params)

    span = figures.data_span(run)
    for offset in days:
        day = FIRST_DAY + timedelta(days=offset)
        raw = overview_set.naive(engine, day)
        if span is None:
            assert raw is None
            continue
        assert raw.span == span
        page = figures.overview(run, day, span, INCOMPLETE_DAYS, THRESHOLDS)
        disagreements = [row for row in overview_set.check(page, raw) if row[1] != row[2]]
        assert not disagreements, disagreements


def test_running_totals_of_later_days_follow_a_write_of_earlier_days(reference_db):
    """Written out of order (day 9, then day 1, then day 5), each batch refreshing only its own days:
    the totals of the days after a batch's days are shifted by what it added. Hand-computed."""
    engine = reference_db

    def confirming(person: int, day: int, batch: int, outcome=None, after_minutes=0) -> dict:
        return {"person": person, "facility": 1, "test_type": "pcr", "result": "positive",
                "result_at": datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()) + timedelta(hours=3),
                "confirms": True, "outcome": outcome, "outcome_after": after_minutes,
                "kelurahan": "14.71.01.1001", "batch": batch}

    write(engine, [confirming(0, 9, 0), confirming(1, 1, 1, "recovered", 2 * 24 * 60), confirming(2, 5, 2, "died", 0)],
          [])
    with engine.connect() as conn:
        rows = conn.execute(schema.daily_city.select().order_by(schema.daily_city.c.day)).all()
    got = [((r.day - FIRST_DAY).days, r.confirmed_total, r.recovered_total, r.died_total) for r in rows]
    # day 1: case 1; day 3: its recovery; day 5: case 2 and its death; day 9: case 0
    assert got == [(1, 1, 0, 0), (3, 1, 1, 0), (5, 2, 1, 1), (9, 3, 1, 1)]


def test_active_cases_per_kelurahan_of_later_days_follow_a_write_of_earlier_days(reference_db):
    """Written out of order (day 9, then day 1, then day 5) in two kelurahan, each batch refreshing
    only its own days: each kelurahan's running active cases after a batch's days are shifted by what
    it changed there, the other kelurahan's are left alone. Hand-computed."""
    engine = reference_db

    def confirming(person: int, day: int, batch: int, kelurahan: str, outcome=None, after_minutes=0) -> dict:
        return {"person": person, "facility": 1, "test_type": "pcr", "result": "positive",
                "result_at": datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()) + timedelta(hours=3),
                "confirms": True, "outcome": outcome, "outcome_after": after_minutes,
                "kelurahan": kelurahan, "batch": batch}

    a, b = "14.71.01.1001", "14.71.02.1001"
    write(engine, [confirming(0, 9, 0, a), confirming(3, 9, 0, b), confirming(1, 1, 1, a, "recovered", 2 * 24 * 60),
                   confirming(2, 5, 2, a, "died", 30), confirming(4, 5, 2, a)], [])
    with engine.connect() as conn:
        rows = conn.execute(schema.daily_area_active.select()
                            .order_by(schema.daily_area_active.c.kelurahan_code, schema.daily_area_active.c.day)).all()
    got = [(r.kelurahan_code, (r.day - FIRST_DAY).days, r.active) for r in rows]
    # a: day 1 case 1; day 3 its recovery; day 5 cases 2 (died the same day) and 4; day 9 case 0. b: day 9 case 3.
    assert got == [(a, 1, 1), (a, 3, 0), (a, 5, 1), (a, 9, 2), (b, 9, 1)]
