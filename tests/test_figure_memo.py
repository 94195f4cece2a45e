"""The figure memo (queries.figure, used by ui.live.figure and bench.pages): a page rerun with no new
data costs a lookup, not a recomputation. Checked on SQLite and PostgreSQL against the figure
functions called directly: equal figures, recomputed when the data version moves, one entry per
role, unhashable arguments and errors never kept, and copies that a page may change freely."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert

import queries
from casedb import rollups, schema
from casedb.data_version import bump
from casedb.wib import wib_day
from figures import overview as figures
from tests.test_queries_overview import A1, INCOMPLETE_DAYS, THRESHOLDS, utc, write_fixture

DAY = date(2026, 8, 10)


@pytest.fixture
def overview_db(empty_db):
    write_fixture(empty_db)
    queries.clear_cache()
    yield empty_db
    queries.clear_cache()


class Counted:
    """queries.run for `role` on `engine`, counting the queries it is asked for."""

    def __init__(self, engine, role: str = "health"):
        self.engine, self.role, self.calls = engine, role, 0

    def __call__(self, name, **params):
        self.calls += 1
        return queries.run(name, self.role, engine=self.engine, **params)

    def figure(self, fn, *args, **kwargs):
        version, _ = queries.data_version(self.engine)
        return queries.figure(fn, self, args, kwargs, role=self.role, at_version=version, engine=self.engine)


def assert_same(got, want) -> None:
    """Equal figures: frames and series by value and dtype, dataclasses field by field."""
    assert type(got) is type(want)
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want)
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want)
    elif dataclasses.is_dataclass(want):
        for field in dataclasses.fields(want):
            assert_same(getattr(got, field.name), getattr(want, field.name))
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert_same(a, b)
    else:
        assert got == want


def overview_args(run) -> tuple:
    return DAY, figures.data_span(run), INCOMPLETE_DAYS, THRESHOLDS


def test_memoised_figures_equal_the_figures_computed_directly(overview_db):
    run = Counted(overview_db)
    args = overview_args(run)
    direct = figures.overview(run, *args)
    first = run.figure(figures.overview, *args)
    calls = run.calls
    again = run.figure(figures.overview, *args)
    assert run.calls == calls  # the second is a lookup: no query asked for
    assert_same(first, direct)
    assert_same(again, direct)
    assert run.figure(figures.data_span) == figures.data_span(run) == (date(2026, 8, 1), date(2026, 8, 11))
    # Keyword arguments name an entry of their own and give the same figure as the call.
    assert_same(run.figure(figures.overview, DAY, args[1], INCOMPLETE_DAYS, thresholds=THRESHOLDS), direct)


def _add_case(engine, person: str, at) -> None:
    """A positive PCR result and the case it confirms, with the rollups and the data version moved."""
    with engine.begin() as conn:
        conn.execute(insert(schema.persons).values(person_key=person, sex="M", birth_year=1990, is_resident=True,
                                                   home_kelurahan_code=A1))
        result_id = 100  # the fixture numbers its results itself: PostgreSQL's sequence has not moved
        conn.execute(insert(schema.test_results).values(
            id=result_id, facility_id=1, person_key=person, test_type="pcr", purpose="diagnostic",
            specimen_at=at - timedelta(hours=20), result_at=at, reported_at=at, result_day=wib_day(at),
            result="positive", source_ref=f"T-{person}"))
        conn.execute(insert(schema.cases).values(
            person_key=person, test_result_id=result_id, confirmed_at=at, confirmed_day=wib_day(at),
            kelurahan_code=A1, is_imported=False))
        rollups.refresh(conn, date(2026, 7, 1), date(2026, 8, 31))
        bump(conn)


def test_new_data_is_a_new_version_and_the_figure_is_recomputed(overview_db):
    run = Counted(overview_db)
    args = overview_args(run)
    before = run.figure(figures.overview, *args)
    assert before.tiles[0].key == "new_cases" and before.tiles[0].value == 0  # hand count: none on 10 Aug
    _add_case(overview_db, "p20", utc(10, 4))  # 11:00 WIB on 10 Aug
    calls = run.calls
    after = run.figure(figures.overview, *args)
    assert run.calls > calls
    assert after.tiles[0].value == 1
    assert int(after.curve.loc[after.curve["day"] == pd.Timestamp(DAY), "new_cases"].iloc[0]) == 1
    assert_same(after, figures.overview(run, *args))
    # The figure of the version before is still the one that version gave.
    version, _ = queries.data_version(overview_db)
    old = queries.figure(figures.overview, run, args, role="health", at_version=version - 1, engine=overview_db)
    assert_same(old, before)


def test_two_roles_do_not_share_an_entry(overview_db):
    health, press = Counted(overview_db, "health"), Counted(overview_db, "press")
    # Sunday 2 Aug: press sees the week 27 Jul - 2 Aug, which holds one new case (1 Aug).
    args = (date(2026, 8, 2), figures.data_span(health), INCOMPLETE_DAYS, THRESHOLDS)
    for_health = health.figure(figures.press_overview, *args)
    for_press = press.figure(figures.press_overview, *args)
    assert press.calls > 0  # not health's entry
    assert_same(for_health, figures.press_overview(health, *args))
    assert_same(for_press, figures.press_overview(press, *args))
    assert for_health.tiles[0].value == 1
    assert for_health.period == for_press.period == (date(2026, 7, 27), date(2026, 8, 2))
    assert for_press.tiles[0].value == queries.SMALL_COUNT


def kecamatan_names(run, areas: pd.DataFrame) -> list[str]:
    """A figure function taking a frame: not hashable, so never memoised."""
    table = run("kecamatan_cases", start=DAY - timedelta(days=6), end=DAY)
    return sorted(table.loc[table["code"].isin(areas["code"]), "name"])


def test_unhashable_arguments_and_nameless_functions_call_through(overview_db):
    run = Counted(overview_db)
    areas = pd.DataFrame({"code": ["14.71.01", "14.71.02"]})
    assert queries.figure_key(kecamatan_names, (areas,)) is None
    for _ in range(2):
        assert run.figure(kecamatan_names, areas) == ["Area 14.71.01", "Area 14.71.02"]
    assert run.calls == 2  # computed each time
    areas.loc[1, "code"] = "14.71.03"  # a frame changed in place is never mistaken for the one before
    assert run.figure(kecamatan_names, areas) == ["Area 14.71.01", "Area 14.71.03"]
    assert run.calls == 3

    def nested(run, day):
        return len(run("kecamatan_cases", start=day, end=day))

    for fn in (nested, lambda run, day: len(run("kecamatan_cases", start=day, end=day))):
        assert queries.figure_key(fn, (DAY,)) is None
        calls = run.calls
        assert run.figure(fn, DAY) == run.figure(fn, DAY) == 3
        assert run.calls == calls + 2


def test_a_changed_copy_leaves_the_memoised_figure_as_it_was(overview_db):
    run = Counted(overview_db)
    args = overview_args(run)
    want = figures.overview(run, *args)
    got = run.figure(figures.overview, *args)
    got.curve["new_cases"] = -1
    del got.curve["average_7d"]
    got.kecamatan.loc[:, "zone"] = "red"
    got.tiles.clear()
    object.__setattr__(got, "day", date(2000, 1, 1))
    assert_same(run.figure(figures.overview, *args), want)


def test_copied_copies_through_dataclasses_dicts_lists_and_tuples():
    @dataclasses.dataclass(frozen=True)
    class Held:
        frames: dict
        rows: list
        pair: tuple
        series: pd.Series

    original = Held({"a": pd.DataFrame({"x": [1, 2]})}, [pd.DataFrame({"y": [3]}), {"n": [4]}],
                    (pd.Series([5.0]), date(2026, 8, 1)), pd.Series([6]))
    copy = queries.copied(original)
    copy.frames["a"].loc[0, "x"] = 100
    copy.frames["b"] = None
    copy.rows[0].loc[0, "y"] = 300
    copy.rows[1]["n"].append(7)
    copy.pair[0].iloc[0] = 500.0
    copy.series.iloc[0] = 600
    assert list(original.frames) == ["a"] and original.frames["a"]["x"].tolist() == [1, 2]
    assert original.rows[0]["y"].tolist() == [3] and original.rows[1] == {"n": [4]}
    assert original.pair[0].tolist() == [5.0] and original.series.tolist() == [6]
    assert copy.pair[1] is original.pair[1]  # immutable values are not copied


FAILURES = []


def fails_first(run, day):
    """Raises while FAILURES holds a flag, then counts the day's kecamatan rows."""
    if FAILURES:
        FAILURES.pop()
        raise RuntimeError("the first call fails")
    return len(run("kecamatan_cases", start=day, end=day))


def test_errors_are_not_memoised(overview_db):
    run = Counted(overview_db)
    FAILURES.append(True)
    with pytest.raises(RuntimeError):
        run.figure(fails_first, DAY)
    assert run.figure(fails_first, DAY) == 3
    calls = run.calls
    assert run.figure(fails_first, DAY) == 3
    assert run.calls == calls


def test_clear_cache_forgets_the_figures_too(overview_db):
    run = Counted(overview_db)
    run.figure(figures.data_span)
    calls = run.calls
    queries.clear_cache()
    run.figure(figures.data_span)
    assert run.calls == calls + 1


def test_figure_memo_is_bounded(overview_db, monkeypatch):
    monkeypatch.setattr(queries, "_figures", queries._Cache(2))
    run = Counted(overview_db)
    for day in (DAY, DAY - timedelta(days=1), DAY - timedelta(days=2)):
        run.figure(fails_first, day)
    calls = run.calls
    run.figure(fails_first, DAY - timedelta(days=2))  # the newest two are kept
    run.figure(fails_first, DAY - timedelta(days=1))
    assert run.calls == calls
    run.figure(fails_first, DAY)  # the oldest went
    assert run.calls == calls + 1
