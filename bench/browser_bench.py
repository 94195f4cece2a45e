"""Browser benchmark (not a test): time from opening the overview to its first figure, in Chromium.

    python bench/browser_bench.py [--city-url URL] [--runs 5]

`small`: a small demo city built into a temporary SQLite file. `city`: an existing database built with
`python -m casedb.demo --scale city --database-url URL` (pass it as --city-url; skipped without one).

Each run is a fresh browser context against a dashboard already warmed by one untimed run:
- baseline: opening the dashboard until the sign-in form is drawn (Streamlit plus one script run
  that reads no figures);
- overview: pressing "sign in" until the first tile is drawn (the overview is the mayor's landing
  page), and until the epidemic curve is drawn as well.
Median of the runs, in seconds, and the ratio overview / baseline.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from casedb import users  # noqa: E402
from casedb.demo import build  # noqa: E402
from casedb.engine import dispose_all, get_engine  # noqa: E402
from casedb.migrate import upgrade  # noqa: E402
from tests.browser import harness  # noqa: E402
from tests.conftest import DEMO_END  # noqa: E402

ACCOUNT = harness.Account("bench-mayor", "browser-bench-password", "mayor")


def small_city(directory: Path) -> str:
    url = f"sqlite:///{directory / 'small.sqlite'}"
    engine = get_engine(url)
    upgrade(engine)
    build(engine, scale="small", end=DEMO_END)
    dispose_all()
    return url


def ensure_account(url: str) -> None:
    engine = get_engine(url)
    if not any(u["username"] == ACCOUNT.username for u in users.list_users(engine)):
        users.create(engine, ACCOUNT.username, ACCOUNT.role, ACCOUNT.password, "Browser benchmark")
    dispose_all()


def one_run(browser, server: harness.Server) -> dict[str, float]:
    context = browser.new_context(viewport=harness.DESKTOP)
    page = context.new_page()
    started = time.perf_counter()
    page.goto(server.url)
    page.locator('input[type="password"]').wait_for(state="visible")
    baseline = time.perf_counter() - started

    form = harness.login_form(page)
    form.locator('input[type="text"]').first.fill(ACCOUNT.username)
    form.locator('input[type="password"]').fill(ACCOUNT.password)
    started = time.perf_counter()
    form.locator('[data-testid="stFormSubmitButton"] button').click()
    page.locator(f'{harness.MAIN} [data-testid="stMetric"]').first.wait_for(state="visible")
    first_figure = time.perf_counter() - started
    page.locator(f'{harness.MAIN} [data-testid="stPlotlyChart"] .main-svg').first.wait_for(state="visible")
    curve = time.perf_counter() - started
    context.close()
    return {"baseline": baseline, "first_figure": first_figure, "curve": curve}


def measure(browser, scale: str, url: str, runs: int, log_dir: Path) -> dict[str, float]:
    ensure_account(url)
    with harness.streamlit_server(url, log_dir / f"streamlit-{scale}.log") as server:
        one_run(browser, server)  # warms the server: imports, engine, first query plans
        results = [one_run(browser, server) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city-url", help="a database built with `python -m casedb.demo --scale city`")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        directory = Path(tmp)
        browser = harness.launch_chromium(playwright)
        scales = {"small": small_city(directory)}
        if args.city_url:
            scales["city"] = args.city_url
        print(f"{'scale':<6} {'baseline s':>10} {'first tile s':>12} {'curve s':>8} {'tile/baseline':>13}")
        for scale, url in scales.items():
            m = measure(browser, scale, url, args.runs, directory)
            print(f"{scale:<6} {m['baseline']:>10.2f} {m['first_figure']:>12.2f} {m['curve']:>8.2f} "
                  f"{m['first_figure'] / m['baseline']:>13.1f}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
