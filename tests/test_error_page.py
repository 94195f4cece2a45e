"""The database error page: a visitor (signed in or not) reads what to do in their language and
nothing of the configuration (no URL, no user, no host, no driver text); the details go to the
server's log. The page polls and reruns itself once the database is back."""
from __future__ import annotations

import logging

import pytest

from tests.conftest import database_away, drop_database, migrated_engine
from streamlit.testing.v1 import AppTest

from tests.sessions import sign_in
from tests.test_app import ROOT, app, assert_clean, rendered_text
from tests.test_queries_overview import write_fixture
from ui import errors, i18n

SECRET_URL = "postgresql+psycopg2://geheim_user:s3cret@127.0.0.1:1/pekanbaru_secret"


@pytest.mark.parametrize("lang", ("id", "en"))
@pytest.mark.parametrize("role", (None, "mayor"))
def test_unreachable_database_shows_what_to_do_and_no_configuration(monkeypatch, caplog, lang, role):
    monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    with caplog.at_level(logging.ERROR):
        at = app("dashboard.py", lang, role)
    assert_clean(at)
    shown = rendered_text(at)
    for secret in ("geheim_user", "s3cret", "127.0.0.1", "pekanbaru_secret", "postgresql", "psycopg2",
                   "Connection refused", "connection to server", "OperationalError"):
        assert secret not in shown, secret
    assert at.main.error[0].value == i18n.t("db.unreachable", lang=lang)
    assert at.main.info[0].value == i18n.t("db.unreachable.help", lang=lang)
    assert not at.main.expander and not at.main.code
    # The operator finds the details in the server's log (without the password).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "ui.errors")
    assert "db.unreachable" in logged and "pekanbaru_secret" in logged and "s3cret" not in logged


def test_the_error_page_polls(monkeypatch):
    """The page registers a fragment that Streamlit's browser side reruns every few seconds (AppTest
    does not run timers: the fragment's registration is watched, and what it runs is tested below)."""
    import streamlit as st

    registered = []
    real = st.fragment

    def watching(func=None, *, run_every=None, **kwargs):
        registered.append((getattr(func, "__name__", None), run_every))
        return real(func, run_every=run_every, **kwargs)

    monkeypatch.setattr(errors.st, "fragment", watching)
    monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    monkeypatch.setenv("REFRESH_SECONDS", "5")
    at = app("dashboard.py", "en")
    assert_clean(at)
    assert ("_poll", 5) in registered
    assert at.main.caption[-1].value == i18n.t("db.retrying", lang="en")


def test_the_error_page_comes_back_by_itself_when_the_database_does(tmp_path, monkeypatch):
    url, engine = migrated_engine("postgresql", tmp_path)
    write_fixture(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.session_state["lang"] = "en"
        sign_in(at, "mayor")  # the account exists; the page is first opened while the database is away
        with database_away(url):
            at.run()
            assert_clean(at)
            assert at.main.error[0].value == i18n.t("db.unreachable", lang="en")
            assert errors.database_back() is False
        assert errors.database_back() is True  # what the poll asks before it reruns the page
        at.run()
        assert_clean(at)
        assert not at.main.error and at.metric
    finally:
        drop_database(url)
