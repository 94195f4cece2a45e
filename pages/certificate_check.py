"""Certificate check for checkpoint officers: a placeholder until the verification feature lands."""
import streamlit as st

from ui.i18n import t
from ui.page import begin

begin("certificate_check")
st.title(t("page.certificate_check"))
st.info(t("certificate_check.coming_later"), icon=":material/construction:")
