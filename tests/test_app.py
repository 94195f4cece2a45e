"""The dashboard run by Streamlit's AppTest: every role in both languages, the clear error pages,
the empty database, a deep link straight to a page, and stale figures while the database is away."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import queries
from casedb.schema import ROLES
from tests.sessions import sign_in
from tests.conftest import database_away, drop_database, migrated_engine
from tests.test_queries_overview import write_fixture
from ui import certificates, i18n

ROOT = Path(__file__).resolve().parent.parent
LANGS = tuple(i18n.LANGUAGES)
# Anything shaped like a catalog key ("tile.new_cases") left in the page is untranslated text.
KEY_SHAPE = re.compile(r"\b(?:%s)\.[a-z_]+(?:\.[a-z_]+)*\b" % "|".join(
    sorted({key.split(".")[0] for key in i18n.catalog("id")})))


def app(script: str, lang: str, role: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.session_state["lang"] = lang
    if role:
        sign_in(at, role)
    return at.run()


def rendered_text(at: AppTest) -> str:
    return "\n".join(str(element.proto) for block in (at.main, at.sidebar) for element in block)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert KEY_SHAPE.findall(rendered_text(at)) == []


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def city_url(request, tmp_path_factory):
    url, engine = migrated_engine(request.param, tmp_path_factory.mktemp("app"))
    write_fixture(engine)
    yield url
    drop_database(url)


@pytest.fixture
def database_url(monkeypatch):
    def point_at(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
    return point_at


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_in_both_languages(city_url, database_url, role, lang):
    database_url(city_url)
    at = app("dashboard.py", lang, role)
    assert_clean(at)
    t = lambda key, **kw: i18n.t(key, lang=lang, **kw)  # noqa: E731
    if role == "checkpoint":
        assert [title.value for title in at.main.title] == [t("page.certificate_check")]
        assert [box.label for box in at.main.text_input] == [t("certificate_check.number"),
                                                             t("certificate_check.check_code")]
        assert list(at.main.table[0].value.iloc[:, 0]) == [t(f"certificate_check.status.{s}")
                                                           for s in certificates.STATUSES]
        return
    assert [title.value for title in at.main.title] == [t("page.overview")]
    # The fixture's data ends on 11 Aug 2026, so that is the day shown first; press sees the ISO week
    # that ends on or before it (3-9 Aug), running totals rounded to 10 (tests/test_press_figures.py).
    month = "Agu" if lang == "id" else "Aug"
    if role == "press":
        assert at.main.subheader[0].value == t("overview.headline_week", start=f"3 {month} 2026",
                                               end=f"9 {month} 2026")
    else:
        assert at.main.subheader[0].value == t("overview.headline", date=f"11 {month} 2026")
    assert [m.label for m in at.metric][:2] == [t("tile.new_cases"), t("tile.active")]
    # Press gets every count of 1-4 as "<5" (tests/test_privacy.py scans for them): the week of 27 Jul
    # had 1 case, so this week's 5 are the complementary "x"; active 4 and recovered 2 are "<10".
    assert [m.value for m in at.metric][:4] == (["x", "<10", "<10", "0"] if role == "press" else ["0", "3", "2", "1"])
    assert len(at.get("plotly_chart")) == 1
    assert t("zone.red") in rendered_text(at)
    assert any(t("live.data_as_of", date="", time="").split(",")[0] in c.value for c in at.sidebar.caption)


def test_choosing_a_day_and_a_language(city_url, database_url):
    database_url(city_url)
    at = app("dashboard.py", "id", "health")
    at.date_input[0].set_value(__import__("datetime").date(2026, 8, 6)).run()
    assert at.main.subheader[0].value == "Angka utama, 6 Agu 2026"
    assert [m.value for m in at.metric] == ["1", "3", "1", "0", "1", "1", "0", "66,7%", "100,0%"]
    at.sidebar.radio[0].set_value("en").run()
    assert_clean(at)
    assert at.main.subheader[0].value == "Headline figures, 6 Aug 2026"
    assert [m.value for m in at.metric][-2:] == ["66.7%", "100.0%"]


def test_press_sees_small_counts_suppressed(city_url, database_url):
    database_url(city_url)
    at = app("dashboard.py", "en", "press")
    assert_clean(at)
    table = at.dataframe[0].value
    assert sorted(table["New cases, 7 days"]) == ["0", "<5", "<5"]
    assert i18n.t("table.suppressed_note", lang="en") in [c.value for c in at.main.caption]


@pytest.mark.parametrize("lang", LANGS)
def test_deep_link_runs_the_shell_itself(city_url, database_url, lang):
    database_url(city_url)
    at = app("pages/overview.py", lang, "mayor")
    assert_clean(at)
    assert at.main.title[0].value == i18n.t("page.overview", lang=lang)
    assert at.sidebar.button(key="auth_sign_out").label == i18n.t("auth.sign_out", lang=lang)


@pytest.mark.parametrize("lang", LANGS)
def test_page_refuses_a_role_it_is_not_for(city_url, database_url, lang):
    database_url(city_url)
    at = app("pages/overview.py", lang, "checkpoint")
    assert_clean(at)
    role = i18n.t("role.checkpoint", lang=lang)
    assert at.main.error[0].value == i18n.t("page.not_allowed", lang=lang, role=role)
    assert not at.metric


@pytest.mark.parametrize("lang", LANGS)
def test_upload_shows_the_expected_columns_before_a_file_is_chosen(city_url, database_url, monkeypatch, lang):
    from casedb.ingest.sources import SOURCES

    database_url(city_url)
    monkeypatch.setenv("NIK_PEPPER", "app-test-pepper-Strong-Enough-0123456789")
    at = app("pages/upload.py", lang, "health")
    assert_clean(at)
    shown = at.main.dataframe[0].value
    assert list(shown.iloc[:, 0]) == [f.headers[0] for f in SOURCES["test_results"].fields]
    nik_example = shown.iloc[[f.name for f in SOURCES["test_results"].fields].index("nik"), 2]
    assert re.fullmatch(r"\d{6}\*{10}", nik_example)  # masked as in the preview, never a NIK


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("url, reason", [
    ("postgresql+psycopg2://nobody@127.0.0.1:1/x", "db.unreachable"),
    # A bare postgresql:// means psycopg2, the driver the project ships.
    ("postgresql://nobody@127.0.0.1:1/x", "db.unreachable"),
    ("notaurl://", "db.bad_url"),
    ("this is not a url", "db.bad_url"),
])
def test_wrong_database_url_shows_a_clear_message(database_url, url, reason, lang):
    database_url(url)
    at = app("dashboard.py", lang, "mayor")
    assert_clean(at)
    assert at.main.error[0].value == i18n.t(reason, lang=lang)
    assert at.main.info[0].value == i18n.t(f"{reason}.help", lang=lang)


@pytest.mark.parametrize("lang", LANGS)
def test_database_without_schema_says_so(backend, tmp_path, database_url, lang):
    from tests.conftest import create_database
    url = create_database(backend, tmp_path)
    database_url(url)
    try:
        at = app("dashboard.py", lang, "health")
        assert_clean(at)
        assert at.main.error[0].value == i18n.t("db.not_initialised", lang=lang)
    finally:
        drop_database(url)


@pytest.mark.parametrize("lang", LANGS)
def test_bad_setting_shows_a_clear_message(city_url, database_url, monkeypatch, lang):
    database_url(city_url)
    monkeypatch.setenv("REFRESH_SECONDS", "soon")
    at = app("dashboard.py", lang, "mayor")
    assert_clean(at)
    assert at.main.error[0].value == i18n.t("settings.invalid", lang=lang, name="REFRESH_SECONDS")
    assert i18n.t("settings.expected.REFRESH_SECONDS", lang=lang) in at.main.markdown[0].value


@pytest.mark.parametrize("lang", LANGS)
def test_empty_database_shows_no_data_yet(empty_db, database_url, lang):
    database_url(empty_db.url.render_as_string(hide_password=False))
    at = app("dashboard.py", lang, "mayor")
    assert_clean(at)
    assert at.main.info[0].value == i18n.t("overview.no_data", lang=lang)
    assert not at.metric


@pytest.mark.parametrize("drawn_from_memo", (False, True))
def test_stale_figures_while_the_database_is_away_then_recovery(tmp_path, database_url, drawn_from_memo):
    """`drawn_from_memo`: the session's figures all came from the figure memo (another session
    computed them), so it never asked for a query and has no last good results of its own; it
    keeps its last good figures."""
    url, engine = migrated_engine("postgresql", tmp_path)
    write_fixture(engine)
    database_url(url)
    try:
        queries.clear_cache()
        at = app("dashboard.py", "en", "mayor")
        if drawn_from_memo:
            first, at = at, app("dashboard.py", "en", "mayor")
            assert [m.value for m in at.metric] == [m.value for m in first.metric]
        assert_clean(at)
        figures_before = [m.value for m in at.metric]
        queries.clear_cache()
        with database_away(url):
            at.run()
            assert_clean(at)
            assert at.main.warning[0].value.startswith("The database cannot be reached right now.")
            assert [m.value for m in at.metric] == figures_before
        at.run()
        assert_clean(at)
        assert not at.main.warning
        assert [m.value for m in at.metric] == figures_before
    finally:
        drop_database(url)


def test_a_rerun_with_no_new_data_runs_no_query(city_url, database_url, monkeypatch):
    """The overview's figures are memoised per data version (ui.live.figure): a rerun, and a second
    session of the same role, draw the same figures without asking the runner for anything."""
    database_url(city_url)
    queries.clear_cache()
    asked = []
    run = queries.run
    monkeypatch.setattr(queries, "run", lambda name, *a, **k: asked.append(name) or run(name, *a, **k))
    at = app("dashboard.py", "en", "mayor")
    assert_clean(at)
    figures_before = [m.value for m in at.metric]
    assert "city_cases_daily" in asked and len(figures_before) == 9
    asked.clear()
    at.run()
    other = app("dashboard.py", "en", "mayor")
    assert asked == []
    assert [m.value for m in at.metric] == [m.value for m in other.metric] == figures_before
    # Another role is another entry: press's figures are its own.
    press = app("dashboard.py", "en", "press")
    assert_clean(press)
    assert asked
