"""What the management pages (users, facilities, authorisations) share: a change is made through
DATABASE_URL (never the read-only role the pages read with), a refused one is said in the reader's
language with everything typed kept, and a made one is confirmed after the rerun that redraws the
lists with it."""
from __future__ import annotations

from typing import Callable

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from casedb import settings
from casedb.engine import DatabaseUnavailable, get_engine
from casedb.facilities import RegistryError
from casedb.users import UserError
from ui.i18n import format_number, t

DONE_KEY = "change_done"


def writer() -> Engine:
    return get_engine(settings.database_url())


def show_done() -> None:
    """The confirmation of the change the previous run made, once."""
    message = st.session_state.pop(DONE_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def apply(change: Callable[[], object], done: str, clear: tuple[str, ...] = ()) -> None:
    """Make `change`; on success rerun with `done` shown and the widgets keyed `clear` emptied, else
    say why not (the widgets keep what was typed)."""
    try:
        change()
    except (RegistryError, UserError) as error:
        params = {k: format_number(v, 3) if isinstance(v, float) else v for k, v in error.params.items()}
        st.error(t(error.key, **params), icon=":material/block:")
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        st.error(t("change.failed", detail=str(error).splitlines()[0]), icon=":material/error:")
    else:
        st.session_state[DONE_KEY] = done
        for key in clear:
            st.session_state.pop(key, None)
        st.rerun()
