"""Does a page's query set grow with the history? The movement and map query sets for a window a few
months into the history and for the last one, on the same database, repetitions interleaved.

    python -m bench.window_age --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city

A query set that reads only the window's rollup rows costs the same for both; one that sums every
earlier day costs more for the late window. Per page and window: wall p50/p95 and CPU per run (this
process + the PostgreSQL backends, as bench.pages measures it), the query cache cleared before each
run. A database with three times the history (bench/history3x.py, `bench.pages --long-history-url`)
asks the same question the other way round.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import queries  # noqa: E402
from bench.pages import CITY_URL, CpuMeter, bound_run, hidden_url  # noqa: E402
from casedb import settings  # noqa: E402
from casedb.engine import get_engine  # noqa: E402
from figures import common  # noqa: E402
from figures import map as map_figures  # noqa: E402
from figures import movement as movement_figures  # noqa: E402


def movement_page(engine, end: date) -> Callable[[], None]:
    def once() -> None:
        run = bound_run("health", engine, queries.data_version(engine)[0])
        span = movement_figures.span(run)
        movement_figures.movement(run, end - timedelta(days=movement_figures.WINDOW_DAYS - 1), end, "health",
                                  first_day=span[0])
    return once


def map_page(engine, end: date) -> Callable[[], None]:
    def once() -> None:
        run = bound_run("mayor", engine, queries.data_version(engine)[0])
        span = common.data_span(run)
        start, end_ = map_figures.window_bounds("14d", end)
        shown = map_figures.map_figures(run, start, end_, "kelurahan", settings.get("ZONE_THRESHOLDS"),
                                        settings.get("REPORT_DEADLINE_HOUR"), end_ + timedelta(days=1), "safe",
                                        with_origins=True)
        busiest = shown.areas.sort_values(["active", "code"]).iloc[-1]["code"]
        map_figures.area_panel(run, shown, busiest,
                               map_figures.curve_first(span[0], end_, settings.get("MAP_AREA_CURVE_DAYS")))
    return once


PAGES = {"movement": movement_page, "map": map_page}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.window_age", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", CITY_URL))
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--months-in", type=int, default=3, help="the early window ends this many months in")
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args(argv)
    engine = get_engine(args.database_url)
    meter = CpuMeter(engine)
    first, last = movement_figures.span(bound_run("health", engine))
    ends = (first + timedelta(days=30 * args.months_in), last - timedelta(days=1))
    print(f"python -m bench.window_age --database-url {hidden_url(args.database_url)} --pages {args.pages} "
          f"--months-in {args.months_in} --repetitions {args.repetitions}")
    print(f"load average {os.getloadavg()[0]:.1f}; windows ending {ends[0]} and {ends[1]}")
    print("| page | window ends | wall p50 | p95 | CPU per run (client + server) |")
    print("|---|---|---|---|---|")
    for name in args.pages.split(","):
        runs = {end: PAGES[name](engine, end) for end in ends}
        wall = {end: [] for end in ends}
        cpu = {end: [0.0, 0.0] for end in ends}
        for once in runs.values():  # warm-up: connections, plans
            queries.clear_cache()
            once()
        for _ in range(args.repetitions):
            for end, once in runs.items():
                queries.clear_cache()
                before = meter.read()
                started = time.perf_counter()
                once()
                wall[end].append(time.perf_counter() - started)
                after = meter.read()
                cpu[end][0] += after[0] - before[0]
                cpu[end][1] += after[1] - before[1]
        for end in ends:
            client, server = (c / args.repetitions * 1000 for c in cpu[end])
            print(f"| {name} | {end} | {statistics.median(wall[end]) * 1000:.0f} ms "
                  f"| {np.percentile(wall[end], 95) * 1000:.0f} ms | {client + server:.1f} ms "
                  f"({client:.1f} + {server:.1f}) |")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
