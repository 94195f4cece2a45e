"""Certificates as an ingestion source, on SQLite and PostgreSQL: good, bad, repeated, revoking and
forged files with hand-counted outcomes; the FHIR R4 DocumentReference bundle; check codes made at
ingestion; and movements whose document status comes from the register."""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from casedb import reference, schema
from casedb.certificates import check_code
from casedb.ingest import IngestRefused, load, preview
from casedb.pseudonym import pseudonymise
from tests.test_ingest import FIXTURES, PEPPER, assert_counts, counts, csv_bytes, rejected
from tests.test_ingest import rows as _rows

KEY = "test-certificate-key"
HEADER = ("Nomor Sertifikat;Kode Faskes;No Sampel;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;"
          "Jenis Surat;Tanggal Terbit;Berlaku Sampai;Tanggal Dicabut")
# Over results_good.csv (all at facility 1471398): R4 is the negative PCR of NIK ...0002, R1 the
# positive PCR of NIK ...0001, R2 a positive antigen of NIK ...0001, R6 the positive antigen of ...0004.
GOOD = [
    HEADER,
    "SKB-1471398-210803-0001;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Bebas COVID-19;03/08/2021 09:00;"
    "10/08/2021 09:00;",
    # Small letters; no end of validity: 7 days for PCR.
    "skb-1471398-210802-0002;1471398;R1;1471010101900001;L;1990;14.71.08.1010;PCR;Positif;02/08/2021 08:00;;",
    # R2 is someone else's test.
    "SKB-1471398-210803-0003;1471398;R2;1471010303000005;L;2000;14.71.08.1010;Antigen;Negatif;03/08/2021 10:00;;",
    # Negative over R6's positive; revoked.
    "SKB-1471398-210802-0004;1471398;R6;1471010202950004;P;1995;1471081010;Antigen;Negatif;02/08/2021 11:00;;"
    "05/08/2021 12:00",
    # The first row again.
    "SKB-1471398-210803-0001;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Bebas COVID-19;03/08/2021 09:00;"
    "10/08/2021 09:00;",
]


def rows(engine, sql: str, **params) -> list[tuple]:
    """tests.test_ingest.rows, with SQLite's text of valid_until read as a moment too."""
    return [tuple(datetime.fromisoformat(v) if isinstance(v, str) and len(v) >= 19 and v[4] == "-" else v for v in row)
            for row in _rows(engine, sql, **params)]


