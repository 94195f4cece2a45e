"""The figures a page shows, assembled from named queries: windows, deltas, averages, zones.

Functions take `run(name, **params) -> DataFrame` (a page passes `ui.live.query`, tests pass
`queries.run` bound to a role and engine), so that the figures are tested exactly as shown.
Window bounds such as D-6 are computed here and passed to portable SQL as parameters.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import pandas as pd

Run = Callable[..., pd.DataFrame]

WINDOW_DAYS = 7
# A tile compares day D with the day before and the same weekday a week earlier.
COMPARED_OFFSETS = (0, 1, 7)
TEST_TYPES_SHOWN = ("pcr", "antigen", "antibody")
POSITIVITY_TYPES = ("pcr", "antigen")
ZONES = ("green", "yellow", "orange", "red")


@dataclass(frozen=True)
class Tile:
    """One headline figure on D, D-1 and D-7. `kind` is "count" or "percent" (a fraction, None
    when nobody was tested); `rise_is_bad` picks the delta colour."""

    key: str
    values: tuple[float | None, float | None, float | None]
    kind: str = "count"
    rise_is_bad: bool | None = True

    @property
    def value(self) -> float | None:
        return self.values[0]

    def change(self, offset: int) -> float | None:
        earlier = self.values[COMPARED_OFFSETS.index(offset)]
        if self.value is None or earlier is None:
            return None
        return self.value - earlier


@dataclass(frozen=True)
class Overview:
    day: date
    tiles: list[Tile]
    curve: pd.DataFrame  # day, new_cases, average_7d, incomplete
    kecamatan: pd.DataFrame  # code, name, population, new_cases (or "<5"/"x" for press), incidence, zone


def window(day: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The right-aligned window D-(days-1)..D."""
    return day - timedelta(days=days - 1), day


def data_span(run: Run) -> tuple[date, date] | None:
    """(first, last) WIB day holding any case event or test result; None for an empty database."""
    row = run("data_span").iloc[0]
    if pd.isna(row["first_day"]):
        return None
    return row["first_day"].date(), row["last_day"].date()


def default_day(span: tuple[date, date] | None, today: date) -> date:
    """Today in WIB, or the last day with data when the database ends earlier."""
    if span is None:
        return today
    return min(today, span[1])


def zone(incidence: float, thresholds: tuple[float, float, float]) -> str | None:
    """green < t1 <= yellow < t2 <= orange < t3 <= red, from weekly incidence per 100,000."""
    if incidence is None or pd.isna(incidence):
        return None
    return ZONES[sum(incidence >= limit for limit in thresholds)]


def _case_tiles(run: Run, day: date) -> list[Tile]:
    totals = [run("city_cases_totals", day=day - timedelta(days=k)).iloc[0] for k in COMPARED_OFFSETS]
    daily = run("city_cases_daily", start=day - timedelta(days=max(COMPARED_OFFSETS)), end=day)
    new_cases = daily.set_index(daily["day"].dt.date)["new_cases"]
    return [
        Tile("new_cases", tuple(int(new_cases.get(day - timedelta(days=k), 0)) for k in COMPARED_OFFSETS)),
        Tile("active", tuple(int(row["active"]) for row in totals)),
        Tile("recovered", tuple(int(row["recovered"]) for row in totals), rise_is_bad=False),
        Tile("died", tuple(int(row["died"]) for row in totals)),
    ]


def _test_tiles(run: Run, day: date) -> list[Tile]:
    tests = run("city_tests_daily", start=day - timedelta(days=max(COMPARED_OFFSETS)), end=day)
    per_day = tests.set_index([tests["day"].dt.date, "test_type"])["tests"]
    return [
        Tile(f"tests_{test_type}",
             tuple(int(per_day.get((day - timedelta(days=k), test_type), 0)) for k in COMPARED_OFFSETS),
             rise_is_bad=None)
        for test_type in TEST_TYPES_SHOWN
    ]


def _positivity_tiles(run: Run, day: date) -> list[Tile]:
    windows = []
    for k in COMPARED_OFFSETS:
        start, end = window(day - timedelta(days=k))
        windows.append(run("city_positivity", start=start, end=end).set_index("test_type"))

    def positivity(frame: pd.DataFrame, test_type: str) -> float | None:
        if test_type not in frame.index or frame.at[test_type, "people_tested"] == 0:
            return None
        return frame.at[test_type, "people_positive"] / frame.at[test_type, "people_tested"]

    return [Tile(f"positivity_{test_type}", tuple(positivity(w, test_type) for w in windows), kind="percent")
            for test_type in POSITIVITY_TYPES]


def epidemic_curve(run: Run, first: date, day: date, incomplete_from: date) -> pd.DataFrame:
    """New cases per day first..day (days without cases as 0), the right-aligned 7-day mean
    (undefined for the first 6 days of the history) and whether the day is still incomplete."""
    daily = run("city_cases_daily", start=first, end=day)
    days = pd.date_range(first, day, freq="D")
    new_cases = daily.set_index("day")["new_cases"].reindex(days, fill_value=0).astype(int)
    curve = pd.DataFrame({"day": days, "new_cases": new_cases.to_numpy()})
    curve["average_7d"] = curve["new_cases"].rolling(WINDOW_DAYS, min_periods=WINDOW_DAYS).mean()
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
             thresholds: tuple[float, float, float]) -> Overview:
    """Every figure of the overview page for WIB day `day`."""
    incomplete_from = span[1] - timedelta(days=incomplete_days - 1) if incomplete_days else date.max
    return Overview(
        day=day,
        tiles=_case_tiles(run, day) + _test_tiles(run, day) + _positivity_tiles(run, day),
        curve=epidemic_curve(run, min(span[0], day), day, incomplete_from),
        kecamatan=kecamatan_table(run, day, thresholds),
    )
