"""What the browser suite does the way a user does it: start the dashboard, log in, find pages, read them.

Everything that knows how the dashboard looks in the browser lives here, so that a change in the
login or the sidebar is a change in one place. The tests themselves only say what must hold.
"""
from __future__ import annotations

import csv
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from google.protobuf.message import DecodeError
from playwright.sync_api import Browser, Page, Playwright, TimeoutError as PlaywrightTimeout
from sqlalchemy import select
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from casedb.engine import dispose_all, get_engine
from casedb.schema import facilities, regions
from casedb.wib import WIB, now_utc, to_wib

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
# Nothing here may reach the network: no downloads, no phoning home, no component updates.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROLES = ("mayor", "health", "press", "admin", "checkpoint")
LANGUAGES = ("id", "en")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SERVER_START_SECONDS = 60
# Set as in any deployment outside the demo database: without it the upload page refuses to load.
NIK_PEPPER = "browser-suite-pepper-Strong-0123456789"
# Generous: the first run of a page on a cold server compiles queries and loads the demo city.
PAGE_TIMEOUT_MS = 30_000

# A figure is anything that shows data: a tile, a chart, a map or a table.
FIGURE = ", ".join(f'[data-testid="{testid}"]' for testid in (
    "stMetric", "stPlotlyChart", "stDeckGlJsonChart", "stDataFrame", "stTable",
    "stVegaLiteChart", "stArrowVegaLiteChart"))
EXCEPTION = '[data-testid="stException"]'
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
HEADING = f'{MAIN} h1'


def launch_chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
                    "Install it with `apt-get install chromium` (.ci/run does this); "
                    "never `playwright install`.")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# ---------------------------------------------------------------------------------------- server

@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    refresh_seconds: int
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(database_url: str, log_path: Path, refresh_seconds: int = 3) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free port over `database_url`, stopped (whole process group) on exit."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "NIK_PEPPER": NIK_PEPPER,
           "REFRESH_SECONDS": str(refresh_seconds), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", database_url, refresh_seconds, process)
    try:
        _wait_healthy(server, log_path)
        yield server
    finally:
        _stop(process)
        log.close()


