"""Certificate check for checkpoint officers, on a phone: the number and check code of a health
certificate typed in, or a photo of its QR code; its status out (valid, expired, revoked, not found,
wrong check code, issuer not authorised, no test result, result mismatch), with the issuing
facility, test type, certified result, dates and, of the holder, only sex and birth year. Every check
is audited and rate-limited per account (ui.certificates). The health office and operators also make
a certificate's QR code here."""
import streamlit as st

from casedb.wib import now_utc
from ui import certificates, errors
from ui.i18n import t
from ui.page import begin

RESULT_KEY = "certificate_check_result"
PHOTO_SEEN_KEY = "certificate_photo_seen"
QR_ROLES = ("health", "admin")

role = begin("certificate_check")
st.title(t("page.certificate_check"))
st.caption(t("certificate_check.intro"))


def check(number: str, check_code: str, via: str) -> None:
    try:
        with errors.database_or_stop():
            st.session_state[RESULT_KEY] = certificates.verify(role, number, check_code, now_utc(), via=via)
    except certificates.RateLimited as limited:
        st.error(t("certificate_check.rate_limited", limit=limited.limit), icon=":material/timer:")


typed, scanned = st.tabs([t("certificate_check.tab_type"), t("certificate_check.tab_scan")])
with typed:
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
            check(number, check_code, "typed")
with scanned:
    photo = st.camera_input(t("certificate_check.camera"), key="certificate_photo")
    # A photo stays in its widget across reruns; each one is read and checked once.
    if photo is not None and st.session_state.get(PHOTO_SEEN_KEY) != photo.file_id:
        st.session_state[PHOTO_SEEN_KEY] = photo.file_id
        st.session_state.pop(RESULT_KEY, None)
        read = certificates.read_photo(photo.getvalue())
        if isinstance(read, str):
            st.session_state["certificate_photo_problem"] = read
            certificates.record_unreadable(read)
        else:
            st.session_state.pop("certificate_photo_problem", None)
            check(*read, "qr")
    if photo is not None and st.session_state.get("certificate_photo_problem"):
        st.error(t(st.session_state["certificate_photo_problem"]), icon=":material/qr_code_scanner:")

# The last result stays on screen (a language switch or a data refresh reruns the page) until the next check.
if RESULT_KEY in st.session_state:
    certificates.status_panel(st.session_state[RESULT_KEY])
certificates.legend()

if role in QR_ROLES:
    certificates.qr_maker(role)
