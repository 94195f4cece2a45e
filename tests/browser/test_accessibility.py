"""Accessibility in the browser: axe-core on every page, the main controls by keyboard, phone size.

axe-core runs from the copy bundled in axe-playwright-python (nothing is downloaded). Critical and
serious violations fail; Streamlit's own widgets are held to the same rule, so that a violation we
cannot fix is seen and reported, not excluded.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import harness
from ui.i18n import format_date

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = ("critical", "serious")


def _axe_problems(page) -> list[str]:
    """Blocking violations, one line per element: rule, impact, the element and axe's reason."""
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {node['html'][:160]} -- {node['failureSummary'].splitlines()[-1].strip()}"
            for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS
            for node in v["nodes"]]


@pytest.mark.parametrize("role", harness.ROLES)
def test_no_critical_or_serious_axe_violation_on_any_page(signed_in, role):
    page = signed_in(role)
    harness.switch_language(page, "id")
    problems = []
    for target in harness.nav_pages(page):
        harness.go_to(page, target)
        problems += [f"{role}/{target.slug}: {p}" for p in _axe_problems(page)]
    assert not problems, "\n".join(problems)


def test_the_login_form_has_no_critical_or_serious_axe_violation(server, new_page):
    page = new_page()
    harness.open_app(page, server)
    assert harness.shows_login_form(page)
    problems = _axe_problems(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", harness.ROLES)
def test_every_page_fits_a_phone_without_sideways_scrolling(server, new_page, accounts, catalogs, role):
    """390x844, the size of a common phone: checkpoint officers and the mayor read the dashboard on one."""
    page = new_page(harness.PHONE)
    harness.log_in(page, server, accounts[role])
    problems = []
    for target in harness.nav_pages(page):
        harness.go_to(page, target)
        harness.sidebar_close(page)
        overflow = harness.horizontal_overflow(page)
        if overflow:
            problems.append(f"{role}/{target.slug}: scrolls sideways (scrollWidth, clientWidth): {overflow}")
        problems += [f"{role}/{target.slug}: {p}" for p in harness.page_problems(page, catalogs)]
        harness.screenshot(page, role, target.slug, "id", "phone")
    assert not problems, "\n".join(problems)


def test_language_switch_works_by_keyboard(server, new_page, accounts, catalogs):
    page = new_page()
    harness.log_in(page, server, accounts["mayor"])
    english = harness.LANGUAGE_NAMES["en"]
    option = harness.tab_to(page, f'{harness.SIDEBAR} [data-testid="stRadio"] input[type="radio"]')
    # In a radio group the arrow keys move the choice: Bahasa Indonesia -> English.
    page.keyboard.press("ArrowRight")
    harness.wait_until_idle(page)
    chosen = page.locator(harness.SIDEBAR).get_by_role("radio", name=english, exact=True)
    assert chosen.is_checked(), f"focus was on {option}; English is not chosen"
    # The radio is checked before the rerun it starts has drawn the page again: wait for the heading
    # (read at once, it was still Indonesian once in ten runs under load).
    expect(page.locator(harness.HEADING).first).to_have_text(catalogs.text("en", "page.overview"),
                                                            timeout=harness.PAGE_TIMEOUT_MS)


def test_overview_day_can_be_changed_by_keyboard(server, new_page, accounts, catalogs):
    page = new_page()
    harness.log_in(page, server, accounts["mayor"])
    day = harness.shown_day(page)
    harness.tab_to(page, '[data-testid="stDateInput"] [role="spinbutton"][data-type="day"]')
    page.keyboard.press("ArrowDown")  # one day earlier
    # The field takes the new date when the focus leaves it, as it does when the user tabs on.
    while page.evaluate("() => !!document.activeElement.closest('[data-testid=\"stDateInputField\"]')"):
        page.keyboard.press("Tab")
    earlier = day - timedelta(days=1)
    headline = harness.message_pattern(catalogs, "id", "overview.headline")
    expect(page.locator(harness.MAIN).get_by_text(headline)).to_contain_text(format_date(earlier, lang="id"))
    assert harness.shown_day(page) == earlier
