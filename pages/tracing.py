"""Contact tracing: are contacts found, tested and followed fast enough to break the chains? The
indicators per period, week and kecamatan for the mayor and the health office; clusters, a chosen
cluster's chain (`?cluster=<first case>`) and the contacts overdue for follow-up for the health
office (issue 15)."""
from datetime import timedelta
from functools import partial

import pandas as pd
import streamlit as st

from figures import tracing as ft
from ui import live
from ui import movement_charts as mc
from ui import tracing_charts as charts
from ui.i18n import format_date, format_number, format_signed, t
from ui.page import begin
from ui.periods import pick_period

MAX_PERIOD_DAYS = 366

role = begin("tracing")
st.title(t("page.tracing"))
targets = ft.Targets.from_settings()

span = live.figure(ft.data_span)
if span is None:
    st.info(t("tracing.no_data"), icon=":material/hourglass_empty:")
    st.stop()
start, end = pick_period(t("tracing.period"), ft.default_period(span), span[0], span[1], key="tracing_period",
                         pick_end="tracing.pick_end", too_long="tracing.period_too_long", max_days=MAX_PERIOD_DAYS,
                         help=t("tracing.period_help"))
st.caption(t("tracing.targets", target=targets.contacts_per_case, hours=targets.hours,
             followup=targets.followup_hours))

live.prefetch(ft.page_calls(start, end, targets.followup_hours))  # the figures' queries, together
ind = live.figure(ft.indicators, start, end, targets.hours)
table = partial(mc.table, detail={"start": start.isoformat(), "end": end.isoformat()})  # audited downloads
count, percent, day = mc.count, mc.percent, mc.day


def ratio(value) -> str:
    return "–" if value is None or pd.isna(value) else format_number(value, 1)


# --- Indicators over the period
st.header(t("tracing.indicators", start=format_date(start), end=format_date(end)))
city = ind.city
# Two rows: five tiles in one cut their labels short.
cols = st.columns(3) + st.columns(2)
per_case = city["contacts_per_case"]
# The delta is the distance to the target: below it points down, in red.
cols[0].metric(t("tracing.contacts_per_case"), ratio(per_case), border=True,
               delta=None if per_case is None else t("tracing.vs_target", target=targets.contacts_per_case,
                                                     diff=format_signed(per_case - targets.contacts_per_case, 1)),
               delta_color="normal",
               help=t("tracing.help.contacts_per_case", contacts=format_number(city["contacts"]),
                      cases=format_number(city["cases"])))
for col, key, numerator, denominator in (
        (cols[1], "traced_in_time_share", "traced_in_time", "contacts"),
        (cols[2], "tested_share", "tested", "contacts"),
        (cols[3], "became_share", "became_cases", "contacts"),
        (cols[4], "listed_share", "cases_listed", "cases")):
    col.metric(t(f"tracing.share.{key}", hours=targets.hours), percent(city[key]), border=True,
               help=t(f"tracing.help.{key}", hours=targets.hours, numerator=format_number(city[numerator]),
                      denominator=format_number(city[denominator])))

columns = {
    "cases": (t("tracing.cases"), count), "contacts": (t("tracing.contacts"), count),
    "contacts_per_case": (t("tracing.contacts_per_case"), ratio),
    "traced_in_time_share": (t("tracing.share.traced_in_time_share", hours=targets.hours), percent),
    "tested_share": (t("tracing.share.tested_share"), percent),
    "became_share": (t("tracing.share.became_share"), percent),
    "listed_share": (t("tracing.share.listed_share"), percent),
}

st.subheader(t("tracing.weekly"))
left, right = st.columns(2)
with left:
    st.plotly_chart(charts.weekly_contacts_per_case(ind.weekly, targets.contacts_per_case), width="stretch")
with right:
    st.plotly_chart(charts.weekly_shares(ind.weekly, targets.hours), width="stretch")
table(ind.weekly, {"week": (t("tracing.week_of"), day), **columns}, "tracing_weekly")
st.caption(t("tracing.weekly_note"))

st.subheader(t("tracing.by_kecamatan"))
st.plotly_chart(charts.kecamatan_shares(ind.kecamatan, targets.hours), width="stretch")
table(ind.kecamatan, {"kecamatan": (t("tracing.kecamatan"), str), **columns}, "tracing_kecamatan")
st.caption(t("tracing.kecamatan_note"))

