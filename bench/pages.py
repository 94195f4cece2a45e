"""Page query sets (a benchmark, not a test): what every page costs the database, against the naive
way of computing the same figures, and what a refresh tick costs when nothing changed.

    python -m bench.pages --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city
    python -m bench.pages --database-url URL --long-history-url URL3x   # also: 3x the history
    make bench                                                          # the same, on BENCH_DATABASE_URL

Adding a page (one entry in PAGES, one module in bench/page_sets/):

    # bench/page_sets/map.py
    def figures(run):            # every figure the page shows, exactly as the page computes them:
        ...                      #   figure(run, fn, *args) where the page has live.figure(fn, *args)
    def naive(engine):           # the same figures with pandas over the raw tables (pd.read_sql),
        ...                      #   from the timestamps, without the rollups or the query files
    def check(page, raw):        # [(figure name, page's value, naive value), ...]: every row must agree
        ...
    def headline(page): ...      # optional: a few figures as text for the report

    # here
    PAGES["map"] = PageBench("mayor", map_set.figures, map_set.naive, map_set.check, map_set.headline)

`run(name, **params)` is `queries.run` bound to the entry's role and the engine, so the runner's
role check and suppression apply as on the page; it carries its (engine, role, data version), with
which `bench.page_sets.figure` memoises a figure as `ui.live.figure` does on the page
(`queries.figure`). What is measured, per page:

- query set: one run of the page as `ui.live` makes it (the data version read once, then
  `figures(run)` with `run` passing it as `at_version`), with the query cache and the figure memo
  cleared before each repetition (`queries.clear_cache()`), so that every query reaches the
  database and every figure is assembled; p50 and p95 of N runs after one untimed warm-up run;
- baseline: `naive(engine)`, median of a few runs; ratio = baseline / query-set p50;
- refresh tick with no data change: the same run with a warm cache: `queries.data_version` plus
  `figures(run)` whose figures are all memo hits (what a rerun of the page costs while nothing
  changed, a widget click that changes nothing too); p50 and p95;
- the freshness fragment's tick (`ui.live._freshness`, every REFRESH_SECONDS on every open page):
  one `queries.data_version`; p50 and p95, once per run;
- with --long-history-url (the same city with three times the history, bench/history3x.py): the
  query set on both databases, repetitions interleaved, and the ratio of their p50s;
- agreement: every row of `check` equal; a disagreement is printed and the run exits with 1.

The machine is shared, so every figure is read against the baseline measured in the same run.
`--write` replaces the section between the `<!-- bench:pages -->` markers in BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import queries  # noqa: E402
from bench.page_sets import map as map_set  # noqa: E402
from bench.page_sets import briefing as briefing_set  # noqa: E402
from bench.page_sets import fraud as fraud_set  # noqa: E402
from bench.page_sets import compliance as compliance_set  # noqa: E402
from bench.page_sets import movement as movement_set  # noqa: E402
from bench.page_sets import overview as overview_set  # noqa: E402
from bench.page_sets import tracing as tracing_set  # noqa: E402
from casedb.engine import get_engine  # noqa: E402
from ui import heap  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
MARKER = "<!-- bench:pages -->"
CITY_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city"


@dataclass(frozen=True)
class PageBench:
    role: str
    figures: Callable[[Callable[..., Any]], Any]
    naive: Callable[[Engine], Any]
    check: Callable[[Any, Any], list[tuple[str, Any, Any]]]
    headline: Callable[[Any], str] = lambda page: ""


METERS: dict[Engine, "CpuMeter"] = {}

PAGES: dict[str, PageBench] = {
    "overview": PageBench("mayor", overview_set.figures, overview_set.naive, overview_set.check,
                          overview_set.headline),
    "movement": PageBench("health", movement_set.figures, movement_set.naive, movement_set.check,
                          movement_set.headline),
    "map": PageBench(map_set.ROLE, map_set.figures, map_set.naive, map_set.check, map_set.headline),
    "briefing": PageBench("health", briefing_set.figures, briefing_set.naive, briefing_set.check,
                          briefing_set.headline),
    "tracing": PageBench(tracing_set.ROLE, tracing_set.figures, tracing_set.naive, tracing_set.check,
                         tracing_set.headline),
    "fraud": PageBench("health", fraud_set.figures, fraud_set.naive, fraud_set.check, fraud_set.headline),
    "compliance": PageBench("health", compliance_set.figures, compliance_set.naive, compliance_set.check,
                            compliance_set.headline),
}


def bound_run(role: str, engine: Engine, at_version: int | None = None) -> Callable[..., Any]:
    def run(name: str, **params: Any):
        return queries.run(name, role, engine=engine, at_version=at_version, **params)
    run.memo = (engine, role, at_version)  # the figure memo's key (bench.page_sets.figure)
    run.prefetch = lambda calls: queries.start_queries(role, calls, at_version=at_version, engine=engine)
    return run


def page_run(bench: "PageBench", engine: Engine) -> Any:
    """One run of the page as ui.live does it: the data version read once, then the figures."""
    version, _ = queries.data_version(engine)
    return bench.figures(bound_run(bench.role, engine, version))


class CpuMeter:
    """CPU seconds spent by this process and by the PostgreSQL backends of `engine`'s connections
    (read from /proc: the server is local). Wall times on a shared machine mostly measure the
    other jobs; CPU time hardly moves with them. Clock ticks are 10 ms: read it over many runs."""

    def __init__(self, engine: Engine):
        self.backends: set[int] = set()
        self.tick = os.sysconf("SC_CLK_TCK")

        @event.listens_for(engine, "connect")
        def remember(dbapi_connection, _record) -> None:
            if engine.dialect.name == "postgresql":
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backends.add(cursor.fetchone()[0])

    def _server(self) -> float:
        total = 0.0
        for pid in list(self.backends):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a connection closed since
                self.backends.discard(pid)
                continue
            total += (int(fields[11]) + int(fields[12])) / self.tick
        return total

    def read(self) -> tuple[float, float]:
        return time.process_time(), self._server()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def query_set_once(bench: PageBench, engine: Engine) -> tuple[float, Any]:
    queries.clear_cache()
    started = time.perf_counter()
    page = page_run(bench, engine)
    return time.perf_counter() - started, page


def tick_once(bench: PageBench, engine: Engine) -> float:
    started = time.perf_counter()
    page_run(bench, engine)
    return time.perf_counter() - started


def freshness_ticks(engine: Engine, repetitions: int) -> list[float]:
    """The sidebar fragment's tick with no new data (ui.live._freshness): one data version lookup."""
    ticks = []
    for _ in range(repetitions):
        started = time.perf_counter()
        queries.data_version(engine)
        ticks.append(time.perf_counter() - started)
    return ticks


