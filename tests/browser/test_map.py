"""The live map in the browser: the deck draws (a canvas with drawn pixels), a layer toggle changes
it, no request goes to another host, new positives loaded while the map is open change the
selected area's figure without a reload, and screenshots in both languages on desktop and phone."""
from __future__ import annotations

import io
import math
import re
import time
from datetime import timedelta
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageChops

from shapely.geometry import shape
from shapely.ops import polylabel

from casedb import boundaries
from figures.map import MapFigures
from tests.browser import harness
from tests.conftest import DEMO_END
from ui import maps
from ui.i18n import catalog

pytestmark = pytest.mark.browser

DECK = '[data-testid="stDeckGlJsonChart"]'
KELURAHAN = "14.71.01.1002"  # Jadirejo, Sukajadi


def _text(lang: str, key: str) -> str:
    return catalog(lang)[key]


def _open_map(page, server, account, lang="id") -> None:
    harness.log_in(page, server, account)
    if lang != "id":
        harness.switch_language(page, lang)
        harness.wait_until_idle(page)
    target = harness.nav_page(page, _text(lang, "page.map"))
    harness.go_to(page, target)
    _wait_for_deck(page)


def _wait_for_deck(page) -> None:
    page.locator(f"{DECK} canvas").first.wait_for(state="visible")
    page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames
    harness.wait_until_idle(page)


def _deck_image(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator(DECK).first.screenshot())).convert("RGB")


def _changed_pixels(image: Image.Image, other: Image.Image, tolerance: int = 6) -> int:
    """Pixels where any colour channel differs by more than `tolerance`."""
    difference = np.asarray(ImageChops.difference(image, other))
    return int((difference.max(axis=2) > tolerance).sum())


def _drawn_pixels(image: Image.Image) -> int:
    """Pixels that are not the page's white background."""
    return _changed_pixels(image, Image.new("RGB", image.size, (255, 255, 255)), 24)


def _foreign_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return requests


def _others(requests: list[str], server) -> list[str]:
    own = urlparse(server.url).netloc
    return [url for url in requests if urlparse(url).scheme in ("http", "https", "ws", "wss")
            and urlparse(url).netloc != own]


def _toggle(page, label: str):
    return page.locator('[data-testid="stCheckbox"]').filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))


def _select_area(page, name: str, lang: str = "id") -> None:
    box = page.locator(f'[data-testid="stSelectbox"] input[aria-label="{_text(lang, "map.area")}"]')
    with harness.rerun(page):
        box.click()
        page.keyboard.type(name)
        page.get_by_role("option", name=name, exact=True).click()


def test_map_draws_offline_a_toggle_changes_it_and_new_positives_reach_the_selected_area(
        start_server, database_copy, new_page, accounts, tmp_path):
    server = start_server(database_copy)
    page = new_page()
    requests = _foreign_requests(page)
    _open_map(page, server, accounts["mayor"])
    assert not page.locator(harness.EXCEPTION).count()

    drawn = _deck_image(page)
    assert _drawn_pixels(drawn) > 20_000, "the map canvas is blank"
    with harness.rerun(page):
        _toggle(page, _text("id", "map.layer.areas")).locator("label").click()
    _wait_for_deck(page)
    without_areas = _deck_image(page)
    assert _changed_pixels(drawn, without_areas) > 20_000, "turning the areas off did not change the map"
    with harness.rerun(page):
        _toggle(page, _text("id", "map.layer.areas")).locator("label").click()
    _wait_for_deck(page)

    _select_area(page, "Jadirejo")
    label = _text("id", "map.measure.new_cases")
    tile = harness.metric_value(page, label)
    before = harness.parse_count(tile.inner_text())
    day = (DEMO_END + timedelta(hours=7)).date()  # the slider starts on the last day with data
    page.evaluate("window.__e2eNotReloaded = true")
    loaded = harness.load_new_positives(database_copy, day, tmp_path / "positives.csv", "MAP", KELURAHAN)
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    deadline = time.monotonic() + server.refresh_seconds + 10
    while time.monotonic() < deadline and harness.parse_count(tile.inner_text()) == before:
        page.wait_for_timeout(200)
    assert harness.parse_count(tile.inner_text()) == before + harness.NEW_POSITIVES
    assert page.evaluate("window.__e2eNotReloaded") is True, "the page was reloaded"
    # The reader's choices survived the refresh: the area stays selected and the layers as they were.
    assert _text("id", "map.panel.curve").format(name="Jadirejo") in harness.main_text(page)
    harness.screenshot(page, "mayor", "map-live-update", "id")
    assert _others(requests, server) == [], "requests left the machine"


def _deck_view() -> tuple[float, float, float]:
    """(latitude, longitude, zoom) the map opens on, as ui.maps.map_deck sets it."""
    spec, _ = maps.map_deck(_empty_figures(), boundaries.load(None), [], "zone", "id")
    view = spec.initial_view_state
    return view.latitude, view.longitude, view.zoom


def _empty_figures() -> MapFigures:
    return MapFigures(DEMO_END.date(), DEMO_END.date(), "kelurahan", pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                      pd.DataFrame(), None)


def _pixel_offset(lat: float, lon: float, view: tuple[float, float, float]) -> tuple[float, float]:
    """Where (lat, lon) lies on the deck, in CSS pixels from its centre (Web Mercator, deck.gl's
    512-pixel world at zoom 0)."""
    centre_lat, centre_lon, zoom = view
    world = 512 * 2 ** zoom
    mercator = lambda phi: math.log(math.tan(math.pi / 4 + math.radians(phi) / 2))  # noqa: E731
    return ((lon - centre_lon) / 360 * world, -(mercator(lat) - mercator(centre_lat)) / (2 * math.pi) * world)