if role != "health":
    st.stop()

# --- Clusters and chains (health office)
st.header(t("tracing.clusters", date=format_date(end)))
found = live.figure(ft.clusters, end)
if not found.total:
    st.info(t("tracing.no_clusters"), icon=":material/info:")
else:
    names = ind.kecamatan.set_index("kecamatan_code")["kecamatan"]
    listed = found.table.assign(label=found.table["cluster"].map(lambda c: t("tracing.cluster_label", id=c)),
                                kecamatan=found.table["kecamatan_code"].map(names))
    table(listed, {
        "label": (t("tracing.cluster"), str), "kecamatan": (t("tracing.first_kecamatan"), str),
        "size": (t("tracing.size"), count), "first_day": (t("tracing.first_case"), day),
        "last_day": (t("tracing.last_case"), day), "new_7d": (t("tracing.new_7d"), count),
        "previous_7d": (t("tracing.previous_7d"), count),
        "growth": (t("tracing.growth"), lambda g: "–" if g is None or pd.isna(g) else format_number(g, 2)),
    }, "tracing_clusters")
    st.caption(t("tracing.clusters_note", shown=len(listed), total=format_number(found.total)))

    # ?cluster=<its first case> draws that cluster (it may be beyond the ones listed).
    choices = listed["cluster"].tolist()
    asked, view = str(st.query_params.get("cluster", "")).strip(), None
    if asked:
        wanted = int(asked) if asked.isdigit() and len(asked) < 19 else None
        view = None if wanted is None else live.figure(ft.chain_view, wanted, end)
        if view is None:
            st.warning(t("tracing.error.unknown_cluster"), icon=":material/search_off:")
        else:
            choices = [wanted] + [c for c in choices if c != wanted]
    picked = st.selectbox(t("tracing.pick_cluster"), choices, key="tracing_cluster",
                          format_func=lambda c: t("tracing.cluster_label", id=c))
    if view is None or view.cluster != picked:
        view = live.figure(ft.chain_view, picked, end)
    st.subheader(t("tracing.chain", label=t("tracing.cluster_label", id=picked), size=format_number(view.size)))
    if view.drawn:
        st.plotly_chart(charts.chain_graph(view), width="stretch")
        st.caption(t("tracing.chain_note"))
    else:
        st.info(t("tracing.chain_too_large", size=format_number(view.size), limit=ft.MAX_DRAWN_NODES),
                icon=":material/hub:")
        st.plotly_chart(charts.generations(view), width="stretch")

# --- Follow-up of contacts in quarantine (health office: counts and record numbers only)
st.header(t("tracing.follow_up", date=format_date(end)))
fu = live.figure(ft.follow_up, end, targets.followup_hours)
shown = fu.kecamatan.assign(share=fu.kecamatan["overdue"] / fu.kecamatan["in_quarantine"].where(
    fu.kecamatan["in_quarantine"] > 0))
table(shown, {
    "kecamatan": (t("tracing.kecamatan"), str), "in_quarantine": (t("tracing.in_quarantine"), count),
    "overdue": (t("tracing.overdue", hours=targets.followup_hours), count),
    "share": (t("tracing.overdue_share"), percent)}, "tracing_quarantine")
if fu.overdue.empty:
    st.success(t("tracing.none_overdue"), icon=":material/check_circle:")
else:
    st.subheader(t("tracing.overdue_list"))
    overdue = fu.overdue.assign(
        contact=fu.overdue["contact_id"].map(lambda i: t("tracing.contact_label", id=i)),
        index_case=fu.overdue["index_case_id"].map(lambda i: t("tracing.case_label", id=i)),
        relation_label=fu.overdue["relation"].map(lambda r: t(f"tracing.relation.{r}")),
        hours=((pd.Timestamp(ft.end_of_day(end)) - pd.to_datetime(fu.overdue["last_seen"])) / timedelta(hours=1)))
    table(overdue, {
        "contact": (t("tracing.contact"), str), "index_case": (t("tracing.index_case"), str),
        "kecamatan": (t("tracing.kecamatan"), str), "relation_label": (t("tracing.relation"), str),
        "hours": (t("tracing.hours_since_seen"), lambda h: format_number(h, 0)),
        "quarantine_until": (t("tracing.quarantine_until"), day)}, "tracing_overdue")
    st.caption(t("tracing.overdue_note", rows=ft.OVERDUE_ROWS))
