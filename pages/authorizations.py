"""Authorisations of a facility (the Dinkes recommendation to test and issue certificates): each with
its test types, validity and its status today (WIB); grant a new one, revoke one with a reason. For
the health office, which grants them, and operators. Certificate checks judge every certificate by
these (issuer not authorised)."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from casedb import authorizations
from casedb.engine import get_engine
from casedb.schema import TEST_TYPES
from casedb.wib import today_wib
from ui import auth, changes, live
from ui.i18n import format_date, format_moment_wib, t
from ui.page import begin

NEW_FIELDS = ("authorization_number",)
# Dinkes recommendations in the register run for about six months.
DEFAULT_VALID_DAYS = 180


role = begin("authorizations")
st.title(t("page.authorizations"))
st.caption(t("authorizations.intro"))
changes.show_done()
operator = auth.current_user()
today = today_wib()

every = live.query("facilities", search="", type="", kecamatan="", today=today)
label = dict(zip(every["registry_code"], every["registry_code"] + " – " + every["name"]))
codes = list(label)
asked = st.query_params.get("facility")  # a link to one facility's authorisations
facility = st.selectbox(t("authorizations.facility"), codes, format_func=label.get, key="authorization_facility",
                        index=codes.index(asked) if asked in label else (0 if codes else None))
if facility is None:
    st.info(t("authorizations.no_facility"))
    st.stop()

held = live.query("facility_authorizations", registry_code=facility, today=today)
st.dataframe(pd.DataFrame({
    t("authorizations.column.number"): held["number"],
    t("authorizations.column.status"): held["status"].map(lambda s: t(f"authorizations.status.{s}")),
    t("authorizations.column.test_types"): [
        ", ".join(t(f"certificate_check.test_type.{tt}") for tt in TEST_TYPES if row[tt]) for _, row in held.iterrows()],
    t("authorizations.column.valid_from"): pd.to_datetime(held["valid_from"]).map(format_date),
    t("authorizations.column.valid_until"): pd.to_datetime(held["valid_until"]).map(format_date),
    t("authorizations.column.revoked_at"): held["revoked_at"].map(format_moment_wib),
    t("authorizations.column.revoked_reason"): held["revoked_reason"].fillna(""),
    t("authorizations.column.granted_by"): held["granted_by"],
}), hide_index=True, width="stretch")
st.caption(t("authorizations.status_help"))

grant_tab, revoke_tab = st.tabs([t("authorizations.grant"), t("authorizations.revoke")])
with grant_tab, st.form("authorization_grant"):
    number = st.text_input(t("authorizations.column.number"), max_chars=authorizations.MAX_NUMBER,
                           key="authorization_number", placeholder="440/00012/DINKES-PKU/REK/2026")
    test_types = st.multiselect(t("authorizations.column.test_types"), TEST_TYPES, key="authorization_test_types",
                                format_func=lambda tt: t(f"certificate_check.test_type.{tt}"),
                                placeholder=t("authorizations.test_types_placeholder"))
    left, right = st.columns(2)
    valid_from = left.date_input(t("authorizations.column.valid_from"), value=today, format="DD/MM/YYYY",
                                 key="authorization_from")
    valid_until = right.date_input(t("authorizations.column.valid_until"), format="DD/MM/YYYY",
                                   value=today + timedelta(days=DEFAULT_VALID_DAYS - 1), key="authorization_until")
    if st.form_submit_button(t("authorizations.grant"), type="primary", icon=":material/approval:"):
        changes.apply(lambda: authorizations.grant(get_engine(), facility, number, test_types, valid_from,
                                                   valid_until, operator),
                      t("authorizations.granted", code=facility), clear=NEW_FIELDS)

with revoke_tab:
    revocable = held.loc[held["status"] != "revoked", "number"].tolist()
    if not revocable:
        st.info(t("authorizations.nothing_to_revoke"))
    else:
        with st.form("authorization_revoke"):
            chosen = st.selectbox(t("authorizations.column.number"), revocable, key="authorization_revoke_number")
            reason = st.text_area(t("authorizations.column.revoked_reason"), max_chars=authorizations.MAX_REASON,
                                  key="authorization_revoke_reason", help=t("authorizations.reason_help"))
            if st.form_submit_button(t("authorizations.revoke"), icon=":material/block:"):
                changes.apply(lambda: authorizations.revoke(get_engine(), chosen, reason, operator),
                              t("authorizations.revoked", code=facility), clear=("authorization_revoke_reason",))
