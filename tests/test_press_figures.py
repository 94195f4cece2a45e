"""What press sees on the overview cannot be worked out into a count of 1-4 (DESIGN 3, "Press
figures"; README, small-cell suppression): on a hand-made city of four cases, every figure press can
see on any day is collected, and what a reader could derive from all of them together is computed
by brute force; every hidden count keeps more than one possible value. The three ways the issue
named: (a) the changes of active, recovered and died beside a hidden new-case tile; (b) cumulative
confirmed on D minus D-1; (c) the 7-day kecamatan table stepped one day at a time."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

import queries
from casedb import rollups, schema
from casedb.data_version import bump
from casedb.wib import wib_day, wib_to_utc
from figures import overview as figures
from figures.common import is_hidden
from tests.test_queries_overview import INCOMPLETE_DAYS, KEC, KEL, THRESHOLDS, _region

MONDAY = date(2026, 8, 3)
WEEKS = [MONDAY + timedelta(days=7 * w) for w in range(3)]  # 3-9, 10-16, 17-23 Aug 2026
A1, A2, B1, C1 = list(KEL)
# (kelurahan, confirmed, recovered, died): four cases, 1-2 a week.
CASES = [
    (A1, MONDAY + timedelta(days=1), MONDAY + timedelta(days=10), None),
    (B1, MONDAY + timedelta(days=9), None, None),
    (A2, MONDAY + timedelta(days=11), None, MONDAY + timedelta(days=12)),
    (A1, MONDAY + timedelta(days=14), None, None),
]
DAYS = [MONDAY + timedelta(days=k) for k in range(21)]


def _at(day: date) -> datetime:
    return wib_to_utc(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))


def _write(engine) -> None:
    with engine.begin() as conn:
        for code, population in KEC.items():
            conn.execute(insert(schema.regions).values(_region(code, "kecamatan", None, population)))
        for code, (parent, population) in KEL.items():
            conn.execute(insert(schema.regions).values(_region(code, "kelurahan", parent, population)))
        conn.execute(insert(schema.facilities).values(
            id=1, registry_code="F1", name="Lab", type="lab", kelurahan_code=A1, lat=0.5, lon=101.4,
            opened_on=date(2020, 1, 1), reports_daily=True, is_synthetic=True, source="test"))
        for i, (kelurahan, confirmed, recovered, died) in enumerate(CASES, start=1):
            person = f"p{i}"
            conn.execute(insert(schema.persons).values(person_key=person, sex="F", birth_year=1980,
                                                       is_resident=True, home_kelurahan_code=kelurahan))
            conn.execute(insert(schema.test_results).values(
                id=i, facility_id=1, person_key=person, test_type="pcr", purpose="diagnostic",
                specimen_at=_at(confirmed) - timedelta(hours=6), result_at=_at(confirmed),
                reported_at=_at(confirmed), result_day=confirmed, result="positive", source_ref=f"T{i}"))
            conn.execute(insert(schema.cases).values(
                person_key=person, test_result_id=i, confirmed_at=_at(confirmed), confirmed_day=confirmed,
                kelurahan_code=kelurahan, is_imported=False,
                recovered_at=recovered and _at(recovered), recovered_day=recovered,
                died_at=died and _at(died), died_day=died))
        rollups.refresh(conn, date(2026, 7, 1), date(2026, 8, 31))
        bump(conn)


@pytest.fixture
def four_cases(empty_db):
    _write(empty_db)
    queries.clear_cache()
    return empty_db


def _press(engine):
    def run(name, **params):
        return queries.run(name, "press", engine=engine, **params)
    return run


def _screens(engine) -> dict[date, figures.Overview]:
    """Every overview press can open in the three weeks, one per day."""
    run = _press(engine)
    span = figures.data_span(run)
    return {day: figures.press_overview(run, day, span, INCOMPLETE_DAYS, THRESHOLDS) for day in DAYS}


def _true_weekly() -> list[int]:
    return [sum(1 for _, c, _, _ in CASES if w <= c <= w + timedelta(days=6)) for w in WEEKS]


def _rounded_range(value) -> range:
    """The true values a running total press sees may stand for."""
    if value == 0:
        return range(0, 1)
    if value == queries.ROUNDED_SMALL:
        return range(1, 10)
    assert not is_hidden(value)
    return range(int(value) - 5, int(value) + 5)


def _cell_range(value) -> range:
    if value == queries.SMALL_COUNT:
        return range(1, 5)
    if value == queries.COMPLEMENT:
        return range(0, 10)  # the reader knows nothing of it (here: small enough to enumerate)
    return range(int(value), int(value) + 1)


def _feasible_weekly(screens: dict[date, figures.Overview]) -> dict[date, set[int]]:
    """For each week, every new-case count that agrees with everything press saw on every day: the
    weekly curve cells, the week's tile, and the running totals (active + recovered + died =
    confirmed = the sum of the weeks so far), each within its rounding."""
    cells: dict[date, set[int]] = {}
    totals: dict[date, tuple[range, range, range]] = {}
    for screen in screens.values():
        for day, value in zip(screen.curve["day"].dt.date, screen.curve["new_cases"]):
            cells.setdefault(day, set(range(0, 10)))
            cells[day] &= set(_cell_range(value))
        tiles = {tile.key: tile for tile in screen.tiles}
        cells.setdefault(screen.period[0], set(range(0, 10)))
        cells[screen.period[0]] &= set(_cell_range(tiles["new_cases"].value))
        totals[screen.period[1]] = tuple(_rounded_range(tiles[k].value) for k in ("active", "recovered", "died"))
    weeks = sorted(cells)
    feasible = [set() for _ in weeks]
    for candidate in itertools.product(*(sorted(cells[w]) for w in weeks)):
        ok = True
        for end, (active, recovered, died) in totals.items():
            confirmed = sum(n for w, n in zip(weeks, candidate) if w <= end)
            low = active.start + recovered.start + died.start
            high = (active.stop - 1) + (recovered.stop - 1) + (died.stop - 1)
            ok &= low <= confirmed <= high
        if ok:
            for i, n in enumerate(candidate):
                feasible[i].add(n)
    return dict(zip(weeks, feasible))


def test_the_hand_made_city_has_hidden_small_counts(four_cases):
    assert _true_weekly() == [1, 2, 1]
    health = queries.run("city_cases_weekly", "health", engine=four_cases, start=MONDAY, end=DAYS[-1])
    assert [int(n) for n in health["new_cases"]] == [1, 2, 1]


def test_no_hidden_weekly_count_can_be_worked_out_from_everything_press_sees(four_cases):
    screens = _screens(four_cases)
    feasible = _feasible_weekly(screens)
    assert set(WEEKS) <= set(feasible)
    for week, true in zip(WEEKS, _true_weekly()):
        assert true in feasible[week]
        assert len(feasible[week]) > 1, (week, feasible[week])


def test_a_no_change_beside_a_hidden_new_case_tile(four_cases):
    """(a) No tile press sees has a change: the changes of active, recovered and died would add
    up to the week's new cases; running totals are rounded, and here all below 10."""
    for day, screen in _screens(four_cases).items():
        for tile in screen.tiles:
            assert tile.change(1) is None and tile.change(7) is None, (day, tile.key)
        tiles = {tile.key: tile.value for tile in screen.tiles}
        assert tiles["new_cases"] in (0, queries.SMALL_COUNT, queries.COMPLEMENT), (day, tiles)
        assert {tiles[k] for k in ("active", "recovered", "died")} <= {0, queries.ROUNDED_SMALL}, (day, tiles)