@pytest.fixture
def db(empty_db, monkeypatch):
    monkeypatch.setenv("CERTIFICATE_KEY", KEY)
    with empty_db.begin() as conn:
        reference.load(conn)
    load(empty_db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    return empty_db


def load_lines(db, lines: list[str], source: str = "certificates"):
    return load(db, source, csv_bytes(lines), file_name="certificates.csv", pepper=PEPPER)


def test_good_file_loads_linked_to_its_tests_with_the_registers_check_codes(db):
    summary = load_lines(db, GOOD)
    assert_counts(summary, 5, 4, 0, 1)
    assert rows(db, "SELECT c.number, c.check_code, tr.source_ref, c.test_type, c.certified_result, c.issued_at, "
                    "c.issued_day, c.valid_until, c.revoked_at FROM certificates c "
                    "LEFT JOIN test_results tr ON tr.id = c.test_result_id ORDER BY c.number") == [
        ("SKB-1471398-210802-0002", check_code("SKB-1471398-210802-0002", KEY), "R1", "pcr", "positive",
         datetime(2021, 8, 2, 1, 0), date(2021, 8, 2), datetime(2021, 8, 9, 1, 0), None),
        ("SKB-1471398-210802-0004", check_code("SKB-1471398-210802-0004", KEY), "R6", "antigen", "negative",
         datetime(2021, 8, 2, 4, 0), date(2021, 8, 2), datetime(2021, 8, 5, 4, 0), datetime(2021, 8, 5, 5, 0)),
        ("SKB-1471398-210803-0001", check_code("SKB-1471398-210803-0001", KEY), "R4", "pcr", "negative",
         datetime(2021, 8, 3, 2, 0), date(2021, 8, 3), datetime(2021, 8, 10, 2, 0), None),
        ("SKB-1471398-210803-0003", check_code("SKB-1471398-210803-0003", KEY), "R2", "antigen", "negative",
         datetime(2021, 8, 3, 3, 0), date(2021, 8, 3), datetime(2021, 8, 6, 3, 0), None),
    ]
    # The holder is the NIK of the row, whoever's test it names; a new holder becomes a person.
    assert rows(db, "SELECT person_key FROM certificates WHERE number = 'SKB-1471398-210803-0003'") == [
        (pseudonymise("1471010303000005", PEPPER),)]
    assert rows(db, "SELECT source, rows_in, rows_accepted, rows_rejected, rows_duplicate, status FROM ingest_batches "
                    "WHERE id = :b", b=summary.batch_id) == [("certificates", 5, 4, 0, 1, "done")]


def test_loading_twice_adds_nothing(db):
    load_lines(db, GOOD)
    before = counts(db)
    second = load_lines(db, GOOD)
    assert_counts(second, 5, 0, 0, 5)
    after = counts(db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1
    assert after == before


def test_sending_a_certificate_again_with_a_revocation_revokes_it_once(db):
    load_lines(db, GOOD)
    again = [HEADER, GOOD[1] + "04/08/2021 07:00",
             # Another facility cannot revoke 1471398's certificate.
             GOOD[3].replace(";1471398;R2;", ";1471022;R2;") + "04/08/2021 07:00"]
    summary = load_lines(db, again)
    assert_counts(summary, 2, 0, 0, 2)
    assert [n.key for n in summary.notes] == ["ingest.note.certificates_revoked"]
    assert summary.notes[0].params == {"count": 1}
    assert rows(db, "SELECT number, revoked_at FROM certificates WHERE revoked_at IS NOT NULL ORDER BY 1") == [
        ("SKB-1471398-210802-0004", datetime(2021, 8, 5, 5, 0)), ("SKB-1471398-210803-0001", datetime(2021, 8, 4, 0, 0))]
    assert load_lines(db, again).notes == []


def bad_lines() -> list[str]:
    good = "SKB-B-{n};1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;"
    return [
        HEADER + ";Kode Verifikasi",
        good.format(n=1) + ";",
        "SKB B 2;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;;",
        "SKB-B-3;9999999;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;;",
        "SKB-B-4;1471398;R4;147101410185;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;;",
        "SKB-B-5;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Invalid;03/08/2021 09:00;;;",
        "SKB-B-6;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;02/08/2021 09:00;;",
        "SKB-B-7;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;01/08/2021 09:00;",
        good.format(n=8) + ";ABCD2345",
        "SKB-B-9;1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;01/01/2099 09:00;;;",
        ";1471398;R4;1471014101850002;P;1985;Binawidya;PCR;Negatif;03/08/2021 09:00;;;",
        # The register's own code, in small letters, with O for 0 and L for 1 as people misread them.
        good.format(n=11) + ";" + check_code("SKB-B-11", KEY).lower().replace("0", "o").replace("1", "l"),
        "SKB-B-12;1471398;R4;1471014101850002;P;1985;Binawidya;Swab;Negatif;kemarin;;;",
    ]


def test_bad_rows_are_kept_with_their_reasons(db):
    summary = load_lines(db, bad_lines())
    assert_counts(summary, 12, 2, 10, 0)
    assert rejected(db, summary.batch_id) == {
        3: {"ingest.reject.bad_certificate_number"},
        4: {"ingest.reject.unknown_facility"},
        5: {"ingest.reject.bad_nik"},
        6: {"ingest.reject.unknown_value"},
        7: {"ingest.reject.valid_until_before_issue"},
        8: {"ingest.reject.revoked_before_issue"},
        9: {"ingest.reject.check_code_differs"},
        10: {"ingest.reject.date_in_future"},
        11: {"ingest.reject.required"},
        13: {"ingest.reject.unknown_value", "ingest.reject.bad_date"},
    }
    assert rows(db, "SELECT number, check_code FROM certificates ORDER BY 1") == [
        ("SKB-B-1", check_code("SKB-B-1", KEY)), ("SKB-B-11", check_code("SKB-B-11", KEY))]
    # The rejected rows keep the NIK masked.
    raw = rows(db, "SELECT raw FROM rejected_rows WHERE batch_id = :b AND row_number = 3", b=summary.batch_id)[0][0]
    assert "1471014101850002" not in raw and "147101**********" in raw


def test_preview_checks_as_the_load_does(db):
    shown = preview(db, "certificates", csv_bytes(bad_lines()))
    assert (shown.rows_in, shown.valid, len(shown.rejected)) == (12, 2, 10)


def test_a_forged_file_without_tests_loads_linked_to_no_test(db):
    forged = [HEADER,
              "PALSU-001;1471398;X-404;1471019999990001;L;1979;14.71.08.1010;Antigen;Negatif;03/08/2021 09:00;;",
              "PALSU-002;1471398;;1471019999990002;P;1982;;Antigen;Bebas COVID-19;03/08/2021 09:05;;",
              # R1 is a sample of 1471398, not of the facility that claims it here.
              "PALSU-003;1471022;R1;1471010101900001;L;1990;;PCR;Negatif;03/08/2021 09:10;;"]
    summary = load_lines(db, forged)
    assert_counts(summary, 3, 3, 0, 0)
    assert rows(db, "SELECT number, test_result_id FROM certificates ORDER BY 1") == [
        ("PALSU-001", None), ("PALSU-002", None), ("PALSU-003", None)]
    assert rows(db, "SELECT COUNT(*) FROM persons WHERE person_key IN (:a, :b)",
                a=pseudonymise("1471019999990001", PEPPER), b=pseudonymise("1471019999990002", PEPPER)) == [(2,)]


def test_certificates_need_the_key_outside_the_demo(db, monkeypatch):
    monkeypatch.delenv("CERTIFICATE_KEY")
    before = counts(db)
    with pytest.raises(IngestRefused) as refused:
        load_lines(db, GOOD)
    assert refused.value.message.key == "ingest.no_certificate_key"
    after = counts(db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1  # the failed batch's trace
    assert after == before


def test_the_template_loads_as_it_is(db, tmp_path):
    from casedb.ingest.templates import write_templates

    write_templates(tmp_path)
    summary = load(db, "certificates", tmp_path / "template_certificates_v1.0.csv", pepper=PEPPER)
    assert_counts(summary, 1, 1, 0, 0)
    assert (tmp_path / "dictionary_certificates_v1.0.id.md").read_text(encoding="utf-8").count("| Nomor Sertifikat |") == 1
    assert "| Kode Verifikasi |" in (tmp_path / "dictionary_certificates_v1.0.en.md").read_text(encoding="utf-8")


# --- FHIR R4 ---------------------------------------------------------------------------------------

def document(number: str, kind: str, patient: str, issued: str, **extra) -> dict:
    resource = {
        "resourceType": "DocumentReference", "id": number, "status": "current",
        "identifier": [{"system": "https://dinkes.pekanbaru.go.id/certificate", "value": number}],
        "type": {"coding": [{"system": "http://snomed.info/sct", "code": kind}]},
        "subject": {"reference": f"Patient/{patient}"}, "custodian": {"reference": "Organization/lab"},
        "date": issued, "context": {"event": [{"coding": [{"system": "http://loinc.org", "code": "94500-6"}]}]},
    }
    for name, value in extra.items():
        if name == "revoked":
            resource["extension"] = [{"url": "https://dinkes.pekanbaru.go.id/fhir/StructureDefinition/"
                                             "certificate-revoked-at", "valueDateTime": value}]
        else:
            resource["context"][name] = value
    return {"fullUrl": f"urn:uuid:{number}", "resource": resource}


def bundle() -> bytes:
    patient = {"resourceType": "Patient", "id": "p2", "gender": "female", "birthDate": "1985-03-02",
               "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik", "value": "1471014101850002"}]}
    observation = {"resourceType": "Observation", "id": "obs-r4", "identifier": [{"value": "R4"}]}
    organization = {"resourceType": "Organization", "id": "lab", "identifier": [{"value": "1471398"}]}
    entries = [{"resource": patient}, {"resource": observation}, {"resource": organization},
               document("FHIR-1", "260385009", "p2", "2021-08-03T09:00:00+07:00",
                        related=[{"reference": "Observation/obs-r4"}], period={"end": "2021-08-06T09:00:00+07:00"}),
               document("FHIR-2", "260385009", "p2", "2021-08-03T02:30:00Z",
                        related=[{"identifier": {"value": "R3"}}], revoked="2021-08-04T10:00:00+07:00"),
               document("FHIR-3", "negative-ish", "p2", "2021-08-03T09:00:00+07:00")]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def test_fhir_document_references_load_as_certificates(db):
    summary = load(db, "certificates", bundle(), file_name="certificates.json", pepper=PEPPER)
    assert_counts(summary, 3, 2, 1, 0)
    assert rejected(db, summary.batch_id) == {6: {"ingest.reject.unknown_value"}}
    assert rows(db, "SELECT c.number, tr.source_ref, c.test_type, c.certified_result, c.issued_at, c.valid_until, "
                    "c.revoked_at, c.person_key FROM certificates c LEFT JOIN test_results tr "
                    "ON tr.id = c.test_result_id ORDER BY 1") == [
        ("FHIR-1", "R4", "pcr", "negative", datetime(2021, 8, 3, 2, 0), datetime(2021, 8, 6, 2, 0), None,
         pseudonymise("1471014101850002", PEPPER)),
        ("FHIR-2", "R3", "pcr", "negative", datetime(2021, 8, 3, 2, 30), datetime(2021, 8, 10, 2, 30),
         datetime(2021, 8, 4, 3, 0), pseudonymise("1471014101850002", PEPPER)),
    ]
    assert load(db, "certificates", bundle(), pepper=PEPPER).duplicates == 2


# --- Movements' document status from the register -------------------------------------------------

MOVEMENTS_HEADER = "No Catatan;Kode Pos;NIK;Arah;Waktu;Moda;Nomor Sertifikat;Status Dokumen"


def grant(db, test_type: str, valid_from: date, valid_until: date, revoked_at: datetime | None = None) -> None:
    with db.begin() as conn:
        facility = conn.execute(select(schema.facilities.c.id).where(
            schema.facilities.c.registry_code == "1471398")).scalar_one()
        number = f"REK/{test_type}/{valid_from}"
        auth_id = conn.execute(insert(schema.authorizations).values(
            facility_id=facility, number=number, valid_from=valid_from, valid_until=valid_until,
            revoked_at=revoked_at, granted_by="test")).inserted_primary_key[0]
        conn.execute(insert(schema.authorization_test_types).values(authorization_id=auth_id, test_type=test_type))


def test_a_number_sent_without_status_gets_the_registers(db):
    load_lines(db, GOOD)
    grant(db, "pcr", date(2021, 7, 1), date(2021, 12, 31))
    grant(db, "antigen", date(2021, 7, 1), date(2021, 8, 2))  # covers C4 (2 Aug), not C3 (3 Aug)
    lines = [MOVEMENTS_HEADER,
             # C1 (PCR, valid until 10 Aug 09:00 WIB) shown by its holder, then by someone else.
             "V1;SSK2;1471014101850002;Masuk;05/08/2021 10:00;Pesawat;skb-1471398-210803-0001;",
             "V2;SSK2;1471010101900001;Masuk;05/08/2021 10:05;Pesawat;SKB-1471398-210803-0001;",
             # C2 (PCR, until 9 Aug 08:00 WIB) shown after it ran out.
             "V3;SSK2;1471010101900001;Masuk;09/08/2021 08:01;Pesawat;SKB-1471398-210802-0002;",
             # C3: antigen, issued the day after the issuer's antigen authorisation ended.
             "V4;SSK2;1471010303000005;Masuk;04/08/2021 08:00;Pesawat;SKB-1471398-210803-0003;",
             # C4: revoked on 5 Aug 12:00 WIB; valid until that moment.
             "V5;SSK2;1471010202950004;Keluar;05/08/2021 12:00;Pesawat;SKB-1471398-210802-0004;",
             "V6;SSK2;1471010202950004;Keluar;05/08/2021 11:00;Pesawat;SKB-1471398-210802-0004;",
             "V7;SSK2;1471010202950004;Keluar;05/08/2021 11:00;Pesawat;SKB-TIDAK-ADA;",
             "V8;SSK2;1471010202950004;Keluar;05/08/2021 11:00;Pesawat;;",
             # A status sent with the number is the checkpoint's own check (a certificate of another city).
             "V9;SSK2;1471010202950004;Keluar;05/08/2021 11:00;Pesawat;JKT-123;Valid"]
    summary = load(db, "movements", csv_bytes(lines), pepper=PEPPER)
    assert_counts(summary, 9, 9, 0, 0)
    derived = dict(rows(db, "SELECT source_ref, document_status FROM movements"))
    assert derived == {"V1": "valid", "V2": "mismatch", "V3": "expired", "V4": "issuer_unauthorized",
                       "V5": "expired", "V6": "valid", "V7": "not_found", "V8": "none", "V9": "valid"}
    assert rows(db, "SELECT certificate_number FROM movements WHERE source_ref = 'V1'") == [("SKB-1471398-210803-0001",)]
    assert rows(db, "SELECT SUM(doc_valid), SUM(doc_expired), SUM(doc_not_found), SUM(doc_issuer_unauthorized), "
                    "SUM(doc_mismatch), SUM(doc_none) FROM daily_entry_point") == [(3, 2, 1, 1, 1, 1)]


def test_the_demo_citys_movements_agree_with_the_register(small_city):
    """Every movement of the demo city that names a certificate carries the status the register
    derivation gives it: the demo generator and ingestion never disagree."""
    from casedb.ingest.write import document_status_sql

    found = rows(small_city, f"SELECT m.document_status, {document_status_sql('m')} AS derived, COUNT(*) "
                             f"FROM movements m WHERE m.certificate_number IS NOT NULL GROUP BY 1, 2")
    by_pair = {(sent, derived): n for sent, derived, n in found}
    assert {sent for sent, _ in by_pair} == {"valid", "expired", "not_found", "issuer_unauthorized", "mismatch"}
    assert {pair: n for pair, n in by_pair.items() if pair[0] != pair[1]} == {}


def test_an_xlsx_file_loads_as_the_csv_does(db):
    from openpyxl import Workbook

    book = Workbook()
    for line in GOOD:
        book.active.append(line.split(";"))
    out = io.BytesIO()
    book.save(out)
    summary = load(db, "certificates", out.getvalue(), file_name="certificates.xlsx", pepper=PEPPER)
    assert_counts(summary, 5, 4, 0, 1)
    assert rows(db, "SELECT COUNT(*) FROM certificates WHERE test_result_id IS NOT NULL") == [(4,)]
