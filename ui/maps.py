"""What the map and movement pages share: palettes, the view of Pekanbaru, tooltips, the Deck, and
the boundaries of kecamatan and kelurahan.

- One zone palette (`ZONE_RGB`) for the map, the zone table (`ui.tables`) and any chart.
- A colour-blind-safe sequential palette (viridis, in steps) for quantities: `sequential_colour`.
- `deck(layers, tooltip)` builds the pydeck Deck over the default view; with MAP_BASEMAP `none`
  (the default) no background tiles are fetched from the internet (`basemap_arguments`).
- `boundaries()` is read once per process; it holds the centroids from the reference tables
  (`casedb/reference`); `area_boundaries(path)` the polygons (casedb.boundaries).
- The live map's layers, legends and tooltips (`map_deck`), below.
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import pandas as pd
import numpy as np
import pydeck as pdk
import streamlit as st
from shapely.geometry import shape

from casedb import boundaries as boundary_files
from casedb import reference, settings
from figures.map import MapFigures
from ui.i18n import format_number, format_percent, t

RGB = tuple[int, int, int]

# Zones (figures.common.ZONES): green, yellow, orange, red, with a text colour readable on each.
ZONE_RGB: dict[str, RGB] = {"green": (46, 125, 50), "yellow": (249, 168, 37), "orange": (239, 108, 0),
                            "red": (198, 40, 40)}
ZONE_TEXT: dict[str, str] = {"green": "white", "yellow": "black", "orange": "black", "red": "white"}

# Viridis in 9 steps (matplotlib's viridis at 0, 1/8, ..., 1): ordered by lightness, readable by
# readers with any common colour-vision deficiency and in greyscale.
VIRIDIS: tuple[RGB, ...] = ((68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
                            (40, 174, 128), (94, 201, 98), (173, 220, 48), (253, 231, 37))
# No value, or a value hidden by suppression: neutral grey, never a palette colour.
NO_DATA_RGB: RGB = (189, 189, 189)

# Pekanbaru: the city's centre and a zoom that shows all 15 kecamatan.
PEKANBARU_CENTRE = (0.51, 101.45)
PEKANBARU_ZOOM = 10.5


def hex_colour(rgb: RGB) -> str:
    """(46, 125, 50) -> "#2e7d32", for CSS and plotly."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def zone_colour(zone: str | None) -> RGB:
    """The zone's colour; NO_DATA_RGB for no zone (no population, or a hidden count)."""
    return ZONE_RGB.get(zone, NO_DATA_RGB) if isinstance(zone, str) else NO_DATA_RGB


def sequential_colour(value, low: float, high: float, palette: Sequence[RGB] = VIRIDIS) -> RGB:
    """The palette step of `value` on low..high (equal steps; below low the first, above high the
    last); NO_DATA_RGB for no value or a hidden one (a string such as "<5")."""
    if value is None or isinstance(value, str) or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA_RGB
    if high <= low:
        return palette[-1] if value >= high else palette[0]
    share = (float(value) - low) / (high - low)
    return palette[min(len(palette) - 1, max(0, math.floor(share * len(palette))))]


def sequential_colours(values: pd.Series, low: float | None = None, high: float | None = None,
                       palette: Sequence[RGB] = VIRIDIS) -> list[list[int]]:
    """`sequential_colour` of every value, as [r, g, b] lists a pydeck layer takes; low and high
    default to the smallest and largest number among the values."""
    numbers = pd.to_numeric(values.where(~values.map(lambda v: isinstance(v, str))), errors="coerce")
    low = numbers.min() if low is None else low
    high = numbers.max() if high is None else high
    return [list(sequential_colour(v, low, high, palette)) for v in values]


def default_view(**overrides) -> pdk.ViewState:
    lat, lon = PEKANBARU_CENTRE
    return pdk.ViewState(**{"latitude": lat, "longitude": lon, "zoom": PEKANBARU_ZOOM, "pitch": 0, **overrides})


