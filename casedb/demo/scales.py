"""The sizes of the demo city, in one table (DESIGN section 6)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    people: int
    tests: int
    cases: int
    contacts: int
    movements: int
    facilities: int


SCALES: dict[str, Scale] = {
    # Tests: every table filled, built in seconds.
    "small": Scale(people=20_000, tests=20_000, cases=1_000, contacts=10_000, movements=100_000, facilities=60),
    # The default dashboard database on SQLite: the city's real case counts, fewer people and events.
    "demo": Scale(people=250_000, tests=400_000, cases=60_000, contacts=200_000, movements=600_000,
                  facilities=250),
    # Benchmarks: roughly what Pekanbaru produced over 18 months.
    "city": Scale(people=1_200_000, tests=1_500_000, cases=60_000, contacts=600_000, movements=12_000_000,
                  facilities=250),
}

HISTORY_DAYS = 548  # 18 months of WIB days, ending with the day of `end`
