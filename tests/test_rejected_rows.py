"""Rejected rows keep what a reviewer needs to fix the row and no personal data, whatever the column
layout (issue 18, item 1): 16-digit and other long digit runs, phone numbers, full dates (the year
at most), names and addresses are masked; a rejected FHIR resource is kept as a summary of its
non-personal fields; the rows stored before are repaired by a migration."""
from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import insert, select, text

from casedb import reference, schema
from casedb.ingest import load, preview
from casedb.ingest.masking import mask_free_text
from casedb.migrate import upgrade
from casedb.engine import get_engine
from tests.conftest import create_database, drop_database

PEPPER = "rejected-rows-test-pepper-0123456789-ABC"
NIK = "1471015203870007"
HEADER = ("No Sampel,Kode Faskes,Nama Pasien,NIK,Jenis Kelamin,Tanggal Lahir,Alamat,No HP,Kode Kelurahan,"
          "Jenis Pemeriksaan,Tgl Pengambilan Spesimen,Tgl Hasil,Tgl Lapor,Hasil")
# An unquoted comma in the name ("Siti Aminah, S.Pd") moves every later cell one column right.
SHIFTED = (f"S1,1471398,Siti Aminah, S.Pd,{NIK},P,12/03/1985,Jl. Melati No. 5 Sukajadi,+62 812-7654-3210,"
           "14.71.08.1010,PCR,05/08/2021 08:00,05/08/2021 20:00,06/08/2021 09:00,Positif")
# In place, but from an unknown facility (rejected): the birth date and a free-text note.
IN_PLACE = (f"S2,9999999,Budi Santoso,{NIK},L,1985-03-12,Jl. Kenanga 7,081276543210,14.71.08.1010,PCR,"
            "05/08/2021 08:00,05/08/2021 20:00,06/08/2021 09:00,Negatif")
PERSONAL = ("Siti", "Aminah", "S.Pd", "Budi", "Santoso", "Melati", "Kenanga", "Sukajadi", NIK, "1985-03-12",
            "12/03/1985", "7654", "3210", "81276543210")


def _db(engine):
    with engine.begin() as conn:
        reference.load(conn)
    return engine


def _stored(engine) -> dict[int, tuple[str, str]]:
    with engine.connect() as conn:
        return {n: (raw, reason) for n, raw, reason in conn.execute(
            text("SELECT row_number, raw, reason FROM rejected_rows ORDER BY row_number"))}


def _assert_no_personal_data(text_: str) -> None:
    for personal in PERSONAL:
        assert personal not in text_, (personal, text_)
    assert not re.search(r"\d{12,}", text_), text_
    assert not re.search(r"\d{1,2}[/-]\d{1,2}[/-](19|20)\d\d(?!\d)", re.sub(r"0[56]/08/2021", "", text_)), text_


def test_a_comma_shifted_row_and_a_full_birth_date_keep_no_personal_data(empty_db):
    db = _db(empty_db)
    content = "\r\n".join([HEADER, SHIFTED, IN_PLACE]).encode()
    summary = load(db, "test_results", content, file_name="shifted.csv", pepper=PEPPER)
    assert (summary.accepted, summary.rejected) == (0, 2)
    stored = _stored(db)
    assert set(stored) == {2, 3}
    for raw, reason in stored.values():
        _assert_no_personal_data(raw)
        _assert_no_personal_data(reason)
    shifted_raw, _ = stored[2]
    # What a reviewer needs is still there: the sample number, codes, vocabulary words, the year.
    for kept in ("S1", "1471398", "PCR", "Positif", "1985"):
        assert kept in shifted_raw
    in_place_raw, _ = stored[3]
    # A row whose cells are in place keeps the cells of known non-personal columns as they are.
    assert in_place_raw.startswith("S2,9999999,***,147101**********,L,1985,***,***,14.71.08.1010,PCR,"
                                   "05/08/2021 08:00,05/08/2021 20:00,06/08/2021 09:00,Negatif")
    # The upload page's preview shows the same masked rows.
    shown = preview(db, "test_results", content)
    for raw in shown.rejected["raw"]:
        _assert_no_personal_data(raw)


def test_free_text_masking_rules():
    assert mask_free_text("NIK 1471015203870007 lahir 12/03/1985") == "NIK **************** lahir 1985"
    assert mask_free_text("tgl 1985-03-12, hp 0812 7654 3210") == "tgl 1985, *** **** **** ****"
    assert mask_free_text("+62 812-7654-3210") == "+** ***-****-****"
    assert mask_free_text("Siti Aminah, S.Pd") == "*** ***, ***.***"
    assert mask_free_text("PCR Positif 14.71.08.1010 1471398") == "PCR Positif 14.71.08.1010 1471398"


