"""Live map: areas, hexagons of new cases, facilities and entry points over the city, for a window
that a day slider replays; an area's panel and the figures table under the map."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from casedb import settings
from exports.csv import to_csv_bytes
from casedb.wib import today_wib
from figures import common, map as map_figures
from ui import charts, downloads, live, maps
from ui.i18n import format_date, format_number, format_percent, language, t
from ui.page import begin

REPLAY_SECONDS = 1.5

role = begin("map")
st.title(t("page.map"))
lang = language()

span = live.figure(common.data_span)
if span is None:
    st.info(t("map.no_data"), icon=":material/hourglass_empty:")
    st.stop()

boundaries = maps.area_boundaries(settings.get("BOUNDARIES_PATH"))
if boundaries.problems:
    st.warning("\n\n".join([t("map.boundaries.fallback")] + [maps.boundary_problem_text(p) for p in boundaries.problems]),
               icon=":material/warning:")

today = today_wib()
days = map_figures.slider_days(span, today)
thresholds = settings.get("ZONE_THRESHOLDS")
incomplete_days = settings.get("INCOMPLETE_DAYS")
incomplete_from = span[1] - timedelta(days=incomplete_days - 1) if incomplete_days else pd.Timestamp.max.date()

top = st.columns([2, 2, 3])
choice = top[0].radio(t("map.window"), map_figures.WINDOWS, format_func=lambda w: t(f"map.window.{w}"),
                      horizontal=True, key="map_window", index=2)
level = top[1].radio(t("map.level"), map_figures.LEVELS, format_func=lambda v: t(f"map.level.{v}"),
                     horizontal=True, key="map_level")
measure = top[2].selectbox(t("map.measure"), map_figures.MEASURES, format_func=lambda m: t(f"map.measure.{m}"),
                           key="map_measure", index=3)
playing = choice != "custom" and st.toggle(t("map.play"), key="map_play")
if st.session_state.get("map_day") not in days:
    st.session_state["map_day"] = common.default_day(span, today)


def _step_replay() -> None:
    """While replaying, each run of the map shows the next day; the last day ends the replay."""
    if not st.session_state.get("map_play"):
        return
    position = days.index(st.session_state["map_day"])
    if position + 1 >= len(days):
        st.session_state["map_play"] = False
        st.rerun()
    st.session_state["map_day"] = days[position + 1]


def map_view() -> None:
    _step_replay()
    if choice == "custom":
        chosen = st.date_input(t("map.range"), value=(days[-1] - timedelta(days=27), days[-1]), min_value=days[0],
                               max_value=days[-1], format="DD/MM/YYYY", key="map_range")
        if len(chosen) != 2:
            st.info(t("map.range_needed"))
            return
        start, end = map_figures.window_bounds("custom", days[-1], tuple(chosen))
    else:
        day = st.select_slider(t("map.day"), options=days, format_func=format_date, key="map_day")
        start, end = map_figures.window_bounds(choice, day)

    layer_columns = st.columns(3)
    layers_on = [layer for i, layer in enumerate(maps.LAYERS)
                 if layer_columns[i % 3].toggle(t(f"map.layer.{layer}"), value=layer in maps.DEFAULT_LAYERS, key=f"map_layer_{layer}")]
    hexagon_choice = "safe"
    if role == "health" and "hexagons" in layers_on:
        hexagon_choice = st.radio(t("map.hexagons.resolution"), map_figures.HEXAGON_CHOICES["health"],
                                  format_func=lambda c: t(f"map.hexagons.{c}"), horizontal=True, key="map_hexagons")
    shown = live.figure(map_figures.map_figures, start, end, level, thresholds, settings.get("REPORT_DEADLINE_HOUR"),
                        today, hexagon_choice, with_origins="origins" in layers_on)
    st.caption(t("map.window_caption", start=format_date(start), end=format_date(end)))
    spec, legends = maps.map_deck(shown, boundaries, layers_on, measure, lang, settings.get("MAP_BASEMAP"))
    event = st.pydeck_chart(spec, on_select="rerun", selection_mode="single-object", key="map_deck", height=520)
    st.html(maps.legend_html(legends, thresholds, lang))
    if "hexagons" in layers_on and shown.hexagons.empty:
        st.caption(t("map.hexagons.none"))
    if boundaries.source == "built_in":
        st.caption(t("map.boundaries.approximate"))

    # An area picked on the map becomes the panel's area; the list below picks one as well.
    picked = (event.selection.objects.get("areas") or [None])[0] if event and event.selection else None
    picked_code = picked.get("code") if picked else None
    if picked_code and picked_code != st.session_state.get("map_last_pick"):
        st.session_state["map_last_pick"] = picked_code
        st.session_state["map_area"] = picked_code
    names = dict(zip(shown.areas["code"], shown.areas["name"]))
    if st.session_state.get("map_area") not in (None, *names):
        st.session_state["map_area"] = None
    code = st.selectbox(t("map.area"), [None, *sorted(names, key=names.get)], key="map_area",
                        format_func=lambda c: names[c] if c else t("map.area.none"), help=t("map.select_hint"))
    if code:
        # Not memoised (live.figure): it takes the map's figures, frames that are not hashable.
        first = map_figures.curve_first(span[0], end, settings.get("MAP_AREA_CURVE_DAYS"))
        _panel(map_figures.area_panel(live.query, shown, code, first, incomplete_from))
    _table(shown)


def _panel(panel) -> None:
    row = panel.figures
    columns = st.columns(4)
    columns[0].metric(t("map.measure.active"), format_number(row["active"]))
    columns[1].metric(t("map.measure.new_cases"), format_number(row["new_cases"]))
    columns[2].metric(t("map.measure.incidence"), format_number(row["incidence"], 1))
    columns[3].metric(t("map.measure.zone"), t(f"zone.{row['zone']}") if isinstance(row["zone"], str) else "–")
    st.markdown(f"**{t('map.panel.curve', name=panel.name)}**")
    st.plotly_chart(charts.epidemic_curve(panel.curve, incomplete_days), width="stretch", key="map_area_curve")
    st.caption(t("map.panel.curve_window", start=format_date(panel.curve["day"].iloc[0].date()),
                 end=format_date(panel.curve["day"].iloc[-1].date()), days=settings.get("MAP_AREA_CURVE_DAYS")))
    st.markdown(f"**{t('map.panel.facilities', name=panel.name)}**")
    if panel.facilities.empty:
        st.caption(t("map.panel.no_facilities"))
    else:
        st.dataframe(pd.DataFrame({
            t("map.col.facility"): panel.facilities["name"],
            t("map.col.type"): panel.facilities["type"],
            t("map.col.status"): panel.facilities["status"].map(lambda s: t(f"map.status.{s}")),
            t("map.col.tests"): panel.facilities["tests"].map(format_number),
            t("map.col.reporting_rate"): panel.facilities["reporting_rate"].map(lambda x: format_percent(x, 0)),
        }), hide_index=True, width="stretch")


def _table(shown) -> None:
    st.subheader(t("map.table.title", level=t(f"map.level.{shown.level}")))
    areas = shown.areas
    table = pd.DataFrame({
        t("map.col.code"): areas["code"],
        t("map.col.name"): areas["name"],
        t("map.measure.population"): areas["population"],
        t("map.measure.active"): areas["active"],
        t("map.measure.new_cases"): areas["new_cases"],
        t("map.measure.cases_7d"): areas["cases_7d"],
        t("map.measure.incidence"): areas["incidence"].round(1),
        t("map.measure.zone"): areas["zone"].map(lambda z: t(f"zone.{z}") if isinstance(z, str) else ""),
    })
    shown_table = table.copy()
    for column in (t("map.measure.population"), t("map.measure.active"), t("map.measure.new_cases"),
                   t("map.measure.cases_7d")):
        shown_table[column] = shown_table[column].map(format_number)
    shown_table[t("map.measure.incidence")] = areas["incidence"].map(lambda x: format_number(x, 1))
    st.dataframe(shown_table, hide_index=True, width="stretch")
    downloads.download(t("map.table.download"), to_csv_bytes(table),
                       f"map-{shown.level}-{shown.start:%Y%m%d}-{shown.end:%Y%m%d}.csv", downloads.CSV,
                       f"map_{shown.level}", {"rows": len(table), "from": str(shown.start), "to": str(shown.end)},
                       key="map_export")


st.fragment(map_view, run_every=REPLAY_SECONDS if playing else None)()
