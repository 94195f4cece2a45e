"""Certificate check for checkpoint officers, on a phone: the number and check code of a health
certificate in, its status out (valid, expired, revoked, not found, wrong check code, issuer not
authorised, no test result), with the issuing facility, test type, certified result and dates.
Nothing about the person. Every check is audited (ui.certificates)."""
import streamlit as st

from casedb.wib import now_utc
from ui import certificates, errors
from ui.i18n import t
from ui.page import begin

RESULT_KEY = "certificate_check_result"

role = begin("certificate_check")
st.title(t("page.certificate_check"))
st.caption(t("certificate_check.intro"))

with st.form("certificate_check_form"):
    number = st.text_input(t("certificate_check.number"), max_chars=40, key="certificate_number",
                           placeholder="SKB-038-250529-0000001")
    check_code = st.text_input(t("certificate_check.check_code"), max_chars=12, key="certificate_check_code")
    submitted = st.form_submit_button(t("certificate_check.submit"), type="primary", icon=":material/search:",
                                      width="stretch")

if submitted:
    st.session_state.pop(RESULT_KEY, None)
    problem = certificates.input_problem(number, check_code)
    if problem:
        st.error(t(problem), icon=":material/edit_off:")
    else:
        with errors.database_or_stop():
            st.session_state[RESULT_KEY] = certificates.verify(role, number, check_code, now_utc())

# The last result stays on screen (a language switch or a data refresh reruns the page) until the next check.
if RESULT_KEY in st.session_state:
    certificates.status_panel(st.session_state[RESULT_KEY])
certificates.legend()
