"""Facility reporting compliance on SQLite and PostgreSQL: expected days, reporting and on-time rates,
missing runs, consistency, unauthorised tests and certificates, latency medians, statuses and flags,
checked against values computed by hand from the rows below; and against the demo city's ground
truth."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, update

import queries
from casedb import rollups, schema
from casedb.schema import LATENCY_BUCKETS, LATENCY_EDGES_HOURS
from casedb.data_version import bump
from casedb.ingest import load
from casedb.wib import wib_day
from figures import compliance as c
from figures import compliance_export

TH = c.Thresholds()  # 95 / 90 / 80, 3 silent days, 10% gap, deadline 12:00 WIB
KEC, KEL = "14.71.01", "14.71.01.1001"
AUG = (date(2026, 8, 1), date(2026, 8, 31))     # 31 days; 1 Aug 2026 is a Saturday
FEB = (date(2026, 2, 1), date(2026, 2, 28))     # 28 days; 1 Feb 2026 is a Sunday
APR = (date(2026, 4, 1), date(2026, 4, 30))     # 30 days; 1 Apr 2026 is a Wednesday

# code: (type, opened_on, closed_on, closed_weekdays, reports_daily)
FACILITIES = {
    "F1": ("hospital", date(2020, 1, 1), None, "", True),            # misses 10-12 and 31 Aug
    "F2": ("clinic", date(2026, 8, 11), None, "", True),             # opened mid-period
    "F3": ("lab", date(2020, 1, 1), date(2026, 8, 21), "", True),    # closed mid-period (from 21 Aug)
    "F4": ("practice", date(2020, 1, 1), None, "67", True),          # closed Saturdays and Sundays
    "F5": ("clinic", date(2020, 1, 1), None, "", False),             # authorised until 15 Aug only
    "F6": ("puskesmas", date(2020, 1, 1), None, "", True),           # never reports
    "F7": ("clinic", date(2020, 1, 1), None, "", False),             # authorisation revoked 10 Aug
}
IDS = {code: i for i, code in enumerate(FACILITIES, start=1)}
# (facility, valid_from, valid_until, revoked_at (naive UTC), test types)
AUTHORISATIONS = [
    ("F1", date(2026, 1, 1), date(2026, 12, 31), None, ("pcr", "antigen")),
    ("F3", date(2026, 1, 1), date(2026, 12, 31), None, ("pcr",)),
    ("F5", date(2026, 7, 1), date(2026, 8, 15), None, ("antigen",)),
    ("F7", date(2026, 8, 1), date(2026, 12, 31), datetime(2026, 8, 10, 3, 0), ("antigen",)),  # 10:00 WIB
]


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    """A WIB wall-clock moment as naive UTC."""
    return datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=7)


def aug(day: int) -> date:
    return date(2026, 8, day)


def evening(day: date) -> datetime:
    return wib(day, 20)


# (facility, report day, submitted at (naive UTC), tests declared)
REPORTS = (
    [("F1", aug(1), wib(aug(2), 12, 0), 0),       # exactly at the deadline: on time
     ("F1", aug(2), wib(aug(3), 12, 1), 0),       # one minute after: late
     ("F1", aug(3), evening(aug(3)), 11),
     ("F1", aug(4), evening(aug(4)), 11)]         # 11 declared, 9 sent
    + [("F1", aug(d), evening(aug(d)), 0) for d in range(5, 31) if d not in (10, 11, 12)]
    + [("F3", aug(d), evening(aug(d)), 5 if d == 5 else 0) for d in range(1, 21)]  # 5 declared, 4 sent
    + [("F4", aug(d), evening(aug(d)), 0) for d in range(1, 32) if date(2026, 8, d).isoweekday() < 6]
    + [("F4", aug(8), evening(aug(8)), 0)]       # a Saturday: not expected, not counted
    + [("F5", aug(d), evening(aug(d)), 1 if d in (5, 10, 20) else 0) for d in range(1, 21)]  # 16-20 not expected
)
# F2's reports arrive through ingestion: 15 Aug twice (the second, late, is not stored), and one for
# 10 Aug, before it opened (not expected).
F2_CSV = "Kode Faskes;Tanggal Laporan;Waktu Kirim;Jumlah Pemeriksaan;Jumlah Positif\n" + "".join(
    f"F2;{d:02d}/08/2026;{d:02d}/08/2026 20:00;0;0\n" for d in range(10, 32)) + "F2;15/08/2026;18/08/2026 09:00;0;0\n"

# (facility, test type, specimen at, result at, reported at, result, certificate)
def _tests():
    rows = []
    for i in range(11):  # 3 Aug: specimen to result 3 h, result to report 30 min
        result_at = wib(aug(3), 10, i)
        rows.append(("F1", "pcr", result_at - timedelta(hours=3), result_at, result_at + timedelta(minutes=30),
                     "positive" if i < 2 else "negative", False))
    for i in range(9):  # 4 Aug: 30 h and 30 h
        result_at = wib(aug(4), 10, i)
        rows.append(("F1", "antigen", result_at - timedelta(hours=30), result_at, result_at + timedelta(hours=30),
                     "positive" if i < 3 else "negative", False))
    for i in range(4):
        result_at = wib(aug(5), 9, i)
        rows.append(("F3", "pcr", result_at - timedelta(hours=5), result_at, result_at, "negative", False))
    f5 = [(aug(10), "antigen", False),  # authorised
          (aug(5), "pcr", False),       # pcr is not covered: unauthorised
          (aug(20), "antigen", True)]   # after expiry, with a certificate: both unauthorised
    for day, test_type, certificate in f5:
        result_at = wib(day, 9)
        rows.append(("F5", test_type, result_at - timedelta(hours=1), result_at, result_at, "negative", certificate))
    return rows


TESTS = _tests()


def write_fixture(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.regions), [_region(KEC, "kecamatan", None), _region(KEL, "kelurahan", KEC)])
        conn.execute(insert(schema.facilities), [
            dict(id=IDS[code], registry_code=code, name=f"Fasilitas {code}", type=kind, kelurahan_code=KEL, lat=0.5,
                 lon=101.4, opened_on=opened, closed_on=closed, closed_weekdays=weekdays, reports_daily=daily,
                 is_synthetic=True, source="test")
            for code, (kind, opened, closed, weekdays, daily) in FACILITIES.items()])
        for n, (code, valid_from, valid_until, revoked_at, types) in enumerate(AUTHORISATIONS, start=1):
            conn.execute(insert(schema.authorizations).values(
                id=n, facility_id=IDS[code], number=f"440/{n}", valid_from=valid_from, valid_until=valid_until,
                revoked_at=revoked_at, revoked_reason="test" if revoked_at else None, granted_by="test"))
            conn.execute(insert(schema.authorization_test_types), [
                dict(authorization_id=n, test_type=t) for t in types])
        conn.execute(insert(schema.facility_reports), [
            dict(facility_id=IDS[code], report_day=day, submitted_at=at, tests_done=declared, positives=0)
            for code, day, at, declared in REPORTS])
        conn.execute(insert(schema.persons), [dict(person_key="p", is_resident=True, home_kelurahan_code=KEL)])
        for n, (code, test_type, specimen_at, result_at, reported_at, result, certificate) in enumerate(TESTS, 1):
            conn.execute(insert(schema.test_results).values(
                id=n, facility_id=IDS[code], person_key="p", test_type=test_type, purpose="travel",
                specimen_at=specimen_at, result_at=result_at, reported_at=reported_at,
                result_day=wib_day(result_at), result=result, source_ref=f"T{n}"))
            if certificate:
                conn.execute(insert(schema.certificates).values(
                    number=f"SKB-{n}", check_code="ABC", facility_id=IDS[code], test_result_id=n, person_key="p",
                    test_type=test_type, certified_result="negative", issued_at=result_at,
                    issued_day=wib_day(result_at), valid_until=result_at + timedelta(days=3)))
        rollups.refresh(conn, date(2026, 1, 1), date(2026, 12, 31))
        bump(conn)
    summary = load(engine, "facility_reports", F2_CSV.encode(), file_name="f2.csv", pepper="p")
    assert (summary.rows_in, summary.rejected) == (23, 0)  # the second 15 Aug: a duplicate, not stored


def _region(code, level, parent):
    return dict(code=code, name=f"Area {code}", level=level, parent_code=parent, population=1000,
                population_is_estimate=True, population_source="test", centroid_lat=0.5, centroid_lon=101.4,
                area_km2=1.0, source="test")


@pytest.fixture
def db(empty_db):
    write_fixture(empty_db)
    return empty_db


def runner(engine, role="health"):
    def run(name, **params):
        return queries.run(name, role, engine=engine, **params)
    return run


def table_of(engine, period, th=TH) -> pd.DataFrame:
    return c.compliance(runner(engine), *period, th).table.set_index("registry_code")


# Hand-computed for August 2026 (31 days; weekends 1-2, 8-9, 15-16, 22-23, 29-30 Aug):
# code: (expected, received, on time, longest missing run, trailing missing run, status, flags)
EXPECTED_AUG = {
    "F1": (31, 27, 26, 3, 1, "amber", ("missing", "late")),  # 27/31 = 87.1%, 26/31 = 83.9%
    "F2": (21, 21, 21, 0, 0, "green", ()),                    # 11-31 Aug; 10 Aug not expected
    "F3": (20, 20, 20, 0, 0, "green", ("inconsistent",)),     # 1-20 Aug; 5 declared vs 4 sent
    "F4": (21, 21, 21, 0, 0, "green", ()),                    # 31 - 10 weekend days; 8 Aug not counted
    "F5": (15, 15, 15, 0, 0, "green", ("unauthorised",)),     # authorised 1-15 Aug; 16-20 not counted
    "F6": (31, 0, 0, 31, 31, "red", ("silent", "late")),
    "F7": (9, 0, 0, 9, 9, "red", ("silent", "late")),        # revoked at 10:00 WIB on 10 Aug: 1-9 Aug
}


def test_august_expected_received_on_time_runs_status_and_flags(db):
    table = table_of(db, AUG)
    assert sorted(table.index) == sorted(EXPECTED_AUG)
    for code, (expected, received, on_time, longest, trailing, status, flags) in EXPECTED_AUG.items():
        row = table.loc[code]
        assert (row["expected"], row["received"], row["on_time"]) == (expected, received, on_time), code
        assert (row["longest_missing"], row["trailing_missing"]) == (longest, trailing), code
        assert (row["status"], row["flags"]) == (status, flags), code
    assert table.loc["F1", "reporting_rate"] == pytest.approx(27 / 31)
    assert table.loc["F1", "on_time_rate"] == pytest.approx(26 / 31)


@pytest.mark.parametrize("period, expected", [
    (FEB, {"F1": 28, "F3": 28, "F4": 20, "F5": 0, "F6": 28, "F7": 0}),   # 8 weekend days; F2 not yet open
    (APR, {"F1": 30, "F3": 30, "F4": 22, "F5": 0, "F6": 30, "F7": 0}),   # 8 weekend days
    (AUG, {code: row[0] for code, row in EXPECTED_AUG.items()}),
])
def test_expected_days_in_months_of_28_30_and_31_days(db, period, expected):
    table = table_of(db, period)
    assert table["expected"].to_dict() == expected
    assert table.loc["F6", "status"] == "red"
    if period != AUG:
        assert pd.isna(table.loc["F5", "status"])  # nothing expected: no status
        assert (table["received"] == 0).all()


def test_deadline_is_inclusive_and_follows_the_setting(db):
    # 1 Aug submitted at 12:00 WIB on 2 Aug (on time), 2 Aug at 12:01 WIB on 3 Aug (late).
    days = c._days(runner(db), aug(1), aug(2), TH, facility="F1")
    assert list(days["on_time"]) == [1, 0]
    later = c.Thresholds(deadline_hour=13)
    assert table_of(db, AUG, later).loc["F1", "on_time"] == 27
    earlier = c.Thresholds(deadline_hour=11)
    assert table_of(db, AUG, earlier).loc["F1", "on_time"] == 25


def test_half_a_second_after_the_deadline_is_late_on_both_engines(db):
    # The rollup stores whole seconds after the end of the day, rounded up: a fraction past the
    # deadline is past it (PostgreSQL keeps microseconds, SQLite milliseconds).
    deadline = wib(aug(2), 12, 0)
    for submitted_at, on_time in ((deadline + timedelta(milliseconds=500), 0), (deadline, 1),
                                  (deadline - timedelta(milliseconds=500), 1)):
        with db.begin() as conn:
            conn.execute(update(schema.facility_reports)
                         .where(schema.facility_reports.c.facility_id == IDS["F1"],
                                schema.facility_reports.c.report_day == aug(1))
                         .values(submitted_at=submitted_at))
            rollups.refresh(conn, aug(1), aug(1), rollups.REPORT_ROLLUPS)
            bump(conn)
        queries.clear_cache()
        days = c._days(runner(db), aug(1), aug(1), TH, facility="F1")
        assert list(days["on_time"]) == [on_time], submitted_at


def test_a_second_report_for_a_day_counts_once_and_the_first_is_kept(db):
    days = c._days(runner(db), aug(15), aug(15), TH, facility="F2")
    assert (len(days), int(days["expected"].iloc[0]), int(days["reported"].iloc[0]), int(days["on_time"].iloc[0])) == (1, 1, 1, 1)


def test_consistency_latency_and_days_since_last_report(db):
    table = table_of(db, AUG)
    f1 = table.loc["F1"]
    assert (f1["declared_tests"], f1["sent_tests"]) == (22, 20)
    assert f1["consistency_gap"] == pytest.approx(0.1)  # exactly 10%: not flagged (over 10% is)
    assert table.loc["F3", "consistency_gap"] == pytest.approx(0.25)
    # 11 results at 3 h and 9 at 30 h: the median falls in the 2-4 h bucket, 10/11 of its way.
    assert f1["median_specimen_to_result_h"] == pytest.approx(2 + 2 * 10 / 11)
    assert f1["median_result_to_report_h"] == pytest.approx(10 / 11)  # 0-1 h bucket
    assert f1["result_within_24h"] == pytest.approx(11 / 20)
    assert f1["reported_within_24h"] == pytest.approx(11 / 20)
    assert f1["days_since_last_report"] == 1  # last report for 30 Aug, period ends 31 Aug
    assert pd.isna(table.loc["F6", "days_since_last_report"])
    assert pd.isna(table.loc["F6", "median_result_to_report_h"])


def test_authorisation_expiring_mid_period_and_revoked(db):
    table = table_of(db, AUG)
    f5 = table.loc["F5"]
    assert (f5["results"], f5["certificates"]) == (3, 1)
    assert (f5["unauthorised_results"], f5["unauthorised_certificates"]) == (2, 1)  # pcr on 5 Aug, antigen 20 Aug
    assert table["authorisation"].to_dict() == {
        "F1": "valid", "F2": "none", "F3": "valid", "F4": "none", "F5": "expired", "F6": "none", "F7": "revoked"}
    # Within its authorisation the same facility is clean.
    assert table_of(db, (aug(6), aug(15))).loc["F5", "flags"] == ()


def test_city_rates_and_weekly_trend(db):
    figures = c.compliance(runner(db), *AUG, TH)
    expected = sum(row[0] for row in EXPECTED_AUG.values())
    received = sum(row[1] for row in EXPECTED_AUG.values())
    on_time = sum(row[2] for row in EXPECTED_AUG.values())
    assert (figures.city["expected"], figures.city["received"], figures.city["on_time"]) == (expected, received, on_time)
    assert figures.status_counts == {"green": 4, "amber": 1, "red": 2, None: 0}
    practice = figures.weekly[figures.weekly["type"] == "practice"]
    # Weeks end 31, 24, 17, 10 and 3 Aug (1-3 Aug: Saturday, Sunday, Monday).
    assert list(practice["week_end"].dt.day) == [3, 10, 17, 24, 31]
    assert list(practice["expected"]) == [1, 5, 5, 5, 5]
    assert list(practice["week_start"].dt.day) == [1, 4, 11, 18, 25]
    everyone = figures.weekly[figures.weekly["type"] == "all"]
    assert everyone["expected"].sum() == expected
    assert list(figures.non_compliant()["registry_code"]) == ["F1", "F3", "F5", "F6", "F7"]
    assert list(figures.furthest_behind(3)["registry_code"]) == ["F6", "F7", "F1"]


def test_facility_view_calendar_tests_and_authorisations(db):
    view = c.facility_view(runner(db), "F1", *AUG, TH)
    statuses = dict(zip(view.calendar["day"].dt.day, view.calendar["status"]))
    assert statuses[1] == "on_time" and statuses[2] == "late"
    assert [d for d, s in statuses.items() if s == "missing"] == [10, 11, 12, 31]
    tests = view.tests.set_index("test_type")
    assert tests.loc["pcr", ["results", "positives"]].tolist() == [11, 2]
    assert tests.loc["antigen", "positivity"] == pytest.approx(3 / 9)
    assert view.latency["specimen_to_result"].tolist() == [0, 0, 11, 0, 0, 0, 0, 9, 0, 0, 0]
    assert list(view.authorisations["number"]) == ["440/1"]
    f4 = c.facility_view(runner(db), "F4", *AUG, TH).calendar
    assert f4.loc[f4["day"].dt.day == 8, "status"].item() == "closed_day"
    f2 = c.facility_view(runner(db), "F2", *AUG, TH).calendar
    assert f2.loc[f2["day"].dt.day == 10, "status"].item() == "not_expected_reported"
    assert c.facility_view(runner(db), "NOPE", *AUG, TH) is None


def test_bad_periods_are_refused_with_a_message_key(db):
    with pytest.raises(c.PeriodError) as refused:
        c.compliance(runner(db), aug(31), aug(1), TH)
    assert refused.value.key == "compliance.error.reversed"
    with pytest.raises(c.PeriodError) as refused:
        c.compliance(runner(db), date(2024, 1, 1), date(2026, 1, 1), TH)
    assert refused.value.key == "compliance.error.too_long"
    with pytest.raises(c.PeriodError) as refused:
        c.compliance(runner(db), date(2018, 1, 1), date(2018, 1, 5), TH)
    assert refused.value.key == "compliance.error.outside"


def test_mayor_may_run_the_page_queries_and_press_may_not(db):
    assert len(c.compliance(runner(db, "mayor"), *AUG, TH).table) == 7
    with pytest.raises(queries.QueryNotAllowed):
        c.compliance(runner(db, "press"), *AUG, TH)


def test_export_reopened_equals_the_table(db):
    figures = c.compliance(runner(db), *AUG, TH)
    shown = compliance_export.export_table(figures)
    book = openpyxl.load_workbook(BytesIO(compliance_export.to_xlsx(figures)))
    sheet = book[compliance_export.SHEET]
    values = list(sheet.values)
    assert list(values[0]) == list(shown.columns)
    reopened = pd.DataFrame(values[1:], columns=values[0])

    def cells(frame):
        return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]

    assert cells(reopened) == cells(shown)
    assert list(shown["Kode Faskes"]) == ["F6", "F7", "F1", "F3", "F5"]  # red, amber, then flagged green
    assert list(shown["Laporan diterima"]) == [0, 0, 27, 20, 15]
    definitions = dict(list(book[compliance_export.DEFINITIONS_SHEET].values)[:2])
    assert definitions["Periode"] == "2026-08-01 s.d. 2026-08-31"
    csv = pd.read_csv(BytesIO(compliance_export.to_csv(figures)), encoding="utf-8-sig", dtype={"Kode Faskes": str})
    assert list(csv.columns) == list(shown.columns)
    assert list(csv["Kode Faskes"]) == list(shown["Kode Faskes"])


# --- The demo city --------------------------------------------------------------------------------

COMPLIANCE_LABELS = {"late_reporter": "late", "silent_facility": "silent", "unauthorized_issuer": "unauthorised"}


def test_demo_city_ground_truth(small_city):
    from tests.conftest import DEMO_END

    with small_city.connect() as conn:
        truth = pd.read_sql("SELECT entity_id, kind FROM demo_ground_truth WHERE entity = 'facility'", conn)
    assert set(COMPLIANCE_LABELS) <= set(truth["kind"])  # the labels this test relies on exist
    start, end = c.default_period(DEMO_END.date() + timedelta(days=3), wib_day(DEMO_END))
    assert (start, end) == (date(2026, 10, 30), date(2026, 11, 26))
    table = c.compliance(runner(small_city), start, end, TH).table
    labels = dict(zip(truth["entity_id"].astype(int), truth["kind"]))
    table["label"] = table["facility_id"].map(labels).fillna("reliable")
    for row in table.itertuples():
        if row.label in COMPLIANCE_LABELS:
            assert COMPLIANCE_LABELS[row.label] in row.flags, (row.registry_code, row.label, row.flags)
        if row.label == "reliable":
            assert row.status != "red", row.registry_code
        if row.label == "silent_facility":
            assert row.status == "red", row.registry_code
    assert set(COMPLIANCE_LABELS) <= set(table["label"])  # each kind is in the period's table


def test_the_pages_runner_that_starts_the_queries_together_gives_the_same_figures(db):
    """pages/compliance.py's runner starts the registry, weeks and results together
    (figures.common.prefetch) and reads each once; the figures are those of a runner that runs them
    one by one."""
    from tests.test_query_runner import one_by_one_and_together

    one_by_one, together, executed = one_by_one_and_together(db, c.compliance, *AUG, TH)
    pd.testing.assert_frame_equal(together.table, one_by_one.table)
    pd.testing.assert_frame_equal(together.weekly, one_by_one.weekly)
    assert (together.city, together.status_counts) == (one_by_one.city, one_by_one.status_counts)
    for name in ("compliance_registry", "compliance_weeks", "compliance_results"):
        threads = executed.of_query(name)
        assert len(threads) == 1 and threads[0].startswith("query"), (name, threads)


def _median_one_by_one(counts: list[int]) -> float:
    """The latency median of one histogram the plain way: walk the buckets to the one holding half."""
    total = sum(counts)
    if total <= 0:
        return math.nan
    half, seen = total / 2, 0
    for k, n in enumerate(counts):
        if seen + n >= half:
            if k >= len(LATENCY_EDGES_HOURS):
                return math.inf
            low = 0.0 if k == 0 else LATENCY_EDGES_HOURS[k - 1]
            return low + (LATENCY_EDGES_HOURS[k] - low) * (half - seen) / n
        seen += n
    raise AssertionError("half of the total lies within the histogram")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=LATENCY_BUCKETS, max_size=LATENCY_BUCKETS), min_size=1,
                max_size=12))
def test_histogram_medians_of_every_facility_at_once_equal_one_by_one(histograms):
    medians = c.histogram_medians(np.array(histograms))
    for got, counts in zip(medians, histograms):
        expected = _median_one_by_one(counts)
        assert got == pytest.approx(expected, nan_ok=True) or (math.isinf(got) and math.isinf(expected)), counts