def tooltip(title_field: str, lines: Sequence[tuple[str, str]] = ()) -> dict:
    """A pydeck tooltip: `{title_field}` in bold, then one "label: {field}" line per (label, field).
    Labels are escaped (they come from the catalog); fields are filled by pydeck per object."""
    body = "".join(f"<br/>{html.escape(label)}: {{{field}}}" for label, field in lines)
    return {"html": f"<b>{{{title_field}}}</b>{body}",
            "style": {"backgroundColor": "white", "color": "#1f2d3d", "fontSize": "0.85rem"}}


def map_style() -> str | None:
    """pydeck's map_style for MAP_BASEMAP: None draws no background tiles."""
    basemap = settings.get("MAP_BASEMAP")
    return None if basemap == "none" else basemap


def basemap_arguments(basemap: str) -> dict:
    """pydeck's map arguments for MAP_BASEMAP. none: no provider and no map_style at all, which
    leaves pydeck's "no style given" marker; Streamlit's map reads that as "no basemap". (A
    map_style of None is dropped from the JSON, and Streamlit then fetches CARTO's style.)"""
    if basemap == "none":
        return {"map_provider": None}
    return {"map_provider": "carto", "map_style": basemap}


def deck(layers: Sequence[pdk.Layer], tooltip: dict | bool = True, view: pdk.ViewState | None = None) -> pdk.Deck:
    """The Deck every map draws (pass it to st.pydeck_chart): the layers over `view` (default: the
    city), with the MAP_BASEMAP background."""
    return pdk.Deck(layers=list(layers), initial_view_state=view or default_view(), tooltip=tooltip,
                    **basemap_arguments(settings.get("MAP_BASEMAP")))


def centroid_layer(frame: pd.DataFrame, colour_column: str, radius_m: float = 400, layer_id: str = "centroids",
                   **kwargs) -> pdk.Layer:
    """Dots at `frame`'s `lat`/`lon`, filled with the [r, g, b] lists in `colour_column`."""
    return pdk.Layer("ScatterplotLayer", data=frame, id=layer_id, get_position=["lon", "lat"],
                     get_fill_color=colour_column, get_radius=radius_m, pickable=True, stroked=True,
                     get_line_color=[255, 255, 255], line_width_min_pixels=1, **kwargs)


@dataclass(frozen=True)
class Boundaries:
    """Kecamatan (code, name, lat, lon) and kelurahan (code, name, kecamatan_code, lat, lon).
    Shared by every session of the process: copy a frame before changing it."""

    kecamatan: pd.DataFrame
    kelurahan: pd.DataFrame


@lru_cache(maxsize=1)
def boundaries() -> Boundaries:
    """The areas of the city, read once per process from the reference tables."""
    kecamatan = reference.kecamatan_frame()
    kelurahan = reference.kelurahan_frame()
    return Boundaries(
        kecamatan=pd.DataFrame({"code": kecamatan["code"], "name": kecamatan["name"],
                                "lat": kecamatan["centroid_lat"], "lon": kecamatan["centroid_lon"]}),
        kelurahan=pd.DataFrame({"code": kelurahan["code"], "name": kelurahan["name"],
                                "kecamatan_code": kelurahan["parent_code"],
                                "lat": kelurahan["centroid_lat"], "lon": kelurahan["centroid_lon"]}),
    )


# --- The live map (pages/map.py) ------------------------------------------------------------------
# deck specification built without Streamlit calls, so that tests inspect exactly what the browser
# receives (`deck_json`). Areas and hexagons on reversed viridis classes, zones on four colours of
# rising darkness (order readable without hue), facility statuses in Okabe-Ito colours; every layer
# has a legend with words; tooltips precomputed per object in the reader's language and locale.