@dataclass
class PageResult:
    name: str
    role: str
    query_set: list[float]
    ticks: list[float]
    baseline: list[float]
    agreement: list[tuple[str, Any, Any]]
    headline: str
    cpu: dict[str, float]  # mean CPU seconds per run: query set and tick, this process and the server
    long_history: list[float] | None = None  # query set on the 3x database, interleaved
    long_query_set: list[float] | None = None  # the 1x runs interleaved with those
    long_cpu: tuple[float, float] | None = None  # CPU per run (client + server): 1x, 3x

    @property
    def disagreements(self) -> list[tuple[str, Any, Any]]:
        return [row for row in self.agreement if row[1] != row[2]]


def measure(name: str, bench: PageBench, engine: Engine, repetitions: int, baseline_runs: int,
            long_engine: Engine | None = None) -> PageResult:
    meter = METERS.setdefault(engine, CpuMeter(engine))
    _, page = query_set_once(bench, engine)  # warm-up: connections, plans, imports
    before = meter.read()
    query_set = [query_set_once(bench, engine)[0] for _ in range(repetitions)]
    after = meter.read()
    page_run(bench, engine)
    ticks = [tick_once(bench, engine) for _ in range(repetitions)]
    after_ticks = meter.read()
    cpu = {"query set client": (after[0] - before[0]) / repetitions,
           "query set server": (after[1] - before[1]) / repetitions,
           "tick client": (after_ticks[0] - after[0]) / repetitions,
           "tick server": (after_ticks[1] - after[1]) / repetitions}
    baseline, raw = [], None
    for _ in range(baseline_runs):
        started = time.perf_counter()
        raw = bench.naive(engine)
        baseline.append(time.perf_counter() - started)
    result = PageResult(name, bench.role, query_set, ticks, baseline, bench.check(page, raw), bench.headline(page),
                        cpu)
    if long_engine is not None:
        long_meter = METERS.setdefault(long_engine, CpuMeter(long_engine))
        query_set_once(bench, long_engine)
        short, long = [], []
        cpu_short, cpu_long = [0.0, 0.0], [0.0, 0.0]
        for _ in range(repetitions):
            for times, cpu_sum, eng, m in ((short, cpu_short, engine, meter), (long, cpu_long, long_engine, long_meter)):
                before = m.read()
                times.append(query_set_once(bench, eng)[0])
                after = m.read()
                cpu_sum[0] += after[0] - before[0]
                cpu_sum[1] += after[1] - before[1]
        result.long_query_set, result.long_history = short, long
        result.long_cpu = (sum(cpu_short) / repetitions, sum(cpu_long) / repetitions)
    return result


