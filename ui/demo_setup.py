"""First start on the embedded demo database: the demo city is built with a progress bar."""
from __future__ import annotations

import streamlit as st

from casedb.demo import default_database
from ui.i18n import t


def _bar_text(message: str) -> str:
    return t("demo.building") + (f" — {message}" if message else "")


def ensure_demo_database(scale: str = "demo") -> None:
    """Build the demo city unless it is there, showing progress (also while another session builds)."""
    if default_database.is_built():
        return
    bar = st.progress(0.0, text=_bar_text(""))
    default_database.ensure(
        lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=_bar_text(message)), scale)
    bar.empty()
