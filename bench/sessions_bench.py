"""Many readers (a benchmark, not a test): the Streamlit server's memory with N sessions open, and a
load test of concurrent browser sessions, each against one session alone in the same run.

    python -m bench.sessions_bench --database-url URL [--sessions 10] [--readers 20] [--rounds 3]
        [--pages overview,map] [--write]

Starts `streamlit run dashboard.py` on a free local port over `--database-url` (tests/browser/harness.py,
which also sets NIK_PEPPER), adds the account `bench-mayor` (role mayor) there if it is missing (a
write to the users table only), and drives Debian's Chromium (headless, one browser, one context per
session) through Playwright's async API:

- memory: the server process's resident set size (/proc/PID/status VmRSS) after start-up, with 1
  session signed in on the overview, and with `--sessions` sessions signed in at once (all still open);
- load: `--readers` concurrent contexts, each doing `--rounds` rounds of: for every page of `--pages`,
  open its address (a new session: a reload starts one), sign in, and wait for the first figure of
  the main area (a tile, chart, map or table) to be visible. Timed from the click on "sign in" to
  that figure. Errors: a timeout, or an exception box on the page. The same rounds by one reader
  alone, first, are the baseline. Beside the times: the server process's CPU seconds per open
  (/proc), which says what an open costs the server whatever else the machine is doing.

Bounded: every wait has a timeout (PAGE_TIMEOUT_MS), the loops are counted, and the server listens
on 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pages import CITY_URL, hidden_url, write_section  # noqa: E402
from casedb import users  # noqa: E402
from casedb.engine import dispose_all, get_engine  # noqa: E402
from tests.browser import harness  # noqa: E402

ACCOUNT = harness.Account("bench-mayor", "sessions-bench-password", "mayor")
MARKER = "<!-- bench:sessions -->"
PAGE_TIMEOUT_MS = 120_000  # 20 sign-ins at once on 2 cores: argon2 alone takes seconds
FIRST_FIGURE = ", ".join(f'{harness.MAIN} {selector.strip()}' for selector in harness.FIGURE.split(","))


def ensure_account(url: str) -> None:
    engine = get_engine(url)
    if not any(u["username"] == ACCOUNT.username for u in users.list_users(engine)):
        users.create(engine, ACCOUNT.username, ACCOUNT.role, ACCOUNT.password, "Sessions benchmark")
    dispose_all()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its finished children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Reader:
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def open_signed_in(context, server: harness.Server, path: str) -> float:
    """Open `path` in a new tab, sign in, wait for the first figure; seconds from the click."""
    page = await context.new_page()
    try:
        await page.goto(f"{server.url}/{path}", timeout=PAGE_TIMEOUT_MS)
        form = page.locator('[data-testid="stForm"]').filter(has=page.locator('input[type="password"]'))
        await form.locator('input[type="password"]').wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        await form.locator('input[type="text"]').first.fill(ACCOUNT.username)
        await form.locator('input[type="password"]').fill(ACCOUNT.password)
        started = time.perf_counter()
        await form.locator('[data-testid="stFormSubmitButton"] button').click()
        await page.locator(FIRST_FIGURE).first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        elapsed = time.perf_counter() - started
        if await page.locator(harness.EXCEPTION).count():
            raise RuntimeError("an exception box on the page")
        return elapsed
    finally:
        await page.close()


async def reader(browser, server: harness.Server, pages: list[str], rounds: int) -> Reader:
    result = Reader()
    context = await browser.new_context(viewport=harness.DESKTOP)
    try:
        for _ in range(rounds):
            for path in pages:
                try:
                    result.times.append(await open_signed_in(context, server, path))
                except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
                    result.errors.append(f"{path}: {type(error).__name__}: {str(error).splitlines()[0][:120]}")
    finally:
        await context.close()
    return result


async def memory(browser, server: harness.Server, sessions: int, figures: dict[str, float]) -> dict[str, float]:
    pid = server.process.pid
    contexts = [await browser.new_context(viewport=harness.DESKTOP) for _ in range(sessions)]
    pages = []
    try:
        for i, context in enumerate(contexts):
            page = await context.new_page()
            pages.append(page)
            await page.goto(server.url, timeout=PAGE_TIMEOUT_MS)
            form = page.locator('[data-testid="stForm"]').filter(has=page.locator('input[type="password"]'))
            await form.locator('input[type="text"]').first.fill(ACCOUNT.username)
            await form.locator('input[type="password"]').fill(ACCOUNT.password)
            await form.locator('[data-testid="stFormSubmitButton"] button').click()
            await page.locator(FIRST_FIGURE).first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
            await page.locator(f'{harness.MAIN} [data-testid="stPlotlyChart"]').first.wait_for(
                state="visible", timeout=PAGE_TIMEOUT_MS)
            if i == 0:
                await asyncio.sleep(2)
                figures["1 session open on the overview"] = rss_mb(pid)
        await asyncio.sleep(5)  # let every session's run finish and settle
        figures[f"{sessions} sessions open on the overview"] = rss_mb(pid)
    finally:
        for context in contexts:
            await context.close()
    return figures


def summary(readers: list[Reader]) -> dict[str, float]:
    times = [t for r in readers for t in r.times]
    errors = [e for r in readers for e in r.errors]
    return {"samples": len(times), "errors": len(errors),
            "p50": statistics.median(times) if times else float("nan"),
            "p95": float(np.percentile(times, 95)) if times else float("nan"),
            "max": max(times) if times else float("nan"), "error_list": errors[:5]}


async def run(args) -> str:
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    with tempfile.TemporaryDirectory() as tmp, \
            harness.streamlit_server(args.database_url, Path(tmp) / "streamlit.log", refresh_seconds=30) as server:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(harness.CHROMIUM),
                                                       args=harness.CHROMIUM_ARGS)
            mem = {"after start, no session yet": rss_mb(server.process.pid)}
            await reader(browser, server, pages[:1], 1)  # warm-up: imports, engine, first plans
            mem["after one warm-up session (closed)"] = rss_mb(server.process.pid)
            load_before = os.getloadavg()[0]
            mem = await memory(browser, server, args.sessions, mem)
            pid = server.process.pid
            cpu_before = cpu_seconds(pid)
            alone = summary([await reader(browser, server, pages, args.rounds)])
            cpu_alone = cpu_seconds(pid)
            many = summary(await asyncio.gather(*(reader(browser, server, pages, args.rounds)
                                                  for _ in range(args.readers))))
            cpu_many = cpu_seconds(pid)
            alone["server_cpu"] = (cpu_alone - cpu_before) / max(alone["samples"] + alone["errors"], 1)
            many["server_cpu"] = (cpu_many - cpu_alone) / max(many["samples"] + many["errors"], 1)
            rss_after = rss_mb(server.process.pid)
            load_after = os.getloadavg()[0]
            await browser.close()
    for label, s in (("alone", alone), (f"{args.readers} readers", many)):
        for error in s["error_list"]:
            print(f"   {label} error: {error}")
    started = datetime.now(timezone.utc)
    command = (f".venv/bin/python -m bench.sessions_bench --database-url {hidden_url(args.database_url)} "
               f"--sessions {args.sessions} --readers {args.readers} --rounds {args.rounds} "
               f"--pages {','.join(pages)} --write")
    lines = [
        "```sh", command, "```", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC; one headless Chromium, one context per session; load average "
        f"{load_before:.1f} -> {load_after:.1f} on 2 shared cores (the browser shares them with the server).", "",
        "| server memory (RSS of the streamlit process) | MB |", "|---|---|",
        *(f"| {k} | {v:,.0f} |" for k, v in mem.items()),
        f"| after the load test ({args.readers} more sessions opened and closed) | {rss_after:,.0f} |",
        "",
        f"| readers at once | pages | opens that drew a figure | errors (of rounds x pages x readers) | sign-in to first figure p50 "
        f"| p95 | max | p95 / alone | server CPU per open |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| 1 (baseline, same run) | {', '.join(pages)} | {alone['samples']} | {alone['errors']} "
        f"| {alone['p50']:.2f} s | {alone['p95']:.2f} s | {alone['max']:.2f} s | 1.0 | {alone['server_cpu']:.2f} s |",
        f"| {args.readers} | {', '.join(pages)} | {many['samples']} | {many['errors']} | {many['p50']:.2f} s "
        f"| {many['p95']:.2f} s | {many['max']:.2f} s | {many['p95'] / alone['p95']:.1f} "
        f"| {many['server_cpu']:.2f} s |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sessions_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", CITY_URL))
    parser.add_argument("--sessions", type=int, default=10, help="sessions open for the memory figure")
    parser.add_argument("--readers", type=int, default=20, help="concurrent browser contexts")
    parser.add_argument("--rounds", type=int, default=3, help="opens of every page per reader")
    parser.add_argument("--pages", default="overview", help="URL paths, comma-separated (e.g. overview,map)")
    parser.add_argument("--write", action="store_true", help="replace the section in BENCHMARKS.md")
    args = parser.parse_args(argv)
    ensure_account(args.database_url)
    body = asyncio.run(run(args))
    print(body)
    if args.write:
        write_section(body, MARKER)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
