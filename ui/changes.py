"""What the management pages (users, facilities, authorisations) share: a change is made through
DATABASE_URL (never the read-only role the pages read with), a refused one is said in the reader's
language with everything typed kept, and a made one is confirmed after the rerun that redraws the
lists with it."""
from __future__ import annotations

from typing import Callable

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from casedb.engine import DatabaseUnavailable
from casedb.errors import RefusedChange
from ui.i18n import format_number, t, t_md

DONE_KEY = "change_done"
CLEAR_KEY = "change_clear"


def show_done() -> None:
    """The confirmation of the change the previous run made, once; and the fields it asked to empty
    emptied. Call before drawing those fields: a value set before a widget is drawn reaches the
    browser, while a widget's state merely dropped would be sent back by the browser's form."""
    for key in st.session_state.pop(CLEAR_KEY, ()):
        st.session_state[key] = None
    message = st.session_state.pop(DONE_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def apply(change: Callable[[], object], done: str, clear: tuple[str, ...] = ()) -> None:
    """Make `change`; on success rerun with `done` shown (Markdown: make it with `t_md`) and the widgets keyed `clear` emptied, else
    say why not (the widgets keep what was typed)."""
    try:
        change()
    except RefusedChange as error:
        params = {k: format_number(v, 3) if isinstance(v, float) else v for k, v in error.params.items()}
        st.error(t_md(error.key, **params), icon=":material/block:")
    except (DatabaseUnavailable, SQLAlchemyError) as error:
        st.error(t_md("change.failed", detail=str(error).splitlines()[0]), icon=":material/error:")
    else:
        st.session_state[DONE_KEY] = done
        st.session_state[CLEAR_KEY] = clear
        st.rerun()
