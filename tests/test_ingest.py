"""Ingestion on SQLite and PostgreSQL: known fixture files with hand-counted outcomes, the bad-input
corpus (each case with its message and counts), idempotence, and all-or-nothing batches."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from casedb import reference, schema
from casedb.ingest import IngestRefused, load, preview, render_reasons
from casedb.ingest.errors import reasons_from_text
from exports.csv import neutralise, to_csv_bytes
from casedb.ingest.validate import parse_moments
from casedb.pseudonym import pseudonymise

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
PEPPER = "test-pepper"
HEADER = ("No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
          "Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil")
GOOD_ROW = "G{n};1471398;14710101019{n:05d};L;1990;14.71.08.1010;PCR;05/08/2021 08:00;05/08/2021 20:00;06/08/2021 09:00;Negatif"


@pytest.fixture
def db(empty_db):
    with empty_db.begin() as conn:
        reference.load(conn)
    return empty_db


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in schema.metadata.tables.items()}


def _typed(name: str, value):
    """SQLite returns text and 0/1 through text(); read them as PostgreSQL returns them."""
    if isinstance(value, str) and (name == "at" or name.endswith("_at")):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and (name == "day" or name.endswith("_day")):
        return date.fromisoformat(value)
    if isinstance(value, int) and name.startswith("is_"):
        return bool(value)
    return value


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        result = conn.execute(text(sql), params)
        names = list(result.keys())
        return [tuple(_typed(n, v) for n, v in zip(names, r)) for r in result]


def data_version(engine) -> int:
    return rows(engine, "SELECT version FROM data_version")[0][0]


def rejected(engine, batch_id: int) -> dict[int, set[str]]:
    found = rows(engine, "SELECT row_number, reason FROM rejected_rows WHERE batch_id = :b", b=batch_id)
    return {n: {m.key for m in reasons_from_text(reason)} for n, reason in found}


def assert_counts(summary, rows_in, accepted, rejected_, duplicates):
    assert (summary.rows_in, summary.accepted, summary.rejected, summary.duplicates) == (
        rows_in, accepted, rejected_, duplicates)
    assert summary.rows_in == summary.accepted + summary.rejected + summary.duplicates


def csv_bytes(lines: list[str], separator: str = ";", encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(line.replace(";", separator) for line in lines) + "\r\n").encode(encoding)


# --- Known files, hand-counted -------------------------------------------------------------------

def test_good_results_file_loads_with_cases_rollups_and_wib_days(db):
    version = data_version(db)
    summary = load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    assert_counts(summary, 7, 7, 0, 0)
    assert summary.cases_created == 2
    assert data_version(db) == version + 1
    key = pseudonymise("1471010101900001", PEPPER)
    assert rows(db, "SELECT sex, birth_year, is_resident, home_kelurahan_code FROM persons WHERE person_key = :k",
                k=key) == [("M", 1990, True, "14.71.08.1010")]
    assert rows(db, "SELECT is_resident, home_region_code, home_kelurahan_code FROM persons WHERE person_key = :k",
                k=pseudonymise("1371010101800003", PEPPER)) == [(False, "13.71", None)]
    assert counts(db)["persons"] == 5
    # 20:00 WIB on 1 Aug is 13:00 UTC; 00:30 WIB on 4 Aug is 17:30 UTC on 3 Aug but WIB day 4 Aug.
    assert rows(db, "SELECT source_ref, result_at, result_day, result, test_type, purpose FROM test_results "
                    "WHERE source_ref IN ('R1', 'R3', 'R7') ORDER BY source_ref") == [
        ("R1", datetime(2021, 8, 1, 13, 0), date(2021, 8, 1), "positive", "pcr", "diagnostic"),
        ("R3", datetime(2021, 8, 1, 2, 30), date(2021, 8, 1), "positive", "antibody", "screening"),
        ("R7", datetime(2021, 8, 3, 17, 30), date(2021, 8, 4), "invalid", "pcr", "diagnostic"),
    ]
    # Cases: R1 (PCR) and R6 (antigen); not R2 (same person), R3 (antibody), R5 (lives in Padang).
    assert rows(db, "SELECT tr.source_ref, c.confirmed_at, c.confirmed_day, c.kelurahan_code, c.age_group, c.sex, "
                    "c.is_imported FROM cases c JOIN test_results tr ON tr.id = c.test_result_id ORDER BY 1") == [
        ("R1", datetime(2021, 8, 1, 13, 0), date(2021, 8, 1), "14.71.08.1010", "30-39", "M", False),
        ("R6", datetime(2021, 8, 2, 3, 15), date(2021, 8, 2), "14.71.08.1010", "20-29", "F", False),
    ]
    assert rows(db, "SELECT day, test_type, tests, positives, negatives FROM daily_facility_tests ORDER BY 1, 2") == [
        (date(2021, 8, 1), "antibody", 1, 1, 0), (date(2021, 8, 1), "pcr", 1, 1, 0),
        (date(2021, 8, 2), "antigen", 1, 1, 0), (date(2021, 8, 2), "pcr", 2, 1, 1),
        (date(2021, 8, 3), "antigen", 1, 1, 0), (date(2021, 8, 4), "pcr", 1, 0, 0),
    ]
    assert rows(db, "SELECT day, kelurahan_code, new_cases FROM daily_area ORDER BY 1") == [
        (date(2021, 8, 1), "14.71.08.1010", 1), (date(2021, 8, 2), "14.71.08.1010", 1)]
    # An empty "Tanggal Lapor" means reported when loaded.
    reported = rows(db, "SELECT reported_at FROM test_results WHERE source_ref = 'R6'")[0][0]
    assert reported.year >= 2026
    assert rows(db, "SELECT source, file_name, rows_in, rows_accepted, rows_rejected, rows_duplicate, status "
                    "FROM ingest_batches") == [("test_results", "results_good.csv", 7, 7, 0, 0, "done")]


def test_loading_twice_adds_nothing_the_second_time(db):
    load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    before = counts(db)
    second = load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    assert_counts(second, 7, 0, 0, 7)
    after = counts(db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1
    assert after == before


def test_overlapping_file_adds_only_new_rows_and_one_case(db):
    load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    summary = load(db, "test_results", FIXTURES / "results_overlap.csv", pepper=PEPPER)
    assert_counts(summary, 5, 2, 0, 3)
    # R8: first positive of the person whose R7 was invalid.
    assert summary.cases_created == 1
    assert counts(db)["test_results"] == 9
    assert rows(db, "SELECT day, facility_id, test_type, tests FROM daily_facility_tests "
                    "WHERE day = :d ORDER BY 2", d=date(2021, 8, 5)) == [
        (date(2021, 8, 5), 1, "pcr", 1), (date(2021, 8, 5), 2, "antigen", 1)]


def test_positive_after_entering_the_city_is_an_imported_case(db):
    moves = load(db, "movements", FIXTURES / "movements.csv", pepper=PEPPER)
    assert_counts(moves, 7, 4, 2, 1)
    load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    # R1's person flew in on 25 Jul (7 days before); R6's came by boat the same morning.
    assert rows(db, "SELECT tr.source_ref, c.is_imported FROM cases c JOIN test_results tr "
                    "ON tr.id = c.test_result_id ORDER BY 1") == [("R1", True), ("R6", True)]
    assert rows(db, "SELECT day, new_cases, imported_cases FROM daily_area ORDER BY 1") == [
        (date(2021, 8, 1), 1, 1), (date(2021, 8, 2), 1, 1)]


def test_movements_file_counts_rollups_and_reasons(db):
    summary = load(db, "movements", FIXTURES / "movements.csv", pepper=PEPPER)
    assert_counts(summary, 7, 4, 2, 1)
    assert rejected(db, summary.batch_id) == {6: {"ingest.reject.unknown_entry_point"},
                                              7: {"ingest.reject.required"}}
    assert rows(db, "SELECT e.code, d.day, d.direction, d.movements, d.doc_valid, d.doc_expired, d.doc_none, "
                    "d.screened, d.screened_positive FROM daily_entry_point d JOIN entry_points e "
                    "ON e.id = d.entry_point_id ORDER BY d.day") == [
        ("SSK2", date(2021, 7, 25), "in", 1, 1, 0, 0, 0, 0),
        ("BRPS", date(2021, 7, 26), "out", 1, 0, 0, 1, 0, 0),
        ("SSK2", date(2021, 8, 1), "in", 1, 0, 1, 0, 1, 0),
        ("PORT-SDUKU", date(2021, 8, 2), "in", 1, 0, 0, 1, 1, 1),
    ]
    assert rows(db, "SELECT region_code, mode, certificate_number FROM movements WHERE source_ref = 'M3'") == [
        ("13.71", "air", "SK/1471022/2021/000009")]


def test_facility_reports_with_indonesian_numbers(db):
    summary = load(db, "facility_reports", FIXTURES / "reports.csv", pepper=PEPPER)
    assert_counts(summary, 8, 3, 4, 1)
    assert rejected(db, summary.batch_id) == {
        6: {"ingest.reject.positives_exceed_tests"}, 7: {"ingest.reject.submitted_before_day"},
        8: {"ingest.reject.bad_count"}, 9: {"ingest.reject.unknown_facility"}}
    assert rows(db, "SELECT f.registry_code, r.report_day, r.submitted_at, r.tests_done, r.positives "
                    "FROM facility_reports r JOIN facilities f ON f.id = r.facility_id ORDER BY 2, 1") == [
        ("1471398", date(2021, 8, 5), datetime(2021, 8, 5, 14, 0), 40, 3),
        ("PKM-SAIL", date(2021, 8, 5), datetime(2021, 8, 6, 3, 30), 125, 7),
        ("PKM-SAIL", date(2021, 8, 6), datetime(2021, 8, 7, 2, 0), 1234, 56),
    ]


def _missing(table: str, column: str, referred: str, referred_column: str) -> str:
    return (f"SELECT COUNT(*) FROM {table} x WHERE x.{column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {referred} r WHERE r.{referred_column} = x.{column})")


# Every reference the high-volume tables hold without a declared foreign key (casedb/schema.py,
# migrations 0002 and 0003): ingestion must keep them.
UNDECLARED_REFERENCES = {
    "test_results.person_key": ("persons", "person_key"),
    "test_results.batch_id": ("ingest_batches", "id"),
    "test_results.facility_id": ("facilities", "id"),
    "movements.person_key": ("persons", "person_key"),
    "movements.entry_point_id": ("entry_points", "id"),
    "movements.region_code": ("external_regions", "code"),
    "persons.home_kelurahan_code": ("regions", "code"),
    "persons.home_region_code": ("external_regions", "code"),
}


def dangling_references(engine) -> dict[str, int]:
    """How many rows name a row that is not there, per undeclared reference."""
    return {name: rows(engine, _missing(*name.split("."), *referred))[0][0]
            for name, referred in UNDECLARED_REFERENCES.items()}


@pytest.mark.parametrize("chunk_rows", [1, 10_000])
def test_no_loaded_row_names_a_missing_person_batch_or_reference_row(db, chunk_rows):
    loads = [("movements", "movements.csv"), ("test_results", "results_good.csv"),
             ("test_results", "results_overlap.csv"), ("test_results", "results_bad.csv"),
             ("fhir", "bundle.json")]
    for source, name in loads:
        load(db, source, FIXTURES / name, pepper=PEPPER, chunk_rows=chunk_rows)
    found = counts(db)
    assert found["test_results"] > 0 and found["movements"] > 0
    assert dangling_references(db) == dict.fromkeys(UNDECLARED_REFERENCES, 0)
    # Each result's batch is the batch that loaded it: one per file that had new results.
    assert rows(db, "SELECT COUNT(DISTINCT t.batch_id) FROM test_results t JOIN ingest_batches b "
                    "ON b.id = t.batch_id AND b.source IN ('test_results', 'fhir')")[0][0] == 4


@pytest.mark.parametrize("chunk_rows", [1, 10_000])
def test_a_person_keeps_the_details_of_their_first_row(db, chunk_rows):
    """The same NIK twice, with other details the second time, in one chunk or in two: the person
    is stored once, as the first row describes them."""
    lines = [HEADER,
             "F1;1471398;1471010101900041;L;1990;14.71.08.1010;PCR;05/08/2021 08:00;05/08/2021 20:00;"
             "06/08/2021 09:00;Negatif",
             "F2;1471398;1471010101900041;P;1991;14.71.05.1005;PCR;06/08/2021 08:00;06/08/2021 20:00;"
             "07/08/2021 09:00;Negatif"]
    summary = load(db, "test_results", csv_bytes(lines), file_name="x.csv", pepper=PEPPER, chunk_rows=chunk_rows)
    assert_counts(summary, 2, 2, 0, 0)
    assert rows(db, "SELECT person_key, sex, birth_year, home_kelurahan_code FROM persons") == [
        (pseudonymise("1471010101900041", PEPPER), "M", 1990, "14.71.08.1010")]


def test_dates_as_facilities_write_them_and_impossible_ones():
    text = pd.Series(["05/08/2021 20:40", "5-8-2021", "2021-08-05 08.15", "05/08/2021 08:15:30", "05/08/2021",
                      "31/02/2021", "05/08/2021 25:00", "05/08/2021 12:60", "05/13/2021", "2021", "", "kemarin"],
                     index=range(10, 22))
    expected = [datetime(2021, 8, 5, 20, 40), datetime(2021, 8, 5), datetime(2021, 8, 5, 8, 15),
                datetime(2021, 8, 5, 8, 15, 30), datetime(2021, 8, 5)] + [pd.NaT] * 7
    parsed = parse_moments(text)
    assert list(parsed.index) == list(text.index)
    assert [None if pd.isna(v) else v.to_pydatetime() for v in parsed] == [
        None if v is pd.NaT else v for v in expected]


# --- The bad-input corpus --------------------------------------------------------------------------

def test_bad_rows_each_get_their_reason_and_are_kept(db):
    summary = load(db, "test_results", FIXTURES / "results_bad.csv", pepper=PEPPER)
    # B1 and the formula-looking sample number are accepted; the repeat of B1 is a duplicate.
    assert_counts(summary, 13, 2, 10, 1)
    assert rejected(db, summary.batch_id) == {
        3: {"ingest.reject.bad_date"},
        4: {"ingest.reject.date_in_future"},
        5: {"ingest.reject.result_before_specimen"},
        6: {"ingest.reject.unknown_facility"},
        7: {"ingest.reject.unknown_kelurahan"},
        8: {"ingest.reject.bad_nik"},
        9: {"ingest.reject.required"},
        10: {"ingest.reject.unknown_value"},
        11: {"ingest.reject.date_too_early"},
        14: {"ingest.reject.bad_nik"},
    }
    reason = rows(db, "SELECT reason FROM rejected_rows WHERE row_number = 4")[0][0]
    assert render_reasons(reason, "en") == ("Tgl Hasil: 01/01/2099 20:00 is in the future; "
                                            "Tgl Lapor: 01/01/2099 21:00 is in the future")
    assert render_reasons(rows(db, "SELECT reason FROM rejected_rows WHERE row_number = 6")[0][0], "id") == (
        'Kode Faskes: faskes "9999999" tidak terdaftar')
    # Rows are kept as they arrived, except the NIK, cut to its first six digits.
    assert rows(db, "SELECT raw FROM rejected_rows WHERE row_number = 6")[0][0] == (
        "B5,9999999,147101**********,L,1990,14.71.08.1010,PCR,05/08/2021 08:00,05/08/2021 20:00,"
        "06/08/2021 09:00,Negatif")


def test_formula_strings_are_stored_as_text_and_neutralised_on_export(db):
    summary = load(db, "test_results", FIXTURES / "results_bad.csv", pepper=PEPPER)
    assert rows(db, "SELECT source_ref FROM test_results WHERE source_ref LIKE '=%'") == [
        ('=HYPERLINK("http://evil.example","klik")',)]
    raw = pd.DataFrame(rows(db, "SELECT row_number, raw FROM rejected_rows WHERE batch_id = :b ORDER BY 1",
                            b=summary.batch_id), columns=["row", "raw"])
    exported = to_csv_bytes(raw).decode("utf-8-sig")
    assert "\n14,\"'@SUM(1+1),1471398,147101**********," in exported
    assert [neutralise(v) for v in ("=1+1", "+1", "-1", "@x", "\t=1", "ok", "1-2", 5)] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\t=1", "ok", "1-2", 5]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("separator", [";", ","])
def test_each_encoding_and_separator(db, encoding, separator):
    lines = [HEADER + ";Catatan",
             "LAB°01;1471398;1471010101900031;P;1985;14.71.08.1010;PCR;05/08/2021 08:00;05/08/2021 20:00;"
             "06/08/2021 09:00;Negatif;demam 38,5°C — dirujuk",
             GOOD_ROW.format(n=2) + ";Pasien café"]
    if separator == ",":
        lines = [line.replace("38,5", "38.5") for line in lines]
    summary = load(db, "test_results", csv_bytes(lines, separator, encoding), file_name="x.csv", pepper=PEPPER)
    assert_counts(summary, 2, 2, 0, 0)
    assert [m.key for m in summary.notes] == ["ingest.note.ignored_columns"]
    assert rows(db, "SELECT source_ref FROM test_results ORDER BY 1") == [("G2",), ("LAB°01",)]


def test_empty_file_is_refused(db):
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", b"", file_name="empty.csv", pepper=PEPPER)
    assert refused.value.message.key == "ingest.file.empty"
    assert refused.value.message.render("en") == "The file is empty. Nothing was loaded."
    assert rows(db, "SELECT rows_in, status FROM ingest_batches") == [(0, "failed")]


def test_header_only_is_an_empty_batch(db):
    summary = load(db, "test_results", csv_bytes([HEADER]), file_name="h.csv", pepper=PEPPER)
    assert_counts(summary, 0, 0, 0, 0)
    assert [m.key for m in summary.notes] == ["ingest.note.no_rows"]


def test_blank_lines_are_skipped_and_row_numbers_match_the_spreadsheet(db):
    lines = [HEADER, GOOD_ROW.format(n=1), "", ";;;;;;;;;;", GOOD_ROW.format(n=2).replace("PCR", "MRI")]
    summary = load(db, "test_results", csv_bytes(lines), file_name="b.csv", pepper=PEPPER)
    assert_counts(summary, 2, 1, 1, 0)
    assert rejected(db, summary.batch_id) == {5: {"ingest.reject.unknown_value"}}


@pytest.mark.parametrize("header, key, params", [
    ("NIK;Hasil", "ingest.file.missing_columns",
     {"columns": "No Sampel, Kode Faskes, Jenis Pemeriksaan, Tanggal Pengambilan Spesimen, Tanggal Hasil"}),
    ("Kode Faskes;Tanggal Laporan;Jumlah Pemeriksaan;Jumlah Positif", "ingest.file.missing_columns",
     {"columns": "No Sampel, NIK, Jenis Pemeriksaan, Tanggal Pengambilan Spesimen, Tanggal Hasil, Hasil"}),
    (HEADER + ";Tgl Hasil", "ingest.file.duplicate_column", {"column": "Tgl Hasil", "other": "Tanggal Hasil"}),
])
def test_wrong_or_missing_headers_are_refused(db, header, key, params):
    before = counts(db)
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", csv_bytes([header, "1;2;3"]), file_name="w.csv", pepper=PEPPER)
    assert refused.value.message.key == key
    assert params.items() <= refused.value.message.params.items()
    after = counts(db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1
    assert after == before


def test_extra_fields_in_a_row_reject_only_that_row(db):
    lines = [HEADER, GOOD_ROW.format(n=1), GOOD_ROW.format(n=2) + ";x;y"]
    summary = load(db, "test_results", csv_bytes(lines), file_name="e.csv", pepper=PEPPER)
    assert_counts(summary, 2, 1, 1, 0)
    assert rejected(db, summary.batch_id) == {3: {"ingest.reject.extra_fields"}}
    assert rows(db, "SELECT raw FROM rejected_rows")[0][0].endswith(";Negatif;x;y")


def test_xlsx_with_real_dates_and_numeric_nik(db, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append(["X1", 1471398, 1471010101900041, "L", 1990, "14.71.08.1010", "Swab Antigen",
                  datetime(2021, 8, 5, 8, 0), datetime(2021, 8, 5, 9, 0), "05/08/2021 10:00", "Positif"])
    sheet.append([None] * 11)
    sheet.append(["X2", "1471398", "1471010101900042", "P", 1991, "Binawidya", "PCR",
                  date(2021, 8, 5), datetime(2021, 8, 4, 9, 0), None, "Negatif"])
    path = tmp_path / "hasil.xlsx"
    workbook.save(path)
    summary = load(db, "test_results", path, pepper=PEPPER)
    assert_counts(summary, 2, 1, 1, 0)
    assert rejected(db, summary.batch_id) == {4: {"ingest.reject.result_before_specimen"}}
    assert rows(db, "SELECT person_key, specimen_at, result_day FROM test_results") == [
        (pseudonymise("1471010101900041", PEPPER), datetime(2021, 8, 5, 1, 0), date(2021, 8, 5))]


# --- FHIR ----------------------------------------------------------------------------------------------

def test_fhir_bundle_with_one_unknown_loinc_code(db):
    summary = load(db, "fhir", FIXTURES / "bundle.json", pepper=PEPPER)
    assert_counts(summary, 3, 2, 1, 0)
    assert summary.source == "fhir"
    (number, reason), = rows(db, "SELECT row_number, reason FROM rejected_rows")
    assert number == 7  # the seventh entry of the bundle
    assert render_reasons(reason, "en") == 'Observation.code (LOINC): unknown value "12345-6"'
    assert rows(db, "SELECT source_ref, test_type, result, specimen_at, result_at, result_day FROM test_results "
                    "ORDER BY 1") == [
        ("OBS-1", "pcr", "positive", datetime(2021, 8, 5, 1, 0), datetime(2021, 8, 5, 13, 30), date(2021, 8, 5)),
        ("OBS-2", "antigen", "negative", datetime(2021, 8, 6, 2, 0), datetime(2021, 8, 6, 2, 30), date(2021, 8, 6)),
    ]
    assert rows(db, "SELECT sex, birth_year, home_kelurahan_code FROM persons") == [("F", 1987, "14.71.08.1010")]
    assert counts(db)["cases"] == 1


@pytest.mark.parametrize("content, key", [
    (b'{"resourceType": "Bundle", "entry": [', "ingest.fhir.malformed_json"),
    (b'{"resourceType": "Patient", "id": "p1"}', "ingest.fhir.not_bundle"),
])
def test_malformed_fhir_is_refused(db, content, key):
    with pytest.raises(IngestRefused) as refused:
        load(db, "fhir", content, file_name="b.json", pepper=PEPPER)
    assert refused.value.message.key == key
    assert counts(db)["test_results"] == 0


# --- All or nothing, configuration, preview, CLI --------------------------------------------------------

def test_failure_in_the_middle_of_a_batch_leaves_the_database_as_it_was(db):
    load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    before = counts(db)
    version = data_version(db)
    chunks_seen = []

    def failing_progress(done, total):
        chunks_seen.append(done)
        if len(chunks_seen) == 2:
            raise RuntimeError("disk full")

    # Chunks of 2 rows: the first chunk (2 new rows, 1 new case candidate) is written before the failure.
    with pytest.raises(RuntimeError, match="disk full"):
        load(db, "test_results", FIXTURES / "results_overlap.csv", pepper=PEPPER, chunk_rows=2,
             progress=failing_progress)
    after = counts(db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1
    assert after == before
    assert data_version(db) == version
    assert rows(db, "SELECT status, rows_in FROM ingest_batches ORDER BY id DESC")[0] == ("failed", 0)
    assert set(dangling_references(db).values()) == {0}
    # Nothing half-written: the same file then loads in full.
    assert_counts(load(db, "test_results", FIXTURES / "results_overlap.csv", pepper=PEPPER, chunk_rows=2),
                  5, 2, 0, 3)


def test_ingestion_refuses_to_start_without_a_pepper_outside_the_demo(db, monkeypatch):
    from casedb.ingest import resolve_pepper

    monkeypatch.setenv("NIK_PEPPER", "")
    monkeypatch.setenv("DASHBOARD_SECRETS", "/nonexistent/secrets.toml")
    with pytest.raises(IngestRefused) as refused:
        load(db, "test_results", FIXTURES / "results_good.csv")
    assert refused.value.message.key == "ingest.no_pepper"
    assert counts(db)["ingest_batches"] == 0
    monkeypatch.setenv("NIK_PEPPER", "from-the-environment")
    assert resolve_pepper(db) == "from-the-environment"
    load(db, "test_results", FIXTURES / "results_good.csv")
    assert rows(db, "SELECT COUNT(*) FROM persons WHERE person_key = :k",
                k=pseudonymise("1471010101900001", "from-the-environment")) == [(1,)]


def test_preview_counts_without_writing(db):
    before = counts(db)
    shown = preview(db, "test_results", FIXTURES / "results_bad.csv")
    assert (shown.rows_in, shown.valid) == (13, 3)  # duplicates are only known when loading
    assert list(shown.rejected["row_number"]) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14]
    assert shown.sample["nik"].tolist()[0] == "147101**********"
    assert counts(db) == before


def test_command_line_prints_the_summary(db, monkeypatch, capsys):
    from casedb.ingest.__main__ import main

    monkeypatch.setenv("NIK_PEPPER", PEPPER)
    url = db.url.render_as_string(hide_password=False)
    status = main([str(FIXTURES / "results_bad.csv"), "--source", "test_results", "--database-url", url,
                   "--lang", "en"])
    assert status == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "Rows in: 13 = accepted 2 + rejected 10 + duplicates 1.")
    assert main([str(FIXTURES / "results_bad.csv"), "--source", "movements", "--database-url", url]) == 2
    assert capsys.readouterr().err.startswith("Kolom wajib tidak ada: No Catatan, Kode Pos,")


def test_templates_load_as_they_are(db, tmp_path):
    from casedb.ingest.templates import write_templates

    write_templates(tmp_path)
    for source in ("test_results", "facility_reports", "movements"):
        summary = load(db, source, tmp_path / f"template_{source}_v1.0.csv", pepper=PEPPER)
        assert_counts(summary, 1, 1, 0, 0)
    assert counts(db)["test_results"] == 1


def test_an_upload_into_the_demo_city_gets_ids_after_the_city_rows(empty_db):
    """The demo city writes its rows with their ids given; rows loaded after it (an upload, the
    simulator) must get new ids past them rather than collide with id 1 (as they did on PostgreSQL)."""
    from casedb.demo import build
    from tests.conftest import DEMO_END

    build(empty_db, scale="small", end=DEMO_END)
    city_max = rows(empty_db, "SELECT MAX(id) FROM movements")[0][0]
    before = counts(empty_db)["movements"]
    summary = load(empty_db, "movements", FIXTURES / "movements.csv", pepper=PEPPER)
    assert_counts(summary, 7, 4, 2, 1)
    assert counts(empty_db)["movements"] == before + 4
    assert rows(empty_db, "SELECT MIN(id), MAX(id) FROM movements WHERE id > :m", m=city_max) == [
        (city_max + 1, city_max + 4)]
