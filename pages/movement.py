"""Movement into and out of the city: flows, hours, origins and destinations, documents carried,
screening at the entry points and imported cases (issue 13)."""
from datetime import timedelta
from functools import partial

import streamlit as st

from casedb import settings
from casedb.wib import today_wib
from figures import movement as fm
from ui import live, maps
from ui import movement_charts as mc
from ui.i18n import format_date, format_number, format_percent, format_signed, t
from ui.page import begin
from ui.periods import pick_period

MAX_WINDOW_DAYS = 366

role = begin("movement")
st.title(t("page.movement"))

span = live.figure(fm.span)
if span is None:
    st.info(t("movement.no_data"), icon=":material/hourglass_empty:")
    st.stop()

start, end = pick_period(t("movement.window"), fm.default_window(span, today_wib()), span[0],
                         max(span[1], today_wib()), key="movement_window", pick_end="movement.pick_end",
                         too_long="movement.window_too_long", max_days=MAX_WINDOW_DAYS)
m = live.figure(fm.movement, start, end, role, first_day=span[0])
incomplete_days = settings.get("INCOMPLETE_DAYS")
first_incomplete = span[1] - timedelta(days=max(incomplete_days, 1) - 1)
st.caption(t("movement.window_caption", start=format_date(start), end=format_date(end)))

table = partial(mc.table, detail={"start": start.isoformat(), "end": end.isoformat()})  # audited downloads
mode_label = {mode: t(f"movement.mode.{mode}") for mode in m.by_mode["mode"]}
count, percent, day, unstated = mc.count, mc.percent, mc.day, mc.text_or_unstated

# --- Flows
st.header(t("movement.flows"))
last = m.comparison.set_index("period")
cols = st.columns(3)
for col, key in zip(cols, ("entries", "exits", "net")):
    value, before = last.at["last_7", key], last.at["previous_7", key]
    col.metric(t(f"movement.tile.{key}"), format_number(value), border=True,
               delta=None if before is None else t("movement.vs_week_before", change=format_signed(value - before)),
               delta_color="off")
st.plotly_chart(mc.flows(m.daily, m.holidays, incomplete_days, first_incomplete), width="stretch")
st.caption(t("movement.flows_note", holidays=", ".join(
    f"{t(f'movement.holiday.{k}')} {format_date(d)}" for d, k in fm.HOLIDAYS if start.year - 1 <= d.year <= end.year)))
table(m.daily, {
    "day": (t("movement.col.day"), day), "entries": (t("movement.entries"), count),
    "exits": (t("movement.exits"), count), "net": (t("movement.net"), count),
    "entries_7d": (t("movement.entries_7d"), lambda x: "–" if x != x else format_number(x, 1)),
    "exits_7d": (t("movement.exits_7d"), lambda x: "–" if x != x else format_number(x, 1)),
    "entries_week_before": (t("movement.entries_week_before"), count),
    "entries_year_before": (t("movement.entries_year_before"), count),
}, "movement_daily")
st.subheader(t("movement.comparison"))
table(m.comparison.assign(label=m.comparison["period"].map(lambda p: t(f"movement.period.{p}"))), {
    "label": (t("movement.col.period"), str), "start": (t("movement.col.from"), day), "end": (t("movement.col.to"), day),
    "entries": (t("movement.entries"), count), "exits": (t("movement.exits"), count), "net": (t("movement.net"), count),
}, "movement_comparison")

left, right = st.columns(2)
with left:
    st.subheader(t("movement.by_entry_point"))
    st.plotly_chart(mc.stacked(m.entry_point_daily, "entry_point"), width="stretch")
    table(m.by_entry_point, {
        "entry_point": (t("movement.col.entry_point"), str), "entries": (t("movement.entries"), count),
        "exits": (t("movement.exits"), count), "net": (t("movement.net"), count),
    }, "movement_entry_points")
with right:
    st.subheader(t("movement.by_mode"))
    st.plotly_chart(mc.stacked(m.mode_daily, "mode", mode_label), width="stretch")
    table(m.by_mode.assign(label=m.by_mode["mode"].map(mode_label)), {
        "label": (t("movement.col.mode"), str), "entries": (t("movement.entries"), count),
        "exits": (t("movement.exits"), count), "net": (t("movement.net"), count),
    }, "movement_modes")

