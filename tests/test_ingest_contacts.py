"""Contact line lists as an ingestion source, on SQLite and PostgreSQL: good, bad and repeated files
with hand-counted outcomes; the index case by sample number or case id; NIK pseudonymised, and
masked in rejected rows; contacts linked to the case they became whichever arrives first; the
tracing rollup kept by the write path."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from casedb import reference
from casedb.ingest import load, preview
from casedb.ingest.sources import SOURCES
from casedb.ingest.templates import template_csv
from casedb.pseudonym import pseudonymise
from tests.test_ingest import FIXTURES, PEPPER, assert_counts, csv_bytes, rejected, rows

HEADER = ("No Sampel Kasus Indeks;ID Kasus Indeks;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Hubungan;"
          "Tanggal Didata;Tanggal Dilacak;Tanggal Dites;Hasil Tes;Karantina Sampai;Kunjungan Terakhir")
# results_good.csv confirms two cases: A by R1 (NIK ...900001) at 01/08/2021 20:00 WIB, and B by R6
# (NIK ...950004) at 02/08/2021 10:15 WIB. Case ids are those of the database: looked up by name.
B_NIK, C_NIK, D_NIK = "1471010202950004", "1471010505000006", "1471010606000007"


def good(case_b: int) -> list[str]:
    return [
        HEADER,
        # B, listed as A's contact before B's confirmation: B became a case (it already is one).
        f"R1;;{B_NIK};P;1995;1471081010;Serumah;01/08/2021 21:00;02/08/2021 08:00;02/08/2021 09:00;Positif;15/08/2021;",
        # A new person, traced, tested negative, quarantined, followed up.
        f"R1;;{C_NIK};L;2000;14.71.08.1010;Tempat Kerja;01/08/2021 21:30;02/08/2021 08:00;03/08/2021 08:00;Negatif;"
        f"15/08/2021;10/08/2021 09:00",
        # B's contact, by case id; not traced yet.
        f";{case_b};{D_NIK};P;1990;14.71.08.1010;Sosial;02/08/2021 12:00;;;;16/08/2021;",
        # C again, as B's contact too (by sample number and case id, which agree): listed twice.
        f"R6;{case_b};{C_NIK};L;2000;14.71.08.1010;Perjalanan;02/08/2021 12:30;;;;16/08/2021;",
        # The second row again.
        f"R1;;{C_NIK};L;2000;14.71.08.1010;Tempat Kerja;01/08/2021 21:30;02/08/2021 08:00;03/08/2021 08:00;Negatif;"
        f"15/08/2021;10/08/2021 09:00",
    ]


@pytest.fixture
def db(empty_db):
    with empty_db.begin() as conn:
        reference.load(conn)
    load(empty_db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    return empty_db


def case_ids(db) -> dict[str, int]:
    found = rows(db, "SELECT tr.source_ref, c.id FROM cases c JOIN test_results tr ON tr.id = c.test_result_id")
    return dict(found)


def load_lines(db, lines: list[str]):
    return load(db, "contacts", csv_bytes(lines), file_name="kontak.csv", pepper=PEPPER)


def stored(db) -> list[tuple]:
    return rows(db, "SELECT tr.source_ref, k.contact_person_key, k.relation, k.listed_at, k.traced_at, k.tested_at, "
                    "k.test_result, k.quarantine_until, k.last_followup_at, btr.source_ref AS became "
                    "FROM contacts k JOIN cases i ON i.id = k.index_case_id "
                    "JOIN test_results tr ON tr.id = i.test_result_id "
                    "LEFT JOIN cases b ON b.id = k.became_case_id LEFT JOIN test_results btr ON btr.id = b.test_result_id "
                    "ORDER BY k.listed_at")


def test_good_file_loads_pseudonymised_with_index_cases_and_the_case_a_contact_became(db):
    ids = case_ids(db)
    summary = load_lines(db, good(ids["R6"]))
    assert_counts(summary, 5, 4, 0, 1)
    b, c, d = (pseudonymise(n, PEPPER) for n in (B_NIK, C_NIK, D_NIK))
    as_date = lambda v: date.fromisoformat(v) if isinstance(v, str) else v  # noqa: E731 (SQLite's text)
    assert [r[:7] + (as_date(r[7]),) + r[8:] for r in stored(db)] == [
        ("R1", b, "household", datetime(2021, 8, 1, 14), datetime(2021, 8, 2, 1), datetime(2021, 8, 2, 2), "positive",
         date(2021, 8, 15), None, "R6"),
        ("R1", c, "workplace", datetime(2021, 8, 1, 14, 30), datetime(2021, 8, 2, 1), datetime(2021, 8, 3, 1),
         "negative", date(2021, 8, 15), datetime(2021, 8, 10, 2), None),
        ("R6", d, "social", datetime(2021, 8, 2, 5), None, None, None, date(2021, 8, 16), None, None),
        ("R6", c, "travel", datetime(2021, 8, 2, 5, 30), None, None, None, date(2021, 8, 16), None, None),
    ]
    # No NIK is stored anywhere; new contacts are persons with their details.
    assert rows(db, "SELECT sex, birth_year, home_kelurahan_code FROM persons WHERE person_key = :k", k=c) == [
        ("M", 2000, "14.71.08.1010")]
    assert [m.key for m in summary.notes] == ["ingest.note.contacts_became_cases"]
    assert rows(db, "SELECT source, rows_in, rows_accepted, rows_rejected, rows_duplicate FROM ingest_batches "
                    "WHERE id = :b", b=summary.batch_id) == [("contacts", 5, 4, 0, 1)]
    # The tracing rollup, by the index case's day of confirmation (WIB): A on 1 Aug, B on 2 Aug.
    assert rows(db, "SELECT day, cases, cases_listed, contacts, traced, traced_0, tested, became_cases "
                    "FROM daily_tracing ORDER BY day") == [
        (date(2021, 8, 1), 1, 0, 2, 2, 2, 2, 1),
        (date(2021, 8, 2), 1, 1, 2, 0, 0, 0, 0),
    ]


def test_a_listed_contact_who_later_tests_positive_is_linked_to_the_case_it_became(db):
    ids = case_ids(db)
    load_lines(db, good(ids["R6"]))
    # D, B's contact since 2 Aug, is confirmed on 4 Aug: the result arrives after the list.
    results = csv_bytes([
        "No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
        "Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil",
        f"R8;1471398;{D_NIK};P;1990;14.71.08.1010;PCR;04/08/2021 08:00;04/08/2021 20:00;05/08/2021 09:00;Positif",
    ])
    load(db, "test_results", results, file_name="hasil.csv", pepper=PEPPER)
    assert [(r[0], r[9]) for r in stored(db)] == [("R1", "R6"), ("R1", None), ("R6", "R8"), ("R6", None)]
    # One cluster of three: A -> B (A's contact became B) -> R8's case, named by A.
    assert rows(db, "SELECT tr.source_ref, m.cluster_id FROM chain_members m JOIN cases c ON c.id = m.case_id "
                    "JOIN test_results tr ON tr.id = c.test_result_id ORDER BY tr.source_ref") == [
        ("R1", ids["R1"]), ("R6", ids["R1"]), ("R8", ids["R1"])]
    assert rows(db, "SELECT day, cases, cases_listed, contacts, became_cases FROM daily_tracing ORDER BY day") == [
        (date(2021, 8, 1), 1, 0, 2, 1), (date(2021, 8, 2), 1, 1, 2, 1), (date(2021, 8, 4), 1, 1, 0, 0)]


def test_a_case_confirmed_long_after_listing_is_not_the_case_the_contact_became(db, monkeypatch):
    monkeypatch.setenv("TRACING_BECAME_CASE_DAYS", "1")
    ids = case_ids(db)
    load_lines(db, good(ids["R6"])[:3])  # B, listed 01/08 21:00 WIB, confirmed 13 h 15 min later; C
    assert [r[9] for r in stored(db)] == ["R6", None]
    results = csv_bytes([
        "No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
        "Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil",
        f"R9;1471398;{C_NIK};L;2000;14.71.08.1010;PCR;04/08/2021 08:00;04/08/2021 20:00;05/08/2021 09:00;Positif",
    ])
    load(db, "test_results", results, file_name="hasil.csv", pepper=PEPPER)
    # C was listed on 1 Aug and confirmed on 4 Aug: beyond one day, no link.
    assert rows(db, "SELECT COUNT(*) FROM contacts WHERE became_case_id IS NOT NULL") == [(1,)]


def test_bad_rows_each_get_their_reason_and_a_nik_is_never_kept(db):
    ids = case_ids(db)
    summary = load_lines(db, [
        HEADER,
        f";;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;;;",                       # 2: no index case
        f"R99;;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;;;",                    # 3: unknown sample
        f";999999;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;;;",                 # 4: unknown case id
        f"R1;{ids['R6']};{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;;;",          # 5: the two disagree
        f"R1;;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;01/08/2021 20:00;;;;",     # 6: traced before listed
        f"R1;;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;Negatif;;",              # 7: result without test
        f"R1;;{C_NIK};L;2000;;Pacar;01/08/2021 21:00;;;;;",                       # 8: unknown relation
        f"R1;;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;;31/07/2021;",           # 9: quarantine ends before
        "R1;;12345;L;2000;;Serumah;01/08/2021 21:00;;;;;",                        # 10: bad NIK
        f"R1;;{C_NIK};L;2000;;Serumah;;;;;;",                                     # 11: not listed when
        f"R1;;{C_NIK};L;2000;;Serumah;01/08/2021 21:00;;;;;",                     # 12: good
    ])
    assert_counts(summary, 11, 1, 10, 0)
    assert rejected(db, summary.batch_id) == {
        2: {"ingest.reject.contact_no_index"}, 3: {"ingest.reject.contact_unknown_sample"},
        4: {"ingest.reject.contact_unknown_case"}, 5: {"ingest.reject.contact_case_mismatch"},
        6: {"ingest.reject.contact_traced_before_listed"}, 7: {"ingest.reject.contact_result_without_test"},
        8: {"ingest.reject.unknown_value"}, 9: {"ingest.reject.contact_quarantine_before_listed"},
        10: {"ingest.reject.bad_nik"}, 11: {"ingest.reject.required"},
    }
    kept = " ".join(r[0] for r in rows(db, "SELECT raw FROM rejected_rows WHERE batch_id = :b", b=summary.batch_id))
    assert C_NIK not in kept and "R99" in kept
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(1,)]


def test_repeated_file_adds_nothing_and_a_later_list_fills_in_what_it_knows(db):
    ids = case_ids(db)
    first = load_lines(db, good(ids["R6"]))
    again = load_lines(db, good(ids["R6"]))
    assert_counts(again, 5, 0, 0, 5)
    assert again.notes == [] and rows(db, "SELECT COUNT(*) FROM contacts") == [(4,)]
    before = stored(db)
    # A day later: D traced and tested, C followed up again; an empty cell erases nothing.
    later = load_lines(db, [
        HEADER,
        f";{ids['R6']};{D_NIK};P;1990;14.71.08.1010;Sosial;02/08/2021 12:00;03/08/2021 09:00;03/08/2021 10:00;;"
        f"16/08/2021;",
        f"R1;;{C_NIK};L;2000;14.71.08.1010;Tempat Kerja;01/08/2021 21:30;;;;15/08/2021;12/08/2021 09:00",
    ])
    assert_counts(later, 2, 0, 0, 2)
    assert [m.key for m in later.notes] == ["ingest.note.contacts_filled_in"]
    assert later.notes[0].params == {"count": 2}
    after = stored(db)
    assert after[0] == before[0] and after[3] == before[3]
    assert after[1][4:9] == (datetime(2021, 8, 2, 1), datetime(2021, 8, 3, 1), "negative", after[1][7],
                             datetime(2021, 8, 12, 2))
    assert after[2][4:7] == (datetime(2021, 8, 3, 2), datetime(2021, 8, 3, 3), None)
    assert rows(db, "SELECT SUM(traced), SUM(tested) FROM daily_tracing") == [(3, 3)]
    assert first.batch_id < again.batch_id < later.batch_id


def test_an_xlsx_file_loads_as_the_csv_does_and_the_template_has_every_field(db):
    from openpyxl import Workbook

    book = Workbook()
    for line in good(case_ids(db)["R6"]):
        book.active.append(line.split(";"))
    out = io.BytesIO()
    book.save(out)
    assert_counts(load(db, "contacts", out.getvalue(), file_name="kontak.xlsx", pepper=PEPPER), 5, 4, 0, 1)
    template = template_csv(SOURCES["contacts"]).decode("utf-8-sig").splitlines()
    assert template[0].split(";") == [f.headers[0] for f in SOURCES["contacts"].fields]
    checked = preview(db, "contacts", template_csv(SOURCES["contacts"]))
    # The template's example names a sample number this database does not have.
    assert (checked.rows_in, checked.valid) == (1, 0)
