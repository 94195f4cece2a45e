"""The overview screen: headline tiles for a WIB day, the epidemic curve, weekly incidence by kecamatan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from figures.common import (COMPARED_OFFSETS, POSITIVITY_TYPES, TEST_TYPES_SHOWN, WINDOW_DAYS, Run, Tile,
                            as_count, data_span, default_day, positivity, window, zone)

# What the overview page draws: the span and default day its date picker offers, then the figures.
__all__ = ["Overview", "data_span", "default_day", "epidemic_curve", "kecamatan_table", "overview", "press_overview",
           "press_week", "window"]


@dataclass(frozen=True)
class Overview:
    day: date
    tiles: list[Tile]
    curve: pd.DataFrame  # day, new_cases (or "<5"/"x" for press), average_7d, incomplete
    kecamatan: pd.DataFrame  # code, name, population, new_cases (or "<5"/"x" for press), incidence, zone
    period: tuple[date, date] | None = None  # press: the fixed ISO week every figure is of


def _so_far(run: Run, name: str, day: date, until: datetime) -> list[pd.DataFrame]:
    """`name` over D, D-1 and D-7, each up to the time of day of `until`."""
    return [run(name, day=day - timedelta(days=k), until=until - timedelta(days=k)) for k in COMPARED_OFFSETS]


def _case_tiles(run: Run, day: date, curve: pd.DataFrame, suppressed: bool,
                until: datetime | None = None) -> list[Tile]:
    totals = [run("city_cases_totals", day=day - timedelta(days=k)).iloc[0] for k in COMPARED_OFFSETS]
    if until is not None:
        new_cases = Tile("new_cases", tuple(as_count(frame.iloc[0]["new_cases"])
                                            for frame in _so_far(run, "city_cases_until", day, until)),
                         suppressed=suppressed, until=until)
    else:
        # New cases come from the curve's own query, so that for press the tile hides exactly the days
        # the curve hides (a second query over other days could pick another complementary cell).
        daily = curve.set_index(curve["day"].dt.date)["new_cases"]
        new_cases = Tile("new_cases", tuple(as_count(daily.get(day - timedelta(days=k), 0))
                                            for k in COMPARED_OFFSETS), suppressed=suppressed)
    return [
        new_cases,
        Tile("active", tuple(as_count(row["active"]) for row in totals), suppressed=suppressed),
        Tile("recovered", tuple(as_count(row["recovered"]) for row in totals), rise_is_bad=False,
             suppressed=suppressed),
        Tile("died", tuple(as_count(row["died"]) for row in totals), suppressed=suppressed),
    ]


def _test_tiles(run: Run, day: date, suppressed: bool, until: datetime | None = None) -> list[Tile]:
    if until is not None:
        so_far = [frame.set_index("test_type")["tests"] for frame in _so_far(run, "city_tests_until", day, until)]
        return [Tile(f"tests_{test_type}", tuple(as_count(counts.get(test_type, 0)) for counts in so_far),
                     rise_is_bad=None, suppressed=suppressed, until=until)
                for test_type in TEST_TYPES_SHOWN]
    tests = run("city_tests_daily", start=day - timedelta(days=max(COMPARED_OFFSETS)), end=day)
    per_day = tests.set_index([tests["day"].dt.date, "test_type"])["tests"]
    return [
        Tile(f"tests_{test_type}",
             tuple(as_count(per_day.get((day - timedelta(days=k), test_type), 0)) for k in COMPARED_OFFSETS),
             rise_is_bad=None, suppressed=suppressed)
        for test_type in TEST_TYPES_SHOWN
    ]


def _positivity_tiles(run: Run, day: date, suppressed: bool) -> list[Tile]:
    # The 7-day windows ending on D-7 .. D; the tiles take those ending on D, D-1 and D-7.
    windows = run("city_positivity", start=day - timedelta(days=max(COMPARED_OFFSETS)), end=day)
    windows = windows.set_index([pd.to_datetime(windows["day"]).dt.date, "test_type"])

    def of_type(window_end: date, test_type: str) -> float | str | None:
        if (window_end, test_type) not in windows.index:
            return None
        row = windows.loc[(window_end, test_type)]
        return positivity(row["people_positive"], row["people_tested"])

    return [Tile(f"positivity_{test_type}", tuple(of_type(day - timedelta(days=k), test_type) for k in COMPARED_OFFSETS),
                 kind="percent", suppressed=suppressed)
            for test_type in POSITIVITY_TYPES]


def epidemic_curve(run: Run, first: date, day: date, incomplete_from: date) -> pd.DataFrame:
    """New cases per day first..day (days without cases as 0), the right-aligned 7-day mean
    (undefined for the first 6 days of the history, and for press over any week holding a hidden
    day: the mean would give the hidden count away) and whether the day is still incomplete."""
    daily = run("city_cases_daily", start=first, end=day)
    days = pd.date_range(first, day, freq="D")
    new_cases = daily.set_index("day")["new_cases"].reindex(days, fill_value=0).map(as_count)
    curve = pd.DataFrame({"day": days, "new_cases": new_cases.to_numpy()})
    counts = pd.to_numeric(curve["new_cases"], errors="coerce")
    curve["average_7d"] = counts.rolling(WINDOW_DAYS, min_periods=WINDOW_DAYS).mean()
    curve["incomplete"] = curve["day"].dt.date >= incomplete_from
    return curve


def kecamatan_table(run: Run, day: date, thresholds: tuple[float, float, float],
                    period: tuple[date, date] | None = None) -> pd.DataFrame:
    start, end = period or window(day)
    table = run("kecamatan_cases", start=start, end=end)
    # For press, small counts arrive suppressed ("<5", "x"); their incidence and zone would give
    # them away, so those rows have neither.
    counts = pd.to_numeric(table["new_cases"], errors="coerce")
    table["incidence"] = counts * 100_000 / table["population"].where(table["population"] > 0)
    table["zone"] = [zone(x, thresholds) for x in table["incidence"]]
    return table


def overview(run: Run, day: date, span: tuple[date, date], incomplete_days: int,
             thresholds: tuple[float, float, float], suppressed: bool = False,
             until: datetime | None = None) -> Overview:
    """Every figure of the overview page for WIB day `day`; `suppressed` when `run` returns
    suppressed counts (press). With `until` (naive UTC, a moment of `day`: today so far), the
    tiles of the day's own counts (new cases, tests) count up to that time of day on D, D-1 and D-7,
    so that an hour of today is not compared with whole days."""
    incomplete_from = span[1] - timedelta(days=incomplete_days - 1) if incomplete_days else date.max
    curve = epidemic_curve(run, min(span[0], day), day, incomplete_from)
    return Overview(
        day=day,
        tiles=(_case_tiles(run, day, curve, suppressed, until) + _test_tiles(run, day, suppressed, until)
               + _positivity_tiles(run, day, suppressed)),
        curve=curve,
        kecamatan=kecamatan_table(run, day, thresholds),
    )


# ------------------------------------------------------------------------------------------ press

def press_week(day: date) -> tuple[date, date]:
    """The ISO week (Monday to Sunday) that press sees for day `day`: the last one ending on or
    before it. Every day of a week gives the same week, so stepping the day changes nothing within
    a week and moves by a whole week across weeks: no two figures press sees cover overlapping
    periods, and no difference of two of them is a single day."""
    end = day - timedelta(days=(day.weekday() + 1) % 7)
    return end - timedelta(days=6), end


def press_overview(run: Run, day: date, span: tuple[date, date], incomplete_days: int,
                   thresholds: tuple[float, float, float]) -> Overview:
    """The overview as press sees it (counts arrive suppressed, running totals rounded to 10):
    fixed ISO weeks instead of days and right-aligned windows, and no changes between periods.

    - New cases, tests and positivity are of the week `press_week(day)`; the curve is weekly.
    - Active, recovered and died are running totals at the week's end, rounded to 10 by the runner
      (`-- round:`); they have no change beside them (a change of a running total is that period's
      count: with new cases hidden, the changes of active, recovered and died would add up to it).
    - The kecamatan table is of the same week (`kecamatan_cases` over Monday..Sunday)."""
    start, end = press_week(day)
    incomplete_from = span[1] - timedelta(days=incomplete_days - 1) if incomplete_days else date.max
    first = span[0] - timedelta(days=span[0].weekday())
    weeks = pd.date_range(first, start, freq="7D") if first <= start else pd.DatetimeIndex([])
    weekly = run("city_cases_weekly", start=first, end=end)
    counts = (weekly.set_index(pd.to_datetime(weekly["week_first"]))["new_cases"]
              .reindex(weeks, fill_value=0).map(as_count))
    curve = pd.DataFrame({"day": weeks, "new_cases": counts.to_numpy(dtype=object)})
    curve["average_7d"] = float("nan")
    curve["incomplete"] = [(w + pd.Timedelta(days=6)).date() >= incomplete_from for w in weeks]
    new_cases = curve["new_cases"].iloc[-1] if len(curve) and curve["day"].iloc[-1].date() == start else 0

    def one(value, key: str, note: str, **kwargs) -> Tile:
        return Tile(key, (value, None, None), suppressed=True, note=note, **kwargs)

    totals = run("city_cases_totals", day=end).iloc[0]
    tests = run("city_tests_period", start=start, end=end).set_index("test_type")["tests"]
    shares = run("city_positivity", start=end, end=end).set_index("test_type")  # the week: the window ending on its Sunday
    tiles = [one(as_count(new_cases), "new_cases", "tile.press_week"),
             one(as_count(totals["active"]), "active", "tile.press_rounded"),
             one(as_count(totals["recovered"]), "recovered", "tile.press_rounded", rise_is_bad=False),
             one(as_count(totals["died"]), "died", "tile.press_rounded")]
    tiles += [one(as_count(tests.get(test_type, 0)), f"tests_{test_type}", "tile.press_week", rise_is_bad=None)
              for test_type in TEST_TYPES_SHOWN]
    tiles += [one(positivity(shares.at[tt, "people_positive"], shares.at[tt, "people_tested"])
                  if tt in shares.index else None, f"positivity_{tt}", "tile.press_week", kind="percent")
              for tt in POSITIVITY_TYPES]
    return Overview(day=day, tiles=tiles, curve=curve,
                    kecamatan=kecamatan_table(run, day, thresholds, (start, end)), period=(start, end))
