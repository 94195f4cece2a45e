"""The shared map helpers: one zone palette, the sequential palette, the Deck and the boundaries."""
import math

import pandas as pd
import pytest

from figures.common import ZONES
from ui import maps, tables


def test_one_zone_palette_for_map_and_table():
    assert tuple(maps.ZONE_RGB) == ZONES and tuple(maps.ZONE_TEXT) == ZONES
    assert tables.ZONE_COLOURS == {"green": "#2e7d32", "yellow": "#f9a825", "orange": "#ef6c00", "red": "#c62828"}
    assert maps.zone_colour("red") == (198, 40, 40)
    assert maps.zone_colour(None) == maps.zone_colour(float("nan")) == maps.zone_colour("purple") == maps.NO_DATA_RGB


def test_hex_colour():
    assert maps.hex_colour((0, 15, 255)) == "#000fff"


@pytest.mark.parametrize("value, step", [
    (0, 0), (-5, 0), (10.9, 0), (11.2, 1), (50, 4), (99.9, 8), (100, 8), (1e6, 8),
])
def test_sequential_colour_steps(value, step):
    # 9 equal steps over 0..100: step k holds [100k/9, 100(k+1)/9).
    assert maps.sequential_colour(value, 0, 100) == maps.VIRIDIS[step]


@pytest.mark.parametrize("value", [None, math.nan, "<5", "x"])
def test_sequential_colour_of_no_or_hidden_value_is_grey(value):
    assert maps.sequential_colour(value, 0, 100) == maps.NO_DATA_RGB


def test_viridis_steps_grow_lighter():
    # Perceived lightness (Rec. 601 luma) rises step by step: the order survives greyscale.
    luma = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in maps.VIRIDIS]
    assert luma == sorted(luma) and len(set(luma)) == len(luma)


def test_sequential_colours_default_to_the_values_range():
    colours = maps.sequential_colours(pd.Series([5, "<5", None, 10, 7.5], dtype=object))
    assert colours == [list(maps.VIRIDIS[0]), list(maps.NO_DATA_RGB), list(maps.NO_DATA_RGB),
                       list(maps.VIRIDIS[8]), list(maps.VIRIDIS[4])]


def test_tooltip_escapes_labels():
    tip = maps.tooltip("name", [("Kasus <7 hari>", "new_cases")])
    assert tip["html"] == "<b>{name}</b><br/>Kasus &lt;7 hari&gt;: {new_cases}"


@pytest.mark.parametrize("basemap, style", [("none", None), ("light", "positron"), ("DARK", "dark-matter")])
def test_deck_basemap_follows_the_setting(monkeypatch, basemap, style):
    monkeypatch.setenv("MAP_BASEMAP", basemap)
    deck = maps.deck([maps.centroid_layer(maps.boundaries().kecamatan.assign(colour=[[0, 0, 0]] * 15), "colour")])
    # No basemap: pydeck's "no style given" marker, which Streamlit reads as none (a map_style of
    # None is dropped from the JSON, and Streamlit then fetches CARTO's style from the internet).
    assert deck.map_style == "__MAP_STYLE__" if style is None else style in deck.map_style
    assert (deck.initial_view_state.latitude, deck.initial_view_state.longitude) == maps.PEKANBARU_CENTRE


def test_basemap_setting_refuses_unknown(monkeypatch):
    from casedb import settings

    monkeypatch.setenv("MAP_BASEMAP", "google")
    with pytest.raises(settings.SettingsError):
        settings.get("MAP_BASEMAP")


def test_boundaries_are_read_once_and_hold_every_area():
    first = maps.boundaries()
    assert maps.boundaries() is first
    assert len(first.kecamatan) == 15 and len(first.kelurahan) == 83
    assert set(first.kelurahan["kecamatan_code"]) == set(first.kecamatan["code"])
    # Every centroid lies in the city's neighbourhood.
    for frame in (first.kecamatan, first.kelurahan):
        assert frame["lat"].between(0.3, 0.75).all() and frame["lon"].between(101.25, 101.65).all()
