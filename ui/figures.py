"""The figures a page shows, assembled from named queries: windows, deltas, averages, zones.

Functions take `run(name, **params) -> DataFrame` (a page passes `ui.live.query`, tests pass
`queries.run` bound to a role and engine), so that the figures are tested exactly as shown.
Window bounds such as D-6 are computed here and passed to portable SQL as parameters.

For press the counts arrive suppressed ("<5", "x": strings in place of numbers). Figures derived
from a hidden count are hidden too, never computed from it: a tile's change, a positivity
percentage, a 7-day average, a zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import pandas as pd

Run = Callable[..., pd.DataFrame]

WINDOW_DAYS = 7
# A tile compares day D with the day before and the same weekday a week earlier.
COMPARED_OFFSETS = (0, 1, 7)
TEST_TYPES_SHOWN = ("pcr", "antigen", "antibody")
POSITIVITY_TYPES = ("pcr", "antigen")
ZONES = ("green", "yellow", "orange", "red")


SMALL_POSITIVES = "<5 positive"  # a positivity whose positives are suppressed
HIDDEN_CHANGE = "hidden"


def is_hidden(value) -> bool:
    """A suppressed count ("<5", "x") or a figure hidden because of one."""
    return isinstance(value, str)


@dataclass(frozen=True)
class Tile:
    """One headline figure on D, D-1 and D-7. `kind` is "count" or "percent" (a fraction, None
    when nobody was tested); `rise_is_bad` picks the delta colour; `suppressed` says the counts
    arrived suppressed (press), where a value may be "<5", "x" or SMALL_POSITIVES."""

    key: str
    values: tuple[float | str | None, float | str | None, float | str | None]
    kind: str = "count"
    rise_is_bad: bool | None = True
    suppressed: bool = False
    until: datetime | None = None
    """Today so far: the values count up to this moment (naive UTC) of D, and up to the same time
    of day on D-1 and D-7."""

    @property
    def value(self) -> float | str | None:
        return self.values[0]

    def change(self, offset: int) -> float | str | None:
        """D minus D-`offset`; None when either is unknown; HIDDEN_CHANGE when either is hidden, or
        when a suppressed count changed by 1-4: the change of a cumulative count (recovered,
        deaths) is the count of that day's events, so it is a small count itself."""
        earlier = self.values[COMPARED_OFFSETS.index(offset)]
        if self.value is None or earlier is None:
            return None
        if is_hidden(self.value) or is_hidden(earlier):
            return HIDDEN_CHANGE
        change = self.value - earlier
        if self.suppressed and self.kind == "count" and 1 <= abs(change) <= 4:
            return HIDDEN_CHANGE
        return change


@dataclass(frozen=True)
class Overview:
    day: date
    tiles: list[Tile]
    curve: pd.DataFrame  # day, new_cases (or "<5"/"x" for press), average_7d, incomplete
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
    """The last complete WIB day (yesterday), or the last day with data when the database ends
    earlier. Today, a day that has just begun, is shown only when asked for ("today so far")."""
    yesterday = today - timedelta(days=1)
    if span is None:
        return yesterday
    return min(yesterday, span[1])


def zone(incidence: float, thresholds: tuple[float, float, float]) -> str | None:
    """green < t1 <= yellow < t2 <= orange < t3 <= red, from weekly incidence per 100,000."""
    if incidence is None or pd.isna(incidence):
        return None
    return ZONES[sum(incidence >= limit for limit in thresholds)]


def _count(value) -> int | str:
    """A count as a Python int (PostgreSQL sums arrive as Decimal), a suppressed one as it is."""
    return value if is_hidden(value) else int(value)


def _so_far(run: Run, name: str, day: date, until: datetime) -> list[pd.DataFrame]:
    """`name` over D, D-1 and D-7, each up to the time of day of `until`."""
    return [run(name, day=day - timedelta(days=k), until=until - timedelta(days=k)) for k in COMPARED_OFFSETS]


def _case_tiles(run: Run, day: date, curve: pd.DataFrame, suppressed: bool,
                until: datetime | None = None) -> list[Tile]:
    totals = [run("city_cases_totals", day=day - timedelta(days=k)).iloc[0] for k in COMPARED_OFFSETS]
    if until is not None:
        new_cases = Tile("new_cases", tuple(_count(frame.iloc[0]["new_cases"])
                                            for frame in _so_far(run, "city_cases_until", day, until)),
                         suppressed=suppressed, until=until)
    else:
        # New cases come from the curve's own query, so that for press the tile hides exactly the days
        # the curve hides (a second query over other days could pick another complementary cell).
        daily = curve.set_index(curve["day"].dt.date)["new_cases"]
        new_cases = Tile("new_cases", tuple(_count(daily.get(day - timedelta(days=k), 0)) for k in COMPARED_OFFSETS),
                         suppressed=suppressed)
    return [
        new_cases,
        Tile("active", tuple(_count(row["active"]) for row in totals), suppressed=suppressed),
        Tile("recovered", tuple(_count(row["recovered"]) for row in totals), rise_is_bad=False,
             suppressed=suppressed),
        Tile("died", tuple(_count(row["died"]) for row in totals), suppressed=suppressed),
    ]


def _test_tiles(run: Run, day: date, suppressed: bool, until: datetime | None = None) -> list[Tile]:
    if until is not None:
        so_far = [frame.set_index("test_type")["tests"] for frame in _so_far(run, "city_tests_until", day, until)]
        return [Tile(f"tests_{test_type}", tuple(_count(counts.get(test_type, 0)) for counts in so_far),
                     rise_is_bad=None, suppressed=suppressed, until=until)
                for test_type in TEST_TYPES_SHOWN]
    tests = run("city_tests_daily", start=day - timedelta(days=max(COMPARED_OFFSETS)), end=day)
    per_day = tests.set_index([tests["day"].dt.date, "test_type"])["tests"]
    return [
        Tile(f"tests_{test_type}",
             tuple(_count(per_day.get((day - timedelta(days=k), test_type), 0)) for k in COMPARED_OFFSETS),
             rise_is_bad=None, suppressed=suppressed)
        for test_type in TEST_TYPES_SHOWN
    ]


def positivity(people_positive, people_tested) -> float | str | None:
    """Positive over tested; None when nobody was tested. With 1-4 positives (suppressed) the
    percentage is hidden (SMALL_POSITIVES): beside the number of people tested, which a reader may
    learn elsewhere, it would give the count away. Zero positives is 0% even when the number
    tested is suppressed: it discloses no one."""
    if is_hidden(people_tested) and people_positive == 0:
        return 0.0
    if is_hidden(people_positive) or is_hidden(people_tested):
        return SMALL_POSITIVES
    if people_tested == 0:
        return None
    return people_positive / people_tested


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
    new_cases = daily.set_index("day")["new_cases"].reindex(days, fill_value=0).map(_count)
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
