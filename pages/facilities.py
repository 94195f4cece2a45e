"""The facility registry: every facility with a search and filters by type and kecamatan, for the
health office to read and for operators to keep: register a facility, edit one, close or reopen one
(never delete: figures rest on them). Names are free text and shown only as table data or widget
labels, drawn as plain text."""
from datetime import date

import pandas as pd
import streamlit as st

from casedb import facilities
from casedb.engine import get_engine
from casedb.schema import FACILITY_TYPES
from casedb.wib import today_wib
from ui import auth, changes, live
from ui.i18n import format_date, t, t_md
from ui.page import begin, link_to

NEW_FIELDS = ("facility_new_code", "facility_new_name", "facility_new_lat", "facility_new_lon", "facility_new_beds")
DAY_COLUMNS = ("opened_on", "closed_on")


def like_pattern(text: str) -> str:
    """What the search box holds, as the query's LIKE pattern: lower case, wildcards taken literally."""
    text = text.strip().lower()
    if not text:
        return ""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def weekdays(closed: str) -> str:
    return ", ".join(t(f"weekday.{d}") for d in closed or "")


def registry(search: str = "", kind: str = "", kecamatan: str = "") -> pd.DataFrame:
    frame = live.query("facilities", search=like_pattern(search), type=kind, kecamatan=kecamatan, today=today_wib())
    for column in DAY_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).dt.date
    frame["reports_daily"] = frame["reports_daily"].astype(bool)
    return frame


def facility_form(prefix: str, kelurahan: pd.DataFrame, current: pd.Series | None = None) -> dict:
    """The fields a facility is registered or edited with, filled with `current` when editing."""
    left, right = st.columns(2)
    values = {
        "name": left.text_input(t("facilities.column.name"), max_chars=facilities.MAX_NAME, key=f"{prefix}_name",
                                value=None if current is None else current["name"]),
        "type": right.selectbox(t("facilities.column.type"), FACILITY_TYPES, key=f"{prefix}_type",
                                format_func=lambda k: t(f"facility_type.{k}"),
                                index=0 if current is None else FACILITY_TYPES.index(current["type"])),
    }
    places = dict(zip(kelurahan["code"], kelurahan["name"] + " (" + kelurahan["kecamatan"] + ")"))
    codes = list(places)
    values["kelurahan_code"] = st.selectbox(
        t("facilities.column.kelurahan"), codes, format_func=places.get, key=f"{prefix}_kelurahan",
        index=None if current is None else codes.index(current["kelurahan_code"]),
        placeholder=t("facilities.kelurahan_placeholder"))
    left, right = st.columns(2)
    values["lat"] = left.number_input(t("facilities.column.lat"), value=None if current is None else current["lat"],
                                      format="%.6f", step=0.001, key=f"{prefix}_lat", help=t("facilities.lat_help"))
    values["lon"] = right.number_input(t("facilities.column.lon"), value=None if current is None else current["lon"],
                                       format="%.6f", step=0.001, key=f"{prefix}_lon", help=t("facilities.lon_help"))
    left, right = st.columns(2)
    values["opened_on"] = left.date_input(t("facilities.column.opened_on"), format="DD/MM/YYYY",
                                          value=today_wib() if current is None else current["opened_on"],
                                          min_value=date(1900, 1, 1), key=f"{prefix}_opened")
    values["closed_weekdays"] = tuple(right.multiselect(
        t("facilities.column.closed_weekdays"), list(range(1, 8)), format_func=lambda d: t(f"weekday.{d}"),
        default=[] if current is None else [int(d) for d in current["closed_weekdays"] or ""],
        key=f"{prefix}_weekdays", placeholder=t("facilities.weekdays_placeholder")))
    beds = None if current is None or pd.isna(current["beds"]) else int(current["beds"])
    values["beds"] = left.number_input(t("facilities.column.beds"), value=beds, min_value=0,
                                       max_value=facilities.MAX_BEDS, step=1, key=f"{prefix}_beds",
                                       help=t("facilities.beds_help"))
    values["reports_daily"] = st.checkbox(t("facilities.column.reports_daily"), key=f"{prefix}_daily",
                                          value=True if current is None else bool(current["reports_daily"]),
                                          help=t("facilities.reports_daily_help"))
    return values


role = begin("facilities")
st.title(t("page.facilities"))
st.caption(t("facilities.intro" if role == "admin" else "facilities.intro_read_only"))
changes.show_done()

kelurahan = live.query("kelurahan")
kecamatan = dict(zip(kelurahan["kecamatan_code"], kelurahan["kecamatan"]))
search_box, type_box, kecamatan_box = st.columns([2, 1, 1])
search = search_box.text_input(t("facilities.search"), max_chars=120, key="facility_search",
                               placeholder=t("facilities.search_placeholder"))
