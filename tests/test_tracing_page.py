"""The contact-tracing page in Streamlit's AppTest, on SQLite and PostgreSQL: the mayor sees the
indicators only, the health office clusters, a chain and the contacts overdue too, in both languages;
a cluster asked for in the address is drawn, a garbage one is a clear message."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import database_in_use
from tests.sessions import sign_in
from tests.test_queries_tracing import write_fixture
from ui import i18n

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def city(request, tmp_path_factory):
    with database_in_use(request.param, tmp_path_factory.mktemp("tracing_page"), write_fixture) as engine:
        yield engine


def open_page(role: str, lang: str, cluster: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "tracing.py"), default_timeout=120)
    at.session_state["lang"] = lang
    if cluster is not None:
        at.query_params["cluster"] = cluster
    sign_in(at, role)
    return at.run()


@pytest.mark.parametrize("lang", ("id", "en"))
@pytest.mark.parametrize("role", ("mayor", "health"))
def test_page_shows_its_sections_by_role(city, role, lang):
    at = open_page(role, lang)
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.main.header]
    assert len(headers) == (3 if role == "health" else 1)
    # The fixture's 12 weeks to 12 Aug hold c1..c4 (c5 too): 6 contacts of 5 cases.
    metrics = {m.label: m.value for m in at.main.metric}
    assert metrics[i18n.t("tracing.contacts_per_case", lang=lang)] == ("1,2" if lang == "id" else "1.2")
    assert metrics[i18n.t("tracing.share.traced_in_time_share", lang=lang, hours=72)] == (
        "50,0%" if lang == "id" else "50.0%")
    tables = len(at.get("dataframe"))
    assert tables == len(at.get("download_button")) == (5 if role == "health" else 2)
    assert len(at.get("plotly_chart")) == (4 if role == "health" else 3)
    captions = " ".join(c.value for c in at.main.caption)
    assert "TRACING_CONTACTS_TARGET, 15" in captions and "TRACING_HOURS, 72" in captions
    text = " ".join(str(e.value) for e in at.get("dataframe"))
    assert "p6" not in text and "p7" not in text  # no person key reaches the page


def test_a_cluster_from_the_address_and_a_garbage_one(city):
    at = open_page("health", "en", cluster="1")
    assert not at.exception and not at.main.warning
    assert at.selectbox(key="tracing_cluster").value == 1
    for garbage in ("x'; DROP TABLE contacts", "99", "-1", "9" * 40):
        at = open_page("health", "id", cluster=garbage)
        assert not at.exception
        assert [w.value for w in at.main.warning] == [i18n.t("tracing.error.unknown_cluster", lang="id")]


def test_a_half_picked_period_is_a_message(city):
    at = open_page("mayor", "en")
    at.date_input(key="tracing_period").set_value((at.date_input(key="tracing_period").value[0],)).run()
    assert not at.exception
    assert [i.value for i in at.main.info] == [i18n.t("tracing.pick_end", lang="en")]
