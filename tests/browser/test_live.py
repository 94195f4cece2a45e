"""Live data in the browser: a file of new positive results, loaded through the ingestion command
while the overview is open, changes the "new cases" tile within REFRESH_SECONDS + 5 s, without a reload."""
from __future__ import annotations

import time

import pytest

from tests.browser import harness

pytestmark = pytest.mark.browser


def test_new_cases_tile_follows_an_ingested_file_without_a_reload(
        start_server, database_copy, new_page, accounts, catalogs, tmp_path):
    server = start_server(database_copy)
    page = new_page()
    harness.log_in(page, server, accounts["mayor"])
    overview = harness.nav_page(page, catalogs.text("id", "page.overview"))
    harness.go_to(page, overview)
    tile = harness.metric_value(page, catalogs.text("id", "tile.new_cases"))
    before = tile.inner_text()
    day = harness.shown_day(page)
    page.evaluate("window.__e2eNotReloaded = true")

    loaded = harness.load_new_positives(database_copy, day, tmp_path / "positives.csv", "LIVE")
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    written = time.monotonic()

    limit = server.refresh_seconds + 5
    deadline = written + limit
    while tile.inner_text() == before and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    seen_after = time.monotonic() - written
    harness.screenshot(page, "mayor", "live-update", "id")
    assert page.evaluate("window.__e2eNotReloaded") is True, "the page was reloaded"
    assert harness.parse_count(tile.inner_text()) == harness.parse_count(before) + harness.NEW_POSITIVES
    assert seen_after <= limit
