"""Charts of the contact-tracing page (plotly), in the reader's language and number format."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.tracing import STATUSES, ChainView
from ui.charts import _day_ticks
from ui.i18n import format_date, language, t

SHARE_COLOURS = {"traced_in_time_share": "#1f77b4", "tested_share": "#2ca02c", "became_share": "#d62728",
                 "listed_share": "#9467bd"}
# Case status in a chain: colour and marker symbol, so that the status is told apart without colour too.
STATUS_STYLE = {"active": ("#d62728", "circle"), "hospitalised": ("#ff7f0e", "square"),
                "recovered": ("#2ca02c", "diamond"), "died": ("#3f3f3f", "x")}
TARGET_COLOUR = "#7f7f7f"


def _layout(figure: go.Figure, y_title: str = "", percent: bool = False, height: int = 340) -> go.Figure:
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), yaxis_title=y_title,
                         legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                         separators=",." if language() == "id" else ".,")
    if percent:
        figure.update_yaxes(tickformat=".0%", rangemode="tozero", range=[0, 1.02])
    return figure


def _weeks(frame: pd.DataFrame) -> list[str]:
    return [format_date(w) for w in frame["week"]]


def _week_axis(figure: go.Figure, weekly: pd.DataFrame) -> None:
    """Weeks labelled by their Monday in the reader's language (plotly prints English months)."""
    figure.update_xaxes(title=t("tracing.week_of"), tickmode="array", tickvals=list(weekly["week"]),
                        ticktext=_weeks(weekly), tickangle=-45)


def weekly_shares(weekly: pd.DataFrame, hours: int) -> go.Figure:
    """The four shares per ISO week (its Monday), as lines."""
    figure = go.Figure()
    for column, colour in SHARE_COLOURS.items():
        label = t(f"tracing.share.{column}", hours=hours)
        figure.add_scatter(x=weekly["week"], y=weekly[column], mode="lines+markers", name=label, line_color=colour,
                           customdata=_weeks(weekly), hovertemplate=f"{label}, %{{customdata}}: %{{y:.1%}}<extra></extra>")
    _week_axis(figure, weekly)
    return _layout(figure, t("tracing.share_of"), percent=True, height=380)


def weekly_contacts_per_case(weekly: pd.DataFrame, target: int) -> go.Figure:
    """Contacts listed per case per ISO week, against the target."""
    figure = go.Figure()
    label = t("tracing.contacts_per_case")
    figure.add_bar(x=weekly["week"], y=weekly["contacts_per_case"], name=label, marker_color="#1f77b4",
                   customdata=_weeks(weekly), hovertemplate=f"{label}, %{{customdata}}: %{{y:.1f}}<extra></extra>")
    figure.add_hline(y=target, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=t("tracing.target", target=target), annotation_position="top left")
    _week_axis(figure, weekly)
    return _layout(figure, label, height=380)


def kecamatan_shares(kecamatan: pd.DataFrame, hours: int) -> go.Figure:
    """Traced in time and tested per kecamatan, as grouped horizontal bars."""
    shown = kecamatan[kecamatan["contacts"] > 0].sort_values("kecamatan", ascending=False)
    figure = go.Figure()
    for column in ("traced_in_time_share", "tested_share"):
        label = t(f"tracing.share.{column}", hours=hours)
        figure.add_bar(y=shown["kecamatan"], x=shown[column], name=label, orientation="h",
                       marker_color=SHARE_COLOURS[column], hovertemplate=f"%{{y}}: %{{x:.1%}}<extra>{label}</extra>")
    figure.update_layout(barmode="group")
    figure.update_xaxes(tickformat=".0%", range=[0, 1.02])
    return _layout(figure, "", height=max(300, 34 * len(shown) + 80))


def chain_graph(view: ChainView) -> go.Figure:
    """A cluster's chain: each case a marker at its day of confirmation (x) in the row of its
    generation (y, the first cases on top), coloured and shaped by its status; a line from each index
    case to the case its contact became. No identity is shown: the hover says the day, generation
    and status only."""
    nodes = view.nodes.set_index("case_id")
    figure = go.Figure()
    xs, ys = [], []
    for a, b in zip(view.edges["index_case_id"], view.edges["case_id"]):
        xs += [nodes.at[a, "x"], nodes.at[b, "x"], None]
        ys += [nodes.at[a, "y"], nodes.at[b, "y"], None]
    figure.add_scatter(x=xs, y=ys, mode="lines", line=dict(color="#9e9e9e", width=1), hoverinfo="skip",
                       showlegend=False)
    for status in STATUSES:
        part = view.nodes[view.nodes["status"] == status]
        if part.empty:
            continue
        colour, symbol = STATUS_STYLE[status]
        label = t(f"tracing.status.{status}")
        hover = [t("tracing.node_hover", day=format_date(d), generation=g, status=label)
                 for d, g in zip(part["day"], part["generation"])]
        figure.add_scatter(x=part["x"], y=part["y"], mode="markers", name=label,
                           marker=dict(color=colour, symbol=symbol, size=12, line=dict(color="white", width=1)),
                           hovertext=hover, hoverinfo="text")
    generations = int(view.nodes["generation"].max()) + 1
    figure.update_yaxes(autorange="reversed", tickmode="array", tickvals=list(range(generations)),
                        title=t("tracing.generation"), zeroline=False)
    days = pd.Series(pd.date_range(view.nodes["day"].min(), view.nodes["day"].max(), freq="D"))
    figure.update_xaxes(title=t("tracing.confirmed_on"), **_day_ticks(days))
    return _layout(figure, t("tracing.generation"), height=min(720, 140 + 70 * generations))


def generations(view: ChainView) -> go.Figure:
    """A cluster too large to draw: its cases per generation, stacked by status."""
    figure = go.Figure()
    for status in STATUSES:
        part = view.generations[view.generations["status"] == status]
        if part.empty:
            continue
        label = t(f"tracing.status.{status}")
        figure.add_bar(x=part["generation"], y=part["cases"], name=label, marker_color=STATUS_STYLE[status][0],
                       hovertemplate=f"{label}: %{{y:,}}<extra></extra>")
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title=t("tracing.generation"), dtick=1)
    return _layout(figure, t("tracing.cases"))
