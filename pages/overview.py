"""Overview: headline tiles for a WIB day, the epidemic curve and weekly incidence by kecamatan."""
import streamlit as st

import queries
from casedb import settings
from casedb.wib import today_wib
from figures import overview as figures
from ui import charts, live, tables, tiles
from ui.i18n import format_date, t
from ui.page import begin

role = begin("overview")
st.title(t("page.overview"))

span = figures.data_span(live.query)
if span is None:
    st.info(t("overview.no_data"), icon=":material/hourglass_empty:")
    st.stop()

day = st.date_input(t("overview.day"), value=figures.default_day(span, today_wib()),
                    min_value=span[0], max_value=max(span[1], today_wib()), format="DD/MM/YYYY",
                    key="overview_day")
incomplete_days = settings.get("INCOMPLETE_DAYS")
thresholds = settings.get("ZONE_THRESHOLDS")
suppressed = role in queries.SUPPRESSED_ROLES
overview = figures.overview(live.query, day, span, incomplete_days, thresholds, suppressed)

st.subheader(t("overview.headline", date=format_date(day)))
tiles.tile_row(overview.tiles[:4])  # cases
tiles.tile_row(overview.tiles[4:7])  # tests by type
tiles.tile_row(overview.tiles[7:])  # positivity by type

st.subheader(t("overview.curve"))
st.plotly_chart(charts.epidemic_curve(overview.curve, incomplete_days), width="stretch")
if suppressed:
    st.caption(t("chart.suppressed_note"))

st.subheader(t("overview.kecamatan", start=format_date(figures.window(day)[0]), end=format_date(day)))
tables.kecamatan_zones(overview.kecamatan, thresholds, suppressed=suppressed)
