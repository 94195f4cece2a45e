"""Picking a period of WIB days on a page, one date range input each.

- `pick_period`: any bounds; a clear message (then the page stops) while only its first day is
  picked or when it is longer than the page allows (movement, contact tracing).
- `pick_recent_period`: the analysis pages' picker (compliance, fraud signals): the last complete
  days of the data by default, kept while only one end is picked; stops the page with a note when
  there is no data yet. Catalog keys `<area>.period`, `<area>.period_help`, `<area>.no_data`."""
from __future__ import annotations

from datetime import date

import streamlit as st

from casedb.wib import today_wib
from figures.common import data_span
from figures.compliance import DEFAULT_PERIOD_DAYS, FIRST_DAY, LAST_DAY, default_period
from ui import live
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


def pick_recent_period(area: str) -> tuple[date, date]:
    """(start, end) chosen in a date-range input keyed `<area>_period`; while only one end is
    picked, the default period."""
    span = data_span(live.query)
    if span is None:
        st.info(t(f"{area}.no_data"), icon=":material/hourglass_empty:")
        st.stop()
    default_start, default_end = default_period(today_wib(), span[1])
    chosen = st.date_input(t(f"{area}.period"), value=(default_start, default_end), format="DD/MM/YYYY",
                           min_value=FIRST_DAY, max_value=LAST_DAY, key=f"{area}_period",
                           help=t(f"{area}.period_help", days=DEFAULT_PERIOD_DAYS))
    if isinstance(chosen, (tuple, list)) and chosen:
        return chosen[0], chosen[-1]
    return default_start, default_end
