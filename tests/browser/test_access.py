"""Who may open what, in the browser: another role's page by URL, and deep links before signing in."""
from __future__ import annotations

import pytest

from tests.browser import harness

pytestmark = pytest.mark.browser

REFUSAL_KEY = "page.not_allowed"


@pytest.mark.parametrize("role", harness.ROLES)
def test_another_roles_page_opened_by_url_is_refused(server, new_page, accounts, catalogs, role):
    foreign = sorted(path for path, roles in harness.declared_pages().items() if role not in roles)
    refusal = harness.message_pattern(catalogs, "id", REFUSAL_KEY)
    page = new_page()
    problems = []
    for path in foreign:
        harness.open_app(page, server, path)
        if harness.page_not_found_dialog(page):
            problems.append(f"/{path}: 'Page not found' dialog over the page (the path is unknown to this session's "
                            f"navigation), instead of the sign-in form and then the refusal")
            continue
        if harness.shows_login_form(page):  # a typed address starts a new session: sign in (again)
            harness.sign_in(page, accounts[role])
        harness.screenshot(page, role, "refused", path)
        if not refusal.search(harness.main_text(page)):
            problems.append(f"/{path}: no refusal message; the page shows:\n{harness.main_text(page)[:400]}")
        elif page.locator(harness.FIGURE).count():
            problems.append(f"/{path}: refused, yet {page.locator(harness.FIGURE).count()} figures are shown")
    assert not problems, "\n".join(problems)


def test_a_deep_link_as_the_first_request_to_a_fresh_server_asks_for_login(start_server, database_copy, new_page):
    """A page opened straight by its address, before dashboard.py ever ran in this server process."""
    fresh = start_server(database_copy)
    paths = sorted(harness.declared_pages())
    problems = []
    for path in paths:  # the first of these is the first request the server ever gets
        page = new_page()
        harness.open_app(page, fresh, path)
        harness.screenshot(page, "anonymous", "deep-link", path)
        if page.locator(harness.EXCEPTION).count():
            problems.append(f"/{path}: exception box: {page.locator(harness.EXCEPTION).first.inner_text()[:400]}")
        if not harness.shows_login_form(page):
            problems.append(f"/{path}: no login form")
        if harness.page_not_found_dialog(page):
            problems.append(f"/{path}: 'Page not found' dialog over the sign-in form")
        if page.locator(harness.FIGURE).count():
            problems.append(f"/{path}: {page.locator(harness.FIGURE).count()} figures shown before login")
    assert not problems, "\n".join(problems)
