"""Charts, tables and the arc map of the movement page, labelled in the reader's language."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from exports.csv import to_csv_bytes
from ui import downloads, maps
from ui.charts import _day_ticks, _hover_days
from ui.i18n import format_date, format_number, format_percent, language, t

ENTRY_COLOUR = "#1f77b4"
EXIT_COLOUR = "#ff7f0e"
NET_COLOUR = "#1f2d3d"
INCOMPLETE_COLOUR = "rgba(127, 127, 127, 0.18)"
HOLIDAY_COLOUR = "rgba(46, 125, 50, 0.15)"
YEAR_HOLIDAY_COLOUR = "rgba(127, 127, 127, 0.6)"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
LABELLED_ARCS = 8
STATUS_COLOURS = {"valid": "#2e7d32", "expired": "#f9a825", "not_found": "#c62828", "issuer_unauthorized": "#6a1b9a",
                  "mismatch": "#ad1457", "none": "#9e9e9e"}


def _layout(figure: go.Figure, days: pd.Series | None = None, y_title: str = "", percent: bool = False,
            height: int = 340, legend_below: bool = False) -> go.Figure:
    # Many series (one per entry point): the legend goes below the plot, so that it never squeezes it.
    legend = dict(orientation="h", yanchor="top", y=-0.12, x=0, font_size=10) if legend_below else \
        dict(orientation="h", yanchor="bottom", y=1.02, x=0)
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), yaxis_title=y_title, legend=legend,
                         separators=",." if language() == "id" else ".,")
    if days is not None and len(days):
        figure.update_layout(xaxis=_day_ticks(pd.Series(days).reset_index(drop=True)))
    if percent:
        figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    return figure


def mark_holidays(figure: go.Figure, holidays: pd.DataFrame) -> None:
    """Holidays in the window shaded, with their name; those of a year before (drawn at their day
    + 364, where the year-before line shows them) as a dotted line."""
    half = pd.Timedelta(hours=12)
    for row in holidays.itertuples(index=False):
        name = t(f"movement.holiday.{row.kind}")
        if row.year_before:
            figure.add_vline(x=row.day, line=dict(color=YEAR_HOLIDAY_COLOUR, dash="dot", width=1))
            figure.add_annotation(x=row.day, y=0, yref="paper", yanchor="bottom", showarrow=False, font_size=10,
                                  text=t("movement.holiday.year_before", name=name), textangle=-90)
        else:
            figure.add_vrect(x0=row.day - half, x1=row.day + half, fillcolor=HOLIDAY_COLOUR, line_width=0,
                             layer="below", annotation_text=name, annotation_position="top left",
                             annotation_font_size=10)


def mark_incomplete(figure: go.Figure, days: pd.Series, incomplete_days: int, first_incomplete) -> None:
    """The last days whose records are still arriving, shaded (DESIGN: every time chart)."""
    late = days[days >= pd.Timestamp(first_incomplete)] if first_incomplete is not None else days[:0]
    if incomplete_days and len(late):
        half = pd.Timedelta(hours=12)
        figure.add_vrect(x0=late.min() - half, x1=late.max() + half, fillcolor=INCOMPLETE_COLOUR, line_width=0,
                         layer="below", annotation_text=t("chart.incomplete", days=incomplete_days),
                         annotation_position="top right", annotation_font_size=10)


def flows(daily: pd.DataFrame, holidays: pd.DataFrame, incomplete_days: int = 0, first_incomplete=None) -> go.Figure:
    days = _hover_days(daily)
    figure = go.Figure()
    for column, colour in (("entries", ENTRY_COLOUR), ("exits", EXIT_COLOUR)):
        figure.add_bar(x=daily["day"], y=daily[column], name=t(f"movement.{column}"), marker_color=colour,
                       opacity=0.55, customdata=days, hovertemplate="%{customdata}: %{y:,}<extra></extra>")
        figure.add_scatter(x=daily["day"], y=daily[f"{column}_7d"], mode="lines", line=dict(color=colour, width=2),
                           name=t(f"movement.{column}_7d"), customdata=days,
                           hovertemplate="%{customdata}: %{y:,.1f}<extra></extra>")
        for compared, dash in (("week_before", "dash"), ("year_before", "dot")):
            figure.add_scatter(x=daily["day"], y=daily[f"{column}_{compared}"].astype(float), mode="lines",
                               line=dict(color=colour, width=1, dash=dash), name=t(f"movement.{column}_{compared}"),
                               customdata=days, hovertemplate="%{customdata}: %{y:,}<extra></extra>",
                               visible="legendonly" if column == "exits" else True)
    figure.add_scatter(x=daily["day"], y=daily["net"], mode="lines+markers", line=dict(color=NET_COLOUR, width=1),
                       name=t("movement.net"), customdata=days, hovertemplate="%{customdata}: %{y:+,}<extra></extra>")
    figure.update_layout(barmode="group", bargap=0.15)
    mark_holidays(figure, holidays)
    mark_incomplete(figure, daily["day"], incomplete_days, first_incomplete)
    return _layout(figure, daily["day"], t("movement.per_day"), height=420)


def stacked(frame: pd.DataFrame, key: str, labels: dict | None = None, value: str = "entries") -> go.Figure:
    """Daily `value` stacked by `key` (entry point or mode)."""
    figure = go.Figure()
    days = pd.Series(sorted(frame["day"].unique()))
    for i, (name, part) in enumerate(frame.groupby(key, sort=True)):
        label = (labels or {}).get(name, name)
        figure.add_bar(x=part["day"], y=part[value], name=label, marker_color=PALETTE[i % len(PALETTE)],
                       customdata=_hover_days(part), hovertemplate=f"{label}, %{{customdata}}: %{{y:,}}<extra></extra>")
    figure.update_layout(barmode="stack")
    return _layout(figure, days, t(f"movement.{value}_per_day"), height=520, legend_below=True)


def hours(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for column, colour in (("entries", ENTRY_COLOUR), ("exits", EXIT_COLOUR)):
        figure.add_bar(x=frame["hour"], y=frame[column], name=t(f"movement.{column}"), marker_color=colour,
                       hovertemplate="%{x}:00 WIB: %{y:,}<extra></extra>")
    figure.update_layout(barmode="group", xaxis=dict(title=t("movement.hour_wib"), dtick=2))
    return _layout(figure, None, t("movement.movements"))


def document_shares(trend: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for i, (name, part) in enumerate(trend.groupby(trend["entry_point"].fillna(""), sort=True)):
        label = name or t("movement.all_entry_points")
        figure.add_scatter(x=part["day"], y=part["valid_share"], mode="lines", name=label,
                           line=dict(width=3 if not name else 1, color=NET_COLOUR if not name else PALETTE[i % 10]),
                           customdata=_hover_days(part), hovertemplate=f"{label}, %{{customdata}}: %{{y:.1%}}<extra></extra>")
    return _layout(figure, trend["day"].drop_duplicates(), t("movement.valid_share"), percent=True, height=520,
                   legend_below=True)


def document_problems(documents: pd.DataFrame, statuses: tuple[str, ...]) -> go.Figure:
    figure = go.Figure()
    for status in statuses:
        figure.add_bar(y=documents["entry_point"], x=documents[status], orientation="h", name=t(f"movement.doc.{status}"),
                       marker_color=STATUS_COLOURS[status], hovertemplate="%{y}: %{x:,}<extra></extra>")
    figure.update_layout(barmode="stack")
    return _layout(figure, None, "", height=520, legend_below=True)


def positivity_trend(trend: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for i, (test_type, part) in enumerate(trend.groupby("test_type", sort=False)):
        label = t(f"movement.test_type.{test_type or 'unstated'}")
        figure.add_scatter(x=part["day"], y=part["positivity_7d"], mode="lines", name=label,
                           line=dict(color=PALETTE[i % 10], width=2), customdata=_hover_days(part),
                           hovertemplate=f"{label}, %{{customdata}}: %{{y:.1%}}<extra></extra>")
    return _layout(figure, trend["day"].drop_duplicates(), t("movement.positivity_7d"), percent=True)


def imported(frame: pd.DataFrame, incomplete_days: int = 0, first_incomplete=None) -> go.Figure:
    figure = go.Figure()
    days = _hover_days(frame)
    figure.add_bar(x=frame["day"], y=frame["new_cases"] - frame["imported_cases"], name=t("movement.local_cases"),
                   marker_color="#c0392b", customdata=days, hovertemplate="%{customdata}: %{y:,}<extra></extra>")
    figure.add_bar(x=frame["day"], y=frame["imported_cases"], name=t("movement.imported_cases"),
                   marker_color="#e67e22", customdata=days, hovertemplate="%{customdata}: %{y:,}<extra></extra>")
    figure.add_scatter(x=frame["day"], y=frame["share_7d"], yaxis="y2", mode="lines", name=t("movement.share_7d"),
                       line=dict(color=NET_COLOUR, width=2), customdata=days,
                       hovertemplate="%{customdata}: %{y:.1%}<extra></extra>")
    mark_incomplete(figure, frame["day"], incomplete_days, first_incomplete)
    figure.update_layout(barmode="stack", yaxis2=dict(overlaying="y", side="right", tickformat=".0%", rangemode="tozero",
                                                      showgrid=False))
    return _layout(figure, frame["day"], t("movement.cases_per_day"))


def arc_map(arcs: pd.DataFrame, city: tuple[float, float]) -> pdk.Deck:
    """Arcs between each origin or destination (its centroid) and the city, as wide as the flow;
    offline: no base map is fetched (map_style None), only the project's own layers."""
    data = arcs.assign(
        city_lat=city[0], city_lon=city[1], label=arcs["name"].fillna(arcs["code"]),
        direction_label=arcs["direction"].map({"in": t("movement.entries"), "out": t("movement.exits")}),
        shown=arcs["movements"].map(format_number),
        width=1 + 9 * arcs["movements"] / max(1, arcs["movements"].max()),
    )
    entering = data["direction"] == "in"
    data["source"] = [[lon, lat] if e else [c_lon, c_lat] for e, lat, lon, c_lat, c_lon in
                      zip(entering, data["lat"], data["lon"], data["city_lat"], data["city_lon"])]
    data["target"] = [[c_lon, c_lat] if e else [lon, lat] for e, lat, lon, c_lat, c_lon in
                      zip(entering, data["lat"], data["lon"], data["city_lat"], data["city_lon"])]
    data["colour"] = [[31, 119, 180, 200] if e else [255, 127, 14, 200] for e in entering]
    records = data[["source", "target", "colour", "width", "label", "direction_label", "shown", "lat", "lon"]].assign(
        city=t("movement.city"))
    layers = [
        pdk.Layer("ArcLayer", records.to_dict("records"), get_source_position="source",
                  get_target_position="target", get_source_color="colour", get_target_color="colour",
                  get_width="width", pickable=True),
        pdk.Layer("ScatterplotLayer", records.to_dict("records"), get_position=["lon", "lat"], get_radius=3000, radius_min_pixels=3, radius_max_pixels=6,
                  get_fill_color=[60, 60, 60, 160], pickable=True),
        # Names of the busiest only: near the city they would overlap.
        pdk.Layer("TextLayer", records.drop_duplicates("label").head(LABELLED_ARCS).to_dict("records"),
                  get_position=["lon", "lat"],
                  get_text="label", get_size=12, get_color=[30, 30, 30, 220], get_pixel_offset=[0, -12]),
        pdk.Layer("ScatterplotLayer", [{"lon": city[1], "lat": city[0]}], get_position=["lon", "lat"],
                  get_radius=5000, radius_min_pixels=6, radius_max_pixels=10, get_fill_color=[192, 57, 43, 230]),
    ]
    # Sumatra, Java and Batam in view: where nearly every traveller comes from.
    return maps.deck(layers, maps.tooltip("label", [(t("movement.col.direction"), "direction_label"),
                                                    (t("movement.movements"), "shown")]),
                     _fitted_view(data, city))


