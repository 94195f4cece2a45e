"""Facility reporting compliance: city rates and their weekly trend by facility type, the league
table of facilities with flags, one facility's page (`?facility=CODE`), the export of non-compliant
facilities (health); a summary for the mayor's office."""
import pandas as pd
import streamlit as st

from casedb.schema import FACILITY_TYPES
from figures import compliance as fc
from figures import compliance_export
from ui import live
from ui import compliance_charts as charts
from ui.downloads import CSV, XLSX, download
from ui.i18n import format_date, format_number, format_percent, t
from ui.page import begin
from ui.periods import pick_recent_period

role = begin("compliance")
st.title(t("page.compliance"))
th = fc.Thresholds.from_settings()

start, end = pick_recent_period("compliance")
st.caption(t("compliance.thresholds", green=th.green, on_time=th.on_time, amber=th.amber, silent=th.silent_days,
             hour=th.deadline_hour, gap=th.gap))


def percent(value) -> str:
    return format_percent(None if pd.isna(value) else value)


def status_label(status) -> str:
    return t(f"compliance.status.{status}") if isinstance(status, str) else t("compliance.status.none")


def flag_labels(flags) -> str:
    return ", ".join(t(f"compliance.flag.{f}") for f in flags)


def hours(value) -> float | None:
    """Medians beyond the histogram's last edge (72 h) are shown as 72."""
    return None if pd.isna(value) else min(float(value), 72.0)


def coloured_status(shown: pd.DataFrame, column: str):
    colour_of = {status_label(s): s for s in fc.STATUSES}

    def colour(cell):
        status = colour_of.get(cell)
        return "" if status is None else \
            f"background-color: {charts.STATUS_COLOURS[status]}; color: {charts.STATUS_TEXT[status]}"

    return shown.style.map(colour, subset=[column])


def show_facility(code: str) -> None:
    if st.button(t("compliance.facility.back"), icon=":material/arrow_back:", key="compliance_back"):
        del st.query_params["facility"]
        st.rerun()
    view = live.figure(fc.facility_view, code, start, end, th)
    if view is None:
        st.warning(t("compliance.error.unknown_facility", code=code), icon=":material/search_off:")
        return
    row = view.facility
    st.header(t("compliance.facility.title", name=row["name"], code=row["registry_code"]))
    st.caption(t("compliance.facility.caption", type=t(f"facility_type.{row['type']}"), kecamatan=row["kecamatan"],
                 authorisation=t(f"compliance.authorisation.{row['authorisation']}")))
    columns = st.columns(3) + st.columns(3)
    columns[0].metric(t("compliance.filter.status"), status_label(row["status"]))
    columns[1].metric(t("compliance.tile.reporting_rate"), percent(row["reporting_rate"]),
                      help=t("compliance.tile.received", received=row["received"], expected=row["expected"]))
    columns[2].metric(t("compliance.tile.on_time_rate"), percent(row["on_time_rate"]),
                      help=t("compliance.tile.on_time_rate.help", hour=th.deadline_hour))
    since = row["days_since_last_report"]
    columns[3].metric(t("compliance.facility.days_since"),
                      t("compliance.facility.never") if pd.isna(since) else format_number(since))
    for column, key, value in ((columns[4], "median_sr", row["median_specimen_to_result_h"]),
                               (columns[5], "median_rr", row["median_result_to_report_h"])):
        text = "–" if pd.isna(value) else ("> 72" if value == float("inf") else format_number(value, 1))
        column.metric(t(f"compliance.facility.{key}"), t("compliance.facility.hours", hours=text))

    st.subheader(t("compliance.flags"))
    if not row["flags"]:
        st.success(t("compliance.facility.no_flags"), icon=":material/check_circle:")
    for flag in row["flags"]:
        st.error(f"**{t(f'compliance.flag.{flag}')}**: " + t(f"compliance.flags.{flag}", days=th.silent_days,
                                                             gap=th.gap, on_time=th.on_time), icon=":material/flag:")
    unauthorised = view.tests[(view.tests["unauthorised_results"] + view.tests["unauthorised_certificates"]) > 0]
    for test in unauthorised.itertuples():
        st.caption(t(f"compliance.test_type.{test.test_type}") + ": " + t(
            "compliance.facility.unauthorised_detail", results=format_number(test.unauthorised_results),
            certificates=format_number(test.unauthorised_certificates),
            first=format_date(test.first_unauthorised_day), last=format_date(test.last_unauthorised_day)))

    left, right = st.columns(2)
    with left:
        st.subheader(t("compliance.facility.calendar"))
        st.plotly_chart(charts.calendar(view.calendar), width="stretch")
    with right:
        st.subheader(t("compliance.facility.latency"))
        st.plotly_chart(charts.latency(view.latency), width="stretch")

    st.subheader(t("compliance.facility.tests"))
    tests = view.tests
    st.dataframe(pd.DataFrame({
        t("compliance.tests.test_type"): [t(f"compliance.test_type.{x}") for x in tests["test_type"]],
        t("compliance.tests.results"): tests["results"].map(format_number),
        t("compliance.tests.positives"): tests["positives"].map(format_number),
        t("compliance.tests.positivity"): tests["positivity"].map(percent),
        t("compliance.tests.certificates"): tests["certificates"].map(format_number),
        t("compliance.tests.unauthorised_results"): tests["unauthorised_results"].map(format_number),
        t("compliance.tests.unauthorised_certificates"): tests["unauthorised_certificates"].map(format_number),
    }), hide_index=True, width="stretch")

    st.subheader(t("compliance.facility.authorisations"))
    held = view.authorisations
    if held.empty:
        st.info(t("compliance.auth.none"), icon=":material/info:")
    else:
        types = [", ".join(t(f"compliance.test_type.{x}") for x in ("pcr", "antigen", "antibody") if a[x])
                 for _, a in held.iterrows()]
        st.dataframe(pd.DataFrame({
            t("compliance.auth.number"): held["number"],
            t("compliance.auth.types"): types,
            t("compliance.auth.valid_from"): pd.to_datetime(held["valid_from"]).map(format_date),
            t("compliance.auth.valid_until"): pd.to_datetime(held["valid_until"]).map(format_date),
            t("compliance.auth.status"): held["status"].map(lambda s: t(f"authorizations.status.{s}")),
        }), hide_index=True, width="stretch")