LAYERS = ("areas", "hexagons", "facilities", "entry_points", "origins")
DEFAULT_LAYERS = ("areas", "hexagons", "facilities", "entry_points")
CITY_CENTRE = (101.447, 0.507)  # lon, lat: where origin arcs land
# The live map: classes of counts on reversed viridis (6 steps of VIRIDIS above), light = few.
# Reversed viridis, 6 classes: light yellow for few, dark purple for many.
CLASS_COLOURS = ((253, 231, 37), (122, 209, 81), (34, 168, 132), (42, 120, 142), (65, 68, 135), (68, 1, 84))
NO_CASES = (235, 235, 235)
# Zones by rising darkness (readable without telling green from red).
ZONE_PALETTE = {"green": (199, 233, 192), "yellow": (254, 217, 118), "orange": (240, 108, 40),
                "red": (153, 0, 13)}
STATUS_PALETTE = {"green": (0, 158, 115), "amber": (230, 159, 0), "red": (213, 94, 0),
                  "not_expected": (150, 150, 150)}
ENTRY_COLOUR = (0, 114, 178)
ARC_COLOUR = (204, 121, 167)
OUTLINE_FILL = (246, 246, 244)
OUTLINE_LINE = (90, 90, 90)


def classes(values: pd.Series, n: int = len(CLASS_COLOURS)) -> list[float]:
    """Upper bounds of n equal classes from 0 to the largest value (nice whole steps for counts)."""
    top = float(pd.to_numeric(values, errors="coerce").max() or 0)
    if not top or math.isnan(top):
        return [1.0] * n
    step = top / n
    if step >= 1:
        magnitude = 10 ** math.floor(math.log10(step))
        step = math.ceil(step / magnitude * 2) / 2 * magnitude
    return [step * (i + 1) for i in range(n)]


def class_colour(value, bounds: list[float]) -> tuple[int, int, int]:
    if value is None or pd.isna(value) or value <= 0:
        return NO_CASES
    for bound, colour in zip(bounds, CLASS_COLOURS):
        if value <= bound:
            return colour
    return CLASS_COLOURS[-1]


def _rings(geometry) -> list[list[list[list[float]]]]:
    """Each polygon of a (Multi)Polygon as [outer ring, holes...] of [lon, lat] pairs."""
    polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    return [[[list(xy) for xy in polygon.exterior.coords]] + [[list(xy) for xy in ring.coords] for ring in polygon.interiors]
            for polygon in polygons]


def measure_label(measure: str, lang: str) -> str:
    return t(f"map.measure.{measure}", lang=lang)


def area_rows(figures: MapFigures, collection: dict, measure: str, lang: str) -> tuple[list[dict], list[float]]:
    """One row per polygon (a MultiPolygon gives several) with its fill colour and tooltip."""
    by_code = figures.areas.set_index("code")
    bounds = classes(figures.areas[measure]) if measure != "zone" else []
    rows = []
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        if code not in by_code.index:
            continue
        area = by_code.loc[code]
        if measure == "zone":
            colour = ZONE_PALETTE.get(area["zone"], NO_CASES)
        else:
            colour = class_colour(area[measure], bounds)
        tooltip = area_tooltip(area, figures.level, lang)
        for rings in _rings(shape(feature["geometry"])):
            rows.append({"code": code, "polygon": rings, "fill": [*colour, 170], "tooltip": tooltip})
    return rows, bounds


def area_tooltip(area: pd.Series, level: str, lang: str) -> str:
    zone_text = t(f"zone.{area['zone']}", lang=lang) if isinstance(area["zone"], str) else "–"
    lines = [
        f"<b>{html.escape(str(area['name']))}</b> ({t(f'map.level.{level}', lang=lang)})",
        f"{t('map.measure.active', lang=lang)}: {format_number(area['active'], lang=lang)}",
        f"{t('map.measure.new_cases', lang=lang)}: {format_number(area['new_cases'], lang=lang)}",
        f"{t('map.measure.incidence', lang=lang)}: {format_number(area['incidence'], 1, lang=lang)}",
        f"{t('map.measure.zone', lang=lang)}: {zone_text}",
    ]
    return "<br/>".join(lines)


