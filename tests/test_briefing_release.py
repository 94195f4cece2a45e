"""Press releases on SQLite and PostgreSQL: the files say exactly the release's figures (PDF text in
id-ID format, the 1080x1080 infographic, the XLSX reopened), they stay byte-identical after new
data arrives and after a correction, a correction carries its change log in both languages, the
stored rows cannot be changed, the publishing rules hold and publishing is audited.

Rendering starts Chromium (seconds): the files are made for real in one test per engine; the tests
of the publishing rules pass a file maker that writes only the CSV data file."""
from __future__ import annotations

import io
import struct
from datetime import datetime, timedelta

import pandas as pd
import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

import queries
from casedb import releases, rollups, schema
from casedb.data_version import bump
from exports import ExportUnavailable
from figures import briefing as figures
from figures import briefing_export
from tests.test_press_figures import _at
from tests.test_queries_briefing import ANTIGEN_TESTS, WEEK3, _release, briefing_city  # noqa: F401 - fixture

SUNDAY = WEEK3 + timedelta(days=6)
PUBLISHED = datetime(2026, 8, 24, 3, 0)  # 10:00 WIB


def _csv_only(number, at, table, changes, corrected):
    return [releases.ReleaseFile(briefing_export.file_name(number, "data", None, "csv"), "csv", None,
                                 briefing_export.CSV_MIME, briefing_export.data_csv(table))]


def _publish(engine, make_files=briefing_export.make_files, **kwargs):
    table = _release(engine, SUNDAY)
    return releases.publish(engine, day=SUNDAY, figures_table=table, data_version=1, username="dinkes",
                            role=kwargs.pop("role", "health"), make_files=make_files, at=kwargs.pop("at", PUBLISHED),
                            changes_of=figures.changes, **kwargs)


def _new_case(engine, person="late", kelurahan="14.71.03.1001", day=WEEK3 + timedelta(days=2), result_id=9_000):
    """A case that arrives after the release: a late result for a day of the released week."""
    with engine.begin() as conn:
        conn.execute(insert(schema.persons).values(person_key=person, sex="F", birth_year=1970, is_resident=True,
                                                   home_kelurahan_code=kelurahan))
        conn.execute(insert(schema.test_results).values(
            id=result_id, facility_id=1, person_key=person, test_type="pcr", purpose="diagnostic",
            specimen_at=_at(day), result_at=_at(day), reported_at=_at(day), result_day=day, result="positive",
            source_ref=person))
        conn.execute(insert(schema.cases).values(person_key=person, test_result_id=result_id, confirmed_at=_at(day),
                                                 confirmed_day=day, kelurahan_code=kelurahan, is_imported=False))
        rollups.refresh(conn, day, day)
        bump(conn)
    queries.clear_cache()


def _png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_files_say_the_release_figures_and_never_change(briefing_city):
    engine = briefing_city
    release = _publish(engine)
    assert release.number == 1 and release.corrects_number is None
    stored = {f.name: f for f in releases.files(engine, release.id)}
    assert sorted(stored) == ["release-0001-briefing-id.pdf", "release-0001-data-id.xlsx", "release-0001-data.csv",
                              "release-0001-infographic-id.png"]
    table = releases.figures(engine, release.id)

    # The data checksum is the CSV's SHA-256, and the CSV holds the figures as stored.
    csv = stored["release-0001-data.csv"].content
    assert release.data_sha256 == releases.sha256(csv)
    reread = pd.read_csv(io.BytesIO(csv), dtype=str, keep_default_na=False)
    assert list(reread["value"]) == [v or "" for v in table["value"]]

    # PDF: every figure in id-ID format, the release number, the week and the full checksum.
    words = _pdf_text(stored["release-0001-briefing-id.pdf"].content)
    flat = "".join(words.split())
    assert "Rilis Pers COVID-19 No. 1" in words
    assert "17 Agu 2026 – 23 Agu 2026" in words
    assert release.data_sha256 in flat
    assert "1.234" in words  # 1,234 antigen tests, Indonesian thousands separator
    assert "0,0%" in words  # antigen positivity: none of 1,234 positive
    for measure, value in figures.headline(table).items():
        assert briefing_export.format_value(measure, value, "id").replace(" ", "") in flat, (measure, value)
    kecamatan = table[(table["section"] == "kecamatan") & (table["measure"] == "new_cases")]
    for label, value in zip(kecamatan["label"], kecamatan["value"]):
        assert f"{label}{value}".replace(" ", "") in flat  # the row reads kecamatan, then its count

    # PNG: the social-media square.
    assert _png_size(stored["release-0001-infographic-id.png"].content) == (1080, 1080)

    # XLSX reopened: the data sheet equals the figures, numbers as numbers; a dictionary sheet.
    book = load_workbook(io.BytesIO(stored["release-0001-data-id.xlsx"].content))
    assert book.sheetnames == ["Data", "Kamus data"]
    rows = list(book["Data"].iter_rows(values_only=True))
    assert rows[0] == figures.COLUMNS
    values = [row[6] for row in rows[1:]]
    assert values[list(table["measure"]).index("tests_antigen")] == ANTIGEN_TESTS
    for got, want in zip(values, table["value"], strict=True):
        if want is None:
            assert got is None
        elif want.replace(".", "", 1).isdigit():
            assert isinstance(got, (int, float)) and got == pytest.approx(float(want)), (got, want)
        else:
            assert got == want  # "<5", "x", "<10", a zone
    dictionary = [row[0] for row in book["Kamus data"].iter_rows(values_only=True)]
    assert set(figures.COLUMNS) <= set(dictionary)

    # English on request: made from the stored figures, stored once, same figures in en-US format.
    english = briefing_export.english_files(release, table, [])
    releases.add_files(engine, release.id, english)
    words_en = _pdf_text(next(f for f in english if f.kind == "pdf").content)
    assert "COVID-19 Press Release No. 1" in words_en and "1,234" in words_en and "0.0%" in words_en
    before = {f.name: f.content for f in releases.files(engine, release.id)}
    assert len(before) == 7

    # New data for the released week: the release and every file stay as they were.
    _new_case(engine)
    after_ingest = _release(engine, SUNDAY)
    assert figures.headline(after_ingest)["new_cases"] == "<5"  # 2 cases now
    assert {f.name: f.content for f in releases.files(engine, release.id)} == before
    assert releases.figures(engine, release.id).equals(table)

    # A correction: a new release naming the old, with the change log in both languages.
    _new_case(engine, person="late2", result_id=9_001)
    _new_case(engine, person="late3", result_id=9_002)
    _new_case(engine, person="late4", result_id=9_003)
    correction = _publish(engine, corrects=1, reason_id="Hasil terlambat dari lab", reason_en="Late lab results",
                          at=PUBLISHED + timedelta(days=1))
    assert correction.number == 2 and correction.corrects_number == 1
    log = releases.changes(engine, correction.id)
    by_figure = {(c.section, c.item, c.measure): (c.old_value, c.new_value) for c in log}
    # 14.71.03 had 0 cases, now 4 late ones ("<5"), and the city's week 1 + 4 = 5.
    assert by_figure[("headline", "city", "new_cases")] == ("<5", "5")
    assert by_figure[("kecamatan", "14.71.03", "new_cases")] == ("0", "<5")
    assert {(c.reason_id, c.reason_en) for c in log} == {("Hasil terlambat dari lab", "Late lab results")}
    words2 = _pdf_text(next(f for f in releases.files(engine, correction.id) if f.kind == "pdf").content)
    assert "Koreksi atas rilis No. 1" in words2 and "Hasil terlambat dari lab" in words2
    assert {f.name: f.content for f in releases.files(engine, release.id)} == before
    assert [r.number for r in releases.list_releases(engine)] == [2, 1]


