"""Charts of the compliance page: weekly trend, a facility's calendar of report days, its latency
distribution. Labelled in the reader's language."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from babel.dates import get_day_names

from casedb.schema import FACILITY_TYPES
from ui.i18n import format_date, format_number, format_percent, language, t

STATUS_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}
STATUS_TEXT = {"green": "white", "amber": "black", "red": "white"}
CALENDAR_COLOURS = {
    "on_time": "#2e7d32", "late": "#f9a825", "missing": "#c62828", "closed_day": "#90a4ae",
    "not_expected": "#eceff1", "not_expected_reported": "#cfd8dc",
}
TYPE_COLOURS = {"all": "#1f2d3d", "hospital": "#1565c0", "puskesmas": "#2e7d32", "clinic": "#ef6c00",
                "lab": "#6a1b9a", "practice": "#00838f"}


def _layout(figure: go.Figure, height: int = 320) -> go.Figure:
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10),
                         legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                         separators=",." if language() == "id" else ".,")
    return figure


def weekly_trend(trend: pd.DataFrame, measure: str, types: tuple[str, ...] = ("all", *FACILITY_TYPES)) -> go.Figure:
    """One line per facility type (and all facilities) of the weekly rate `measure`."""
    figure = go.Figure()
    for kind in types:
        part = trend[trend["type"] == kind]
        if part.empty:
            continue
        name = t("compliance.trend.all") if kind == "all" else t(f"facility_type.{kind}")
        hover = [f"{format_date(s)} – {format_date(e)}: {format_percent(v)}"
                 for s, e, v in zip(part["week_start"], part["week_end"], part[measure])]
        figure.add_scatter(x=part["week_end"], y=part[measure] * 100, name=name, mode="lines+markers",
                           line=dict(color=TYPE_COLOURS[kind], width=3 if kind == "all" else 1.5),
                           customdata=hover, hovertemplate="%{customdata}<extra>" + name + "</extra>")
    ticks = sorted(trend["week_end"].unique())
    shown = trend.loc[trend["type"].isin(types), measure].dropna() * 100
    low = max(0.0, (shown.min() if len(shown) else 0.0) - 5)
    figure.update_layout(yaxis=dict(title="%", range=[low, 101]),
                         xaxis=dict(title=t("compliance.trend.week"), tickmode="array", tickvals=ticks,
                                    ticktext=[format_date(pd.Timestamp(d)) for d in ticks]))
    return _layout(figure)


def calendar(days: pd.DataFrame) -> go.Figure:
    """Weeks as columns, weekdays as rows (Monday on top), each day coloured by its status."""
    days = days.assign(weekday=days["day"].dt.isocalendar().day.astype(int),
                       week=days["day"] - pd.to_timedelta(days["day"].dt.isocalendar().day.astype(int) - 1, unit="D"))
    figure = go.Figure()
    names = get_day_names("abbreviated", locale="id_ID" if language() == "id" else "en_US")
    weekday_labels = [names[k] for k in range(7)]  # babel: 0 = Monday
    for status, colour in CALENDAR_COLOURS.items():
        part = days[days["status"] == status]
        if part.empty:
            continue
        label = t(f"compliance.calendar.{status}")
        figure.add_scatter(
            x=part["week"], y=part["weekday"], mode="markers", name=label,
            marker=dict(symbol="square", size=22, color=colour, line=dict(color="#607d8b", width=1)),
            customdata=[f"{format_date(d)}: {label}" for d in part["day"]],
            hovertemplate="%{customdata}<extra></extra>")
    weeks = sorted(days["week"].unique())
    figure.update_layout(
        yaxis=dict(autorange="reversed", tickmode="array", tickvals=list(range(1, 8)), ticktext=weekday_labels,
                   title=None, showgrid=False, zeroline=False),
        xaxis=dict(tickmode="array", tickvals=weeks, ticktext=[format_date(pd.Timestamp(w)) for w in weeks],
                   showgrid=False, zeroline=False),
        plot_bgcolor="white")
    return _layout(figure, height=300)


def latency(histogram: pd.DataFrame) -> go.Figure:
    """Results per latency bucket, specimen to result and result to reported side by side."""
    labels = [f"{format_number(lo)}–{format_number(hi)}" if not math.isinf(hi) else f"≥ {format_number(lo)}"
              for lo, hi in zip(histogram["low"], histogram["high"])]
    figure = go.Figure()
    for column, colour in (("specimen_to_result", "#1565c0"), ("result_to_report", "#ef6c00")):
        figure.add_bar(x=labels, y=histogram[column], name=t(f"compliance.latency.{column}"), marker_color=colour)
    figure.update_layout(barmode="group", xaxis_title=t("compliance.latency.bucket"),
                         yaxis_title=t("compliance.latency.results"))
    return _layout(figure)