def _hexagon_rows(hexagons: pd.DataFrame, lang: str) -> tuple[list[dict], list[float]]:
    bounds = classes(hexagons["new_cases"])
    ordered = hexagons.sort_values("resolution")  # merged parents first, under their children
    rows = [{"cell": cell, "fill": [*class_colour(n, bounds), 190 if resolution >= 8 else 110],
             "tooltip": t("map.tooltip.hexagon" if resolution >= 8 else "map.tooltip.hexagon_merged", lang=lang,
                          cases=format_number(n, lang=lang), resolution=resolution)}
            for cell, resolution, n in zip(ordered["cell"], ordered["resolution"], ordered["new_cases"])]
    return rows, bounds


def _radius(values: pd.Series, low: float, high: float) -> np.ndarray:
    """Area-true symbol radii in metres: sqrt-scaled between low and high."""
    v = np.sqrt(pd.to_numeric(values).fillna(0).to_numpy(dtype=float))
    top = v.max() if len(v) and v.max() > 0 else 1.0
    return low + (high - low) * v / top


def _facility_rows(facilities: pd.DataFrame, lang: str) -> list[dict]:
    radius = _radius(facilities["tests"], 120, 900)
    rows = []
    for r, row in zip(radius, facilities.itertuples()):
        status = t(f"map.status.{row.status}", lang=lang)
        reporting = format_percent(row.reporting_rate, 0, lang=lang) if pd.notna(row.reporting_rate) else "–"
        rows.append({"position": [float(row.lon), float(row.lat)], "radius": float(r),
                     "fill": [*STATUS_PALETTE[row.status], 220],
                     "tooltip": t("map.tooltip.facility", lang=lang, name=html.escape(str(row.name)), status=status,
                                  tests=format_number(row.tests, lang=lang), reporting=reporting)})
    return rows


def _entry_rows(points: pd.DataFrame, lang: str) -> list[dict]:
    radius = _radius(points["entries"] + points["exits"], 150, 1200)
    return [{"position": [float(p.lon), float(p.lat)], "radius": float(r), "fill": [*ENTRY_COLOUR, 200],
             "tooltip": t("map.tooltip.entry_point", lang=lang, name=html.escape(str(p.name)),
                          entries=format_number(p.entries, lang=lang), exits=format_number(p.exits, lang=lang))}
            for r, p in zip(radius, points.itertuples())]


def _origin_rows(origins: pd.DataFrame, lang: str) -> list[dict]:
    top = max(int(origins["entries"].max()), 1) if not origins.empty else 1
    return [{"source": [float(o.centroid_lon), float(o.centroid_lat)], "target": list(CITY_CENTRE),
             "width": 1 + 9 * o.entries / top,
             "tooltip": t("map.tooltip.origin", lang=lang, name=html.escape(str(o.name)),
                          entries=format_number(o.entries, lang=lang))}
            for o in origins.itertuples()]


