"""The demo city's calendar: WIB days of the history, epidemic and travel curves, moments within days.

Moments are numpy datetime64[s] arrays of naive UTC; days are indexes 0..n-1 into `Timeline.days`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from casedb.wib import wib_day

SECOND = np.timedelta64(1, "s")
HOUR = np.timedelta64(3600, "s")
DAY = np.timedelta64(86400, "s")
WIB_OFFSET = 7 * HOUR

# Idul Fitri (1 Syawal) per the Indonesian government calendar; later years are the usual
# estimates (about 11 days earlier each year). Mudik fills the days around it.
IDUL_FITRI = tuple(date.fromisoformat(d) for d in (
    "2019-06-05", "2020-05-24", "2021-05-13", "2022-05-02", "2023-04-22", "2024-04-10", "2025-03-31",
    "2026-03-20", "2027-03-10", "2028-02-27", "2029-02-14", "2030-02-05", "2031-01-25", "2032-01-14",
))

# Result and report volume by ISO weekday (Monday first): fewer on Saturdays, fewest on Sundays.
TESTING_BY_WEEKDAY = np.array([1.12, 1.06, 1.04, 1.02, 1.0, 0.8, 0.5])
# Travel by ISO weekday: Friday and Sunday are the busy days.
TRAVEL_BY_WEEKDAY = np.array([0.95, 0.85, 0.85, 0.9, 1.2, 1.05, 1.2])


@dataclass(frozen=True)
class Timeline:
    end: np.datetime64            # naive UTC, the last moment of the history
    days: np.ndarray              # datetime64[D] WIB days, oldest first; the last is "today"
    day_start: np.ndarray         # datetime64[s] naive UTC of each WIB midnight
    weekday: np.ndarray           # 0 = Monday .. 6 = Sunday

    @classmethod
    def ending(cls, end: datetime, n_days: int) -> "Timeline":
        end_s = np.datetime64(end.replace(microsecond=0), "s")
        last = np.datetime64(wib_day(end), "D")
        days = last - np.arange(n_days - 1, -1, -1)
        day_start = days.astype("datetime64[s]") - WIB_OFFSET
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        return cls(end_s, days, day_start, weekday)

    @property
    def n(self) -> int:
        return len(self.days)

    @property
    def start(self) -> np.datetime64:
        return self.day_start[0]

    def today_elapsed(self) -> float:
        """The share of today (WIB) that lies before `end`."""
        return float((self.end - self.day_start[-1]) / DAY)

    def day_of(self, moments: np.ndarray) -> np.ndarray:
        """Day index of naive-UTC moments (may fall outside 0..n-1)."""
        return ((moments - self.day_start[0]) // DAY).astype(np.int64)

    def wib_days(self, moments: np.ndarray) -> np.ndarray:
        return (moments + WIB_OFFSET).astype("datetime64[D]")

    def moments(self, rng: np.random.Generator, day_idx: np.ndarray, first_hour: float, last_hour: float,
                shape: float = 2.0) -> np.ndarray:
        """A moment on each given WIB day between first_hour and last_hour WIB (bell-shaped in
        between), never after `end` on the last day."""
        day_idx = np.asarray(day_idx, dtype=np.int64)
        upper = np.full(len(day_idx), float(last_hour))
        elapsed = self.today_elapsed() * 24
        is_today = day_idx == self.n - 1
        upper[is_today] = np.minimum(upper[is_today], elapsed)
        lower = np.minimum(float(first_hour), upper * 0.5)
        hours = lower + (upper - lower) * rng.beta(shape, shape, len(day_idx))
        return self.day_start[day_idx] + (hours * 3600).astype(np.int64) * SECOND

    def testing_weights(self) -> np.ndarray:
        return TESTING_BY_WEEKDAY[self.weekday] * self._today_share()

    def _today_share(self) -> np.ndarray:
        share = np.ones(self.n)
        share[-1] = max(self.today_elapsed(), 0.02)
        return share

    def epidemic(self) -> np.ndarray:
        """Relative daily infections: three waves of different heights (the middle one Delta-like)
        over a low endemic level, and a small rise at the end so that today is not quiet."""
        x = np.arange(self.n) / self.n
        waves = (
            0.35 * np.exp(-0.5 * ((x - 0.17) / 0.045) ** 2)
            + 1.0 * np.exp(-0.5 * ((x - 0.5) / 0.04) ** 2)
            + 0.5 * np.exp(-0.5 * ((x - 0.78) / 0.03) ** 2)
            + 0.12 * np.exp(-0.5 * ((x - 1.0) / 0.05) ** 2)
        )
        return 0.04 + waves

    def restrictions(self) -> np.ndarray:
        """1 where travel is unrestricted, lower while the epidemic is high (PPKM-like)."""
        curve = self.epidemic()
        return 1.0 - 0.45 * curve / curve.max()

    def document_rules(self) -> np.ndarray:
        """Share of trips that must carry a health document: high while the epidemic is high."""
        curve = self.epidemic()
        return 0.15 + 0.85 * curve / curve.max()

    def travel(self) -> np.ndarray:
        """Relative daily trips started: weekday pattern, restrictions, mudik before Idul Fitri and
        the Christmas-New Year holidays."""
        as_dates = self.days.astype("datetime64[D]")
        holiday = np.ones(self.n)
        for eid in IDUL_FITRI:
            offset = (as_dates - np.datetime64(eid, "D")).astype(np.int64)
            holiday += 2.5 * np.exp(-0.5 * ((offset + 4) / 3.0) ** 2)
        month_day = _month_day(as_dates)
        christmas = ((month_day >= 1220) | (month_day <= 102))
        holiday += 0.9 * christmas
        return TRAVEL_BY_WEEKDAY[self.weekday] * self.restrictions() * holiday * self._today_share()

    def holiday_trip(self) -> np.ndarray:
        """True on days when a trip started is a holiday trip (longer stays)."""
        as_dates = self.days.astype("datetime64[D]")
        near_eid = np.zeros(self.n, dtype=bool)
        for eid in IDUL_FITRI:
            offset = (as_dates - np.datetime64(eid, "D")).astype(np.int64)
            near_eid |= (offset >= -10) & (offset <= 1)
        month_day = _month_day(as_dates)
        return near_eid | (month_day >= 1220) | (month_day <= 102)


def _month_day(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return month * 100 + day


def spread(rng: np.random.Generator, total: int, weights: np.ndarray, at_least_last: int = 0) -> np.ndarray:
    """`total` events spread over days in proportion to `weights` (multinomial), with at least
    `at_least_last` on the last day so that today is never empty."""
    counts = rng.multinomial(total, weights / weights.sum())
    shortfall = at_least_last - counts[-1]
    if shortfall > 0:
        counts[-1] += shortfall
        counts[int(np.argmax(counts[:-1]))] -= shortfall
    return counts

