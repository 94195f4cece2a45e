"""The movement page in Streamlit's AppTest, on SQLite and PostgreSQL: each allowed role sees its
figures in both languages, imported cases by origin for health only, a table with a CSV download
under each chart, and a half-picked period as a clear message."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import database_in_use
from tests.sessions import sign_in
from tests.test_queries_movement import write_fixture
from ui import i18n

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def city(request, tmp_path_factory):
    with database_in_use(request.param, tmp_path_factory.mktemp("movement_page"), write_fixture) as engine:
        yield engine


def open_page(role: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "movement.py"), default_timeout=120)
    at.session_state["lang"] = lang
    sign_in(at, role)
    return at.run()


@pytest.mark.parametrize("lang", ("id", "en"))
@pytest.mark.parametrize("role", ("mayor", "health"))
def test_page_shows_every_section(city, role, lang):
    at = open_page(role, lang)
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.main.header]
    assert headers == [i18n.t(k, lang=lang) for k in ("movement.flows", "movement.origins", "movement.documents",
                                                       "movement.screening", "movement.imported")]
    subheaders = [h.value for h in at.main.subheader]
    assert (i18n.t("movement.imported_origin", lang=lang) in subheaders) == (role == "health")
    tables, downloads = len(at.get("dataframe")), len(at.get("download_button"))
    assert tables == downloads == (11 if role == "health" else 10)
    assert len(at.get("plotly_chart")) == 8 and len(at.get("deck_gl_json_chart")) == 1
    # 16 Jul..9 Aug holds the fixture's five entries and two exits in the last 7 days.
    metrics = {m.label: m.value for m in at.main.metric}
    assert metrics[i18n.t("movement.tile.entries", lang=lang)] == "5"
    assert metrics[i18n.t("movement.tile.imported_share", lang=lang)] == ("75,0%" if lang == "id" else "75.0%")


def test_a_half_picked_period_is_a_message(city):
    at = open_page("mayor", "en")
    at.date_input(key="movement_window").set_value((at.date_input(key="movement_window").value[0],)).run()
    assert not at.exception
    assert [i.value for i in at.main.info] == [i18n.t("movement.pick_end", lang="en")]
