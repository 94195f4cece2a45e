"""The clear, translated error page for a database or setting that cannot be used: never a traceback."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, NoReturn

import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from casedb import settings
from casedb.engine import DatabaseUnavailable
from casedb.settings import SettingsError
from queries import QueryTimeout
from ui.i18n import format_number, t


def _shown_url() -> str:
    """The configured DATABASE_URL without its password, or "" when it cannot be read or parsed."""
    try:
        return make_url(settings.database_url()).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is exactly what this page reports
        return ""


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
    st.title(t("app.title"))
    st.error(t(error.reason), icon=":material/database_off:")
    url = _shown_url()
    if url:
        st.markdown(t("db.configured_url", url=url))
    st.info(t(f"{error.reason}.help"))
    if error.detail:
        with st.expander(t("error.technical_detail")):
            st.code(error.detail, language=None, wrap_lines=True)


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