def test_b_day_d_and_d_minus_1_give_no_day_count(four_cases):
    """(b) D and D-1 in one week show the same figures; across weeks only weekly, rounded ones:
    no exact running total exists to subtract."""
    screens = _screens(four_cases)
    for day in DAYS[1:]:
        before, now = screens[day - timedelta(days=1)], screens[day]
        same_week = figures.press_week(day) == figures.press_week(day - timedelta(days=1))
        if same_week:
            assert [t.values for t in now.tiles] == [t.values for t in before.tiles]
            assert now.kecamatan.equals(before.kecamatan)
        for tile in now.tiles:
            if tile.key in ("active", "recovered", "died"):
                assert tile.value == 0 or is_hidden(tile.value) or int(tile.value) % 10 == 0
    # Health, for comparison, sees the day's running totals exactly (and D minus D-1 is that day's count).
    health = queries.run("city_cases_totals", "health", engine=four_cases, day=CASES[1][1])
    assert int(health.iloc[0]["confirmed"]) == 2


def test_c_stepping_the_kecamatan_table_a_day_at_a_time(four_cases):
    """(c) The table is of a fixed ISO week: stepping the day gives the same week or a week that
    does not overlap it, so no difference of two tables is a day; within a week, each hidden
    kecamatan count keeps several possible values given the city's weekly figure."""
    screens = _screens(four_cases)
    periods = {screen.period for screen in screens.values()}
    for one, other in itertools.combinations(periods, 2):
        assert one[1] < other[0] or other[1] < one[0], (one, other)
    for period in periods:
        start, end = period
        assert end - start == timedelta(days=6) and start.weekday() == 0
    feasible = _feasible_weekly(screens)
    for screen in screens.values():
        table = screen.kecamatan
        options = [sorted(_cell_range(v)) for v in table["new_cases"]]
        possible = [set() for _ in options]
        for candidate in itertools.product(*options):
            if sum(candidate) in feasible.get(screen.period[0], {0}):
                for i, n in enumerate(candidate):
                    possible[i].add(n)
        for value, can_be in zip(table["new_cases"], possible):
            if is_hidden(value):
                assert len(can_be) > 1, (screen.period, list(table["new_cases"]), possible)