def _largest_kelurahan() -> tuple[str, str, float, float]:
    """(code, name, lat, lon of the point deepest inside) of the largest built-in kelurahan polygon:
    a target a click cannot miss."""
    features = boundaries.load(None).kelurahan["features"]
    biggest = max(features, key=lambda f: shape(f["geometry"]).area)
    polygon = shape(biggest["geometry"])
    polygon = max(polygon.geoms, key=lambda g: g.area) if polygon.geom_type == "MultiPolygon" else polygon
    inside = polylabel(polygon, tolerance=1e-5)
    return biggest["properties"]["code"], biggest["properties"]["name"], inside.y, inside.x


def _click_on_map(page, lat: float, lon: float) -> None:
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    dx, dy = _pixel_offset(lat, lon, _deck_view())
    assert abs(dx) < box["width"] / 2 - 10 and abs(dy) < box["height"] / 2 - 10, "the target is off the map"
    page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
    page.wait_for_timeout(300)  # deck.gl picks on hover first
    with harness.rerun(page):
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)


def _radio_value(page, label: str) -> str:
    group = page.locator('[data-testid="stRadio"]').filter(has_text=label)
    return group.locator("label:has(input:checked)").first.inner_text().strip()


def test_a_click_on_an_area_opens_its_panel_and_a_refresh_keeps_layers_window_and_view(
        start_server, database_copy, new_page, accounts, tmp_path):
    server = start_server(database_copy)
    page = new_page()
    _open_map(page, server, accounts["mayor"])
    panel_heading = _text("id", "map.panel.curve")
    code, name, lat, lon = _largest_kelurahan()
    assert panel_heading.format(name=name) not in harness.main_text(page)

    # Only the areas drawn, so that the click can only pick an area (hexagons and points lie above).
    for layer in ("hexagons", "facilities", "entry_points"):
        with harness.rerun(page):
            _toggle(page, _text("id", f"map.layer.{layer}")).locator("label").click()
    _wait_for_deck(page)
    _click_on_map(page, lat, lon)
    _wait_for_deck(page)
    assert panel_heading.format(name=name) in harness.main_text(page), f"a click on {name} did not open its panel"
    chosen = page.locator(f'[data-testid="stSelectbox"] input[aria-label="{_text("id", "map.area")}"]')
    assert name in chosen.input_value(), "the area list does not follow the click"
    assert not page.locator(harness.EXCEPTION).count()

    # The reader's choices: a 7-day window, facilities back on, and the map dragged and zoomed.
    window_label, seven_days = _text("id", "map.window"), _text("id", "map.window.7d")
    with harness.rerun(page):
        page.locator('[data-testid="stRadio"]').filter(has_text=window_label).get_by_text(seven_days, exact=True).click()
    with harness.rerun(page):
        _toggle(page, _text("id", "map.layer.facilities")).locator("label").click()
    _wait_for_deck(page)
    opened = _deck_image(page)
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*centre)
    page.mouse.down()
    page.mouse.move(centre[0] + 160, centre[1] + 90, steps=12)
    page.mouse.up()
    page.mouse.wheel(0, -240)  # zoom in
    page.wait_for_timeout(1500)
    page.mouse.move(box["x"] + 5, box["y"] + 5)  # no tooltip over the picture
    page.wait_for_timeout(500)
    moved = _deck_image(page)
    assert _changed_pixels(opened, moved) > 20_000, "dragging and zooming did not move the map"

    page.evaluate("window.__e2eNotReloaded = true")
    tile = harness.metric_value(page, _text("id", "map.measure.new_cases"))
    before = harness.parse_count(tile.inner_text())
    loaded = harness.load_new_positives(database_copy, (DEMO_END + timedelta(hours=7)).date(),
                                        tmp_path / "positives.csv", "MAP-PANEL", code)
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    deadline = time.monotonic() + server.refresh_seconds + 10
    while time.monotonic() < deadline and harness.parse_count(tile.inner_text()) == before:
        page.wait_for_timeout(200)
    assert harness.parse_count(tile.inner_text()) == before + harness.NEW_POSITIVES, "the refresh did not arrive"
    _wait_for_deck(page)
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.wait_for_timeout(500)
    refreshed = _deck_image(page)
    assert page.evaluate("window.__e2eNotReloaded") is True, "the page was reloaded"
    # Window, layers and panel as the reader left them...
    assert _radio_value(page, window_label) == seven_days
    for layer, on in (("areas", True), ("hexagons", False), ("facilities", True), ("entry_points", False)):
        assert _toggle(page, _text("id", f"map.layer.{layer}")).locator("input").is_checked() is on, layer
    assert panel_heading.format(name=name) in harness.main_text(page)
    # ...and the view: the refreshed map is the dragged one (one area's colour may change), not the
    # view the map opens on.
    assert _changed_pixels(moved, refreshed) < _changed_pixels(opened, refreshed) / 4, "the view was reset"
    harness.screenshot(page, "mayor", "map-click-and-refresh", "id")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_map_screenshots(server, new_page, accounts, catalogs, lang, viewport):
    page = new_page(harness.DESKTOP if viewport == "desktop" else harness.PHONE)
    requests = _foreign_requests(page)
    _open_map(page, server, accounts["mayor" if viewport == "desktop" else "health"], lang)
    harness.sidebar_close(page)
    _wait_for_deck(page)
    assert _drawn_pixels(_deck_image(page)) > 5_000
    problems = [p for p in harness.page_problems(page, catalogs) if "ellipsis" not in p]
    assert problems == []
    assert _others(requests, server) == []
    if viewport == "phone":
        assert harness.horizontal_overflow(page) == {}
    harness.screenshot(page, "map", viewport, lang)
