"""Chart of the fraud signals page: flagged items per week, one line per rule. Labelled in the
reader's language."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.fraud import RULES
from ui.compliance_charts import _layout
from ui.i18n import format_date, format_number, t

# Seven distinguishable colours (Okabe-Ito, safe for colour-blind readers), one per rule.
RULE_COLOURS = {1: "#0072B2", 2: "#D55E00", 3: "#CC79A7", 4: "#009E73", 5: "#E69F00", 6: "#56B4E9", 7: "#000000"}


def weekly_signals(weekly: pd.DataFrame) -> go.Figure:
    """Items per week (figures.fraud.Signals.weekly) as one line per rule."""
    figure = go.Figure()
    for rule in RULES:
        part = weekly[weekly["rule"] == rule]
        name = t(f"fraud.rule.{rule}.name")
        hover = [f"{format_date(w)}: {format_number(n)}" for w, n in zip(part["week_start"], part["items"])]
        figure.add_scatter(x=part["week_start"], y=part["items"], name=name, mode="lines+markers",
                           line=dict(color=RULE_COLOURS[rule], width=2), customdata=hover,
                           hovertemplate="%{customdata}<extra>" + name + "</extra>")
    ticks = sorted(weekly["week_start"].unique())
    figure.update_layout(yaxis=dict(title=t("fraud.trend.items"), rangemode="tozero"),
                         xaxis=dict(title=t("fraud.trend.week"), tickmode="array", tickvals=ticks,
                                    ticktext=[format_date(pd.Timestamp(d)) for d in ticks]))
    return _layout(figure, height=360)
