"""The movement page's query set for `bench/pages.py`.

`figures(run)` is what pages/movement.py computes on its first run for `health` (the fullest role:
the imported-case origins too): the records' span, the default window (the last 28 days to the last
complete day) and `figures.movement.movement` for it. `naive(engine)` computes the same figures from
the raw `movements` and `cases` rows with pandas, from the timestamps (WIB days and hours from `at`
and `confirmed_at`, the import rule from the entries), without the rollups or the query files.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine

from casedb.ingest.cases import import_origins
from casedb.wib import today_wib
from bench.page_sets import figure
from figures import movement as fm

WIB = pd.Timedelta(hours=7)
ROLE = "health"


def figures(run) -> fm.Movement:
    span = figure(run, fm.span)
    start, end = fm.default_window(span, today_wib())
    return figure(run, fm.movement, start, end, ROLE, first_day=span[0] if span else None)


@dataclass
class Naive:
    start: date
    end: date
    entries: list[int]
    exits: list[int]
    by_entry_point: dict[int, tuple[int, int]]
    hours: dict[int, int]
    valid: int
    screening: dict[str, tuple[int, int]]  # test type -> (positive, negative)
    new_cases: int
    imported: int


def naive(engine: Engine) -> Naive:
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT MIN(at), MAX(at) FROM movements")).one()
    last_day = (pd.Timestamp(last) + WIB).normalize().date()
    start, end = fm.default_window((None, last_day), today_wib())
    # Raw rows of the window, selected by timestamp (a day of margin either side), days from `at`.
    moves = pd.read_sql(text("SELECT person_key, entry_point_id, direction, at, document_status, screening_result, "
                             "screening_test_type FROM movements WHERE at >= :a AND at < :b"), engine,
                        params={"a": pd.Timestamp(start) - WIB, "b": pd.Timestamp(end) + pd.Timedelta(days=1) - WIB})
    moves["at"] = pd.to_datetime(moves["at"])
    wib = moves["at"] + WIB
    moves["d"], moves["hour"] = wib.dt.normalize(), wib.dt.hour
    days = pd.date_range(start, end)
    entering = moves[moves["direction"] == "in"]
    leaving = moves[moves["direction"] == "out"]
    screened = moves[moves["screening_result"].notna()]
    screening = {t or "": ((p["screening_result"] == "positive").sum(), (p["screening_result"] == "negative").sum())
                 for t, p in screened.groupby(screened["screening_test_type"].fillna(""))}
    cases = pd.read_sql(text("SELECT person_key, confirmed_at FROM cases WHERE confirmed_at >= :a AND confirmed_at < :b"),
                        engine, params={"a": pd.Timestamp(start) - WIB,
                                        "b": pd.Timestamp(end) + pd.Timedelta(days=1) - WIB})
    entries = pd.read_sql(text("SELECT m.person_key, m.at AS entered_at, m.region_code FROM movements m JOIN cases c "
                               "ON c.person_key = m.person_key AND m.direction = 'in' "
                               "WHERE c.confirmed_at >= :a AND c.confirmed_at < :b"), engine,
                          params={"a": pd.Timestamp(start) - WIB, "b": pd.Timestamp(end) + pd.Timedelta(days=1) - WIB})
    imported = import_origins(cases, entries)["is_imported"] if len(cases) else pd.Series(dtype=bool)
    return Naive(
        start, end,
        entering.groupby("d").size().reindex(days, fill_value=0).tolist(),
        leaving.groupby("d").size().reindex(days, fill_value=0).tolist(),
        {int(k): (int((g["direction"] == "in").sum()), int((g["direction"] == "out").sum()))
         for k, g in moves.groupby("entry_point_id")},
        {int(h): int(n) for h, n in entering.groupby("hour").size().items()},
        int((entering["document_status"] == "valid").sum()),
        {k: (int(p), int(n)) for k, (p, n) in screening.items()},
        len(cases), int(imported.sum()),
    )


def check(page: fm.Movement, raw: Naive) -> list[tuple[str, object, object]]:
    """(figure, as the page computes it, as pandas over the raw rows computes it) for every figure."""
    points = page.by_entry_point.set_index("entry_point_id")
    hours = page.hours.set_index("hour")["entries"]
    return [
        ("window", (page.start, page.end), (raw.start, raw.end)),
        ("entries per day", [int(v) for v in page.daily["entries"]], raw.entries),
        ("exits per day", [int(v) for v in page.daily["exits"]], raw.exits),
        ("entries and exits by entry point",
         {int(k): (int(r.entries), int(r.exits)) for k, r in points.iterrows() if r.entries or r.exits},
         raw.by_entry_point),
        ("entries by WIB hour", {int(h): int(n) for h, n in hours.items() if n}, raw.hours),
        ("entries with a valid document", int(page.documents["valid"].sum()), raw.valid),
        ("screening (positive, negative) by test type",
         {r.test_type: (int(r.positive), int(r.negative)) for r in page.screening.itertuples()}, raw.screening),
        ("new and imported cases", page.imported_total[:2], (raw.new_cases, raw.imported)),
    ]


def headline(page: fm.Movement) -> str:
    new, imported, share = page.imported_total
    return (f"{page.start}..{page.end}: {int(page.daily['entries'].sum()):,} entries, "
            f"{int(page.daily['exits'].sum()):,} exits, imported {imported}/{new}")
