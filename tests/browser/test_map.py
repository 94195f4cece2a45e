"""The live map in the browser: the deck draws (a canvas with drawn pixels), a layer toggle changes
it, no request goes to another host, new positives loaded while the map is open change the
selected area's figure without a reload, and screenshots in both languages on desktop and phone."""
from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image, ImageChops

from casedb.engine import dispose_all, get_engine
from casedb.wib import WIB, now_utc, to_wib
from sqlalchemy import select
from casedb.schema import facilities
from tests.browser import harness
from tests.conftest import DEMO_END
from tests.browser.test_live import _ingest
from ui.i18n import catalog

pytestmark = pytest.mark.browser

DECK = '[data-testid="stDeckGlJsonChart"]'
NEW_POSITIVES = 3
KELURAHAN = "14.71.01.1002"  # Jadirejo, Sukajadi


def _text(lang: str, key: str) -> str:
    return catalog(lang)[key]


def _open_map(page, server, account, lang="id") -> None:
    harness.log_in(page, server, account)
    if lang != "id":
        harness.switch_language(page, lang)
        harness.wait_until_idle(page)
    target = next(p for p in harness.nav_pages(page) if p.label == _text(lang, "page.map"))
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


def _positives(database_url: str, day, path) -> None:
    with get_engine(database_url).connect() as conn:
        facility = conn.execute(select(facilities.c.registry_code).where(facilities.c.closed_on.is_(None))
                                .order_by(facilities.c.id)).scalars().first()
    dispose_all()
    latest = to_wib(now_utc()) - timedelta(minutes=10)
    result_at = min(datetime.combine(day, datetime.min.time(), WIB) + timedelta(hours=12), latest)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["No Sampel", "Kode Faskes", "NIK", "Jenis Kelamin", "Tahun Lahir", "Kode Kelurahan",
                         "Jenis Pemeriksaan", "Tgl Ambil Sampel", "Tanggal Hasil", "Hasil"])
        for i in range(NEW_POSITIVES):
            writer.writerow([f"E2E-MAP-{i}", facility, f"14719998{i:08d}", "L", "1985", KELURAHAN, "PCR",
                             f"{result_at - timedelta(hours=3):%d/%m/%Y %H:%M}", f"{result_at:%d/%m/%Y %H:%M}",
                             "Positif"])


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
    _positives(database_copy, day, tmp_path / "positives.csv")
    loaded = _ingest(database_copy, tmp_path / "positives.csv")
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    deadline = time.monotonic() + server.refresh_seconds + 10
    while time.monotonic() < deadline and harness.parse_count(tile.inner_text()) == before:
        page.wait_for_timeout(200)
    assert harness.parse_count(tile.inner_text()) == before + NEW_POSITIVES
    assert page.evaluate("window.__e2eNotReloaded") is True, "the page was reloaded"
    # The reader's choices survived the refresh: the area stays selected and the layers as they were.
    assert _text("id", "map.panel.curve").format(name="Jadirejo") in harness.main_text(page)
    harness.screenshot(page, "mayor", "map-live-update", "id")
    assert _others(requests, server) == [], "requests left the machine"


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