try:
    if role == "health" and st.query_params.get("facility"):
        show_facility(str(st.query_params["facility"]).strip()[:20])
        st.stop()
    figures = live.figure(fc.compliance, start, end, th)
except fc.PeriodError as error:
    st.error(t(error.key, **error.params), icon=":material/event_busy:")
    st.stop()

city, table = figures.city, figures.table
st.subheader(t("compliance.city", start=format_date(start), end=format_date(end)))
tiles = st.columns(4)
tiles[0].metric(t("compliance.tile.reporting_rate"), percent(city["reporting_rate"]),
                help=t("compliance.tile.reporting_rate.help"))
tiles[0].caption(t("compliance.tile.received", received=format_number(city["received"]),
                   expected=format_number(city["expected"])))
tiles[1].metric(t("compliance.tile.on_time_rate"), percent(city["on_time_rate"]),
                help=t("compliance.tile.on_time_rate.help", hour=th.deadline_hour))
tiles[2].metric(t("compliance.tile.facilities"), " · ".join(
    format_number(figures.status_counts[s]) for s in fc.STATUSES))
tiles[2].caption(" · ".join(status_label(s) for s in fc.STATUSES))
tiles[3].metric(t("compliance.tile.flagged"), format_number(city["flagged"]), help=t("compliance.tile.flagged.help"))

if role == "mayor":
    st.subheader(t("compliance.mayor.behind"))
    behind = figures.furthest_behind(10)
    shown = pd.DataFrame({
        t("compliance.column.name"): behind["name"],
        t("compliance.column.type"): behind["type"].map(lambda x: t(f"facility_type.{x}")),
        t("compliance.column.kecamatan"): behind["kecamatan"],
        t("compliance.column.reporting_rate"): behind["reporting_rate"].map(percent),
        t("compliance.column.on_time_rate"): behind["on_time_rate"].map(percent),
        t("compliance.column.days_since_last_report"): behind["days_since_last_report"].map(
            lambda d: t("compliance.facility.never") if pd.isna(d) else format_number(d)),
        t("compliance.column.status"): behind["status"].map(status_label),
    })
    st.dataframe(coloured_status(shown, t("compliance.column.status")), hide_index=True,
                 width="stretch")
    st.subheader(t("compliance.mayor.trend"))
    for measure in ("reporting_rate", "on_time_rate"):
        st.caption(t(f"compliance.tile.{measure}"))
        st.plotly_chart(charts.weekly_trend(figures.weekly, measure, ("all",)), width="stretch",
                        key=f"compliance_mayor_{measure}")
    st.stop()

st.subheader(t("compliance.trend"))
measure = st.radio(t("compliance.trend.measure"), ("reporting_rate", "on_time_rate"), horizontal=True,
                   format_func=lambda m: t(f"compliance.tile.{m}"), key="compliance_measure")
st.plotly_chart(charts.weekly_trend(figures.weekly, measure), width="stretch")

st.subheader(t("compliance.table"))
search_col, type_col, kec_col, status_col = st.columns([2, 2, 2, 2])
search = search_col.text_input(t("compliance.filter.search"), max_chars=60, key="compliance_search")
types = type_col.multiselect(t("compliance.filter.type"), FACILITY_TYPES, key="compliance_types",
                             placeholder=t("compliance.filter.all"),
                             format_func=lambda x: t(f"facility_type.{x}"))
