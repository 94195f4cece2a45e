"""The overview figures (tiles, epidemic curve, kecamatan zones) on SQLite and PostgreSQL, checked
against hand-computed numbers and against a second implementation in pandas over the raw rows."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert

import queries
from casedb import rollups, schema
from casedb.data_version import bump
from casedb.wib import wib_day
from figures import overview as figures

THRESHOLDS = (20.0, 50.0, 150.0)
INCOMPLETE_DAYS = 3

KEC = {"14.71.01": 4_000, "14.71.02": 600, "14.71.03": 5_000}
KEL = {  # kelurahan -> (kecamatan, population)
    "14.71.01.1001": ("14.71.01", 2_400),
    "14.71.01.1002": ("14.71.01", 1_600),
    "14.71.02.1001": ("14.71.02", 600),
    "14.71.03.1001": ("14.71.03", 5_000),
}
A1, A2, B1 = "14.71.01.1001", "14.71.01.1002", "14.71.02.1001"


def utc(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    return datetime(2026, month, day, hour, minute)


# (person, test type, result at in naive UTC, result). WIB day in the comment.
TESTS = [
    ("p10", "pcr", utc(1, 3), "positive"),          # 1 Aug
    ("p11", "antigen", utc(3, 2), "positive"),      # 3 Aug
    ("p1", "pcr", utc(5, 16, 30), "positive"),      # 23:30 WIB: 5 Aug
    ("p2", "antigen", utc(5, 17, 30), "positive"),  # 00:30 WIB: 6 Aug
    ("p3", "pcr", utc(6, 3), "negative"),           # 6 Aug
    ("p3", "pcr", utc(8, 4), "positive"),           # 8 Aug
    ("p4", "antigen", utc(8, 5), "negative"),       # 8 Aug
    ("p4", "antigen", utc(9, 5), "negative"),       # 9 Aug, same person again in the window
    ("p5", "antigen", utc(9, 6), "positive"),       # 9 Aug
    ("p5", "pcr", utc(10, 6), "positive"),          # 10 Aug, confirms the same case again
    ("p6", "antibody", utc(10, 6), "positive"),     # 10 Aug, never a case
    ("p7", "pcr", utc(10, 7), "invalid"),           # 10 Aug, no positivity denominator
    ("p8", "pcr", utc(10, 16, 59), "negative"),     # 23:59 WIB: 10 Aug
    ("p9", "pcr", utc(10, 17, 0), "negative"),      # 00:00 WIB: 11 Aug
]
# (person, index of the confirming test, kelurahan, recovered at, died at)
CASES = [
    ("p10", 0, B1, utc(3, 1), None),
    ("p11", 1, A2, None, None),
    ("p1", 2, A1, utc(9, 3), None),
    ("p2", 3, A2, None, utc(10, 2)),
    ("p3", 5, B1, None, None),
    ("p5", 8, A1, None, None),
]


def write_fixture(engine) -> None:
    with engine.begin() as conn:
        for code, population in KEC.items():
            conn.execute(insert(schema.regions).values(_region(code, "kecamatan", None, population)))
        for code, (parent, population) in KEL.items():
            conn.execute(insert(schema.regions).values(_region(code, "kelurahan", parent, population)))
        conn.execute(insert(schema.facilities), [
            dict(id=i, registry_code=f"F{i}", name=f"Facility {i}", type=kind, kelurahan_code=A1, lat=0.5,
                 lon=101.4, opened_on=date(2020, 1, 1), reports_daily=True, is_synthetic=True, source="test")
            for i, kind in ((1, "hospital"), (2, "lab"))
        ])
        people = sorted({p for p, *_ in TESTS})
        conn.execute(insert(schema.persons), [
            dict(person_key=p, sex="F", birth_year=1980, is_resident=True, home_kelurahan_code=A1) for p in people
        ])
        for i, (person, test_type, result_at, result) in enumerate(TESTS, start=1):
            conn.execute(insert(schema.test_results).values(
                id=i, facility_id=1 + i % 2, person_key=person, test_type=test_type, purpose="diagnostic",
                specimen_at=result_at - timedelta(hours=20), result_at=result_at, reported_at=result_at,
                result_day=wib_day(result_at), result=result, source_ref=f"T{i}"))
        for person, test_index, kelurahan, recovered_at, died_at in CASES:
            confirmed_at = TESTS[test_index][2]
            conn.execute(insert(schema.cases).values(
                person_key=person, test_result_id=test_index + 1, confirmed_at=confirmed_at,
                confirmed_day=wib_day(confirmed_at), kelurahan_code=kelurahan, is_imported=False,
                recovered_at=recovered_at, recovered_day=recovered_at and wib_day(recovered_at),
                died_at=died_at, died_day=died_at and wib_day(died_at)))
        rollups.refresh(conn, date(2026, 7, 1), date(2026, 8, 31))
        bump(conn)


def _region(code, level, parent, population):
    return dict(code=code, name=f"Area {code}", level=level, parent_code=parent, population=population,
                population_is_estimate=True, population_source="test", centroid_lat=0.5, centroid_lon=101.4,
                area_km2=1.0, source="test")


@pytest.fixture
def overview_db(empty_db):
    write_fixture(empty_db)
    return empty_db


def runner(engine):
    def run(name, **params):
        return queries.run(name, "health", engine=engine, **params)
    return run


def figures_on(engine, day: date) -> figures.Overview:
    run = runner(engine)
    return figures.overview(run, day, figures.data_span(run), INCOMPLETE_DAYS, THRESHOLDS)


def tile_values(overview: figures.Overview) -> dict[str, tuple]:
    return {tile.key: tile.values for tile in overview.tiles}


# Hand-computed from the rows above: (D, D-1, D-7) for each tile.
EXPECTED_TILES = {
    date(2026, 8, 6): {
        "new_cases": (1, 1, 0), "active": (3, 2, 0), "recovered": (1, 1, 0), "died": (0, 0, 0),
        "tests_pcr": (1, 1, 0), "tests_antigen": (1, 0, 0), "tests_antibody": (0, 0, 0),
        "positivity_pcr": (2 / 3, 1.0, None), "positivity_antigen": (1.0, 1.0, None),
    },
    date(2026, 8, 10): {
        "new_cases": (0, 1, 1), "active": (3, 4, 1), "recovered": (2, 2, 1), "died": (1, 0, 0),
        "tests_pcr": (3, 0, 0), "tests_antigen": (0, 2, 1), "tests_antibody": (1, 0, 0),
        "positivity_pcr": (3 / 4, 1.0, 1.0), "positivity_antigen": (2 / 3, 3 / 4, 1.0),
    },
}
# Hand-computed kecamatan rows on D: (new cases in D-6..D, zone) for 14.71.01, 14.71.02, 14.71.03.
EXPECTED_KECAMATAN = {
    date(2026, 8, 10): [(3, "orange"), (1, "red"), (0, "green")],  # 75, 166.7, 0 per 100k
    date(2026, 8, 12): [(2, "orange"), (1, "red"), (0, "green")],  # 50 is orange: [50, 150)
    date(2026, 8, 14): [(1, "yellow"), (1, "red"), (0, "green")],  # 25
}


def test_span_and_default_day(overview_db):
    span = figures.data_span(runner(overview_db))
    assert span == (date(2026, 8, 1), date(2026, 8, 11))
    assert figures.default_day(span, today=date(2026, 11, 27)) == date(2026, 8, 11)
    assert figures.default_day(span, today=date(2026, 8, 9)) == date(2026, 8, 9)


@pytest.mark.parametrize("day", sorted(EXPECTED_TILES))
def test_tiles_match_hand_computed(overview_db, day):
    values = tile_values(figures_on(overview_db, day))
    expected = EXPECTED_TILES[day]
    assert values.keys() == expected.keys()
    for key, want in expected.items():
        assert values[key] == pytest.approx(want), key


def test_result_at_2330_wib_counts_on_that_day_and_0030_on_the_next(overview_db):
    aug5 = tile_values(figures_on(overview_db, date(2026, 8, 5)))
    aug6 = tile_values(figures_on(overview_db, date(2026, 8, 6)))
    assert aug5["tests_pcr"][0] == 1 and aug5["tests_antigen"][0] == 0 and aug5["new_cases"][0] == 1
    assert aug6["tests_antigen"][0] == 1 and aug6["new_cases"][0] == 1
    aug11 = tile_values(figures_on(overview_db, date(2026, 8, 11)))
    assert aug11["tests_pcr"][:2] == (1, 3)  # 00:00 WIB on 11 Aug, 23:59 WIB stays on 10 Aug


@pytest.mark.parametrize("day", sorted(EXPECTED_KECAMATAN))
def test_kecamatan_zones_match_hand_computed(overview_db, day):
    table = figures_on(overview_db, day).kecamatan
    assert list(table["code"]) == list(KEC)
    assert list(zip(table["new_cases"], table["zone"])) == EXPECTED_KECAMATAN[day]
    assert list(table["population"]) == list(KEC.values())


def test_epidemic_curve_hand_computed(overview_db):
    curve = figures_on(overview_db, date(2026, 8, 10)).curve
    assert list(curve["day"].dt.day) == list(range(1, 11))
    assert list(curve["new_cases"]) == [1, 0, 1, 0, 1, 1, 0, 1, 1, 0]
    assert curve["average_7d"].iloc[:6].isna().all()
    assert list(curve["average_7d"].iloc[6:]) == pytest.approx([4 / 7, 4 / 7, 5 / 7, 4 / 7])
    # The data ends on 11 Aug, so 9, 10 (and 11) Aug are the last three, incomplete days.
    assert list(curve.loc[curve["incomplete"], "day"].dt.day) == [9, 10]


def test_empty_database_has_no_span(empty_db):
    assert figures.data_span(runner(empty_db)) is None
    assert figures.default_day(None, today=date(2026, 11, 27)) == date(2026, 11, 27)


# --- A second implementation in pandas over the raw rows --------------------------------------

class RawFigures:
    """The DESIGN definitions computed directly from the raw tables, without rollups or *_day columns."""

    def __init__(self, engine):
        with engine.connect() as conn:
            self.cases = pd.read_sql("SELECT * FROM cases", conn)
            self.tests = pd.read_sql("SELECT * FROM test_results", conn)
            self.regions = pd.read_sql("SELECT * FROM regions", conn)
        for frame, columns in ((self.cases, ("confirmed_at", "recovered_at", "died_at")), (self.tests, ("result_at",))):
            for column in columns:
                moment = pd.to_datetime(frame[column], format="mixed")
                frame[column.replace("_at", "_wib")] = (moment + pd.Timedelta(hours=7)).dt.date

    def tiles(self, day: date) -> dict[str, tuple]:
        return {key: tuple(self.tile(key, day - timedelta(days=k)) for k in (0, 1, 7))
                for key in EXPECTED_TILES[date(2026, 8, 10)]}

    def tile(self, key: str, d: date):
        c, t = self.cases, self.tests
        confirmed = c["confirmed_wib"] <= d
        recovered = c["recovered_wib"].notna() & (c["recovered_wib"] <= d)
        died = c["died_wib"].notna() & (c["died_wib"] <= d)
        if key == "new_cases":
            return int((c["confirmed_wib"] == d).sum())
        if key == "active":
            return int((confirmed & ~recovered & ~died).sum())
        if key == "recovered":
            return int(recovered.sum())
        if key == "died":
            return int(died.sum())
        test_type = key.split("_", 1)[1]
        if key.startswith("tests_"):
            return int(((t["result_wib"] == d) & (t["test_type"] == test_type)).sum())
        in_window = t[(t["result_wib"] > d - timedelta(days=7)) & (t["result_wib"] <= d)
                      & (t["test_type"] == test_type) & t["result"].isin(["positive", "negative"])]
        tested = in_window["person_key"].nunique()
        positive = in_window.loc[in_window["result"] == "positive", "person_key"].nunique()
        return positive / tested if tested else None

    def kecamatan(self, day: date) -> pd.DataFrame:
        c = self.cases[(self.cases["confirmed_wib"] > day - timedelta(days=7)) & (self.cases["confirmed_wib"] <= day)]
        parent = self.regions.set_index("code")["parent_code"]
        per_kec = c["kelurahan_code"].map(parent).value_counts()
        kec = self.regions[self.regions["level"] == "kecamatan"].sort_values("code")
        new_cases = kec["code"].map(per_kec).fillna(0).astype(int)
        incidence = new_cases * 100_000 / kec["population"]
        zones = pd.cut(incidence, [-1, *THRESHOLDS, float("inf")], right=False,
                       labels=["green", "yellow", "orange", "red"]).astype(str)
        return pd.DataFrame({"code": kec["code"].to_numpy(), "new_cases": new_cases.to_numpy(),
                             "incidence": incidence.to_numpy(), "zone": zones.to_numpy()})

    def daily_new_cases(self, first: date, day: date) -> list[int]:
        counts = self.cases["confirmed_wib"].value_counts()
        return [int(counts.get(d.date(), 0)) for d in pd.date_range(first, day)]


def assert_matches_pandas(engine, days: list[date]) -> None:
    raw = RawFigures(engine)
    for day in days:
        overview = figures_on(engine, day)
        values = tile_values(overview)
        for key, want in raw.tiles(day).items():
            assert values[key] == pytest.approx(want), (day, key)
        want = raw.kecamatan(day)
        got = overview.kecamatan.reset_index(drop=True)
        assert list(got["code"]) == list(want["code"])
        assert list(got["new_cases"]) == list(want["new_cases"]), day
        assert list(got["incidence"]) == pytest.approx(list(want["incidence"]))
        assert list(got["zone"]) == list(want["zone"]), day
        curve = overview.curve
        assert list(curve["new_cases"]) == raw.daily_new_cases(curve["day"].iloc[0].date(), day)


def test_fixture_matches_pandas(overview_db):
    assert_matches_pandas(overview_db, [date(2026, 8, d) for d in (1, 5, 6, 8, 10, 11, 14)])


def test_small_city_matches_pandas(small_city):
    """The generated small city: the figures agree with pandas over the raw rows on days across
    the history, including the last (incomplete) days."""
    first, last = figures.data_span(runner(small_city))
    curve = figures.epidemic_curve(runner(small_city), first, last, incomplete_from=last)
    peak = curve.loc[curve["average_7d"].idxmax(), "day"].date()
    assert curve["average_7d"].max() >= 5  # a real wave, not a comparison of zeros
    days = [last, last - timedelta(days=2), last - timedelta(days=45), peak, peak - timedelta(days=10), first]
    assert_matches_pandas(small_city, days)
