"""The press briefing at city scale (a benchmark, not a test): press's query set and the making of a
release's files.

    python -m bench.briefing_bench --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/pku_city_briefing

Measured, each N times after one untimed warm-up, with the query cache cleared before each run:
- press query set: `figures.briefing.briefing` as the page computes it for press (the ISO week);
- release production: what publishing costs before its insert, i.e. the release's figures as press
  (`release_figures`) and its files at publishing (`briefing_export.make_files`: CSV, then the PDF,
  infographic and XLSX in Bahasa Indonesia through one Chromium), and separately the English files
  made on request. The first production of the process starts Chromium (the page starts it when a
  publisher opens it, `exports.png.warm`) and is reported alone; the others reuse it. Target: a
  release's files in at most 10 s.
CPU seconds of this process and its children (Chromium) per run are reported beside wall times, and
the load average, because the machine is shared. `--write` replaces the section between the
`<!-- bench:briefing -->` markers in BENCHMARKS.md; `--save DIR` keeps the last run's files.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import queries  # noqa: E402
from bench.pages import CITY_URL, bound_run, describe, hidden_url, percentile, write_section  # noqa: E402
from casedb import releases, settings  # noqa: E402
from casedb.engine import get_engine  # noqa: E402
from casedb.wib import now_utc, today_wib  # noqa: E402
from figures import briefing, briefing_export  # noqa: E402
from figures.common import data_span, default_day  # noqa: E402

MARKER = "<!-- bench:briefing -->"


def _descendants(pid: int) -> list[int]:
    """Every process under `pid` (Chromium and its helpers, which kaleido keeps running)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cpu() -> float:
    """CPU seconds of this process and of every process under it (read from /proc: Chromium keeps
    running between renders, so resource's RUSAGE_CHILDREN, of ended children only, misses it)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for pid in _descendants(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def timed(action) -> tuple[float, float, object]:
    queries.clear_cache()
    cpu, start = _cpu(), time.perf_counter()
    result = action()
    return time.perf_counter() - start, _cpu() - cpu, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.briefing_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", CITY_URL))
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--query-repetitions", type=int, default=30)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--save", type=Path, default=None, help="write the last run's files into this folder")
    args = parser.parse_args(argv)

    engine = get_engine(args.database_url)
    version, _ = queries.data_version(engine)
    press = bound_run("press", engine, version)
    span = data_span(press)
    day = default_day(span, today_wib())
    incomplete, thresholds = settings.get("INCOMPLETE_DAYS"), settings.get("ZONE_THRESHOLDS")
    load_before = os.getloadavg()[0]

    def page():
        return briefing.briefing(press, day, span, incomplete, thresholds, suppressed=True)

    def produce():
        table = briefing.release_figures(press, day, span, incomplete, thresholds)
        return table, briefing_export.make_files(1, now_utc().replace(microsecond=0), table, [], None)

    page()
    query_runs = [timed(page)[:2] for _ in range(args.query_repetitions)]
    cold = timed(produce)  # the process's first release: Chromium starts (exports.png.warm)
    runs = [timed(produce) for _ in range(args.repetitions)]
    table, made = runs[-1][2]
    release = releases.Release(0, 1, day, *briefing.period_of(table), None, now_utc(), "bench", "health", version,
                               made[0].sha256)
    english = [timed(lambda: briefing_export.english_files(release, table, [])) for _ in range(args.repetitions)]
    load_after = os.getloadavg()[0]
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for item in [*made, *english[-1][2]]:
            (args.save / item.name).write_bytes(item.content)

    walls = [w for w, _ in query_runs]
    produce_walls = [w for w, _, _ in runs]
    english_walls = [w for w, _, _ in english]
    sizes = ", ".join(f"{f.name.split('-', 2)[2]} {len(f.content) / 1024:.0f} KiB" for f in made)
    lines = [
        f"Database: {hidden_url(args.database_url)} ({describe(engine)}); day {day}, week "
        f"{briefing.period_of(table)[0]} .. {briefing.period_of(table)[1]}. Load average {load_before:.1f} before, "
        f"{load_after:.1f} after ({os.cpu_count()} cores, shared). Run at {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC:",
        "",
        f"    .venv/bin/python -m bench.briefing_bench --database-url {hidden_url(args.database_url)} "
        f"--repetitions {args.repetitions} --query-repetitions {args.query_repetitions}" + (" --write" if args.write else ""),
        "",
        "| measured | runs | p50 | p95 | max | CPU per run (this process + Chromium) |",
        "|---|---|---|---|---|---|",
        f"| briefing (press) query set | {len(walls)} | {statistics.median(walls) * 1000:.0f} ms "
        f"| {percentile(walls, 95) * 1000:.0f} ms | {max(walls) * 1000:.0f} ms "
        f"| {statistics.median([c for _, c in query_runs]) * 1000:.0f} ms |",
        f"| release files at publishing, first of the process (Chromium starts) | 1 | {cold[0]:.2f} s | | "
        f"| {cold[1]:.2f} s |",
        f"| release files at publishing (figures + CSV + PDF, PNG, XLSX in id), Chromium running | {len(runs)} "
        f"| {statistics.median(produce_walls):.2f} s | {percentile(produce_walls, 95):.2f} s | {max(produce_walls):.2f} s "
        f"| {statistics.median([c for _, c, _ in runs]):.2f} s |",
        f"| English files on request (PDF, PNG, XLSX) | {len(english)} | {statistics.median(english_walls):.2f} s "
        f"| {percentile(english_walls, 95):.2f} s | {max(english_walls):.2f} s "
        f"| {statistics.median([c for _, c, _ in english]):.2f} s |",
        "",
        f"Files of one release: {sizes}.",
    ]
    print("\n".join(lines))
    if args.write:
        write_section("\n".join(lines), MARKER)
    return 0 if max(produce_walls + [cold[0]]) <= 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