kecamatan_names = sorted(table["kecamatan"].dropna().unique())
kecamatan = kec_col.multiselect(t("compliance.filter.kecamatan"), kecamatan_names, key="compliance_kecamatan",
                                placeholder=t("compliance.filter.all"))
statuses = status_col.multiselect(t("compliance.filter.status"), (*fc.STATUSES, "none"), key="compliance_statuses",
                                  placeholder=t("compliance.filter.all"),
                                  format_func=lambda s: status_label(None if s == "none" else s))
shown_rows = table
needle = search.strip().lower()
if needle:
    shown_rows = shown_rows[shown_rows["name"].str.lower().str.contains(needle, regex=False)
                            | shown_rows["registry_code"].str.lower().str.contains(needle, regex=False)]
if types:
    shown_rows = shown_rows[shown_rows["type"].isin(types)]
if kecamatan:
    shown_rows = shown_rows[shown_rows["kecamatan"].isin(kecamatan)]
if statuses:
    shown_rows = shown_rows[shown_rows["status"].fillna("none").isin(statuses)]
rank = shown_rows["status"].map({"red": 0, "amber": 1, "green": 2}).fillna(3)
shown_rows = shown_rows.assign(_rank=rank).sort_values(["_rank", "reporting_rate", "registry_code"]).drop(columns="_rank")
st.caption(t("compliance.filter.count", shown=format_number(len(shown_rows)), total=format_number(len(table)))
           + " · " + t("compliance.table.help"))


def column(key: str) -> str:
    return t(f"compliance.column.{key}")


shown = pd.DataFrame({
    column("status"): shown_rows["status"].map(status_label),
    column("registry_code"): shown_rows["registry_code"],
    column("name"): shown_rows["name"],
    column("type"): shown_rows["type"].map(lambda x: t(f"facility_type.{x}")),
    column("kecamatan"): shown_rows["kecamatan"],
    column("expected"): shown_rows["expected"],
    column("received"): shown_rows["received"],
    column("on_time"): shown_rows["on_time"],
    column("reporting_rate"): shown_rows["reporting_rate"] * 100,
    column("on_time_rate"): shown_rows["on_time_rate"] * 100,
    column("median_specimen_to_result_h"): shown_rows["median_specimen_to_result_h"].map(hours),
    column("median_result_to_report_h"): shown_rows["median_result_to_report_h"].map(hours),
    column("reported_within_24h"): shown_rows["reported_within_24h"] * 100,
    column("days_since_last_report"): shown_rows["days_since_last_report"],
    column("consistency_gap"): shown_rows["consistency_gap"] * 100,
    column("authorisation"): shown_rows["authorisation"].map(lambda a: t(f"compliance.authorisation.{a}")),
    column("flags"): shown_rows["flags"].map(flag_labels),
}).reset_index(drop=True)
one_decimal = st.column_config.NumberColumn(format="%.1f")
picked = st.dataframe(
    coloured_status(shown, column("status")), hide_index=True, width="stretch",
    on_select="rerun", selection_mode="single-row", key=f"compliance_table_{start}_{end}_{len(shown_rows)}",
    column_config={column(c): one_decimal for c in ("reporting_rate", "on_time_rate", "median_specimen_to_result_h",
                                                    "median_result_to_report_h", "reported_within_24h",
                                                    "consistency_gap")})
if picked.selection.rows:
    st.query_params["facility"] = shown_rows["registry_code"].iloc[picked.selection.rows[0]]
    st.rerun()

st.subheader(t("compliance.flags"))
flagged_any = False
for flag in fc.FLAGS:
    holders = table[table["flags"].map(lambda flags: flag in flags)]
    if holders.empty:
        continue
    flagged_any = True
    with st.expander(f"{t(f'compliance.flag.{flag}')} · {t('compliance.flags.count', count=len(holders))}"):
        st.caption(t(f"compliance.flags.{flag}", days=th.silent_days, gap=th.gap, on_time=th.on_time))
        st.markdown("\n".join(f"- {r.registry_code} · {r.name}" for r in holders.itertuples()))
if not flagged_any:
    st.success(t("compliance.flags.none"), icon=":material/check_circle:")

st.subheader(t("compliance.export"))
non_compliant = figures.non_compliant()
st.caption(t("compliance.export.help", count=format_number(len(non_compliant))))
detail = {"rows": len(non_compliant), "from": str(start), "to": str(end)}
name = f"faskes-tidak-patuh-{start:%Y%m%d}-{end:%Y%m%d}"
left, right = st.columns(2)
download(t("compliance.export.xlsx"), compliance_export.to_xlsx(figures), f"{name}.xlsx", XLSX,
         "compliance_non_compliant", detail, key="compliance_export_xlsx", container=left)
download(t("compliance.export.csv"), compliance_export.to_csv(figures), f"{name}.csv", CSV,
         "compliance_non_compliant", detail, key="compliance_export_csv", container=right)
