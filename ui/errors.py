"""The clear, translated error page for a database or setting that cannot be used: never a traceback.

Whoever reads the page (a visitor who has not signed in, too) learns what to do, and nothing of the
configuration: no database URL, user or host, no driver message. Those go to the server's log, where
the operator reads them. While the database is away the page asks again every REFRESH_SECONDS and
reruns itself once it answers, as the stale banner does.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator, NoReturn

import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

import queries
from casedb import settings
from casedb.engine import DatabaseUnavailable, get_engine
from casedb.settings import SettingsError
from queries import QueryTimeout
from ui.i18n import format_number, t


_LOG = logging.getLogger(__name__)
# Whatever the setting says, an error page asks at most this often (and at least once a minute).
_POLL_SECONDS = (2, 60)
# The operator's next step for each reason, in the log beside the driver's message.
_OPERATOR_HINT = {
    "db.bad_url": "DATABASE_URL (or READ_DATABASE_URL) is not a usable SQLAlchemy URL",
    "db.unreachable": "the database server is down or not reachable from the dashboard server",
    "db.not_initialised": "the database has no case schema: run python -m casedb.migrate URL",
}


def _logged_url() -> str:
    """The configured read URL without its password, for the log, or a note that it cannot be read."""
    try:
        return make_url(settings.read_database_url()).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is exactly what this page reports
        return "(unparsable URL)"


def database_back() -> bool:
    """Whether the database the pages read answers with a data version now."""
    try:
        queries.data_version(get_engine(settings.read_database_url()))
    except (DatabaseUnavailable, SettingsError):
        return False
    return True


def _poll_seconds() -> float:
    try:
        every = settings.get("REFRESH_SECONDS")
    except SettingsError:
        every = _POLL_SECONDS[1]
    return min(max(every, _POLL_SECONDS[0]), _POLL_SECONDS[1])


def _poll() -> None:
    if database_back():
        st.rerun()  # the whole page, now with its figures
    st.caption(t("db.retrying"))


def stop_on_database_error(error: DatabaseUnavailable | SQLAlchemyError) -> NoReturn:
    """The one way a page ends when the database cannot be used: the error page, then st.stop().
    Any other SQLAlchemy error is shown as the database being unreachable, with its detail."""
    if not isinstance(error, DatabaseUnavailable):
        error = DatabaseUnavailable("db.unreachable", str(error))
    database_error(error)
    st.stop()


@contextmanager
def database_or_stop(*also: type[Exception]) -> Iterator[None]:
    """Run the block; a DatabaseUnavailable (or one of `also`, e.g. SQLAlchemyError) ends the page
    on the database error page."""
    try:
        yield
    except (DatabaseUnavailable, *also) as error:
        stop_on_database_error(error)


def database_error(error: DatabaseUnavailable) -> None:
    _LOG.error("database unavailable (%s) at %s: %s; %s", error.reason, _logged_url(),
               (error.detail or "").strip(), _OPERATOR_HINT.get(error.reason, ""))
    st.title(t("app.title"))
    st.error(t(error.reason), icon=":material/database_off:")
    st.info(t(f"{error.reason}.help"))
    st.fragment(_poll, run_every=_poll_seconds())()


def query_timeout(error: QueryTimeout) -> None:
    """A query cut by QUERY_TIME_LIMIT_MS: said where the figure would have been (the page stops there)."""
    st.error(t("query.timeout", seconds=format_number(error.limit_ms / 1000, 1 if error.limit_ms % 1000 else 0)),
             icon=":material/timer_off:")
    st.info(t("query.timeout.help"))


def settings_error(error: SettingsError) -> None:
    st.title(t("app.title"))
    st.error(t("settings.invalid", name=error.name), icon=":material/settings_alert:")
    key = f"settings.expected.{error.name}"
    # A setting added since the catalogs were written falls back to its own (English) help.
    expected = t(key) if t(key) != key else error.expected
    st.markdown(t("settings.expected", expected=expected))
    st.info(t("settings.help"))
