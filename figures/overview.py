"""The overview screen: headline tiles for a WIB day, the epidemic curve, weekly incidence by kecamatan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from figures.common import (COMPARED_OFFSETS, POSITIVITY_TYPES, TEST_TYPES_SHOWN, WINDOW_DAYS, Run, Tile,
                            as_count, data_span, default_day, positivity, window, zone)

# What the overview page draws: the span and default day its date picker offers, then the figures.
__all__ = ["Overview", "data_span", "default_day", "epidemic_curve", "kecamatan_table", "overview", "window"]


@dataclass(frozen=True)
class Overview:
    day: date
    tiles: list[Tile]
    curve: pd.DataFrame  # day, new_cases (or "<5"/"x" for press), average_7d, incomplete
    kecamatan: pd.DataFrame  # code, name, population, new_cases (or "<5"/"x" for press), incidence, zone


def _case_tiles(run: Run, day: date, curve: pd.DataFrame, suppressed: bool) -> list[Tile]:
    totals = [run("city_cases_totals", day=day - timedelta(days=k)).iloc[0] for k in COMPARED_OFFSETS]
    # New cases come from the curve's own query, so that for press the tile hides exactly the days
    # the curve hides (a second query over other days could pick another complementary cell).
    new_cases = curve.set_index(curve["day"].dt.date)["new_cases"]
    return [
        Tile("new_cases", tuple(as_count(new_cases.get(day - timedelta(days=k), 0)) for k in COMPARED_OFFSETS),
             suppressed=suppressed),
        Tile("active", tuple(as_count(row["active"]) for row in totals), suppressed=suppressed),
        Tile("recovered", tuple(as_count(row["recovered"]) for row in totals), rise_is_bad=False,
             suppressed=suppressed),
        Tile("died", tuple(as_count(row["died"]) for row in totals), suppressed=suppressed),
    ]


def _test_tiles(run: Run, day: date, suppressed: bool) -> list[Tile]:
    tests = run("city_tests_daily", start=day - timedelta(days=max(COMPARED_OFFSETS)), end=day)
    per_day = tests.set_index([tests["day"].dt.date, "test_type"])["tests"]
    return [
        Tile(f"tests_{test_type}",
             tuple(as_count(per_day.get((day - timedelta(days=k), test_type), 0)) for k in COMPARED_OFFSETS),
             rise_is_bad=None, suppressed=suppressed)
        for test_type in TEST_TYPES_SHOWN
    ]


def _positivity_tiles(run: Run, day: date, suppressed: bool) -> list[Tile]:
    windows = []
    for k in COMPARED_OFFSETS:
        start, end = window(day - timedelta(days=k))
        windows.append(run("city_positivity", start=start, end=end).set_index("test_type"))

    def of_type(frame: pd.DataFrame, test_type: str) -> float | str | None:
        if test_type not in frame.index:
            return None
        return positivity(frame.at[test_type, "people_positive"], frame.at[test_type, "people_tested"])

    return [Tile(f"positivity_{test_type}", tuple(of_type(w, test_type) for w in windows), kind="percent",
                 suppressed=suppressed)
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


def kecamatan_table(run: Run, day: date, thresholds: tuple[float, float, float]) -> pd.DataFrame:
    start, end = window(day)
    table = run("kecamatan_cases", start=start, end=end)
    # For press, small counts arrive suppressed ("<5", "x"); their incidence and zone would give
    # them away, so those rows have neither.
    counts = pd.to_numeric(table["new_cases"], errors="coerce")
    table["incidence"] = counts * 100_000 / table["population"].where(table["population"] > 0)
    table["zone"] = [zone(x, thresholds) for x in table["incidence"]]
    return table


def overview(run: Run, day: date, span: tuple[date, date], incomplete_days: int,
             thresholds: tuple[float, float, float], suppressed: bool = False) -> Overview:
    """Every figure of the overview page for WIB day `day`; `suppressed` when `run` returns
    suppressed counts (press)."""
    incomplete_from = span[1] - timedelta(days=incomplete_days - 1) if incomplete_days else date.max
    curve = epidemic_curve(run, min(span[0], day), day, incomplete_from)
    return Overview(
        day=day,
        tiles=(_case_tiles(run, day, curve, suppressed) + _test_tiles(run, day, suppressed)
               + _positivity_tiles(run, day, suppressed)),
        curve=curve,
        kecamatan=kecamatan_table(run, day, thresholds),
    )
