"""The briefing's figures on the hand-made city of tests/test_press_figures.py (four cases over three
ISO weeks, 3-23 Aug 2026) plus 1,234 negative antigen tests in the third week, on SQLite and
PostgreSQL: what health and mayor see (a day with its changes), what press sees and what a release
holds (the week, suppressed), and that no hidden count can be worked out from a release's tables
together or from a release beside the one before it. Expected values are counted by hand below."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

import queries
from casedb import schema
from casedb.data_version import bump
from figures import briefing as figures
from figures.common import data_span
from tests.test_press_figures import MONDAY, _at, _write
from tests.test_queries_overview import INCOMPLETE_DAYS, THRESHOLDS

WEEK3 = MONDAY + timedelta(days=14)  # 17-23 Aug 2026
ANTIGEN_TESTS = 1_234


def _write_antigen(engine, first_id: int = 100) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.persons), [
            dict(person_key=f"n{i}", sex="M", birth_year=1990, is_resident=True, home_kelurahan_code="14.71.03.1001")
            for i in range(ANTIGEN_TESTS)])
        conn.execute(insert(schema.test_results), [
            dict(id=first_id + i, facility_id=1, person_key=f"n{i}", test_type="antigen", purpose="screening",
                 specimen_at=_at(WEEK3 + timedelta(days=1)), result_at=_at(WEEK3 + timedelta(days=1)),
                 reported_at=_at(WEEK3 + timedelta(days=1)), result_day=WEEK3 + timedelta(days=1), result="negative",
                 source_ref=f"N{i}") for i in range(ANTIGEN_TESTS)])
        from casedb import rollups
        rollups.refresh(conn, WEEK3, WEEK3 + timedelta(days=6))
        bump(conn)


@pytest.fixture
def briefing_city(empty_db):
    _write(empty_db)
    _write_antigen(empty_db)
    queries.clear_cache()
    return empty_db


def _run(engine, role):
    def run(name, **params):
        return queries.run(name, role, engine=engine, **params)
    return run


def _release(engine, day: date):
    run = _run(engine, "press")
    return figures.release_figures(run, day, data_span(run), INCOMPLETE_DAYS, THRESHOLDS)


@pytest.mark.parametrize("role", ["health", "mayor"])
def test_health_and_mayor_see_the_day_with_its_changes(briefing_city, role):
    day = MONDAY + timedelta(days=11)  # Fri 14 Aug: p3 confirmed; p1 recovered on 13 Aug
    run = _run(briefing_city, role)
    shown = figures.briefing(run, day, data_span(run), INCOMPLETE_DAYS, THRESHOLDS, suppressed=False)
    tiles = {tile.key: tile for tile in shown.shown.tiles}
    # (D, D-1, D-7) by hand: new cases 14 Aug 1, 13 Aug 0, 7 Aug 0; active p2+p3, p2, p1.
    assert tiles["new_cases"].values == (1, 0, 0)
    assert tiles["new_cases"].change(1) == 1 and tiles["new_cases"].change(7) == 1
    assert tiles["active"].values == (2, 1, 1)
    assert tiles["recovered"].values == (1, 1, 0)
    assert tiles["died"].values == (0, 0, 0)
    assert tiles["tests_pcr"].values == (1, 0, 0)
    assert shown.period == (day, day)
    assert list(shown.shown.kecamatan["new_cases"]) == [1, 1, 0]  # 8-14 Aug: p3 in 14.71.01, p2 in 14.71.02


def test_press_sees_the_week_without_changes(briefing_city):
    run = _run(briefing_city, "press")
    day = MONDAY + timedelta(days=18)  # Fri 21 Aug: the last whole week is 10-16 Aug
    shown = figures.briefing(run, day, data_span(run), INCOMPLETE_DAYS, THRESHOLDS, suppressed=True)
    assert shown.period == (MONDAY + timedelta(days=7), MONDAY + timedelta(days=13))
    tiles = {tile.key: tile for tile in shown.shown.tiles}
    assert tiles["new_cases"].value == "<5"  # p2 and p3
    assert all(tile.change(1) is None and tile.change(7) is None for tile in shown.shown.tiles)
    assert list(shown.shown.kecamatan["new_cases"]) == ["<5", "<5", 0]


def test_release_figures_by_hand(briefing_city):
    table = _release(briefing_city, WEEK3 + timedelta(days=6))
    assert set(table.columns) == set(figures.COLUMNS)
    headline = figures.headline(table)
    # Week 17-23 Aug: p4 confirmed (1 -> "<5"); at its end p2 and p4 active (2), p1 recovered, p3 died:
    # each 1-9, rounded to "<10"; one PCR test ("<5"); 1,234 antigen tests, none positive.
    assert headline == {"new_cases": "<5", "active": "<10", "recovered": "<10", "died": "<10",
                        "tests_pcr": "<5", "tests_antigen": "1234", "tests_antibody": "0",
                        "positivity_pcr": "<5 positive", "positivity_antigen": "0.000000"}
    assert figures.period_of(table) == (WEEK3, WEEK3 + timedelta(days=6))
    curve = table[table["section"] == "curve"]
    assert list(curve["item"]) == ["2026-08-03", "2026-08-10", "2026-08-17"]
    assert list(curve["value"]) == ["<5", "<5", "<5"]  # 1, 2 and 1 cases
    kecamatan = table[(table["section"] == "kecamatan") & (table["measure"] == "new_cases")]
    # 14.71.01 holds p4 ("<5"); the city's week total is a figure beside it, so one more cell is
    # hidden: the smallest other, 14.71.02's 0, as "x".
    assert list(kecamatan["value"]) == ["<5", "x", "0"]
    zones = table[(table["section"] == "kecamatan") & (table["measure"] == "zone")]
    assert list(zones["value"]) == [None, None, "green"]


def _cell(value) -> range:
    if value == queries.SMALL_COUNT:
        return range(1, 5)
    if value == queries.COMPLEMENT:
        return range(0, 10)
    return range(int(value), int(value) + 1)


def _total(value) -> range:
    if value == queries.ROUNDED_SMALL:
        return range(1, 10)
    return range(int(value) - 5, int(value) + 5) if int(value) else range(0, 1)


def test_no_hidden_count_is_recoverable_from_a_release_and_the_one_before(briefing_city):
    """The release of each week beside the release of the week before (and all three together):
    every weekly count and kecamatan count hidden in them keeps more than one possible value, given
    every figure of those releases (curve cells, headline, kecamatan cells, rounded totals)."""
    tables = [_release(briefing_city, MONDAY + timedelta(days=7 * w + 6)) for w in range(3)]
    for start, end in itertools.combinations(range(3), 2):
        first, second = (figures.period_of(tables[i]) for i in (start, end))
        assert first[1] < second[0]  # releases of different weeks share no day
    for pair in [tables[0:2], tables[1:3], tables]:
        weeks: dict[str, set[int]] = {}
        totals = []
        for table in pair:
            for item, value in table.loc[table["section"] == "curve", ["item", "value"]].itertuples(index=False):
                weeks.setdefault(item, set(range(0, 10)))
                weeks[item] &= set(_cell(value))
            headline = figures.headline(table)
            start, end = figures.period_of(table)
            weeks[start.isoformat()] &= set(_cell(headline["new_cases"]))
            totals.append((end.isoformat(), [_total(headline[k]) for k in ("active", "recovered", "died")]))
        names = sorted(weeks)
        feasible = {w: set() for w in names}
        for candidate in itertools.product(*(sorted(weeks[w]) for w in names)):
            ok = all(sum(r.start for r in ranges) <= sum(n for w, n in zip(names, candidate) if w <= end)
                     <= sum(r.stop - 1 for r in ranges) for end, ranges in totals)
            if ok:
                for w, n in zip(names, candidate):
                    feasible[w].add(n)
        for week in names:
            assert len(feasible[week]) > 1, (week, feasible[week])
        # Within each release: the kecamatan cells against the week's possible totals.
        for table in pair:
            start, _ = figures.period_of(table)
            cells = table[(table["section"] == "kecamatan") & (table["measure"] == "new_cases")]["value"]
            options = [sorted(_cell(v)) for v in cells]
            possible = [set() for _ in options]
            for candidate in itertools.product(*options):
                if sum(candidate) in feasible[start.isoformat()]:
                    for i, n in enumerate(candidate):
                        possible[i].add(n)
            for value, can_be in zip(cells, possible):
                if value in (queries.SMALL_COUNT, queries.COMPLEMENT):
                    assert len(can_be) > 1, (start, list(cells), possible)


def test_a_lone_hidden_kecamatan_gets_a_complementary_cell(briefing_city):
    """Week 3-9 Aug: p1 alone, in 14.71.01. Without a second hidden cell the week's total (a figure
    of the same release) minus the visible zeros would give it; 14.71.02's 0 is hidden as "x"."""
    table = _release(briefing_city, MONDAY + timedelta(days=6))
    cells = table[(table["section"] == "kecamatan") & (table["measure"] == "new_cases")]
    assert list(cells["value"]) == ["<5", "x", "0"]
    incidence = table[(table["section"] == "kecamatan") & (table["measure"] == "incidence")]
    assert list(incidence["value"]) == [None, None, "0.0"]  # no incidence beside a hidden count


def test_changes_between_two_release_tables():
    import pandas as pd
    old = pd.DataFrame([("headline", "city", None, "new_cases", date(2026, 8, 3), date(2026, 8, 9), "12"),
                        ("headline", "city", None, "active", date(2026, 8, 9), date(2026, 8, 9), "40"),
                        ("kecamatan", "14.71.01", "A", "zone", date(2026, 8, 3), date(2026, 8, 9), None)],
                       columns=list(figures.COLUMNS))
    new = old.copy()
    new.loc[0, "value"] = "15"
    new.loc[2, "value"] = "yellow"
    diff = figures.changes(old, new)
    assert diff[["measure", "old_value", "new_value"]].values.tolist() == [["new_cases", "12", "15"],
                                                                          ["zone", None, "yellow"]]
    assert figures.changes(old, old.copy()).empty