def _fitted_view(arcs: pd.DataFrame, city: tuple[float, float]) -> pdk.ViewState:
    """A view holding every arc and the city: centred on them, zoomed so that the larger of their
    spans (degrees) takes about 380 pixels (deck.gl: 512 * 2^zoom / 360 pixels per degree at the equator)."""
    lats = [*arcs["lat"].dropna(), city[0]]
    lons = [*arcs["lon"].dropna(), city[1]]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 0.5)
    zoom = min(8.0, max(3.0, math.log2(380 * 360 / (512 * span))))
    return maps.default_view(latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2, zoom=zoom)


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, callable]], file_name: str,
          detail: dict | None = None) -> None:
    """`frame`'s `columns` (column -> (heading, formatter)) in the reader's locale, and the same
    table as an audited CSV download (ui.downloads; unformatted numbers, translated headings)."""
    shown = pd.DataFrame({heading: frame[column].map(fmt) for column, (heading, fmt) in columns.items()})
    st.dataframe(shown, hide_index=True, width="stretch")
    raw = pd.DataFrame({heading: frame[column] for column, (heading, _) in columns.items()})
    downloads.download(t("movement.download"), to_csv_bytes(raw), f"{file_name}.csv", downloads.CSV, file_name,
                       detail, key=f"download_{file_name}")


def count(value) -> str:
    return "–" if pd.isna(value) else format_number(value)


def percent(value) -> str:
    return "–" if pd.isna(value) else format_percent(value)


def day(value) -> str:
    return "–" if pd.isna(value) else format_date(value)


def text_or_unstated(value) -> str:
    return t("movement.not_stated") if value is None or value != value or value == "" else str(value)
