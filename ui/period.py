"""The period picker of the analysis pages (compliance, fraud signals): the last complete days of
the data by default, any WIB days the calendar holds on request. Stops the page with a note when
there is no data yet. Catalog keys `<area>.period`, `<area>.period_help`, `<area>.no_data`."""
from __future__ import annotations

from datetime import date

import streamlit as st

from casedb.wib import today_wib
from figures.common import data_span
from figures.compliance import DEFAULT_PERIOD_DAYS, FIRST_DAY, LAST_DAY, default_period
from ui import live
from ui.i18n import t


def pick_period(area: str) -> tuple[date, date]:
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