def _wait_healthy(server: Server, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"streamlit exited with {server.process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer /_stcore/health within {SERVER_START_SECONDS} s:\n"
                f"{log_path.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    """Stop streamlit and anything it started: it leads its own process group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# ---------------------------------------------------------------------------------- translations

@dataclass(frozen=True)
class Catalogs:
    """The translation catalogs, and the patterns that find an untranslated key on screen."""

    texts: dict[str, dict[str, str]]

    @classmethod
    def load(cls) -> "Catalogs":
        # The dashboard's own reading of the catalogs: the shared file and every area's file.
        from ui.i18n import catalog

        return cls({lang: dict(catalog(lang)) for lang in LANGUAGES})

    def keys(self) -> set[str]:
        return set().union(*(catalog.keys() for catalog in self.texts.values()))

    def untranslated(self, text: str) -> list[str]:
        """Keys of the catalogs, or dotted identifiers under one of their namespaces (a misspelt
        key), that appear in `text` as words of their own."""
        namespaces = sorted({key.split(".")[0] for key in self.keys()})
        pattern = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, namespaces))
                             + r")(?:\.[a-z0-9_]+)+(?![\w.])")
        found = set(pattern.findall(text))
        found |= {key for key in self.keys() if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", text)}
        return sorted(found)

    def text(self, lang: str, key: str) -> str:
        return self.texts[lang][key]


# ------------------------------------------------------------------------------- reading the app

def wait_until_idle(page: Page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until the script run the last action started has finished and the main area stopped
    changing: Streamlit reports a run finished a moment before the browser has drawn all of it.
    Widgets whose code the browser loads on first use (text inputs, charts) stand as grey
    placeholders (stSkeleton) until it has arrived, however still the page is meanwhile: on a loaded
    machine the sign-in form was read while its two fields were still placeholders."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const main = document.querySelector('[data-testid="stMain"]');
            const settled = app && main && app.dataset.testScriptState === 'notRunning'
                && app.dataset.testConnectionState === 'CONNECTED'
                && !document.querySelector(
                    '[data-testid="stAppSkeleton"], [data-testid="stSkeleton"], [data-stale="true"]');
            const now = settled ? main.innerHTML.length + ':' + main.querySelectorAll('*').length : null;
            const quiet = now !== null && window.__e2eLast === now && performance.now() - window.__e2eSince > 400;
            if (now !== window.__e2eLast) { window.__e2eLast = now; window.__e2eSince = performance.now(); }
            return quiet;
        }""", timeout=timeout_ms, polling=100)


@contextmanager
def rerun(page: Page) -> Iterator[None]:
    """Around a user action that reruns the script: afterwards, wait for that run to start on the
    server and to be drawn, however slow the machine (a quiet page alone can be the old page)."""
    before = _RUNS.get(page, 0)
    yield
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    while _RUNS.get(page, 0) == before:
        if time.monotonic() > deadline:
            raise AssertionError("the action started no script run")
        page.wait_for_timeout(50)
    wait_until_idle(page)


def open_app(page: Page, server: Server, path: str = "") -> None:
    """Open an address and wait for the first script run to be drawn: on a loaded machine the empty
    page can sit quiet for longer than wait_until_idle's pause before that run begins."""
    with rerun(page):
        page.goto(f"{server.url}/{path.lstrip('/')}")


def main_text(page: Page) -> str:
    return page.locator(MAIN).inner_text()


def visible_text(page: Page) -> str:
    return page.locator("body").inner_text()


@dataclass(frozen=True)
class NavPage:
    """One page of a role's navigation (st.navigation), as Streamlit sends it to the browser."""

    label: str
    path: str  # its URL path, also for the default page (which the links show as "/")
    is_default: bool

    @property
    def slug(self) -> str:
        return self.path or "home"


def record_navigation(page: Page) -> None:
    """Keep the last navigation the server sent this page over its websocket: the pages visible to
    the session's role, each with its own URL path, which the links do not show for the default page."""
    def on_websocket(socket) -> None:
        socket.on("framereceived", lambda payload: _record_frame(page, payload))

    page.on("websocket", on_websocket)


_NAVIGATION: dict[Page, list[NavPage]] = {}
# Full script runs the server started for a page (each begins with a new_session message).
_RUNS: dict[Page, int] = {}


def _record_frame(page: Page, payload: bytes | str) -> None:
    if isinstance(payload, str):
        return
    message = ForwardMsg()
    try:
        message.ParseFromString(payload)
    except DecodeError:
        return
    if message.WhichOneof("type") == "new_session":
        _RUNS[page] = _RUNS.get(page, 0) + 1
    elif message.WhichOneof("type") == "navigation":
        # Every page is registered so that its address reaches its own guard; the role's are the visible ones.
        _NAVIGATION[page] = [NavPage(p.page_name, p.url_pathname, p.is_default)
                             for p in message.navigation.app_pages if not p.is_hidden]


def nav_pages(page: Page) -> list[NavPage]:
    """The pages of the signed-in role's navigation, in order."""
    if page not in _NAVIGATION:
        raise AssertionError("no navigation received: was record_navigation(page) called before opening it?")
    return list(_NAVIGATION[page])


def nav_page(page: Page, label: str, timeout_ms: int = PAGE_TIMEOUT_MS) -> NavPage:
    """The navigation's page of that label, once a navigation holding it has arrived: after a switch
    of language the rerun's navigation message can be handled after the page already looks idle
    (the browser suite once read the Indonesian labels right after switching to English)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        found = [p for p in nav_pages(page) if p.label == label]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no page {label!r} in the navigation: {[p.label for p in nav_pages(page)]}")
        page.wait_for_timeout(100)  # lets Playwright handle the websocket messages meanwhile


def current_path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+/?", "", page.url).split("?")[0].strip("/")


def nav_link(page: Page, target: NavPage):
    return page.locator(SIDEBAR).get_by_role("link", name=target.label, exact=True)


def go_to(page: Page, target: NavPage) -> None:
    """Open a page from the sidebar, as a user does: by clicking its link (the session stays).
    A role with a single page has no link to it: that page is open after signing in."""
    if current_path(page) == target.path:
        return
    sidebar_open(page)
    with rerun(page):
        nav_link(page, target).click()
    expected = rf"/({re.escape(target.path)})?" if target.is_default else rf"/{re.escape(target.path)}"
    page.wait_for_url(re.compile(expected + r"(\?.*)?$"), timeout=PAGE_TIMEOUT_MS)
    wait_until_idle(page)


def sidebar_open(page: Page) -> None:
    """On a phone the sidebar starts collapsed: open it the way a user does."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.is_visible():
        expand.click()
        page.locator(SIDEBAR).wait_for(state="visible")
        _wait_until_still(page, SIDEBAR)  # the slide-in animation


def _wait_until_still(page: Page, selector: str) -> None:
    """Until no CSS transition or animation of the element itself is running."""
    page.wait_for_function(
        """s => { const e = document.querySelector(s);
                  return !!e && e.getAnimations().every(a => a.playState !== 'running'); }""",
        arg=selector, polling="raf")


def _wait_for_charts_to_fit(page: Page) -> None:
    """Until every chart is drawn at the width of its box (charts redraw after the window changes size)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].every(plot => {
                const svg = plot.querySelector('svg.main-svg');
                return svg && Math.abs(svg.getBoundingClientRect().width - plot.getBoundingClientRect().width) < 2;
            })""", polling=100)


