"""The upload page run by Streamlit's AppTest: preview and error table first, nothing written until
the confirmation, then the batch and its audit row; only health and admin may open it."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from casedb import reference
from tests.conftest import database_away, drop_database, migrated_engine
from tests.sessions import sign_in
from tests.test_app import assert_clean
from tests.test_ingest import FIXTURES, PEPPER, counts, db, rows  # noqa: F401 - db is a fixture
from ui import i18n

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def upload_db(db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("NIK_PEPPER", PEPPER)
    return db


def page(lang: str, role: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=60)
    at.session_state["lang"] = lang
    sign_in(at, role)
    return at.run()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_preview_then_confirm(upload_db, lang):
    t = lambda key, **kw: i18n.t(key, lang=lang, **kw)  # noqa: E731
    at = page(lang, "health")
    assert_clean(at)
    assert [title.value for title in at.main.title] == [t("page.upload")]
    at.file_uploader[0].set_value(("hasil.csv", (FIXTURES / "results_bad.csv").read_bytes(), "text/csv")).run()
    assert_clean(at)
    assert [(m.label, m.value) for m in at.metric] == [
        (t("upload.rows_in"), "13"), (t("upload.valid"), "3"), (t("upload.rejected"), "10")]
    assert len(at.dataframe) == 2  # the sample and the error table
    errors_table = at.dataframe[1].value
    assert errors_table.iloc[0].tolist()[:2] == [3, t("ingest.reject.bad_date", field="Tgl Pengambilan Spesimen",
                                                    value="31/02/2021 08:00")]
    assert counts(upload_db)["test_results"] == 0
    confirm = next(b for b in at.button if b.label == t("upload.confirm", rows="3"))
    confirm.click().run()
    assert_clean(at)
    assert at.success[0].value.split("\n\n")[0] == t("ingest.summary", rows_in="13", accepted="2", rejected="10",
                                                      duplicates="1")
    assert counts(upload_db)["test_results"] == 2
    assert rows(upload_db, "SELECT created_by, rows_in, status FROM ingest_batches") == [("t-health", 13, "done")]
    assert rows(upload_db, "SELECT action, outcome FROM audit_log WHERE action = 'upload'") == [("upload", "success")]


def test_admin_may_upload_and_others_may_not(upload_db):
    assert_clean(page("en", "admin"))
    assert page("en", "admin").file_uploader
    refused = page("en", "mayor")
    assert not refused.file_uploader
    assert counts(upload_db)["ingest_batches"] == 0


def test_without_a_pepper_the_page_says_so(upload_db, monkeypatch):
    monkeypatch.setenv("NIK_PEPPER", "")
    at = page("en", "health")
    assert at.error[0].value == i18n.t("ingest.no_pepper", lang="en")
    assert not at.file_uploader


def test_the_database_going_away_before_the_confirmation_loses_nothing(tmp_path, monkeypatch):
    """Previewed, then the database goes away: confirming says so in the reader's language, writes
    nothing, and keeps the file and its preview, so that confirming again once it is back loads it;
    the audit row of the failed attempt waits for the database instead of being lost."""
    t = lambda key, **kw: i18n.t(key, lang="en", **kw)  # noqa: E731
    url, engine = migrated_engine("postgresql", tmp_path)
    with engine.begin() as conn:
        reference.load(conn)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NIK_PEPPER", PEPPER)
    try:
        at = page("en", "health")
        at.file_uploader[0].set_value(("hasil.csv", (FIXTURES / "results_bad.csv").read_bytes(), "text/csv")).run()
        confirm = t("upload.confirm", rows="3")
        with database_away(url):
            next(b for b in at.button if b.label == confirm).click().run()
            assert_clean(at)
            failed = t("ingest.failed", detail="\0").split("\0")[0]
            assert [e.value for e in at.error if e.value.startswith(failed)], [e.value for e in at.error]
            assert [(m.label, m.value) for m in at.metric] == [
                (t("upload.rows_in"), "13"), (t("upload.valid"), "3"), (t("upload.rejected"), "10")]
        assert counts(engine)["test_results"] == 0 and counts(engine)["ingest_batches"] == 0
        next(b for b in at.button if b.label == confirm).click().run()
        assert_clean(at)
        assert at.success[0].value.split("\n\n")[0] == t("ingest.summary", rows_in="13", accepted="2",
                                                          rejected="10", duplicates="1")
        assert counts(engine)["test_results"] == 2
        # The failed attempt's audit row waited for the database and came first, with its own moment.
        audited = rows(engine, "SELECT action, outcome, at FROM audit_log WHERE action = 'upload' ORDER BY id")
        assert [(a, o) for a, o, _ in audited] == [("upload", "failure"), ("upload", "success")]
        assert audited[0][2] < audited[1][2]
    finally:
        drop_database(url)
