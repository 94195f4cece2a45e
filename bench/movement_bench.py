"""Benchmark (not a test): the movement page's query set against a naive pandas computation over
the raw movements and cases, timed in the same run (the machine is shared and noisy).

    .venv/bin/python bench/movement_bench.py --database-url URL [--runs 30] [--baseline-runs 3]

The page: `figures.movement.movement` for role health (every query, the imported-case origins
included) over the default window, the last 28 days to the last day with records, with
`queries.clear_cache()` before each run, so that every run goes to the database. Also the same
query set over a 28-day window early in the history (history length 3 months instead of 18): the
rollups are read by day, so its cost should not grow with the history.

Baseline: what a page without rollups would do: read the window's raw movements (and those of the
week before and a year before, for the comparisons) and the cases confirmed in the window with their
persons' entries, and aggregate them in pandas (entries and exits per day, entry point and mode;
hours; regions; documents; screening; imported share).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import queries  # noqa: E402
from casedb.engine import get_engine  # noqa: E402
from figures import movement as fm  # noqa: E402

ROLE = "health"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def page_once(engine, start, end, first_day) -> tuple[float, float]:
    """(seconds in the named queries, seconds for the whole figure function) of one page run."""
    queries.clear_cache()
    spent = [0.0]
    calls: list[tuple[str, dict]] = []

    def run(name, **params):
        began = time.perf_counter()
        try:
            return queries.run(name, ROLE, engine=engine, **params)
        finally:
            spent[0] += time.perf_counter() - began
            calls.append((name, params))

    began = time.perf_counter()
    fm.movement(run, start, end, ROLE, first_day=first_day)
    CALLS[:] = calls
    return spent[0], time.perf_counter() - began


CALLS: list[tuple[str, dict]] = []


def server_ms(engine) -> list[tuple[str, float]]:
    """PostgreSQL's own execution time of each query of the last page run (EXPLAIN ANALYZE)."""
    out = []
    with engine.connect() as conn:
        for name, params in CALLS:
            query = queries.load(name, engine.dialect.name)
            plan = conn.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + query.sql),
                                {k: v for k, v in params.items() if k in query.params}).scalar_one()
            plan = plan[0] if isinstance(plan, list) else plan
            out.append((name, plan["Planning Time"] + plan["Execution Time"]))
    return out


def baseline_once(engine, start, end) -> float:
    """Naive: raw rows to pandas, aggregated there."""
    began = time.perf_counter()
    ranges = [(start - timedelta(days=7), end), (start - fm.YEAR - timedelta(days=7), end - fm.YEAR)]
    frames = [pd.read_sql(text("SELECT entry_point_id, direction, at, day, region_code, mode, document_status, "
                               "screening_result, screening_test_type FROM movements WHERE day BETWEEN :s AND :e"),
                          engine, params={"s": s, "e": e}) for s, e in ranges]
    m = frames[0]
    m["at"] = pd.to_datetime(m["at"])
    m["hour"] = (m["at"] + pd.Timedelta(hours=7)).dt.hour
    m.groupby(["day", "entry_point_id", "mode", "direction"]).size()
    frames[1].groupby(["day", "direction"]).size()
    m.groupby(["hour", "direction"]).size()
    m.groupby(["region_code", "direction"]).size()
    m[m["direction"] == "in"].groupby(["day", "entry_point_id", "document_status"]).size()
    m[m["screening_result"].notna()].groupby(["day", "screening_test_type", "screening_result"]).size()
    cases = pd.read_sql(text("SELECT person_key, confirmed_at FROM cases WHERE confirmed_day BETWEEN :s AND :e"),
                        engine, params={"s": start - timedelta(days=6), "e": end})
    entries = pd.read_sql(text("SELECT m.person_key, m.at AS entered_at, m.region_code FROM movements m "
                               "JOIN cases c ON c.person_key = m.person_key AND m.direction = 'in' "
                               "WHERE c.confirmed_day BETWEEN :s AND :e"),
                          engine, params={"s": start - timedelta(days=6), "e": end})
    from casedb.ingest.cases import import_origins
    import_origins(cases, entries)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args()
    engine = get_engine(args.database_url)
    with engine.connect() as conn:
        movements = conn.execute(text("SELECT COUNT(*) FROM movements")).scalar_one()
        rollup_rows = conn.execute(text("SELECT COUNT(*) FROM daily_movement")).scalar_one()

    def run(name, **params):
        return queries.run(name, ROLE, engine=engine, **params)

    first, last = fm.span(run)
    start, end = fm.default_window((first, last), last + timedelta(days=1))
    early_end = first + timedelta(days=90)
    early_start = early_end - timedelta(days=27)
    print(f"database: {engine.url.render_as_string(hide_password=True)}; movements: {movements:,}; "
          f"daily_movement rows: {rollup_rows:,}; history {first}..{last}; load average {os.getloadavg()[0]:.1f}")
    page_once(engine, start, end, first)  # warm-up
    late = [page_once(engine, start, end, first) for _ in range(args.runs)]
    if engine.dialect.name == "postgresql":
        server = server_ms(engine)
        print("server time per query (EXPLAIN ANALYZE, planning + execution, ms): "
              + ", ".join(f"{n} {ms:.2f}" for n, ms in server) + f"; sum {sum(ms for _, ms in server):.1f} ms")
    early = [page_once(engine, early_start, early_end, first) for _ in range(args.runs)]
    base = [baseline_once(engine, start, end) for _ in range(args.baseline_runs)]
    rows = ((f"page query set ({len(CALLS)} queries), window {start}..{end}", [q for q, _ in late]),
            (f"page query set, window {early_start}..{early_end} (3 months of history)", [q for q, _ in early]),
            ("whole figure function (queries + pandas assembly), late window", [f for _, f in late]),
            (f"naive pandas over raw rows, window {start}..{end}", base))
    for label, times in rows:
        print(f"{label}: p50 {statistics.median(times) * 1000:.1f} ms, p95 {percentile(times, 95) * 1000:.1f} ms "
              f"({len(times)} runs)")
    print(f"baseline p50 / query set p50: {statistics.median(base) / statistics.median(rows[0][1]):.0f}x; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
