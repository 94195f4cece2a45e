"""Overview: headline tiles for a WIB day, the epidemic curve and weekly incidence by kecamatan."""
import streamlit as st

import queries
from casedb import settings
from casedb.wib import now_utc, today_wib
from figures import overview as figures
from ui import charts, live, tables, tiles
from ui.i18n import format_date, format_time_wib, t
from ui.page import begin

role = begin("overview")
st.title(t("page.overview"))

span = live.figure(figures.data_span)
if span is None:
    st.info(t("overview.no_data"), icon=":material/hourglass_empty:")
    st.stop()

# The last complete WIB day unless the reader asks for today so far (compared at the same time of day).
pick, switch = st.columns([2, 1], vertical_alignment="bottom")
today_so_far = switch.toggle(t("overview.today_so_far"), key="overview_today", help=t("overview.today_so_far_help"))
day = pick.date_input(t("overview.day"), value=figures.default_day(span, today_wib()),
                      min_value=span[0], max_value=max(span[1], today_wib()), format="DD/MM/YYYY",
                      key="overview_day", disabled=today_so_far)
until = None
if today_so_far:
    day, until = today_wib(), now_utc()
incomplete_days = settings.get("INCOMPLETE_DAYS")
thresholds = settings.get("ZONE_THRESHOLDS")
suppressed = role in queries.SUPPRESSED_ROLES
if suppressed:  # press: fixed ISO weeks, running totals rounded, no changes (README, small-cell suppression)
    overview = live.figure(figures.press_overview, day, span, incomplete_days, thresholds)
else:
    overview = live.figure(figures.overview, day, span, incomplete_days, thresholds, suppressed, until)

if overview.period is not None:
    st.subheader(t("overview.headline_week", start=format_date(overview.period[0]),
                   end=format_date(overview.period[1])))
elif until is None:
    st.subheader(t("overview.headline", date=format_date(day)))
else:
    st.subheader(t("overview.headline_so_far", date=format_date(day), time=format_time_wib(until)))
tiles.tile_row(overview.tiles[:4])  # cases
tiles.tile_row(overview.tiles[4:7])  # tests by type
tiles.tile_row(overview.tiles[7:])  # positivity by type

st.subheader(t("overview.curve"))
st.plotly_chart(charts.epidemic_curve(overview.curve, incomplete_days), width="stretch")
if suppressed:
    st.caption(t("overview.curve_weekly"))
    st.caption(t("chart.suppressed_note"))

start, end = overview.period or figures.window(day)
st.subheader(t("overview.kecamatan", start=format_date(start), end=format_date(end)))
tables.kecamatan_zones(overview.kecamatan, thresholds, suppressed=suppressed)
