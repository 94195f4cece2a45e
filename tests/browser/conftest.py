"""Fixtures of the browser suite: one small demo city, one dashboard server and one Chromium per session.

The database is a SQLite file under pytest's tmp directory, built once by the demo generator with a
fixed end; tests that write (the live update) or need a server nobody has talked to yet (deep links)
get their own server over a copy of it, so that no test depends on the order tests run in.
"""
from __future__ import annotations

import sqlite3
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import make_url

from casedb import users
from casedb.demo import build
from casedb.engine import dispose_all
from tests.browser import harness
from tests.conftest import DEMO_END, migrated_engine

DEMO_SEED = 20261127
# Accounts made the way an operator makes them (casedb.users.create): the built-in demo accounts
# exist only on the embedded demo database, and this one lives in a tmp directory.
PASSWORD = "browser-suite-password"


@pytest.fixture(scope="session")
def accounts() -> dict[str, harness.Account]:
    return {role: harness.Account(f"e2e-{role}", PASSWORD, role) for role in harness.ROLES}


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory, accounts) -> str:
    """URL of a small demo city ending at DEMO_END, with one account per role."""
    url, engine = migrated_engine("sqlite", tmp_path_factory.mktemp("browser-db"))
    build(engine, scale="small", seed=DEMO_SEED, end=DEMO_END)
    for account in accounts.values():
        users.create(engine, account.username, account.role, account.password, f"Browser suite: {account.role}")
    dispose_all()
    return url


@pytest.fixture
def database_copy(demo_database, tmp_path) -> str:
    """A private copy of the demo city, for a test that writes or needs a fresh server."""
    copy = tmp_path / "demo-copy.sqlite"
    with sqlite3.connect(make_url(demo_database).database) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="session")
def server(demo_database, tmp_path_factory) -> Iterator[harness.Server]:
    log = tmp_path_factory.mktemp("browser-server") / "streamlit.log"
    with harness.streamlit_server(demo_database, log) as running:
        yield running


@pytest.fixture
def start_server(tmp_path) -> Iterator[Callable[[str], harness.Server]]:
    """Start another dashboard server over a given database; stopped when the test ends."""
    stack = []

    def start(database_url: str) -> harness.Server:
        context = harness.streamlit_server(database_url, tmp_path / f"streamlit-{len(stack)}.log")
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = harness.launch_chromium(playwright)
        yield chromium
        chromium.close()


def _page_in_new_context(browser: Browser, viewport: dict) -> Page:
    """A page with no cookies and no session, as a reader in Pekanbaru opens it."""
    context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(harness.PAGE_TIMEOUT_MS)
    page = context.new_page()
    harness.record_navigation(page)
    return page


@pytest.fixture
def new_page(browser) -> Iterator[Callable[..., Page]]:
    """A page in a fresh browser context (no cookies, no session): desktop size unless told."""
    contexts = []

    def make(viewport: dict = harness.DESKTOP) -> Page:
        page = _page_in_new_context(browser, viewport)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def catalogs() -> harness.Catalogs:
    return harness.Catalogs.load()


@pytest.fixture(scope="session")
def signed_in(server, browser, accounts) -> Iterator[Callable[[str], Page]]:
    """One signed-in desktop page per role, kept for the session: tests that only read pages share
    it, and each sets the language it needs first. Tests that change a page's state use new_page."""
    pages: dict[str, Page] = {}

    def page_of(role: str) -> Page:
        if role not in pages:
            page = _page_in_new_context(browser, harness.DESKTOP)
            harness.log_in(page, server, accounts[role])
            pages[role] = page
        return pages[role]

    yield page_of
    for page in pages.values():
        page.context.close()
