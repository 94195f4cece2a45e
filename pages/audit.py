"""Audit log for operators: filter by WIB date range, action and user; export what is shown as CSV."""
from datetime import datetime, time, timedelta

import streamlit as st

from casedb import audit
from casedb.wib import WIB, to_utc_naive, to_wib, today_wib
from exports.csv import to_csv_bytes
from ui import downloads, live
from ui.i18n import t
from ui.page import begin

ROW_LIMIT = 5_000

role = begin("audit")
st.title(t("page.audit"))

today = today_wib()
left, middle, right = st.columns([2, 1, 1])
chosen = left.date_input(t("audit.days"), value=(today - timedelta(days=6), today), max_value=today,
                         format="DD/MM/YYYY", key="audit_days")
start_day, end_day = (chosen[0], chosen[-1]) if chosen else (today, today)
action = middle.selectbox(t("audit.action"), ("", *audit.ACTIONS), key="audit_action",
                          format_func=lambda a: t(f"audit.action.{a}") if a else t("audit.every_action"))
username = right.text_input(t("audit.user"), max_chars=80, key="audit_user", help=t("audit.user_help"))

frame = live.query(
    "audit_log",
    start_at=to_utc_naive(datetime.combine(start_day, time(0), WIB)),
    end_at=to_utc_naive(datetime.combine(end_day + timedelta(days=1), time(0), WIB)),
    action=action, username=username.strip().lower(), row_limit=ROW_LIMIT,
)
frame["logged_at"] = frame["logged_at"].map(lambda at: to_wib(at).strftime("%Y-%m-%d %H:%M:%S WIB"))
if len(frame) == ROW_LIMIT:
    st.warning(t("audit.truncated", rows=ROW_LIMIT), icon=":material/warning:")
st.caption(t("audit.count", rows=len(frame)))
st.dataframe(frame, hide_index=True, width="stretch",
             column_config={c: t(f"audit.column.{c}") for c in frame.columns})


export_detail = {"rows": len(frame), "from": str(start_day), "to": str(end_day)}
downloads.download(t("audit.export"), to_csv_bytes(frame), f"audit-{start_day:%Y%m%d}-{end_day:%Y%m%d}.csv",
                   downloads.CSV, "audit_log", export_detail, key="audit_export")
