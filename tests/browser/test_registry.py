"""The registry in the browser: an operator registers a facility and grants it an authorisation
through the forms, as a user does, on a server of their own over a copy of the demo city."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casedb.engine import dispose_all, get_engine
from casedb.schema import authorization_test_types, authorizations, facilities
from tests.browser import harness

pytestmark = pytest.mark.browser

CODE = "E2E-KLINIK-01"
NAME = 'Klinik <img src=x onerror="window.__e2eInjected=1"> Uji'
NUMBER = "440/09999/DINKES-PKU/REK/2026"


def _form(page):
    """The form on screen (the other tabs' forms are hidden)."""
    return page.locator(f'{harness.MAIN} [data-testid="stForm"] >> visible=true').first


def _field(scope, label: str):
    return scope.get_by_label(label, exact=True)


def _choose(page, scope, label: str, option: str) -> None:
    """A select box as a user works it: open it, type to narrow the list, pick the option."""
    box = scope.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(label, exact=True))
    box.locator("input").first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()


def _select_first_row(page) -> None:
    """Tick the first row of the main area's table: its row marker, left of the first column
    (the grid is drawn on a canvas, so by position: below the header row, in the marker column)."""
    grid = page.locator(f'{harness.MAIN} [data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    grid.hover()
    with harness.rerun(page):
        page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)


def test_an_operator_registers_a_facility_and_grants_it_an_authorisation(
        start_server, database_copy, new_page, accounts, catalogs):
    text = lambda key, **kw: catalogs.text("id", key).format(**kw)  # noqa: E731
    server = start_server(database_copy)
    page = new_page(harness.DESKTOP)
    harness.log_in(page, server, accounts["admin"])
    pages = {p.label: p for p in harness.nav_pages(page)}

    harness.go_to(page, pages[text("page.facilities")])
    page.get_by_role("tab", name=text("facilities.register")).click()
    form = _form(page)
    _field(form, text("facilities.column.registry_code")).fill(CODE.lower())
    _field(form, text("facilities.column.name")).fill(NAME)
    _choose(page, form, text("facilities.column.type"), text("facility_type.clinic"))
    _choose(page, form, text("facilities.column.kelurahan"), "Jadirejo")
    _field(form, text("facilities.column.lat")).fill("0.5141")
    _field(form, text("facilities.column.lon")).fill("101.4452")
    harness.screenshot(page, "admin", "facility-register-filled", "id")
    with harness.rerun(page):
        page.locator(harness.MAIN).get_by_role("button", name=text("facilities.register")).click()
    page.get_by_text(text("facilities.registered", code=CODE).replace("`", "")).wait_for()
    harness.screenshot(page, "admin", "facility-registered", "id")
    assert not page.locator(harness.EXCEPTION).count()
    # The form is empty for the next facility (a refused one would have kept everything typed).
    assert _field(_form(page), text("facilities.column.registry_code")).input_value() == ""
    assert _field(_form(page), text("facilities.column.name")).input_value() == ""

    # To its authorisations from its row of the registry table, as a user does.
    search = page.locator(harness.MAIN).get_by_label(text("facilities.search"), exact=True)
    search.fill(CODE)
    with harness.rerun(page):
        search.press("Enter")
    _select_first_row(page)
    link = page.locator(harness.MAIN).get_by_role("link", name=text("facilities.open_authorizations", code=CODE))
    harness.screenshot(page, "admin", "facility-row-selected", "id")
    with harness.rerun(page):
        link.click()
    page.wait_for_url(re.compile(rf"/authorizations\?(.*&)?facility={re.escape(CODE)}"), timeout=harness.PAGE_TIMEOUT_MS)
    harness.wait_until_idle(page)
    chosen = page.locator(harness.MAIN).locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text(text("authorizations.facility"), exact=True))
    assert CODE in chosen.locator("input").first.input_value()  # the link chose it
    form = _form(page)
    _field(form, text("authorizations.column.number")).fill(NUMBER)
    for test_type in ("PCR", "Antigen"):
        _choose(page, form, text("authorizations.column.test_types"), test_type)
        page.keyboard.press("Escape")
    with harness.rerun(page):
        page.locator(harness.MAIN).get_by_role("button", name=text("authorizations.grant")).click()
    page.get_by_text(text("authorizations.granted", code=CODE).replace("`", "")).wait_for()
    harness.wait_until_idle(page)
    harness.screenshot(page, "admin", "authorization-granted", "id")
    assert not page.locator(harness.EXCEPTION).count()
    assert page.evaluate("window.__e2eInjected") is None, "markup in the facility name ran"

    with get_engine(database_copy).connect() as conn:
        facility = conn.execute(select(facilities).where(facilities.c.registry_code == CODE)).one()
        granted = conn.execute(select(authorizations).where(authorizations.c.facility_id == facility.id)).one()
        covered = set(conn.execute(select(authorization_test_types.c.test_type)
                                   .where(authorization_test_types.c.authorization_id == granted.id)).scalars())
    dispose_all()
    assert (facility.name, facility.type, facility.kelurahan_code, facility.lat, facility.lon) == (
        NAME, "clinic", "14.71.01.1002", 0.5141, 101.4452)
    assert (granted.number, granted.granted_by, granted.revoked_at) == (NUMBER, accounts["admin"].username, None)
    assert covered == {"pcr", "antigen"}
