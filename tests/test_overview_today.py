"""Today's tiles at 01:07 WIB: the overview opens on the last complete WIB day; today is one switch
away, and then its tiles compare today so far with yesterday and last week up to the same time of
day, and say so. On SQLite and PostgreSQL, against hand counts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from casedb import rollups, schema
from casedb.data_version import bump
from casedb.wib import wib_day, wib_to_utc
from tests.test_queries_overview import A1, INCOMPLETE_DAYS, THRESHOLDS, runner, write_fixture
from figures import overview as figures
from ui import i18n

# 12 Aug 2026, 01:07 WIB.
NOW = wib_to_utc(datetime(2026, 8, 12, 1, 7))
TODAY = date(2026, 8, 12)
# New PCR-confirmed cases (WIB wall clock) around the cut, beside the base fixture's rows.
EARLY = [datetime(2026, 8, 12, 0, 30),                        # today so far: 1
         datetime(2026, 8, 11, 0, 40), datetime(2026, 8, 11, 1, 6),  # yesterday to 01:07: 2
         datetime(2026, 8, 11, 1, 8), datetime(2026, 8, 11, 20, 0),  # yesterday after: 2 more
         datetime(2026, 8, 5, 0, 10)]                         # a week ago to 01:07: 1 (p1 at 23:30 after)


def _write(engine) -> None:
    write_fixture(engine)
    with engine.begin() as conn:
        for i, wib in enumerate(EARLY):
            at = wib_to_utc(wib)
            person = f"early{i}"
            conn.execute(insert(schema.persons).values(person_key=person, sex="M", birth_year=1990,
                                                       is_resident=True, home_kelurahan_code=A1))
            conn.execute(insert(schema.test_results).values(
                id=100 + i, facility_id=1, person_key=person, test_type="pcr", purpose="diagnostic",
                specimen_at=at - timedelta(hours=5), result_at=at, reported_at=at, result_day=wib_day(at),
                result="positive", source_ref=f"E{i}"))
            conn.execute(insert(schema.cases).values(
                person_key=person, test_result_id=100 + i, confirmed_at=at, confirmed_day=wib_day(at),
                kelurahan_code=A1, is_imported=False))
        rollups.refresh(conn, date(2026, 7, 1), date(2026, 8, 31))
        bump(conn)


@pytest.fixture
def early_db(empty_db):
    _write(empty_db)
    return empty_db


def test_the_default_day_is_the_last_complete_wib_day(early_db):
    span = figures.data_span(runner(early_db))
    assert span[1] == TODAY  # data of today exists already at 01:07
    assert figures.default_day(span, today=TODAY) == date(2026, 8, 11)
    assert figures.default_day((date(2026, 8, 1), date(2026, 8, 9)), today=TODAY) == date(2026, 8, 9)


def _tiles(engine, day, until=None):
    run = runner(engine)
    shown = figures.overview(run, day, figures.data_span(run), INCOMPLETE_DAYS, THRESHOLDS, until=until)
    return {tile.key: tile for tile in shown.tiles}


def test_today_so_far_compares_with_the_same_time_of_day(early_db):
    tiles = _tiles(early_db, TODAY, until=NOW)
    new = tiles["new_cases"]
    assert new.values == (1, 2, 1)  # 00:00-01:07 WIB today, yesterday, a week ago
    assert new.change(1) == -1 and new.change(7) == 0
    assert new.until == NOW
    # PCR results to 01:07: today 1; yesterday 2 of these and the base fixture's p9 at 00:00; a week ago 1.
    assert tiles["tests_pcr"].values == (1, 3, 1) and tiles["tests_pcr"].until == NOW
    # Whole days, as the overview of a complete day shows them: yesterday had 4 new cases.
    whole = _tiles(early_db, date(2026, 8, 11))
    assert whole["new_cases"].values[0] == 4 and whole["new_cases"].until is None


def test_without_the_switch_a_complete_day_is_whole(early_db):
    tiles = _tiles(early_db, TODAY)  # today without `until`: the day as far as the data goes
    assert tiles["new_cases"].values == (1, 4, 2)


def _page(monkeypatch, engine, today_so_far: bool, lang: str):
    from streamlit.testing.v1 import AppTest

    import casedb.wib
    import queries
    from tests.sessions import sign_in
    from tests.test_app import ROOT

    monkeypatch.setattr(casedb.wib, "now_utc", lambda: NOW)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    queries.clear_cache()
    at = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=120)
    at.session_state["lang"] = lang
    sign_in(at, "mayor")
    at.run()
    if today_so_far:
        at.toggle(key="overview_today").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_page_at_0107_wib_opens_on_yesterday_and_switches_to_today_so_far(early_db, monkeypatch, lang):
    t = lambda key, **kw: i18n.t(key, lang=lang, **kw)  # noqa: E731
    at = _page(monkeypatch, early_db, False, lang)
    assert at.date_input(key="overview_day").value == date(2026, 8, 11)
    tiles = {m.label: m for m in at.metric}
    assert tiles[t("tile.new_cases")].value == "4"
    at.toggle(key="overview_today").set_value(True).run()
    assert not at.exception
    tiles = {m.label: m for m in at.metric}
    assert tiles[t("tile.new_cases")].value == "1"
    assert tiles[t("tile.new_cases")].proto.delta == "-1"
    so_far = t("tile.so_far", time="01:07 WIB")
    captions = [c.value for c in at.caption]
    assert any(so_far in c for c in captions), captions