st.subheader(t("movement.hours"))
st.plotly_chart(mc.hours(m.hours), width="stretch")
table(m.hours, {"hour": (t("movement.hour_wib"), lambda h: f"{h:02d}:00"),
                   "entries": (t("movement.entries"), count), "exits": (t("movement.exits"), count)},
         "movement_hours")

# --- Origins and destinations
st.header(t("movement.origins"))
st.pydeck_chart(mc.arc_map(m.arcs, maps.PEKANBARU_CENTRE), height=460)
st.caption(t("movement.map_note", n=fm.ARCS_PER_DIRECTION))
left, right = st.columns(2)
with left:
    st.subheader(t("movement.provinces"))
    table(m.provinces.head(fm.TOP_REGIONS * 2), {
        "province": (t("movement.col.province"), unstated), "entries": (t("movement.col.from_here"), count),
        "exits": (t("movement.col.to_here"), count)}, "movement_provinces")
with right:
    st.subheader(t("movement.regencies"))
    table(m.regencies.head(fm.TOP_REGIONS * 2), {
        "regency": (t("movement.col.regency"), str), "province": (t("movement.col.province"), unstated),
        "entries": (t("movement.col.from_here"), count), "exits": (t("movement.col.to_here"), count)},
        "movement_regencies")

# --- Documents
st.header(t("movement.documents"))
left, right = st.columns(2)
with left:
    st.subheader(t("movement.valid_share_trend"))
    st.plotly_chart(mc.document_shares(m.document_trend), width="stretch")
with right:
    st.subheader(t("movement.problems"))
    st.plotly_chart(mc.document_problems(m.documents, fm.DOCUMENT_PROBLEMS), width="stretch")
table(m.documents, {
    "entry_point": (t("movement.col.entry_point"), str), "entries": (t("movement.entries"), count),
    "valid": (t("movement.doc.valid"), count), "valid_share": (t("movement.valid_share"), percent),
    **{s: (t(f"movement.doc.{s}"), count) for s in fm.DOCUMENT_PROBLEMS}}, "movement_documents")

# --- Screening
st.header(t("movement.screening"))
if m.screening.empty:
    st.info(t("movement.no_screening"))
else:
    st.plotly_chart(mc.positivity_trend(m.screening_trend), width="stretch")
    table(m.screening.assign(label=m.screening["test_type"].map(
        lambda x: t(f"movement.test_type.{x or 'unstated'}"))), {
        "label": (t("movement.col.test_type"), str), "screened": (t("movement.col.screened"), count),
        "positive": (t("movement.col.positive"), count), "negative": (t("movement.col.negative"), count),
        "invalid": (t("movement.col.invalid"), count), "positivity": (t("movement.col.positivity"), percent)},
        "movement_screening")
    st.caption(t("movement.screening_note"))

# --- Imported cases
st.header(t("movement.imported"))
new, imported, share = m.imported_total
cols = st.columns(3)
cols[0].metric(t("movement.tile.new_cases"), format_number(new), border=True)
cols[1].metric(t("movement.tile.imported"), format_number(imported), border=True)
cols[2].metric(t("movement.tile.imported_share"), format_percent(share), border=True)
st.plotly_chart(mc.imported(m.imported, incomplete_days, first_incomplete), width="stretch")
table(m.imported, {
    "day": (t("movement.col.day"), day), "new_cases": (t("movement.col.new_cases"), count),
    "imported_cases": (t("movement.imported_cases"), count), "share": (t("movement.col.share"), percent),
    "share_7d": (t("movement.share_7d"), percent)}, "movement_imported")
st.caption(t("movement.imported_note"))
if m.imported_origin is not None:
    st.subheader(t("movement.imported_origin"))
    table(m.imported_origin, {
        "province": (t("movement.col.province"), unstated), "regency": (t("movement.col.regency"), unstated),
        "imported_cases": (t("movement.imported_cases"), count)}, "movement_imported_origin")
