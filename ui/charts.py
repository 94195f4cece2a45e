"""Plotly charts shared by the pages, labelled in the reader's language."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.i18n import format_date, format_month, language, t

CASE_COLOUR = "#c0392b"
AVERAGE_COLOUR = "#1f2d3d"
INCOMPLETE_COLOUR = "rgba(127, 127, 127, 0.18)"


def epidemic_curve(curve: pd.DataFrame, incomplete_days: int) -> go.Figure:
    """Daily new cases as bars, the 7-day average as a line, and the last incomplete days shaded
    with their own legend entry (results for them are still arriving)."""
    complete = curve[~curve["incomplete"]]
    incomplete = curve[curve["incomplete"]]
    hover_days = [format_date(d) for d in curve["day"]]
    figure = go.Figure()
    figure.add_bar(
        x=complete["day"], y=complete["new_cases"], name=t("chart.new_cases"), marker_color=CASE_COLOUR,
        customdata=hover_days[: len(complete)], hovertemplate="%{customdata}: %{y}<extra></extra>",
    )
    if len(incomplete):
        figure.add_bar(
            x=incomplete["day"], y=incomplete["new_cases"],
            name=t("chart.incomplete", days=incomplete_days),
            marker=dict(color="rgba(192, 57, 43, 0.35)", pattern_shape="/"),
            customdata=hover_days[len(complete):], hovertemplate="%{customdata}: %{y}<extra></extra>",
        )
        half_day = pd.Timedelta(hours=12)
        figure.add_vrect(x0=incomplete["day"].min() - half_day, x1=incomplete["day"].max() + half_day,
                         fillcolor=INCOMPLETE_COLOUR, line_width=0, layer="below")
    figure.add_scatter(
        x=curve["day"], y=curve["average_7d"], name=t("chart.average_7d"), mode="lines",
        line=dict(color=AVERAGE_COLOUR, width=2), customdata=hover_days,
        hovertemplate="%{customdata}: %{y:.1f}<extra></extra>",
    )
    figure.update_layout(
        barmode="overlay", bargap=0.1, height=360, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        yaxis_title=t("chart.cases_per_day"), separators=",." if language() == "id" else ".,",
        xaxis=_day_ticks(curve["day"]), yaxis_rangemode="tozero",
    )
    return figure


def _day_ticks(days: pd.Series) -> dict:
    """Tick labels in the reader's language (plotly would print English month names): month
    starts over a long history, every seventh day ending on the last day over a short one."""
    if len(days) > 90:
        ticks = days[days.dt.day == 1]
        labels = [format_month(d) for d in ticks]
    else:
        ticks = days.iloc[::-7].iloc[::-1]
        labels = [format_date(d) for d in ticks]
    return dict(tickmode="array", tickvals=list(ticks), ticktext=labels)
