"""Picking a period of WIB days on a page: one date range input, and a clear message (then the page
stops) while only its first day is picked or when it is longer than the page allows."""
from __future__ import annotations

from datetime import date

import streamlit as st

from ui.i18n import t


def pick_period(label: str, value: tuple[date, date], min_value: date, max_value: date, *, key: str,
                pick_end: str, too_long: str, max_days: int, help: str | None = None) -> tuple[date, date]:
    """(start, end) as picked; `pick_end` and `too_long` are the catalog keys of the two messages
    (`too_long` is given `days`)."""
    chosen = st.date_input(label, value=value, min_value=min_value, max_value=max_value, format="DD/MM/YYYY",
                           key=key, help=help)
    if not isinstance(chosen, (tuple, list)) or len(chosen) != 2:
        st.info(t(pick_end), icon=":material/date_range:")
        st.stop()
    start, end = chosen
    if (end - start).days + 1 > max_days:
        st.warning(t(too_long, days=max_days), icon=":material/warning:")
        st.stop()
    return start, end