def screenshot(page: Page, *parts: str) -> Path:
    """The whole page: Streamlit scrolls inside its main area, not the document, so the window is
    made as tall as the content for the shot and given its size back afterwards."""
    path = SCREENSHOTS / ("-".join(parts) + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height})
        _wait_for_charts_to_fit(page)
    page.screenshot(path=str(path), full_page=True)
    if height > size["height"]:
        page.set_viewport_size(size)
    return path


def horizontal_overflow(page: Page) -> dict[str, tuple[int, int]]:
    """Elements of the main content that scroll sideways: {name: (scrollWidth, clientWidth)}."""
    widths = page.evaluate(
        """() => {
            const measure = el => el ? [el.scrollWidth, el.clientWidth] : null;
            return {
                document: measure(document.scrollingElement),
                main: measure(document.querySelector('[data-testid="stMain"]')),
                main_block: measure(document.querySelector('[data-testid="stMainBlockContainer"]')),
            };
        }""")
    return {name: tuple(w) for name, w in widths.items() if w and w[0] > w[1] + 1}


# --------------------------------------------------------------------------------- login, language

@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str


def log_in(page: Page, server: Server, account: Account) -> None:
    """Open the dashboard and sign in as a user does. The one place that knows how signing in looks."""
    open_app(page, server)
    sign_in(page, account)


def sign_in(page: Page, account: Account) -> None:
    """Through the login form: user name, password, the submit button."""
    form = login_form(page)
    form.locator('input[type="text"]').first.fill(account.username)
    form.locator('input[type="password"]').fill(account.password)
    with rerun(page):
        form.locator('[data-testid="stFormSubmitButton"] button').click()
    page.locator('input[type="password"]').wait_for(state="detached")


def login_form(page: Page):
    return page.locator('[data-testid="stForm"]').filter(has=page.locator('input[type="password"]'))


def shows_login_form(page: Page) -> bool:
    return login_form(page).count() > 0 and login_form(page).is_visible()


LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def switch_language(page: Page, lang: str) -> None:
    """Pick the language in the sidebar's switch, whatever widget draws it (radio, buttons, select)."""
    sidebar_open(page)
    sidebar = page.locator(SIDEBAR)
    name = re.compile(rf"^\s*({re.escape(LANGUAGE_NAMES[lang])}|{lang})\s*$", re.IGNORECASE)
    radio = sidebar.locator('[data-testid="stRadio"] label').filter(has_text=name)
    button = sidebar.get_by_role("button", name=name)
    if radio.count() and radio.first.locator("input").is_checked():
        return
    with rerun(page):
        if radio.count():
            radio.first.click()
        elif button.count():
            button.first.click()
        else:
            sidebar.locator('[data-testid="stSelectbox"]').filter(
                has_text=re.compile("|".join(LANGUAGE_NAMES.values()))).first.click()
            page.get_by_role("option", name=name).click()


# ------------------------------------------------------------------------------------ page checks

def shown_text(page: Page) -> str:
    """Every text a reader sees: the page, chart labels drawn in SVG, and table headers."""
    parts = [visible_text(page)]
    parts += page.locator(".js-plotly-plot svg text").all_text_contents()
    parts += page.locator(f'[data-testid="stDataFrame"] [role="columnheader"]').all_text_contents()
    return "\n".join(parts)


def page_problems(page: Page, catalogs: Catalogs) -> list[str]:
    """What is wrong with the page on screen, as readable lines; empty when it is fine."""
    problems = []
    if page.locator(EXCEPTION).count():
        problems.append("exception box: " + page.locator(EXCEPTION).first.inner_text()[:800])
    text = shown_text(page)
    if re.search(r"page not found", text, re.IGNORECASE):
        problems.append("'page not found'")
    heading = page.locator(HEADING)
    if not heading.count() or not heading.first.is_visible() or not heading.first.inner_text().strip():
        problems.append("no visible heading (h1) in the main area")
    cut = cut_texts(page)
    if cut:
        problems.append(f"text cut short with an ellipsis: {cut}")
    untranslated = catalogs.untranslated(text)
    if untranslated:
        problems.append(f"untranslated keys on screen: {untranslated}")
    try:
        page.locator(f"{FIGURE} >> visible=true").first.wait_for(state="visible", timeout=10_000)
    except PlaywrightTimeout:
        problems.append("no figure (metric, chart, map or table) visible")
    return problems


def cut_texts(page: Page) -> list[str]:
    """Texts of the main area that the browser shortens with an ellipsis because they do not fit."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
            .filter(e => e.textContent.trim() && getComputedStyle(e).textOverflow === 'ellipsis'
                         && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent.trim())""")


def language_problems(page: Page, catalogs: Catalogs, lang: str) -> list[str]:
    """Navigation labels and the heading that are text of the other language only."""
    other = next(code for code in LANGUAGES if code != lang)
    own_texts, other_texts = set(catalogs.texts[lang].values()), set(catalogs.texts[other].values())
    shown = [target.label for target in nav_pages(page)] + [t.strip() for t in page.locator(HEADING).all_inner_texts()]
    wrong = [t for t in shown if t in other_texts and t not in own_texts]
    return [f"in {other} instead of {lang}: {wrong}"] if wrong else []


def message_pattern(catalogs: Catalogs, lang: str, key: str) -> re.Pattern:
    """A catalog message as a pattern, its `{placeholders}` matching any text."""
    parts = re.split(r"\{[a-z_]+\}", catalogs.text(lang, key))
    return re.compile(".+?".join(map(re.escape, parts)), re.DOTALL)


def declared_pages() -> dict[str, tuple[str, ...]]:
    """{URL path: roles} of every page the dashboard declares. The browser cannot tell a page's own
    path when it is a role's default page (served at "/"), yet another role may type that path."""
    from ui.page import PAGES

    return {spec.url_path: tuple(spec.roles) for spec in PAGES}


def metric_value(page: Page, label: str):
    """The value of the tile whose label is `label` (a locator: it follows the tile across reruns)."""
    label_pattern = re.compile(rf"^\s*{re.escape(label)}\s*$")
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]').filter(has_text=label_pattern))
    return tile.locator('[data-testid="stMetricValue"]').first


