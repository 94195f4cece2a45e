"""What the map and movement pages share: palettes, the view of Pekanbaru, tooltips, the Deck, and
the boundaries of kecamatan and kelurahan.

- One zone palette (`ZONE_RGB`) for the map, the zone table (`ui.tables`) and any chart.
- A colour-blind-safe sequential palette (viridis, in steps) for quantities: `sequential_colour`.
- `deck(layers, tooltip)` builds the pydeck Deck over the default view; with MAP_BASEMAP `none`
  (the default) no background tiles are fetched from the internet (`map_style=None`).
- `boundaries()` is read once per process; for now it holds the centroids from the reference
  tables (`casedb/reference`), polygons to come.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import pandas as pd
import pydeck as pdk

from casedb import reference, settings

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


def deck(layers: Sequence[pdk.Layer], tooltip: dict | bool = True, view: pdk.ViewState | None = None) -> pdk.Deck:
    """The Deck every map draws (pass it to st.pydeck_chart): the layers over `view` (default: the
    city), with the MAP_BASEMAP background."""
    style = map_style()
    return pdk.Deck(layers=list(layers), initial_view_state=view or default_view(), tooltip=tooltip,
                    map_style=style, map_provider="carto" if style else None)


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
