"""The briefing page as each role sees it (Streamlit's AppTest, on SQLite and PostgreSQL): health
publishes a release with the button and downloads its files; press sees the week and no changes
and cannot publish (unless PRESS_MAY_PUBLISH); mayor cannot publish; a correction needs its reasons."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from casedb import releases
from tests.conftest import database_in_use
from tests.sessions import sign_in
from tests.test_press_figures import _write
from tests.test_queries_briefing import _write_antigen
from ui.i18n import t

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "briefing.py")


@pytest.fixture(params=["sqlite", "postgresql"])
def city(request, tmp_path_factory):
    def fill(engine):
        _write(engine)
        _write_antigen(engine)

    with database_in_use(request.param, tmp_path_factory.mktemp("briefing"), fill) as engine:
        yield engine


def _open(role: str, lang: str = "id") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    sign_in(at, role)
    return at.run()


def _publish_button(at: AppTest):
    return [b for b in at.button if b.key == "briefing_publish"]


def test_health_publishes_and_the_release_is_listed_with_its_files(city):
    at = _open("health")
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.main.title][:1] == [t("page.briefing", lang="id")]
    assert t("briefing.releases.none", lang="id") in [c.value for c in at.caption]
    _publish_button(at)[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [t("briefing.publish.done", lang="id", number=1)]
    listed = releases.list_releases(city)
    assert [r.number for r in listed] == [1] and listed[0].published_by == "t-health"
    names = sorted(b.label for b in at.get("download_button"))
    assert names == sorted(f.name for f in releases.files(city, listed[0].id))
    # The same week again: the page offers only a correction, and it needs its reasons.
    at.run()
    assert t("briefing.publish.existing", lang="id", number=1) in [i.value for i in at.info] or \
        t("briefing.publish.no_change", lang="id", number=1) in [c.value for c in at.caption]


def test_press_sees_the_week_and_cannot_publish_unless_allowed(city, monkeypatch):
    monkeypatch.delenv("PRESS_MAY_PUBLISH", raising=False)
    at = _open("press", "en")
    assert not at.exception, [e.value for e in at.exception]
    assert not _publish_button(at)
    assert t("briefing.press_method", lang="en") in [c.value for c in at.caption]
    assert all(m.delta is None or m.delta == "" for m in at.metric)  # no changes for press
    monkeypatch.setenv("PRESS_MAY_PUBLISH", "true")
    assert _publish_button(_open("press", "en"))


def test_mayor_sees_the_day_and_cannot_publish(city):
    at = _open("mayor")
    assert not at.exception, [e.value for e in at.exception]
    assert not _publish_button(at)
    assert any(m.delta for m in at.metric)  # the day's changes since yesterday


def test_publishing_without_chromium_says_so_and_stores_nothing(city, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = _open("health", "en")
    _publish_button(at)[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.warning] == [t("export.png_unavailable", lang="en")]
    assert releases.list_releases(city) == []