kind = type_box.selectbox(t("facilities.column.type"), ("", *FACILITY_TYPES), key="facility_type_filter",
                          format_func=lambda k: t(f"facility_type.{k}") if k else t("facilities.every_type"))
area = kecamatan_box.selectbox(t("facilities.column.kecamatan"), ("", *sorted(kecamatan, key=kecamatan.get)),
                               key="facility_kecamatan_filter",
                               format_func=lambda k: kecamatan[k] if k else t("facilities.every_kecamatan"))

shown = registry(search, kind, area)
st.caption(t("facilities.count", rows=len(shown)))
picked = st.dataframe(pd.DataFrame({
    t("facilities.column.registry_code"): shown["registry_code"],
    t("facilities.column.name"): shown["name"],
    t("facilities.column.type"): shown["type"].map(lambda k: t(f"facility_type.{k}")),
    t("facilities.column.kelurahan"): shown["kelurahan"],
    t("facilities.column.kecamatan"): shown["kecamatan"],
    t("facilities.column.lat"): shown["lat"],
    t("facilities.column.lon"): shown["lon"],
    t("facilities.column.opened_on"): shown["opened_on"].map(format_date),
    t("facilities.column.closed_on"): shown["closed_on"].map(lambda d: "" if pd.isna(d) else format_date(d)),
    t("facilities.column.closed_weekdays"): shown["closed_weekdays"].map(weekdays),
    t("facilities.column.reports_daily"): shown["reports_daily"],
    t("facilities.column.beds"): shown["beds"].astype("Int64"),
    t("facilities.column.valid_authorizations"): shown["valid_authorizations"],
}), hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
    # A selection is a row number of this very table: new filters or new data start a new one.
    key=f"facility_table {live.data_version()} {search!r} {kind} {area}",
    column_config={t("facilities.column.lat"): st.column_config.NumberColumn(format="%.5f"),
                   t("facilities.column.lon"): st.column_config.NumberColumn(format="%.5f")})
rows = picked.selection.rows
if rows:  # both roles that read the registry keep the authorisations too
    code = shown["registry_code"].iloc[rows[0]]
    link_to("authorizations", t_md("facilities.open_authorizations", code=code), facility=code)
else:
    st.caption(t("facilities.pick_for_authorizations"))

if role != "admin":
    st.stop()

operator = auth.current_user()
every = registry().set_index("registry_code", drop=False)
label = dict(zip(every["registry_code"], every["registry_code"] + " – " + every["name"]))
register_tab, edit_tab, close_tab = st.tabs([t("facilities.register"), t("facilities.edit"), t("facilities.close")])

with register_tab, st.form("facility_new"):
    code = st.text_input(t("facilities.column.registry_code"), max_chars=20, key="facility_new_code",
                         help=t("facilities.registry_code_help"))
    fields = facility_form("facility_new", kelurahan)
    if st.form_submit_button(t("facilities.register"), type="primary", icon=":material/add_business:"):
        changes.apply(lambda: facilities.register(get_engine(), facilities.FacilityDraft(code, **fields), operator),
                      t_md("facilities.registered", code=facilities.normalise_code(code)), clear=NEW_FIELDS)

with edit_tab:
    chosen = st.selectbox(t("facilities.facility"), list(label), format_func=label.get, index=None,
                          key="facility_edit_choice", placeholder=t("facilities.facility_placeholder"))
    if chosen is not None:
        with st.form(f"facility_edit_{chosen}"):
            fields = facility_form(f"facility_edit_{chosen}", kelurahan, every.loc[chosen])
            if st.form_submit_button(t("facilities.save"), type="primary", icon=":material/save:"):
                changes.apply(lambda: facilities.edit(get_engine(), facilities.FacilityDraft(chosen, **fields),
                                                      operator),
                              t_md("facilities.saved", code=chosen))

with close_tab:
    chosen = st.selectbox(t("facilities.facility"), list(label), format_func=label.get, index=None,
                          key="facility_close_choice", placeholder=t("facilities.facility_placeholder"))
    if chosen is not None:
        closed_on = every.loc[chosen, "closed_on"]
        if pd.isna(closed_on):
            day = st.date_input(t("facilities.column.closed_on"), value=today_wib(), format="DD/MM/YYYY",
                                key=f"facility_close_day_{chosen}")
            st.caption(t("facilities.close_help"))
            if st.button(t("facilities.close_button"), icon=":material/domain_disabled:", key="facility_close"):
                changes.apply(lambda: facilities.close(get_engine(), chosen, day, operator),
                              t_md("facilities.closed", code=chosen))
        else:
            st.info(t("facilities.closed_since", day=format_date(closed_on)), icon=":material/domain_disabled:")
            if st.button(t("facilities.reopen"), icon=":material/domain:", key="facility_reopen"):
                changes.apply(lambda: facilities.reopen(get_engine(), chosen, operator),
                              t_md("facilities.reopened", code=chosen))
