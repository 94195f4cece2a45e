"""Fraud signals with health documents (health): each of the seven rules of DESIGN section 3 with
its count, weekly trend and flagged items with their evidence over a chosen period; a link to a
flagged facility's compliance page; the XLSX export of flagged items for investigators."""
import streamlit as st

from figures import fraud
from figures import fraud_export
from ui import live
from ui.downloads import XLSX, download
from ui.fraud_charts import weekly_signals
from ui.i18n import format_date, format_number, t
from ui.page import begin, link_to
from ui.periods import pick_recent_period

SHOWN_ROWS = 500  # per rule on the page; the export holds every item

begin("fraud")
st.title(t("page.fraud"))
st.caption(t("fraud.intro"))
th = fraud.Thresholds.from_settings()
params = fraud_export.rule_params(th)

start, end = pick_recent_period("fraud")
st.caption(t("fraud.thresholds", **params))

try:
    signals = live.figure(fraud.signals, start, end, th)
except fraud.PeriodError as error:
    st.error(t(error.key, **error.params), icon=":material/event_busy:")
    st.stop()

st.subheader(t("fraud.summary", start=format_date(start), end=format_date(end)))
counts = signals.counts()
tiles = st.columns(4) + st.columns(4)
for tile, rule in zip(tiles, fraud.RULES):
    tile.metric(t(f"fraud.rule.{rule}.short"), format_number(counts[rule]),
                help=t(f"fraud.rule.{rule}.definition", **params))

st.subheader(t("fraud.trend"))
st.plotly_chart(weekly_signals(signals.weekly()), width="stretch")

st.subheader(t("fraud.items"))
for rule in fraud.RULES:
    items = signals.of_rule(rule)
    with st.expander(f"{t(f'fraud.rule.{rule}.name')} · {t('fraud.items.count', count=format_number(counts[rule]))}"):
        st.caption(t(f"fraud.rule.{rule}.definition", **params))
        if items.empty:
            st.success(t("fraud.items.none"), icon=":material/check_circle:")
            continue
        if len(items) > SHOWN_ROWS:
            st.caption(t("fraud.items.shown", shown=format_number(SHOWN_ROWS), total=format_number(len(items))))
        # The rule is the expander's title: the table starts with the day.
        shown = fraud_export.readable(items.head(SHOWN_ROWS)).drop(columns=t("fraud.column.rule"))
        st.dataframe(shown, hide_index=True, width="stretch")

flagged = signals.items.dropna(subset=["facility_code"]).drop_duplicates("facility_code").sort_values("facility_code")
if not flagged.empty:
    st.subheader(t("fraud.drilldown"))
    code = st.selectbox(t("fraud.drilldown.help"), flagged["facility_code"].tolist(), key="fraud_facility",
                        format_func=lambda c: f"{c} · {flagged.set_index('facility_code').at[c, 'facility_name']}")
    link_to("compliance", f"{t('fraud.drilldown')}: {code}", facility=code)

st.subheader(t("fraud.export"))
st.caption(t("fraud.export.help", count=format_number(len(signals.items))))
detail = {"rows": len(signals.items), "from": str(start), "to": str(end)}
download(t("fraud.export.xlsx"), fraud_export.to_xlsx(signals), f"sinyal-kecurangan-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
         XLSX, "fraud_signals", detail, key="fraud_export_xlsx")
