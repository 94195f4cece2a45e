"""Western Indonesia Time (WIB, UTC+7): every "day" in a figure is a WIB calendar day.

Timestamps are stored as naive UTC; these helpers are the one place that turns them into WIB days.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd

WIB = timezone(timedelta(hours=7), "WIB")
_OFFSET = timedelta(hours=7)


def now_utc() -> datetime:
    """The current time as the database stores it: naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_utc_naive(moment: datetime) -> datetime:
    """A timezone-aware moment as naive UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def wib_day(utc_moment: datetime) -> date:
    """The WIB calendar day of a naive-UTC (or aware) moment: 16:30 UTC on 5 Aug is 5 Aug WIB,
    17:00 UTC on 5 Aug is 6 Aug WIB."""
    return (to_utc_naive(utc_moment) + _OFFSET).date()


def wib_days(utc_moments: pd.Series) -> pd.Series:
    """Vectorised `wib_day` over a datetime64 series of naive UTC moments."""
    return (pd.to_datetime(utc_moments) + _OFFSET).dt.normalize()


def today_wib() -> date:
    return wib_day(now_utc())


def wib_to_utc(wib_moment: datetime) -> datetime:
    """A naive moment read as WIB wall-clock time, as naive UTC."""
    return wib_moment - _OFFSET


def to_wib(utc_moment: datetime) -> datetime:
    """A naive-UTC moment as an aware WIB datetime, for display."""
    return to_utc_naive(utc_moment).replace(tzinfo=timezone.utc).astimezone(WIB)
