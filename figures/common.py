"""What every screen's figures share: windows, zones, hidden counts, the headline Tile.

`figures/` holds the figure logic apart from Streamlit, one module per screen (`figures.overview`,
...) over this one. Figure functions take `run(name, **params) -> DataFrame` (a page passes `ui.live.query`, tests pass
`queries.run` bound to a role and engine), so that the figures are tested exactly as shown.
Window bounds such as D-6 are computed here and passed to portable SQL as parameters.

For press the counts arrive suppressed ("<5", "x": strings in place of numbers). Figures derived
from a hidden count are hidden too, never computed from it: a tile's change, a positivity
percentage, a 7-day average, a zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

import numpy as np
import pandas as pd

from casedb.schema import CONFIRMING_TEST_TYPES, POSITIVITY_WINDOW_DAYS, TEST_TYPES

Run = Callable[..., pd.DataFrame]


def prefetch(run: Run, calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Tell `run` which named queries ((name, params) pairs) the figure function is about to ask it
    for: a runner that can (the pages', the benchmark's: `queries.start_queries`) starts them all on
    worker threads, so that the database works on them while the function assembles what came
    before, instead of one query after the other. The function then calls `run` as before and gets
    each result when it is in. A runner that cannot (a test's plain function) ignores it."""
    start = getattr(run, "prefetch", None)
    if start is not None:
        start(calls)

# The weekly windows (positivity, incidence, the 7-day mean): the positivity rollup is kept for this length.
WINDOW_DAYS = POSITIVITY_WINDOW_DAYS
# A tile compares day D with the day before and the same weekday a week earlier.
COMPARED_OFFSETS = (0, 1, 7)
# The test types come from the schema, their one definition: every type has its tiles; positivity
# only for the types that confirm a case (PCR and antigen, never mixed into one figure).
TEST_TYPES_SHOWN = TEST_TYPES
POSITIVITY_TYPES = CONFIRMING_TEST_TYPES
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
    note: str | None = None
    """A catalog key said under the tile instead of comparisons (press: a week's count, a rounded total)."""

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


def window(day: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The right-aligned window D-(days-1)..D."""
    return day - timedelta(days=days - 1), day


def day_offsets(days: pd.Series, first: date) -> np.ndarray:
    """Whole days from `first` to each of `days` (dates, or day columns as the runner types them):
    positions in arrays indexed by day."""
    return ((pd.to_datetime(days).to_numpy(dtype="datetime64[D]") - np.datetime64(first, "D"))
            .astype("int64"))


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


def as_count(value) -> int | str:
    """A count as a Python int (PostgreSQL sums arrive as Decimal), a suppressed one as it is."""
    return value if is_hidden(value) else int(value)


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