def map_deck(figures: MapFigures, boundaries: boundary_files.Boundaries, layers_on, measure: str, lang: str,
         basemap: str = "none") -> tuple[pdk.Deck, dict]:
    """The deck and, per layer drawn, what its legend needs."""
    collection = boundaries.kelurahan if figures.level == "kelurahan" else boundaries.kecamatan
    city = [{"polygon": rings} for f in boundaries.city["features"] for rings in _rings(shape(f["geometry"]))]
    layers = [pdk.Layer("PolygonLayer", id="city", data=city, get_polygon="polygon", filled=True, stroked=True,
                        get_fill_color=list(OUTLINE_FILL), get_line_color=list(OUTLINE_LINE), line_width_min_pixels=2,
                        pickable=False)]
    legends: dict = {}
    if "areas" in layers_on:
        rows, bounds = area_rows(figures, collection, measure, lang)
        layers.append(pdk.Layer("PolygonLayer", id="areas", data=rows, get_polygon="polygon", get_fill_color="fill",
                                get_line_color=[255, 255, 255], line_width_min_pixels=1, filled=True, stroked=True,
                                pickable=True, auto_highlight=True))
        legends["areas"] = ("zone", None) if measure == "zone" else (measure, bounds)
    if "hexagons" in layers_on and not figures.hexagons.empty:
        rows, bounds = _hexagon_rows(figures.hexagons, lang)
        layers.append(pdk.Layer("H3HexagonLayer", id="hexagons", data=rows, get_hexagon="cell", get_fill_color="fill",
                                get_line_color=[255, 255, 255], line_width_min_pixels=1, extruded=False,
                                pickable=True, high_precision=True))
        legends["hexagons"] = ("new_cases", bounds)
    elif "hexagons" in layers_on:
        legends["hexagons"] = ("new_cases", [])
    if "facilities" in layers_on:
        layers.append(pdk.Layer("ScatterplotLayer", id="facilities", data=_facility_rows(figures.facilities, lang),
                                get_position="position", get_radius="radius", get_fill_color="fill",
                                get_line_color=[40, 40, 40], stroked=True, line_width_min_pixels=1,
                                radius_min_pixels=3, radius_max_pixels=18, pickable=True))
        legends["facilities"] = ("status", None)
    if "entry_points" in layers_on:
        layers.append(pdk.Layer("ScatterplotLayer", id="entry_points", data=_entry_rows(figures.entry_points, lang),
                                get_position="position", get_radius="radius", get_fill_color="fill",
                                get_line_color=[255, 255, 255], stroked=True, line_width_min_pixels=2,
                                radius_min_pixels=4, radius_max_pixels=24, pickable=True))
        legends["entry_points"] = ("entry", None)
    if "origins" in layers_on and figures.origins is not None:
        layers.append(pdk.Layer("ArcLayer", id="origins", data=_origin_rows(figures.origins, lang),
                                get_source_position="source", get_target_position="target", get_width="width",
                                get_source_color=[*ARC_COLOUR, 200], get_target_color=[*ENTRY_COLOUR, 200],
                                pickable=True))
        legends["origins"] = ("arc", None)
    spec = pdk.Deck(layers=layers, initial_view_state=default_view(latitude=0.53, zoom=10.2), tooltip={"html": "{tooltip}"},
                    **basemap_arguments(basemap))
    return spec, legends


def deck_json(spec: pdk.Deck) -> str:
    return spec.to_json()


def _swatch(colour, label: str) -> str:
    r, g, b = colour[:3]
    return (f'<span style="display:inline-flex;align-items:center;margin:0 .8em .2em 0">'
            f'<span style="width:.9em;height:.9em;background:rgb({r},{g},{b});border:1px solid #777;'
            f'margin-right:.3em;display:inline-block"></span>{html.escape(label)}</span>')


def legend_html(legends: dict, thresholds, lang: str) -> str:
    """Every drawn layer's legend as one block of HTML (swatches with words)."""
    parts = []
    for layer, (kind, bounds) in legends.items():
        title = t(f"map.layer.{layer}", lang=lang)
        if kind == "zone":
            low, mid, high = (format_number(x, lang=lang) for x in thresholds)
            limits = {"green": f"< {low}", "yellow": f"{low}–{mid}", "orange": f"{mid}–{high}", "red": f"≥ {high}"}
            items = [_swatch(c, f"{t(f'zone.{z}', lang=lang)} ({limits[z]})") for z, c in ZONE_PALETTE.items()]
        elif kind == "status":
            items = [_swatch(c, t(f"map.status.{s}", lang=lang)) for s, c in STATUS_PALETTE.items()]
            items.append(html.escape(t("map.legend.size_tests", lang=lang)))
        elif kind == "entry":
            items = [_swatch(ENTRY_COLOUR, t("map.legend.entry_point", lang=lang)),
                     html.escape(t("map.legend.size_movements", lang=lang))]
        elif kind == "arc":
            items = [_swatch(ARC_COLOUR, t("map.legend.arc", lang=lang))]
        else:
            title = f"{title}: {measure_label(kind, lang)}"
            decimals = 1 if kind == "incidence" else 0
            items = [_swatch(NO_CASES, "0")]
            lower = 0.0
            for bound, colour in zip(bounds or [], CLASS_COLOURS):
                items.append(_swatch(colour, f"{format_number(lower, decimals, lang=lang)}–{format_number(bound, decimals, lang=lang)}"))
                lower = bound
            if layer == "hexagons":
                items.append(html.escape(t("map.legend.hexagon_rule", lang=lang)))
        parts.append(f'<div style="margin-bottom:.3em"><b>{html.escape(title)}</b><br/>{"".join(items)}</div>')
    return '<div style="font-size:.85rem;line-height:1.5">' + "".join(parts) + "</div>"


