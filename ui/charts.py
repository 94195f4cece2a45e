"""Plotly charts shared by the pages, labelled in the reader's language."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.common import is_hidden
from ui.i18n import format_date, format_month, language, t

CASE_COLOUR = "#c0392b"
AVERAGE_COLOUR = "#1f2d3d"
INCOMPLETE_COLOUR = "rgba(127, 127, 127, 0.18)"
SUPPRESSED_COLOUR = "#7f8c8d"


def epidemic_curve(curve: pd.DataFrame, incomplete_days: int, lang: str | None = None,
                   per: str = "day") -> go.Figure:
    """Daily new cases as bars, the 7-day average as a line, and the last incomplete days shaded
    with their own legend entry (results for them are still arriving).

    For press, days whose count is suppressed ("<5", or "x" for a complementary cell) get no bar:
    a bar of any height would show a number. They are marked instead by a neutral grey marker on
    the baseline, with their own legend entry and "<5"/"x" on hover, and the 7-day average (already
    undefined over a week holding such a day) leaves a gap. We chose this over an average-only
    chart for press because the bars of the days that can be shown stay as they are for everyone.

    `lang`: the language of the labels (default: the reader's; an export names its own); `per`:
    "week" labels the bars as weekly counts (a release's curve)."""
    lang = lang or language()
    hidden = curve["new_cases"].map(is_hidden)
    complete = curve[~curve["incomplete"] & ~hidden]
    incomplete = curve[curve["incomplete"] & ~hidden]
    figure = go.Figure()
    figure.add_bar(
        x=complete["day"], y=complete["new_cases"], name=t("chart.new_cases" if per == "day" else "chart.new_cases_week", lang=lang), marker_color=CASE_COLOUR,
        customdata=_hover_days(complete, lang), hovertemplate="%{customdata}: %{y}<extra></extra>",
    )
    if curve["incomplete"].any():
        figure.add_bar(
            x=incomplete["day"], y=incomplete["new_cases"],
            name=t("chart.incomplete", lang=lang, days=incomplete_days),
            marker=dict(color="rgba(192, 57, 43, 0.35)", pattern_shape="/"),
            customdata=_hover_days(incomplete, lang), hovertemplate="%{customdata}: %{y}<extra></extra>",
        )
        half_day = pd.Timedelta(hours=12)
        last_days = curve.loc[curve["incomplete"], "day"]
        figure.add_vrect(x0=last_days.min() - half_day, x1=last_days.max() + half_day,
                         fillcolor=INCOMPLETE_COLOUR, line_width=0, layer="below")
    if hidden.any():
        suppressed = curve[hidden]
        figure.add_scatter(
            x=suppressed["day"], y=[0] * len(suppressed), name=t("chart.suppressed", lang=lang), mode="markers",
            marker=dict(color=SUPPRESSED_COLOUR, symbol="line-ns-open", size=10, line_width=2),
            customdata=list(zip(_hover_days(suppressed, lang), suppressed["new_cases"])),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
        )
    if per == "day":  # a weekly curve has no 7-day average
        figure.add_scatter(
            x=curve["day"], y=curve["average_7d"], name=t("chart.average_7d", lang=lang), mode="lines",
            line=dict(color=AVERAGE_COLOUR, width=2), customdata=_hover_days(curve, lang),
            hovertemplate="%{customdata}: %{y:.1f}<extra></extra>",
        )
    figure.update_layout(
        barmode="overlay", bargap=0.1, height=360, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        yaxis_title=t("chart.cases_per_day" if per == "day" else "chart.cases_per_week", lang=lang),
        separators=",." if lang == "id" else ".,", xaxis=_day_ticks(curve["day"], lang), yaxis_rangemode="tozero",
    )
    return figure


def _hover_days(frame: pd.DataFrame, lang: str | None = None) -> list[str]:
    return [format_date(d, lang) for d in frame["day"]]


def _day_ticks(days: pd.Series, lang: str | None = None) -> dict:
    """Tick labels in the reader's language (plotly would print English month names): month
    starts over a long history, every seventh day ending on the last day over a short one."""
    if len(days) > 90:
        ticks = days[days.dt.day == 1]
        labels = [format_month(d, lang) for d in ticks]
    else:
        ticks = days.iloc[::-7].iloc[::-1]
        labels = [format_date(d, lang) for d in ticks]
    return dict(tickmode="array", tickvals=list(ticks), ticktext=labels)