def test_stored_release_rows_cannot_be_changed_or_deleted(briefing_city):
    release = _publish(briefing_city, make_files=_csv_only)
    for statement in ("UPDATE release_files SET content = :x WHERE release_id = :id",
                      "DELETE FROM release_files WHERE release_id = :id",
                      "UPDATE release_figures SET value = '7' WHERE release_id = :id",
                      "UPDATE releases SET number = 9 WHERE id = :id",
                      "DELETE FROM releases WHERE id = :id"):
        with pytest.raises(DBAPIError, match="cannot be changed"):
            with briefing_city.begin() as conn:
                conn.execute(text(statement), {"id": release.id, "x": b"tampered"})
    assert releases.files(briefing_city, release.id)[0].content == briefing_export.data_csv(
        releases.figures(briefing_city, release.id))


def test_publishing_rules(briefing_city, monkeypatch):
    engine = briefing_city
    monkeypatch.delenv("PRESS_MAY_PUBLISH", raising=False)
    for role in ("press", "mayor", "admin"):
        with pytest.raises(releases.ReleaseRefused, match="not_allowed"):
            _publish(engine, make_files=_csv_only, role=role)
    monkeypatch.setenv("PRESS_MAY_PUBLISH", "true")
    first = _publish(engine, make_files=_csv_only, role="press")
    assert first.published_role == "press"
    # The same week again: only as a correction of its latest release, with reasons and a change.
    with pytest.raises(releases.ReleaseRefused, match="week_has_release"):
        _publish(engine, make_files=_csv_only)
    with pytest.raises(releases.ReleaseRefused, match="nothing_changed"):
        _publish(engine, make_files=_csv_only, corrects=1, reason_id="a", reason_en="b")
    _new_case(engine)
    with pytest.raises(releases.ReleaseRefused, match="reason_needed"):
        _publish(engine, make_files=_csv_only, corrects=1, reason_id="alasan", reason_en=" ")
    second = _publish(engine, make_files=_csv_only, corrects=1, reason_id="alasan", reason_en="reason")
    with pytest.raises(releases.ReleaseRefused, match="correct_latest"):
        _publish(engine, make_files=_csv_only, corrects=1, reason_id="alasan", reason_en="reason")
    assert second.number == 2
    with engine.connect() as conn:
        audited = conn.execute(select(schema.audit_log.c.username, schema.audit_log.c.role, schema.audit_log.c.detail)
                               .where(schema.audit_log.c.action == "release_publish")
                               .order_by(schema.audit_log.c.id)).all()
    assert [(u, r) for u, r, _ in audited] == [("dinkes", "press"), ("dinkes", "health")]
    assert '"number": 2' in audited[1][2] and '"corrects": 1' in audited[1][2]
    assert second.data_sha256 in audited[1][2]


def test_a_missing_chromium_is_a_clear_refusal_and_publishes_nothing(briefing_city, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(ExportUnavailable) as refused:
        _publish(briefing_city)
    assert refused.value.key == "export.png_unavailable"
    assert releases.list_releases(briefing_city) == []