def boundary_problem_text(problem: boundary_files.Problem, lang: str | None = None) -> str:
    return t(f"map.boundaries.{problem.key}", lang=lang, **problem.detail)


def load_boundaries(path: str) -> boundary_files.Boundaries:
    """Boundaries for BOUNDARIES_PATH, read once per path and file change (see `boundaries`)."""
    return boundary_files.load(path or None)


@st.cache_resource(show_spinner=False)
def _cached_boundaries(path: str, stamp: float) -> boundary_files.Boundaries:
    return load_boundaries(path)


def area_boundaries(path: str) -> boundary_files.Boundaries:
    """Cached accessor: the file is read again only when its path or modification time changes."""
    stamp = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    return _cached_boundaries(path, stamp)


def sent_bytes(spec: pdk.Deck) -> int:
    """Size of the deck specification the browser receives."""
    return len(json.dumps(json.loads(spec.to_json()), separators=(",", ":")).encode("utf-8"))


def zone_map(table: pd.DataFrame, boundaries: boundary_files.Boundaries, lang: str) -> tuple[pdk.Deck, dict]:
    """The kecamatan of `table` (code, name, new_cases, zone: a figure function's kecamatan table)
    filled by zone over the city's outline, with the live map's palette and legend; a kecamatan
    whose count is hidden ("<5", "x") has no zone and stays grey. For the briefing page."""
    by_code = table.set_index("code")
    rows = []
    for feature in boundaries.kecamatan["features"]:
        code = feature["properties"]["code"]
        if code not in by_code.index:
            continue
        area = by_code.loc[code]
        count = area["new_cases"] if isinstance(area["new_cases"], str) else format_number(area["new_cases"], lang=lang)
        zone_text = t(f"zone.{area['zone']}", lang=lang) if isinstance(area["zone"], str) else "–"
        tooltip = (f"<b>{html.escape(str(area['name']))}</b><br/>{t('map.measure.new_cases', lang=lang)}: {count}"
                   f"<br/>{t('map.measure.zone', lang=lang)}: {zone_text}")
        colour = ZONE_PALETTE.get(area["zone"], NO_CASES) if isinstance(area["zone"], str) else NO_CASES
        for rings in _rings(shape(feature["geometry"])):
            rows.append({"code": code, "polygon": rings, "fill": [*colour, 190], "tooltip": tooltip})
    city = [{"polygon": rings} for f in boundaries.city["features"] for rings in _rings(shape(f["geometry"]))]
    layers = [pdk.Layer("PolygonLayer", id="city", data=city, get_polygon="polygon", filled=True, stroked=True,
                        get_fill_color=list(OUTLINE_FILL), get_line_color=list(OUTLINE_LINE), line_width_min_pixels=2,
                        pickable=False),
              pdk.Layer("PolygonLayer", id="areas", data=rows, get_polygon="polygon", get_fill_color="fill",
                        get_line_color=[255, 255, 255], line_width_min_pixels=1, filled=True, stroked=True,
                        pickable=True, auto_highlight=True)]
    # Zoomed out from the live map's view: this map sits in a narrow column beside the table.
    spec = pdk.Deck(layers=layers, initial_view_state=default_view(latitude=0.53, zoom=9.4),
                    tooltip={"html": "{tooltip}"}, **basemap_arguments(settings.get("MAP_BASEMAP")))
    return spec, {"areas": ("zone", None)}