def ensure_city(url: str) -> None:
    """Reuse the city at `url`; build it (`casedb.demo`, scale city, 4-15 minutes) when the database
    is missing or holds no data. Used by `make bench`."""
    from sqlalchemy.exc import ProgrammingError

    from casedb.demo import build
    from casedb.engine import create_database_if_missing
    from casedb.migrate import upgrade

    if create_database_if_missing(url):
        has_data = False
    else:
        try:
            with get_engine(url).connect() as conn:
                has_data = conn.execute(text("SELECT COUNT(*) FROM daily_area")).scalar_one() > 0
        except ProgrammingError:  # a database without the schema yet
            has_data = False
    engine = get_engine(url)
    if not has_data:
        print(f"building the city scale into {hidden_url(url)} (several minutes)", flush=True)
        upgrade(engine)
        build(engine, scale="city")  # ends with ANALYZE


def describe(engine: Engine) -> str:
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()  # noqa: S608 - fixed names
                  for t in ("test_results", "cases", "movements", "daily_area")}
        span = conn.execute(text("SELECT MIN(day), MAX(day) FROM daily_area")).one()
    return (f"{counts['test_results']:,} test results, {counts['cases']:,} cases, "
            f"{counts['movements']:,} movements; {counts['daily_area']:,} daily_area rows, "
            f"{span[0]} .. {span[1]}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(results: list[PageResult], repetitions: int, baseline_runs: int) -> list[str]:
    lines = [
        f"| page (role) | query set p50 | p95 | naive baseline (median of {baseline_runs}) | baseline / p50 "
        f"| refresh tick p50 | p95 | CPU per run: query set / tick (client + server) | figures agree |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p50 = statistics.median(r.query_set)
        base = statistics.median(r.baseline)
        agree = "yes" if not r.disagreements else f"**NO** ({len(r.disagreements)} of {len(r.agreement)})"
        lines.append(
            f"| {r.name} ({r.role}) | {ms(p50)} | {ms(percentile(r.query_set, 95))} | {base:.2f} s "
            f"| {base / p50:,.0f}x | {ms(statistics.median(r.ticks))} | {ms(percentile(r.ticks, 95))} "
            f"| {ms(r.cpu['query set client'] + r.cpu['query set server'])} ({ms(r.cpu['query set client'])} + "
            f"{ms(r.cpu['query set server'])}) / {ms(r.cpu['tick client'] + r.cpu['tick server'])} "
            f"({ms(r.cpu['tick client'])} + {ms(r.cpu['tick server'])}) | {agree}: {len(r.agreement)} figures |")
    return lines


def long_table(results: list[PageResult]) -> list[str]:
    lines = ["| page | 1x history p50 | p95 | 3x history p50 | p95 | 3x / 1x (p50) | CPU per run 1x / 3x "
             "(client + server) | 3x / 1x (CPU) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r.long_history is None:
            continue
        short, long = statistics.median(r.long_query_set), statistics.median(r.long_history)
        lines.append(f"| {r.name} | {ms(short)} | {ms(percentile(r.long_query_set, 95))} | {ms(long)} "
                     f"| {ms(percentile(r.long_history, 95))} | {long / short:.2f} | {ms(r.long_cpu[0])} / "
                     f"{ms(r.long_cpu[1])} | {r.long_cpu[1] / r.long_cpu[0]:.2f} |")
    return lines


def write_section(body: str, marker: str = MARKER) -> None:
    """Replace what lies between the two `marker` lines of BENCHMARKS.md (appended when absent)."""
    content = BENCHMARKS.read_text(encoding="utf-8")
    section = f"{marker}\n{body.rstrip()}\n{marker}"
    if content.count(marker) >= 2:
        before, _, rest = content.partition(marker)
        _, _, after = rest.partition(marker)
        content = before + section + after
    else:
        content = content.rstrip() + "\n\n" + section + "\n"
    BENCHMARKS.write_text(content, encoding="utf-8")


def hidden_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", CITY_URL),
                        help="a database built with `python -m casedb.demo --scale city` (read only)")
    parser.add_argument("--long-history-url", default=None,
                        help="the same city with three times the history (bench/history3x.py)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="replace the section in BENCHMARKS.md")
    parser.add_argument("--build-if-missing", action="store_true",
                        help="build the city scale into --database-url when it is missing or empty")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.pages.split(",") if n.strip()]
    unknown = [n for n in names if n not in PAGES]
    if unknown:
        parser.error(f"unknown page(s) {', '.join(unknown)}; known: {', '.join(PAGES)}")
    if args.build_if_missing:
        ensure_city(args.database_url)
    engine = get_engine(args.database_url)
    long_engine = get_engine(args.long_history_url) if args.long_history_url else None
    heap.settle()  # as the dashboard's server does on its first run
    load_before = os.getloadavg()[0]
    started = datetime.now(timezone.utc)
    results = []
    for name in names:
        print(f"== {name}", flush=True)
        result = measure(name, PAGES[name], engine, args.repetitions, args.baseline_runs, long_engine)
        for figure, page, raw in result.disagreements:
            print(f"   DISAGREE {figure}: page {page!r} naive {raw!r}", flush=True)
        print(f"   {result.headline}", flush=True)
        results.append(result)
    freshness = freshness_ticks(engine, args.repetitions)
    load_after = os.getloadavg()[0]

    command = f".venv/bin/python -m bench.pages --database-url {hidden_url(args.database_url)}"
    if names != list(PAGES):
        command += f" --pages {','.join(names)}"
    if args.long_history_url:
        command += f" --long-history-url {hidden_url(args.long_history_url)}"
    command += f" --repetitions {args.repetitions} --baseline-runs {args.baseline_runs} --write"
    lines = [
        "```sh", command, "```", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, PostgreSQL, {args.repetitions} repetitions (query cache and figure "
        f"memo cleared before each), load average {load_before:.1f} -> {load_after:.1f} on 2 shared cores. Database: "
        f"{describe(engine)}.", "",
        *table(results, args.repetitions, args.baseline_runs), "",
        f"Freshness fragment tick with no new data (one data version lookup, every REFRESH_SECONDS on "
        f"every open page): p50 {ms(statistics.median(freshness))}, p95 {ms(percentile(freshness, 95))}.",
    ]
    if long_engine is not None:
        lines += ["", f"Three times the history ({describe(long_engine)}), repetitions interleaved:", "",
                  *long_table(results)]
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section(body)
    return 1 if any(r.disagreements for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
