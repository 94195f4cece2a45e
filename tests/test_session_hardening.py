"""Sessions end when they should (issue 18, item 5): the data-version refresh does not renew the idle
timer, single sign-on accounts are re-checked on every run, an idle single sign-on session is not
signed back in by the login cookie, a session lives at most SESSION_MAX_HOURS, and a password
reset, a disable or a role change ends the account's open sessions."""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from casedb import settings, users
from tests.conftest import database_in_use
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalOIDCProvider
from tests.sessions import sign_in
from ui import auth, i18n

IDLE = 30 * 60


def _script():
    import streamlit as st

    from ui import auth, live

    user = auth.current_user()
    st.session_state.setdefault("seen", []).append(st.session_state.get(auth.LAST_SEEN_KEY))
    st.markdown(f"user={user.username if user else None}")
    if user is not None and len(st.session_state["seen"]) == 1 and st.session_state.get("data_changes"):
        # The data changed since the page was drawn: the freshness fragment reruns the page.
        st.session_state[live.VERSION_KEY] = -1
        live._freshness()


def _user_shown(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("user="))[5:]


@pytest.fixture
def db(backend, tmp_path):
    with database_in_use(backend, tmp_path, lambda engine: None) as engine:
        yield engine


def _app() -> AppTest:
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["lang"] = "en"
    return at


def test_the_refresh_rerun_does_not_renew_the_idle_timer(db):
    at = _app()
    sign_in(at, "health", idle_seconds=20 * 60)
    at.session_state["data_changes"] = True
    at.run()
    assert _user_shown(at) == "t-health"
    first, second = at.session_state["seen"]
    assert second == first  # the fragment's rerun left the time of the reader's last action alone
    # Unattended for longer than the limit while data keeps arriving: the next refresh signs out.
    at.session_state[auth.LAST_SEEN_KEY] = time.time() - IDLE - 60
    at.session_state[auth.AUTOMATIC_RERUN_KEY] = True
    at.run()
    assert _user_shown(at) == "None"
    assert at.session_state[auth.NOTICE_KEY] == "auth.expired"


def test_an_action_renews_the_idle_timer(db):
    at = _app()
    sign_in(at, "health", idle_seconds=20 * 60)
    at.run()
    assert time.time() - at.session_state[auth.LAST_SEEN_KEY] < 60


@pytest.mark.parametrize("change", ["reset", "disable", "role"])
def test_a_reset_disable_or_role_change_ends_open_sessions(db, change):
    at = _app()
    sign_in(at, "health")
    at.run()
    assert _user_shown(at) == "t-health"
    time.sleep(0.01)
    {"reset": lambda: users.reset_password(db, "t-health", "another long password"),
     "disable": lambda: users.disable(db, "t-health"),
     "role": lambda: users.change_role(db, "t-health", "press")}[change]()
    at.run()
    assert _user_shown(at) == "None"
    if change != "disable":
        # A session started after the change stands.
        sign_in(at, "health")
        at.session_state[auth.SESSION_STARTED_KEY] = time.time()
        at.run()
        assert _user_shown(at) == "t-health"


def test_a_session_lives_at_most_session_max_hours(db, monkeypatch):
    monkeypatch.setenv("SESSION_MAX_HOURS", "2")
    assert settings.get("SESSION_MAX_HOURS") == 2
    at = _app()
    sign_in(at, "health")
    at.session_state[auth.SESSION_STARTED_KEY] = time.time() - 2 * 3600 - 60
    at.run()
    assert _user_shown(at) == "None"
    assert at.session_state[auth.NOTICE_KEY] == "auth.session_lifetime"
    assert i18n.t("auth.session_lifetime", "en") != "auth.session_lifetime"


# ------------------------------------------------------------------------------ single sign-on

@pytest.fixture
def provider():
    auth._provider_metadata.cache_clear()
    with LocalOIDCProvider() as running:
        yield running
    auth._provider_metadata.cache_clear()


def _sso_app(provider: LocalOIDCProvider) -> AppTest:
    at = _app()
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:1/oauth2callback", "cookie_secret": "c" * 32,
                          "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                          "server_metadata_url": provider.metadata_url, "expose_tokens": ["id"]}
    at.user = {"is_logged_in": True, "email": provider.identity["email"], "tokens": {"id": provider.id_token()}}
    return at


def test_an_idle_sso_session_is_not_signed_back_in_by_the_cookie(db, provider):
    users.create(db, "kadis", "admin", None, "Kepala Dinas", email=provider.identity["email"])
    at = _sso_app(provider)
    at.run()
    assert _user_shown(at) == "kadis"
    at.session_state[auth.LAST_SEEN_KEY] = time.time() - IDLE - 60
    at.run()
    assert _user_shown(at) == "None"
    at.run()  # the provider's identity is still in the browser until a fresh sign-in
    assert _user_shown(at) == "None"


def test_a_disabled_sso_account_is_signed_out_at_the_next_run(db, provider):
    users.create(db, "kadis", "admin", None, "Kepala Dinas", email=provider.identity["email"])
    at = _sso_app(provider)
    at.run()
    assert _user_shown(at) == "kadis"
    users.disable(db, "kadis")
    at.run()
    assert _user_shown(at) == "None"
    at.run()
    assert _user_shown(at) == "None"
