"""Single sign-on in Chromium: the dashboard's SSO button, the local OIDC provider, Streamlit's
/oauth2callback, and the role the dashboard's SSO_ROLES rules give the identity.

Each test gets its own dashboard server (over a copy of the demo city) configured for st.login
against one local provider; the provider signs in whoever the test names, without a login screen.
"""
from __future__ import annotations

import pytest

from tests.browser import harness, sso_support
from tests.oidc_provider import LocalOIDCProvider
from ui.page import pages_for

pytestmark = pytest.mark.browser

LANG = "id"  # the dashboard's default language, which a fresh browser gets
HEALTH_ANALYST = {"sub": "sso-health-1", "email": f"analis@{sso_support.HEALTH_DOMAIN}", "email_verified": True,
                  "name": "Analis Dinkes"}
# Her e-mail domain has no rule: the group alone gives the role.
PRESS_OFFICER = {"sub": "sso-press-1", "email": "pers@kominfo.example", "email_verified": True,
                 "name": "Petugas Humas", "groups": ["staf", sso_support.PRESS_GROUP]}
STRANGER = {"sub": "sso-guest-1", "email": "tamu@example.org", "email_verified": True, "name": "Tamu Luar",
            "groups": ["umum"]}


@pytest.fixture(scope="module")
def provider():
    with LocalOIDCProvider() as running:
        yield running


@pytest.fixture
def sso_server(start_server, database_copy, provider, tmp_path) -> harness.Server:
    return sso_support.start_sso_server(start_server, database_copy, provider, tmp_path)


def _text(catalogs: harness.Catalogs, key: str, **values) -> str:
    return catalogs.text(LANG, key).format(**values)


def _sign_in_as(page, server, provider, catalogs, identity: dict) -> None:
    provider.identity = identity
    sso_support.sign_in_with_sso(page, server, _text(catalogs, "auth.sso_button"))
    harness.screenshot(page, "sso", identity["sub"])


def _assert_signed_in_on_overview(page, catalogs, name: str, role: str) -> None:
    """The sidebar names the user and role and links the role's pages; the overview shows its figures."""
    sidebar = page.locator(harness.SIDEBAR)
    signed_in_as = _text(catalogs, "auth.signed_in_as", name=name, role=_text(catalogs, f"role.{role}"))
    assert sidebar.get_by_text(signed_in_as, exact=True).is_visible(), harness.visible_text(page)
    links = [link.inner_text() for link in sidebar.get_by_role("link").all()]
    expected = [_text(catalogs, f"page.{spec.key}") for spec in pages_for(role)]
    assert [_label(link) for link in links] == expected
    assert not harness.shows_login_form(page)
    assert not harness.page_problems(page, catalogs), harness.page_problems(page, catalogs)
    assert page.locator(harness.HEADING).first.inner_text().strip() == _text(catalogs, "page.overview")
    main = harness.main_text(page)
    assert harness.message_pattern(catalogs, LANG, "overview.headline").search(main)
    assert _text(catalogs, "overview.curve") in main
    assert page.locator('[data-testid="stMetric"]').count() >= 4
    assert page.locator('[data-testid="stPlotlyChart"]').first.is_visible()


def _label(link_text: str) -> str:
    """A sidebar link's words without its Material icon, which the browser draws from a ligature."""
    return link_text.strip().split("\n")[-1].strip()


def _assert_signed_out(page, catalogs) -> None:
    assert page.locator(harness.MAIN).get_by_role("button", name=_text(catalogs, "auth.sso_button")).is_visible()
    assert harness.shows_login_form(page)
    assert page.locator(harness.FIGURE).count() == 0
    signed_in_as = harness.message_pattern(catalogs, LANG, "auth.signed_in_as")
    assert not signed_in_as.search(harness.visible_text(page))
    assert page.locator(harness.SIDEBAR).get_by_role("link").count() == 0


def test_an_email_domain_rule_signs_in_the_health_office(sso_server, provider, new_page, catalogs):
    page = new_page()
    _sign_in_as(page, sso_server, provider, catalogs, HEALTH_ANALYST)
    _assert_signed_in_on_overview(page, catalogs, HEALTH_ANALYST["name"], "health")


def test_a_groups_claim_rule_signs_in_the_press_office(sso_server, provider, new_page, catalogs):
    page = new_page()
    _sign_in_as(page, sso_server, provider, catalogs, PRESS_OFFICER)
    _assert_signed_in_on_overview(page, catalogs, PRESS_OFFICER["name"], "press")


def test_an_identity_no_rule_matches_is_refused_with_a_message(sso_server, provider, new_page, catalogs):
    page = new_page()
    _sign_in_as(page, sso_server, provider, catalogs, STRANGER)
    assert _text(catalogs, "auth.sso_no_role") in harness.main_text(page), harness.main_text(page)
    _assert_signed_out(page, catalogs)


def test_signing_out_ends_the_sso_session(sso_server, provider, new_page, catalogs):
    page = new_page()
    _sign_in_as(page, sso_server, provider, catalogs, HEALTH_ANALYST)
    _assert_signed_in_on_overview(page, catalogs, HEALTH_ANALYST["name"], "health")

    sso_support.sign_out(page, _text(catalogs, "auth.sign_out"))
    harness.screenshot(page, "sso", "signed-out")
    _assert_signed_out(page, catalogs)
    # Not just this session: the browser holds no identity that a new session would sign in again.
    overview = next(spec for spec in pages_for("health") if spec.key == "overview")
    harness.open_app(page, sso_server, overview.url_path)
    _assert_signed_out(page, catalogs)