def shown_day(page: Page) -> date:
    """The day the page's date input holds."""
    return date.fromisoformat(page.locator('[data-testid="stDateInput"] input[type="date"]').first.input_value())


def parse_count(text: str) -> int:
    """A whole number as either language writes it (1.234 or 1,234)."""
    return int(re.sub(r"[^\d]", "", text))


def sidebar_close(page: Page) -> None:
    """On a phone the open sidebar covers the page: close it the way a user does."""
    if page.viewport_size["width"] >= 768:
        return
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if collapse.count() and collapse.first.is_visible():
        collapse.first.click()
        page.locator('[data-testid="stExpandSidebarButton"]').wait_for(state="visible")
        _wait_until_still(page, SIDEBAR)  # the slide-out animation


MAX_TABS = 80


def tab_to(page: Page, selector: str) -> str:
    """Press Tab from the top of the page until the focus is on an element matching `selector`,
    as a keyboard user does; returns a description of what got the focus on the way."""
    page.locator("body").focus()
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return " > ".join(seen[-3:] + ["(target)"])
        seen.append(page.evaluate("""() => { const e = document.activeElement;
            return e ? `${e.tagName.toLowerCase()}[${e.getAttribute('aria-label') || e.innerText?.slice(0, 30) || ''}]` : '-'; }"""))
    raise AssertionError(f"{MAX_TABS} Tab presses never reached {selector}; the focus went: {seen}")


def page_not_found_dialog(page: Page) -> str | None:
    """The text of Streamlit's "Page not found" dialog when it is open (it makes the page inert)."""
    dialog = page.locator('[role="dialog"]').filter(has_text=re.compile("page not found", re.IGNORECASE))
    return dialog.first.inner_text() if dialog.count() and dialog.first.is_visible() else None


NEW_POSITIVES = 3


def load_new_positives(database_url: str, day: date, path: Path, tag: str,
                       kelurahan: str | None = None) -> subprocess.CompletedProcess:
    """Write and load (through `python -m casedb.ingest`, as a facility's file arrives) NEW_POSITIVES
    positive PCR results of people never seen before, on WIB day `day` (at noon, or ten minutes ago
    when that is earlier), at a facility of the demo city and in `kelurahan` (default: the first):
    each confirms a new case there. `tag` keeps the sample numbers and NIKs of different tests apart."""
    with get_engine(database_url).connect() as conn:
        facility = conn.execute(select(facilities.c.registry_code).where(facilities.c.closed_on.is_(None))
                                .order_by(facilities.c.id)).scalars().first()
        kelurahan = kelurahan or conn.execute(select(regions.c.code).where(regions.c.level == "kelurahan")
                                              .order_by(regions.c.code)).scalars().first()
    dispose_all()
    latest = to_wib(now_utc()) - timedelta(minutes=10)
    result_at = min(datetime.combine(day, datetime.min.time(), WIB) + timedelta(hours=12), latest)
    nik_block = 14719990 + sum(map(ord, tag)) % 10  # 16 digits with the row number
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["No Sampel", "Kode Faskes", "NIK", "Jenis Kelamin", "Tahun Lahir", "Kode Kelurahan",
                         "Jenis Pemeriksaan", "Tgl Ambil Sampel", "Tanggal Hasil", "Hasil"])
        for i in range(NEW_POSITIVES):
            writer.writerow([f"E2E-{tag}-{i}", facility, f"{nik_block}{i:08d}", "P", "1990", kelurahan, "PCR",
                             f"{result_at - timedelta(hours=3):%d/%m/%Y %H:%M}", f"{result_at:%d/%m/%Y %H:%M}",
                             "Positif"])
    env = {**os.environ, "DATABASE_URL": database_url, "NIK_PEPPER": NIK_PEPPER}
    return subprocess.run([sys.executable, "-m", "casedb.ingest", str(path), "--source", "test_results",
                           "--database-url", database_url], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
