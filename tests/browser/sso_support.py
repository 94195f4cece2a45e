"""Single sign-on in the browser: a dashboard server configured for st.login against the local OIDC
provider (tests/oidc_provider.py), and signing in through the dashboard's SSO button.

The secrets file lives in a tmp directory, never in the repository's .streamlit/: Streamlit finds it
through its `secrets.files` option (environment variable STREAMLIT_SECRETS_FILES), the dashboard's
own settings through DASHBOARD_SECRETS, so one file holds both, as a deployment's secrets.toml does.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Error as PlaywrightError, Page

from tests.browser import harness
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalOIDCProvider

HEALTH_DOMAIN = "dinkes.pekanbaru.go.id"
PRESS_GROUP = "humas"
SSO_ROLES = f"@{HEALTH_DOMAIN}=health, group:{PRESS_GROUP}=press"
# Streamlit fills in the port it serves on: the harness picks a free one only when it starts the server.
REDIRECT_URI = "http://127.0.0.1:{port}/oauth2callback"
MAX_REDIRECTS = 10


def write_secrets(directory: Path, provider: LocalOIDCProvider) -> Path:
    """A secrets.toml with the dashboard's SSO role rules and an [auth] section for st.login."""
    auth = {"redirect_uri": REDIRECT_URI, "cookie_secret": "browser-suite-cookie-secret",
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "server_metadata_url": provider.metadata_url}
    lines = [f"SSO_ROLES = {json.dumps(SSO_ROLES)}", "", "[auth]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in auth.items()]
    lines.append('expose_tokens = ["id"]')
    path = directory / "secrets.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_sso_server(start_server: Callable[[str], harness.Server], database_url: str,
                     provider: LocalOIDCProvider, directory: Path) -> harness.Server:
    """A dashboard server whose secrets configure st.login against `provider`. The environment
    naming the secrets file is set only while the server starts (it copies it); the test process
    gets its own back."""
    secrets = write_secrets(directory, provider)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STREAMLIT_SECRETS_FILES", str(secrets))
        patch.setenv("DASHBOARD_SECRETS", str(secrets))
        patch.delenv("SSO_ROLES", raising=False)  # the environment would win over the secrets file
        return start_server(database_url)


def sign_in_with_sso(page: Page, server: harness.Server, button_text: str) -> None:
    """Open the dashboard, press the SSO button and follow the redirects: to the provider, back to
    /oauth2callback and on to the dashboard, which starts a new session for the signed-in browser
    (and, for an identity it refuses, goes on through Streamlit's sign-out)."""
    harness.open_app(page, server)
    with page.expect_request(re.compile(r"/oauth2callback\?code=")):
        page.locator(harness.MAIN).get_by_role("button", name=button_text).click()
    settle(page)


def sign_out(page: Page, button_text: str) -> None:
    """The sidebar's sign-out button; for an SSO session it goes on through Streamlit's /auth/logout."""
    harness.sidebar_open(page)
    page.locator(harness.SIDEBAR).get_by_role("button", name=button_text).click()
    settle(page)


def settle(page: Page) -> None:
    """Wait until the browser stops loading new documents (the auth routes redirect several times, and
    st.login or st.logout in a script run sends it to another one) and the last one's script run is drawn."""
    loads: list[str] = []

    def on_request(request) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            loads.append(request.url)

    page.on("request", on_request)
    try:
        for _ in range(MAX_REDIRECTS):
            seen = len(loads)
            try:
                page.wait_for_load_state()
                harness.wait_until_idle(page)
            except PlaywrightError:
                if len(loads) == seen:
                    raise
                continue  # the page navigated away while being read: read the next one
            if len(loads) == seen:
                return
        raise AssertionError(f"still navigating after {MAX_REDIRECTS} pages: {loads}")
    finally:
        page.remove_listener("request", on_request)
