"""Every role against every page, by navigation and by opening the page file directly (a deep link on
a fresh server runs the page without dashboard.py); visitors, expired sessions, disabled accounts,
the sign-in form under brute force, and attack inputs in every text box and URL parameter."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from casedb import settings, users
from casedb.schema import ROLES
from tests.conftest import database_in_use, drop_database, migrated_engine
from tests.sessions import sign_in
from tests.test_queries_overview import write_fixture
from ui import auth, i18n, page

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "access-test-password"
# Who may open which page, written from DESIGN section 1, not read from the code under test.
EXPECTED = {
    "overview": {"mayor", "health", "press", "admin"},
    # Movement in and out of the city: the mayor's office and the health office (issue 13).
    "movement": {"mayor", "health"},
    # Operators answer checkpoint officers' calls and manage the authorisations a verification rests on.
    "certificate_check": {"checkpoint", "health", "admin"},
    "audit": {"admin"},
    "upload": {"health", "admin"},
    # Operators manage users, facilities and authorisations; the health office sees everything and
    # authorises facilities (the facilities page is read-only for it).
    "users": {"admin"},
    "facilities": {"health", "admin"},
    "authorizations": {"health", "admin"},
    # The press briefing and its releases (issue 16).
    "briefing": {"press", "health", "mayor"},
}
SQL_ATTACKS = (
    "' OR '1'='1",
    "'; DROP TABLE cases; --",
    "1; DELETE FROM users",
    "admin'--",
    "\" OR \"\"=\"",
    "%' UNION SELECT username, password_hash, NULL, NULL, NULL, NULL FROM users --",
)
URL_PARAMS = ("lang", "role", "page", "day", "start", "end", "facility", "number", "code", "user", "action")
FIGURES = ("metric", "dataframe", "plotly_chart", "table", "deckgl_json_chart", "download_button")


def t(key: str, **kwargs) -> str:
    return i18n.t(key, lang="id", **kwargs)


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def city(request, tmp_path_factory):
    """A small fixture city with one account per role, and DATABASE_URL pointing at it."""
    def fill(engine):
        write_fixture(engine)
        for role in ROLES:
            users.create(engine, f"t-{role}", role, PASSWORD, f"Test {role}")

    with database_in_use(request.param, tmp_path_factory.mktemp("access"), fill) as engine:
        yield engine


def open_page(script: str, role: str | None = None, idle_seconds: float = 0,
              query_params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.session_state["lang"] = "id"
    if role:
        sign_in(at, role, idle_seconds)
    for name, value in (query_params or {}).items():
        at.query_params[name] = value
    return at.run()


def shows_figures(at: AppTest) -> bool:
    return any(len(at.get(kind)) for kind in FIGURES)


def shows_login(at: AppTest) -> bool:
    # The sign-in form's own password box: the users page has password boxes of its own.
    return any(w.key == "auth_password" for w in at.text_input)


def refusal(at: AppTest, role: str) -> bool:
    return any(e.value == t("page.not_allowed", role=t(f"role.{role}")) for e in at.error)


def test_every_page_file_has_a_guard_and_an_expectation():
    files = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert files == sorted(Path(spec.path).name for spec in page.PAGES)
    for spec in page.PAGES:
        assert f'begin("{spec.key}")' in (ROOT / spec.path).read_text(encoding="utf-8"), spec.path
        if spec.key in EXPECTED:
            assert set(spec.roles) == EXPECTED[spec.key], spec.key
        # Whatever pages come: checkpoint officers verify certificates and see nothing else.
        assert "checkpoint" not in spec.roles or spec.key.startswith("certificate"), spec.key


def test_every_page_has_a_section_and_pages_are_listed_in_section_order():
    # A role lands on its first page of PAGES, which must also be its first in the sectioned navigation.
    order = [page.SECTIONS.index(spec.section) for spec in page.PAGES]
    assert order == sorted(order)
    for section in page.SECTIONS:
        for lang in ("id", "en"):
            assert i18n.t(f"nav.section.{section}", lang=lang) != f"nav.section.{section}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("spec", page.PAGES, ids=lambda s: s.key)
def test_direct_url_every_role_every_page(city, spec, role):
    at = open_page(spec.path, role)
    assert not at.exception, [e.value for e in at.exception]
    if role in spec.roles:
        assert not refusal(at, role) and not shows_login(at)
        assert [x.value for x in at.main.title][:1] == [t(f"page.{spec.key}")]
    else:
        assert refusal(at, role)
        assert not shows_figures(at)
        assert [x.value for x in at.main.title] == [t(f"page.{spec.key}")]


@pytest.mark.parametrize("role", ROLES)
def test_navigation_offers_only_the_role_s_pages_and_each_opens(city, role):
    at = open_page("dashboard.py", role)
    assert not at.exception, [e.value for e in at.exception]
    offered = {link.proto.label for link in at.sidebar.get("page_link")}
    allowed = [spec for spec in page.PAGES if role in spec.roles]
    assert offered == {t(f"page.{spec.key}") for spec in allowed}
    for spec in allowed:
        at.switch_page(spec.path).run()
        assert not at.exception, [e.value for e in at.exception]
        assert [x.value for x in at.main.title][:1] == [t(f"page.{spec.key}")]
        assert not refusal(at, role)


@pytest.mark.parametrize("spec", page.PAGES, ids=lambda s: s.key)
@pytest.mark.parametrize("script", ("dashboard.py", "page"))
def test_a_visitor_gets_the_sign_in_form_and_nothing_else(city, spec, script):
    at = open_page(spec.path if script == "page" else script)
    assert not at.exception, [e.value for e in at.exception]
    assert shows_login(at)
    assert not shows_figures(at)
    assert not at.sidebar.get("page_link")


@pytest.mark.parametrize("spec", page.PAGES, ids=lambda s: s.key)
def test_an_expired_session_is_refused(city, spec, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    role = sorted(spec.roles)[0]
    at = open_page(spec.path, role, idle_seconds=31 * 60)
    assert shows_login(at) and not shows_figures(at)
    assert any(i.value == t("auth.expired") for i in at.info)
    assert auth.USER_KEY not in at.session_state
    fresh = open_page(spec.path, role, idle_seconds=29 * 60)
    assert not shows_login(fresh)


def test_a_disabled_account_loses_its_open_session(city):
    users.create(city, "t-leaving", "health", PASSWORD)
    at = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=60)
    at.session_state["lang"] = "id"
    sign_in(at, "health")
    at.session_state[auth.USER_KEY] = {**at.session_state[auth.USER_KEY], "username": "t-leaving"}
    at.run()
    assert not shows_login(at)
    users.disable(city, "t-leaving")
    at.run()
    assert shows_login(at) and any(i.value == t("auth.account_changed") for i in at.info)


def _sign_in_through_the_form(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    return at.button[0].click().run() if not at.get("form_submit_button") else \
        at.get("form_submit_button")[0].click().run()


def test_sign_in_through_the_form_and_sign_out(city):
    at = open_page("dashboard.py")
    _sign_in_through_the_form(at, "t-mayor", PASSWORD)
    assert not at.exception and not shows_login(at)
    assert at.session_state[auth.USER_KEY]["role"] == "mayor"
    assert [x.value for x in at.main.title][:1] == [t("page.overview")]
    at.sidebar.button(key="auth_sign_out").click().run()
    assert shows_login(at) and any(i.value == t("auth.signed_out") for i in at.info)


@pytest.mark.parametrize("role", ROLES)
def test_signing_in_at_the_root_lands_on_the_role_s_first_page(city, role):
    at = open_page("dashboard.py")
    assert [x.value for x in at.main.title] == [t("app.title")] and shows_login(at)
    _sign_in_through_the_form(at, f"t-{role}", PASSWORD)
    first = next(spec for spec in page.PAGES if role in spec.roles)
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.main.title][:1] == [t(f"page.{first.key}")]
    assert not refusal(at, role)


@pytest.mark.parametrize("role", ("health", "checkpoint"))
def test_a_deep_link_signs_in_to_the_page_asked_for_or_its_refusal(city, role):
    spec = next(s for s in page.PAGES if s.key == "upload")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["lang"] = "id"
    at.switch_page(spec.path).run()
    assert shows_login(at) and not shows_figures(at)
    assert [x.value for x in at.main.title] == [t("page.upload")]
    _sign_in_through_the_form(at, f"t-{role}", PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.main.title][:1] == [t("page.upload")]
    assert refusal(at, role) == (role not in spec.roles)


def test_brute_force_through_the_form_hits_the_lockout(city, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "4")
    users.create(city, "t-target", "health", PASSWORD)
    at = open_page("dashboard.py")
    for guess in ("123456", "password", "' OR '1'='1", "t-target"):
        _sign_in_through_the_form(at, "t-target", guess)
        assert shows_login(at)
    # A locked account answers with the same words as a wrong password (issue 18, item 6): the
    # lockout is seen in the account, and the right password is refused too.
    assert at.error[-1].value == t("auth.refused.sign_in_failed")
    with city.connect() as conn:
        locked_until = conn.execute(text("SELECT locked_until FROM users WHERE username = 't-target'")).scalar()
    assert locked_until is not None
    _sign_in_through_the_form(at, "t-target", PASSWORD)
    assert shows_login(at) and auth.USER_KEY not in at.session_state
    assert at.error[-1].value == t("auth.refused.sign_in_failed")


@pytest.mark.parametrize("attack", SQL_ATTACKS)
def test_sql_injection_in_the_sign_in_form_does_nothing(city, attack):
    before = _table_counts(city)
    at = open_page("dashboard.py")
    _sign_in_through_the_form(at, attack, attack)
    assert not at.exception and shows_login(at)
    assert at.error[-1].value == t("auth.refused.sign_in_failed")
    after = _table_counts(city)
    assert after["audit_log"] == before["audit_log"] + 1
    assert {k: v for k, v in after.items() if k != "audit_log"} == \
        {k: v for k, v in before.items() if k != "audit_log"}


def _table_counts(engine) -> dict[str, int]:
    from casedb.schema import metadata

    with engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in metadata.tables}


@pytest.mark.parametrize("spec", page.PAGES, ids=lambda s: s.key)
def test_sql_injection_in_every_text_input_and_url_parameter(city, spec):
    before = _table_counts(city)
    for role in sorted(spec.roles):
        for attack in SQL_ATTACKS:
            at = open_page(spec.path, role, query_params={name: attack for name in URL_PARAMS})
            assert not at.exception, (role, attack, [e.value for e in at.exception])
            assert not refusal(at, role), "a role= URL parameter must change nothing"
            for box in at.text_input:
                box.input(attack)
            at.run()
            assert not at.exception, (role, attack, [e.value for e in at.exception])
            assert at.session_state[auth.USER_KEY]["role"] == role
    after = _table_counts(city)
    assert {k: v for k, v in after.items() if k != "audit_log"} == \
        {k: v for k, v in before.items() if k != "audit_log"}


def test_a_role_in_the_url_grants_nothing(city):
    at = open_page("pages/audit.py", "press", query_params={"role": "admin", "user": "t-admin"})
    assert refusal(at, "press") and not shows_figures(at)


def test_sso_identity_becomes_a_session_with_the_mapped_role(city, monkeypatch):
    from tests.oidc_provider import CLIENT_ID, LocalOIDCProvider

    monkeypatch.setenv("SSO_ROLES", "@dinkes.pekanbaru.go.id=health, group:humas=press")
    auth._provider_metadata.cache_clear()
    with LocalOIDCProvider() as provider:
        provider.identity = {"sub": "s-1", "email": "pers@kominfo.example", "groups": ["humas"]}
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.session_state["lang"] = "id"
        at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                              "client_id": CLIENT_ID, "client_secret": "s", "expose_tokens": ["id"],
                              "server_metadata_url": provider.metadata_url}
        at.user = {"is_logged_in": True, "email": "pers@kominfo.example", "tokens": {"id": provider.id_token()}}
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state[auth.USER_KEY]["role"] == "press"
        assert [x.value for x in at.main.title][:1] == [t("page.overview")]
        # A forged token (another audience) is refused and nothing is shown.
        forged = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=60)
        forged.secrets["auth"] = at.secrets["auth"]
        forged.user = {"is_logged_in": True, "tokens": {"id": provider.id_token(audience="other")}}
        forged.run()
        assert shows_login(forged) and not shows_figures(forged)
    auth._provider_metadata.cache_clear()


def test_demo_login_page_lists_the_demo_accounts_only_in_demo_mode(city, tmp_path, monkeypatch):
    # The embedded demo database is SQLite by definition: a small one stands in for it here.
    url, demo = migrated_engine("sqlite", tmp_path)
    write_fixture(demo)
    at = open_page("dashboard.py")
    assert not any(t("auth.demo_title") in m.value for m in at.markdown)
    monkeypatch.setattr(settings, "DEMO_DATABASE_URL", url)
    monkeypatch.setattr(settings, "DEMO_DATABASE_PATH", Path(demo.url.database))
    monkeypatch.setenv("DATABASE_URL", url)
    at = open_page("dashboard.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any(t("auth.demo_title") in m.value for m in at.markdown)
    assert {u for u, _, _ in users.DEMO_ACCOUNTS} <= set(at.table[0].value.iloc[:, 0])
    _sign_in_through_the_form(at, "humas", users.DEMO_PASSWORD)
    assert at.session_state[auth.USER_KEY]["role"] == "press"
    # The same accounts on a database that is not the demo one are refused, and the refusal says why.
    monkeypatch.setattr(settings, "DEMO_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    at = open_page("dashboard.py")
    _sign_in_through_the_form(at, "humas", users.DEMO_PASSWORD)
    assert at.error[-1].value == t("auth.refused.demo_account")
    drop_database(url)


HTML_ATTACKS = ('<script>alert("xss")</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
                "[link](javascript:alert(1))")


def _html_elements(at: AppTest) -> list:
    """Elements that would render their text as HTML: st.html, and markdown allowed to hold HTML."""
    elements = [e for block in (at.main, at.sidebar) for e in block]
    return [e for e in elements if e.type == "html"
            or (e.type == "markdown" and getattr(e.proto, "allow_html", False))]


def test_html_in_a_facility_name_and_an_audited_username_renders_inert(city):
    with city.begin() as conn:
        conn.execute(text("UPDATE facilities SET name = :name"), {"name": " ".join(HTML_ATTACKS)})
    for attack in HTML_ATTACKS:
        _sign_in_through_the_form(open_page("dashboard.py"), attack, "whatever it is")
    for spec in page.PAGES:
        for role in sorted(spec.roles):
            at = open_page(spec.path, role)
            assert not at.exception, [e.value for e in at.exception]
            for element in _html_elements(at):
                body = str(element.proto)
                assert not any(a in body or a.lower() in body.lower() for a in ("<script", "onerror", "onload",
                                                                                "javascript:")), (spec.key, role)
    # The audit page shows the attempts, with names of no account cut to their first characters.
    at = open_page("pages/audit.py", "admin")
    shown = set(at.dataframe[0].value["username"].dropna())
    assert {"?<sc********************", "?<im********************", '?"><********************',
            "?[li********************"} <= shown
    assert not any(a.strip().lower() in name for a in HTML_ATTACKS for name in shown)
