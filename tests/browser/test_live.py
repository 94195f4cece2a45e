"""Live data in the browser: a file of new positive results, loaded through the ingestion command
while the overview is open, changes the "new cases" tile within REFRESH_SECONDS + 5 s, without a reload."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from casedb.engine import dispose_all, get_engine
from casedb.schema import facilities, regions
from casedb.wib import WIB, now_utc, to_wib
from tests.browser import harness

pytestmark = pytest.mark.browser

NEW_POSITIVES = 3


def _results_file(database_url: str, day, path) -> None:
    """NEW_POSITIVES positive PCR results of people never seen before, on WIB day `day`, at a facility
    and in kelurahan of the demo city: each confirms a new case there."""
    with get_engine(database_url).connect() as conn:
        facility = conn.execute(select(facilities.c.registry_code).where(facilities.c.closed_on.is_(None))
                                .order_by(facilities.c.id)).scalars().first()
        kelurahan = conn.execute(select(regions.c.code).where(regions.c.level == "kelurahan")
                                 .order_by(regions.c.code)).scalars().first()
    dispose_all()
    latest = to_wib(now_utc()) - timedelta(minutes=10)
    result_at = min(datetime.combine(day, datetime.min.time(), WIB) + timedelta(hours=12), latest)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["No Sampel", "Kode Faskes", "NIK", "Jenis Kelamin", "Tahun Lahir", "Kode Kelurahan",
                         "Jenis Pemeriksaan", "Tgl Ambil Sampel", "Tanggal Hasil", "Hasil"])
        for i in range(NEW_POSITIVES):
            writer.writerow([f"E2E-LIVE-{i}", facility, f"14719999{i:08d}", "P", "1990", kelurahan, "PCR",
                             f"{result_at - timedelta(hours=3):%d/%m/%Y %H:%M}", f"{result_at:%d/%m/%Y %H:%M}",
                             "Positif"])


def _ingest(database_url: str, path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "NIK_PEPPER": harness.NIK_PEPPER}
    return subprocess.run([sys.executable, "-m", "casedb.ingest", str(path), "--source", "test_results",
                           "--database-url", database_url], cwd=harness.PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_new_cases_tile_follows_an_ingested_file_without_a_reload(
        start_server, database_copy, new_page, accounts, catalogs, tmp_path):
    server = start_server(database_copy)
    page = new_page()
    harness.log_in(page, server, accounts["mayor"])
    overview = next(p for p in harness.nav_pages(page) if p.label == catalogs.text("id", "page.overview"))
    harness.go_to(page, overview)
    tile = harness.metric_value(page, catalogs.text("id", "tile.new_cases"))
    before = tile.inner_text()
    day = harness.shown_day(page)
    page.evaluate("window.__e2eNotReloaded = true")

    _results_file(database_copy, day, tmp_path / "positives.csv")
    loaded = _ingest(database_copy, tmp_path / "positives.csv")
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    written = time.monotonic()

    limit = server.refresh_seconds + 5
    deadline = written + limit
    while tile.inner_text() == before and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    seen_after = time.monotonic() - written
    harness.screenshot(page, "mayor", "live-update", "id")
    assert page.evaluate("window.__e2eNotReloaded") is True, "the page was reloaded"
    assert harness.parse_count(tile.inner_text()) == harness.parse_count(before) + NEW_POSITIVES
    assert seen_after <= limit