def _bundle(observation_code: str) -> bytes:
    patient = {"resourceType": "Patient", "id": "pat-1",
               "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik", "value": NIK}],
               "name": [{"text": "Siti Aminah"}], "gender": "female", "birthDate": "1985-03-12",
               "telecom": [{"system": "phone", "value": "+6281276543210"}],
               "address": [{"line": ["Jl. Melati No. 5 Sukajadi"]}]}
    observation = {"resourceType": "Observation", "id": "obs-9", "status": "final",
                   "identifier": [{"value": "OBS-9"}],
                   "code": {"coding": [{"system": "http://loinc.org", "code": observation_code}]},
                   "subject": {"reference": "Patient/pat-1", "display": "Siti Aminah",
                               "identifier": {"value": NIK}},
                   "contained": [patient],
                   "note": [{"text": "Pasien Siti Aminah, lahir 12/03/1985, HP 081276543210"}],
                   "performer": [{"reference": "Organization/org-1"}],
                   "issued": "2021-08-05T20:00:00+07:00",
                   "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "10828004"}]}}
    organization = {"resourceType": "Organization", "id": "org-1", "identifier": [{"value": "1471398"}]}
    return json.dumps({"resourceType": "Bundle", "timestamp": "2021-08-06T12:00:00+07:00", "entry": [
        {"fullUrl": "Organization/org-1", "resource": organization},
        {"fullUrl": "Patient/pat-1", "resource": patient},
        {"resource": observation}]}).encode()


def test_a_rejected_fhir_observation_is_kept_as_a_summary_without_the_patient(empty_db):
    db = _db(empty_db)
    summary = load(db, "fhir", _bundle("12345-6"), file_name="b.json", pepper=PEPPER)
    assert summary.rejected == 1
    (raw, reason), = _stored(db).values()
    _assert_no_personal_data(raw)
    _assert_no_personal_data(reason)
    kept = json.loads(raw)
    assert kept["resourceType"] == "Observation" and kept["id"] == "obs-9"
    assert kept["code"] == [{"system": "http://loinc.org", "code": "12345-6"}]
    assert kept["issued"] == "2021"
    assert "subject" not in kept and "contained" not in kept and "note" not in kept


def test_the_migration_repairs_rows_stored_before(backend, tmp_path):
    url = create_database(backend, tmp_path)
    try:
        engine = get_engine(url)
        upgrade(engine, "0004")
        with engine.begin() as conn:
            batch = conn.execute(insert(schema.ingest_batches).values(
                source="test_results", started_at=datetime(2021, 8, 6), status="done")).inserted_primary_key[0]
            old_csv = ("S1,1471398,Siti Aminah, S.Pd,147101**********,P,1471015203870007,12/03/1985,"
                       "Jl. Melati No. 5,+62 812-7654-3210,14.71.08.1010,PCR,05/08/2021 08:00,Positif")
            old_fhir = json.loads(_bundle("12345-6"))["entry"][2]["resource"]
            conn.execute(insert(schema.rejected_rows), [
                {"batch_id": batch, "row_number": 2, "raw": old_csv,
                 "reason": json.dumps([{"key": "ingest.reject.unknown_value",
                                        "params": {"field": "JK", "value": NIK}}])},
                {"batch_id": batch, "row_number": 3, "raw": json.dumps(old_fhir), "reason": "[]"},
            ])
        upgrade(engine)
        with engine.connect() as conn:
            repaired = conn.execute(select(schema.rejected_rows.c.raw, schema.rejected_rows.c.reason)
                                    .order_by(schema.rejected_rows.c.row_number)).all()
        for raw, reason in repaired:
            _assert_no_personal_data(raw)
            _assert_no_personal_data(reason)
        assert "PCR" in repaired[0].raw and "1471398" in repaired[0].raw
        assert json.loads(repaired[1].raw)["id"] == "obs-9"
    finally:
        drop_database(url)


def test_an_xlsx_row_keeps_the_year_of_a_birth_date_cell_and_masks_cells_past_the_header(empty_db):
    import io
    from datetime import datetime as moment

    from openpyxl import Workbook

    db = _db(empty_db)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["S3", "9999999", "Budi Santoso", NIK, "L", moment(1985, 3, 12), "Jl. Kenanga 7", "081276543210",
                  "14.71.08.1010", "PCR", "05/08/2021 08:00", "05/08/2021 20:00", "06/08/2021 09:00", "Negatif"])
    sheet.append(["S4", "1471398", "Siti Aminah", " S.Pd", NIK, "P", moment(1985, 3, 12), "Jl. Melati No. 5 Sukajadi",
                  "+62 812-7654-3210", "14.71.08.1010", "PCR", "05/08/2021 08:00", "05/08/2021 20:00",
                  "06/08/2021 09:00", "Positif"])
    content = io.BytesIO()
    book.save(content)
    summary = load(db, "test_results", content.getvalue(), file_name="x.xlsx", pepper=PEPPER)
    assert summary.rejected == 2
    stored = _stored(db)
    for raw, reason in stored.values():
        _assert_no_personal_data(raw)
        _assert_no_personal_data(reason)
    assert stored[2][0].startswith("S3,9999999,***,147101**********,L,1985,***,***,14.71.08.1010,PCR,")
