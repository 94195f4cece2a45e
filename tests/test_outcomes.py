"""Case outcomes (admission, discharge, recovery, death) on SQLite and PostgreSQL: CSV, XLSX and
FHIR R4; good, bad, repeated and out-of-order files with hand-counted results; the overview's
active, recovered and deaths as the figures show them; nothing half-written when a load fails."""
from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest

import queries
from casedb.ingest import load, preview
from casedb.ingest.errors import reasons_from_text
from casedb.pseudonym import pseudonymise
from tests.test_ingest import FIXTURES, PEPPER, assert_counts, counts, csv_bytes, data_version, db, rows  # noqa: F401

HEADER = "No Sampel;NIK;Status;Tanggal;Kode Faskes"
# results_good.csv confirms two cases: R1 (NIK ...900001, 20:00 WIB on 1 Aug 2021) and R6 (NIK
# ...950004, 10:15 WIB on 2 Aug 2021).
NIK_R1, NIK_R6 = "1471010101900001", "1471010202950004"


@pytest.fixture
def cases_db(db):
    load(db, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    return db


def outcomes(engine, lines: list[str], **kw):
    summary = load(engine, "outcomes", csv_bytes([HEADER, *lines]), file_name="outcomes.csv", pepper=PEPPER, **kw)
    assert summary.rows_in == summary.accepted + summary.rejected + summary.duplicates
    return summary


def case_row(engine, ref: str) -> tuple:
    return rows(engine, "SELECT c.hospitalised_at, c.discharged_at, c.recovered_at, c.recovered_day, c.died_at, "
                        "c.died_day FROM cases c JOIN test_results tr ON tr.id = c.test_result_id "
                        "WHERE tr.source_ref = :r", r=ref)[0]


def totals(engine, day: date) -> dict[str, int]:
    row = queries.run("city_cases_totals", "health", engine=engine, day=day).iloc[0]
    return {k: int(row[k]) for k in ("confirmed", "active", "recovered", "died")}


def reasons(engine, batch_id: int) -> dict[int, set[str]]:
    found = rows(engine, "SELECT row_number, reason FROM rejected_rows WHERE batch_id = :b", b=batch_id)
    return {n: {m.key for m in reasons_from_text(r)} for n, r in found}


def test_good_outcomes_move_cases_rollups_and_the_overview(cases_db):
    assert totals(cases_db, date(2021, 8, 10)) == {"confirmed": 2, "active": 2, "recovered": 0, "died": 0}
    version = data_version(cases_db)
    summary = outcomes(cases_db, [
        "R1;;Masuk RS;02/08/2021 09:00;1471398",
        f";{NIK_R6};Dirawat;02/08/2021 12:00;",
        "R1;;Pulang;10/08/2021 10:00;1471398",
        f"R1;{NIK_R1};Sembuh;10/08/2021 10:00;",
        "R6;;Meninggal;05/08/2021 03:00;",  # 03:00 WIB on 5 Aug: 20:00 UTC on 4 Aug
    ])
    assert_counts(summary, 5, 5, 0, 0)
    assert data_version(cases_db) == version + 1
    assert case_row(cases_db, "R1") == (datetime(2021, 8, 2, 2), datetime(2021, 8, 10, 3), datetime(2021, 8, 10, 3),
                                        date(2021, 8, 10), None, None)
    assert case_row(cases_db, "R6") == (datetime(2021, 8, 2, 5), None, None, None, datetime(2021, 8, 4, 20),
                                        date(2021, 8, 5))
    assert rows(cases_db, "SELECT day, recovered, died FROM daily_area WHERE recovered + died > 0 ORDER BY 1") == [
        (date(2021, 8, 5), 0, 1), (date(2021, 8, 10), 1, 0)]
    assert rows(cases_db, "SELECT kind, facility_id IS NOT NULL FROM case_outcomes ORDER BY id") == [
        ("admission", True), ("admission", False), ("discharge", True), ("recovery", False), ("death", False)]
    assert totals(cases_db, date(2021, 8, 4)) == {"confirmed": 2, "active": 2, "recovered": 0, "died": 0}
    assert totals(cases_db, date(2021, 8, 5)) == {"confirmed": 2, "active": 1, "recovered": 0, "died": 1}
    assert totals(cases_db, date(2021, 8, 10)) == {"confirmed": 2, "active": 0, "recovered": 1, "died": 1}
    assert rows(cases_db, "SELECT source, rows_in, rows_accepted, rows_rejected, rows_duplicate, status "
                          "FROM ingest_batches WHERE source = 'outcomes'") == [("outcomes", 5, 5, 0, 0, "done")]


def test_bad_rows_each_get_their_reason(cases_db):
    summary = outcomes(cases_db, [
        "NOPE;;Sembuh;10/08/2021;",                     # 2 unknown sample number
        ";1471019999990000;Sembuh;10/08/2021;",         # 3 no case for this NIK
        ";;Sembuh;10/08/2021;",                         # 4 neither
        f"R1;{NIK_R6};Sembuh;10/08/2021;",              # 5 two different cases
        "R1;;Sembuh;31/07/2021 10:00;",                 # 6 recovery before confirmation
        "R6;;Meninggal;02/08/2021 09:00;",              # 7 death before confirmation (10:15)
        "R1;;Sembuh;32/08/2021;",                       # 8 not a date
        "R1;;Pindah;10/08/2021;",                       # 9 unknown outcome
        "R1;;Sembuh;10/08/2021;NOFAC",                  # 10 unknown facility
        "R1;123;Sembuh;10/08/2021;",                    # 11 bad NIK
        "R1;;Sembuh;10/08/2021;",                       # 12 good
    ])
    assert_counts(summary, 11, 1, 10, 0)
    assert reasons(cases_db, summary.batch_id) == {
        2: {"ingest.reject.outcome_unknown_sample"}, 3: {"ingest.reject.outcome_unknown_person"},
        4: {"ingest.reject.outcome_no_identifier"}, 5: {"ingest.reject.outcome_mismatch"},
        6: {"ingest.reject.recovery_before_confirmation"}, 7: {"ingest.reject.death_before_confirmation"},
        8: {"ingest.reject.bad_date"}, 9: {"ingest.reject.unknown_value"}, 10: {"ingest.reject.unknown_facility"},
        11: {"ingest.reject.bad_nik"},
    }
    # The NIK never reaches the rejected rows whole.
    stored = " ".join(r[0] for r in rows(cases_db, "SELECT raw FROM rejected_rows"))
    assert "1471019999990000" not in stored and NIK_R6 not in stored and "147101**********" in stored
    assert rows(cases_db, "SELECT COUNT(*) FROM case_outcomes") == [(1,)]


def test_a_repeated_file_and_repeated_rows_are_duplicates(cases_db):
    lines = ["R1;;Sembuh;10/08/2021 10:00;", "R1;;Sembuh;10/08/2021 10:00;", "R6;;Masuk RS;02/08/2021;"]
    assert_counts(outcomes(cases_db, lines), 3, 2, 0, 1)
    before, version = counts(cases_db), data_version(cases_db)
    assert_counts(outcomes(cases_db, lines), 3, 0, 0, 3)
    after = counts(cases_db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1
    assert after == before
    assert data_version(cases_db) == version


def test_out_of_order_a_death_replaces_a_recovery_and_a_later_recovery_is_refused(cases_db):
    outcomes(cases_db, ["R1;;Sembuh;10/08/2021 10:00;"])
    assert totals(cases_db, date(2021, 8, 12)) == {"confirmed": 2, "active": 1, "recovered": 1, "died": 0}
    summary = outcomes(cases_db, ["R1;;Meninggal;12/08/2021 08:00;"])
    assert_counts(summary, 1, 1, 0, 0)
    assert case_row(cases_db, "R1")[2:] == (None, None, datetime(2021, 8, 12, 1), date(2021, 8, 12))
    assert totals(cases_db, date(2021, 8, 11)) == {"confirmed": 2, "active": 2, "recovered": 0, "died": 0}
    assert totals(cases_db, date(2021, 8, 12)) == {"confirmed": 2, "active": 1, "recovered": 0, "died": 1}
    trail = rows(cases_db, "SELECT username, action, detail FROM audit_log WHERE action = 'case_outcome'")
    assert len(trail) == 1
    detail = json.loads(trail[0][2])
    assert (detail["op"], detail["recovered_at"], detail["died_at"]) == (
        "death_replaces_recovery", "2021-08-10 03:00:00", "2021-08-12 01:00:00")
    # Both outcomes stay in the record.
    assert rows(cases_db, "SELECT kind FROM case_outcomes ORDER BY id") == [("recovery",), ("death",)]
    late = outcomes(cases_db, ["R1;;Sembuh;15/08/2021;"])
    assert_counts(late, 1, 0, 1, 0)
    assert reasons(cases_db, late.batch_id) == {2: {"ingest.reject.recovery_after_death"}}
    # In one file, in file order: a death then a recovery of the same case.
    same_file = outcomes(cases_db, ["R6;;Meninggal;06/08/2021;", "R6;;Sembuh;07/08/2021;",
                                    "R6;;Masuk RS;07/08/2021;"])
    assert_counts(same_file, 3, 1, 2, 0)
    assert reasons(cases_db, same_file.batch_id) == {3: {"ingest.reject.recovery_after_death"},
                                                     4: {"ingest.reject.admission_after_death"}}


def test_a_recovery_with_another_moment_corrects_the_first(cases_db):
    outcomes(cases_db, ["R1;;Sembuh;10/08/2021;"])
    assert_counts(outcomes(cases_db, ["R1;;Sembuh;14/08/2021;"]), 1, 1, 0, 0)
    assert case_row(cases_db, "R1")[3] == date(2021, 8, 14)
    assert rows(cases_db, "SELECT day, recovered FROM daily_area WHERE recovered > 0") == [(date(2021, 8, 14), 1)]
    assert [json.loads(d)["op"] for (d,) in rows(cases_db, "SELECT detail FROM audit_log "
                                                          "WHERE action = 'case_outcome'")] == ["recovery_corrected"]


def test_xlsx_with_real_dates(cases_db):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Nomor Sampel", "NIK Pasien", "Perkembangan", "Tanggal Kejadian", "Nama Pasien"])
    sheet.append(["R1", None, "Sembuh", datetime(2021, 8, 10, 10, 0), "Budi"])
    sheet.append([None, int(NIK_R6), "Meninggal Dunia", datetime(2021, 8, 5), "Sari"])
    sheet.append(["R1", None, "Sembuh", "kemarin", "Budi"])
    buffer = io.BytesIO()
    book.save(buffer)
    summary = load(cases_db, "outcomes", buffer.getvalue(), file_name="outcomes.xlsx", pepper=PEPPER)
    assert_counts(summary, 3, 2, 1, 0)
    assert case_row(cases_db, "R1")[2] == datetime(2021, 8, 10, 3)
    assert case_row(cases_db, "R6")[4] == datetime(2021, 8, 4, 17)
    raw = rows(cases_db, "SELECT raw FROM rejected_rows")[0][0]
    assert "Budi" not in raw and "***" in raw


def _bundle(entries: list[dict]) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def _patient(pid: str, nik: str, **extra) -> dict:
    return {"fullUrl": f"urn:uuid:{pid}", "resource": {
        "resourceType": "Patient", "id": pid,
        "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik", "value": nik}], **extra}}


def test_fhir_encounter_condition_and_deceased_patient(cases_db):
    bundle = _bundle([
        {"fullUrl": "urn:uuid:org", "resource": {"resourceType": "Organization", "id": "org",
                                                 "identifier": [{"system": "x", "value": "1471398"}]}},
        _patient("p1", NIK_R1),
        {"resource": {"resourceType": "Encounter", "id": "e1", "status": "finished",
                      "class": {"code": "IMP"}, "subject": {"reference": "urn:uuid:p1"},
                      "period": {"start": "2021-08-02T09:00:00+07:00", "end": "2021-08-09T03:00:00Z"},
                      "serviceProvider": {"reference": "urn:uuid:org"}}},
        # An outpatient visit is no admission.
        {"resource": {"resourceType": "Encounter", "id": "e2", "status": "finished",
                      "class": {"code": "AMB"}, "subject": {"reference": "urn:uuid:p1"},
                      "period": {"start": "2021-08-01T09:00:00+07:00", "end": "2021-08-01T10:00:00+07:00"}}},
        {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "urn:uuid:p1"},
                      "clinicalStatus": {"coding": [{"code": "resolved"}]},
                      "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "U07.1"}]},
                      "abatementDateTime": "2021-08-09T10:00:00+07:00"}},
        # Another condition's end is no COVID-19 recovery.
        {"resource": {"resourceType": "Condition", "id": "c2", "subject": {"reference": "urn:uuid:p1"},
                      "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J18.9"}]},
                      "abatementDateTime": "2021-08-08"}},
        _patient("p2", NIK_R6, deceasedDateTime="2021-08-05T10:00:00+07:00"),
        _patient("p3", "1471019999990000", deceasedDateTime="2021-08-05T10:00:00+07:00"),
    ])
    summary = load(cases_db, "outcomes", bundle, file_name="outcomes.json", pepper=PEPPER)
    assert_counts(summary, 5, 4, 1, 0)
    assert case_row(cases_db, "R1") == (datetime(2021, 8, 2, 2), datetime(2021, 8, 9, 3), datetime(2021, 8, 9, 3),
                                        date(2021, 8, 9), None, None)
    assert case_row(cases_db, "R6")[4:] == (datetime(2021, 8, 5, 3), date(2021, 8, 5))
    assert reasons(cases_db, summary.batch_id) == {8: {"ingest.reject.outcome_unknown_person"}}
    raw = rows(cases_db, "SELECT raw FROM rejected_rows")[0][0]
    assert "1471019999990000" not in raw and json.loads(raw)["resourceType"] == "Patient"
    assert rows(cases_db, "SELECT source FROM ingest_batches WHERE id = :b", b=summary.batch_id) == [("outcomes",)]
    # SATUSEHAT sends the same bundle again: nothing new.
    assert_counts(load(cases_db, "outcomes", bundle, pepper=PEPPER), 5, 0, 1, 4)


def test_failure_in_the_middle_leaves_the_database_as_it_was(cases_db):
    before, version = counts(cases_db), data_version(cases_db)
    lines = ["R1;;Masuk RS;02/08/2021;", "R1;;Sembuh;10/08/2021;", "R6;;Meninggal;06/08/2021;",
             "NOPE;;Sembuh;10/08/2021;"]
    seen = []

    def failing_progress(done, total):
        seen.append(done)
        if len(seen) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        outcomes(cases_db, lines, chunk_rows=2, progress=failing_progress)
    after = counts(cases_db)
    assert after.pop("ingest_batches") == before.pop("ingest_batches") + 1
    assert after == before
    assert data_version(cases_db) == version
    assert case_row(cases_db, "R1") == (None,) * 6
    assert rows(cases_db, "SELECT status, rows_in FROM ingest_batches ORDER BY id DESC")[0] == ("failed", 0)
    assert_counts(outcomes(cases_db, lines, chunk_rows=2), 4, 3, 1, 0)


def test_preview_and_template(cases_db, tmp_path):
    from casedb.ingest.templates import write_templates

    shown = preview(cases_db, "outcomes", csv_bytes([HEADER, "R1;;Sembuh;10/08/2021;", ";;Sembuh;10/08/2021;"]))
    assert (shown.rows_in, shown.valid) == (2, 1)
    written = {p.name for p in write_templates(tmp_path)}
    assert {"template_outcomes_v1.0.csv", "dictionary_outcomes_v1.0.id.md", "dictionary_outcomes_v1.0.en.md"} <= written
    # The template's example names a sample no case has: it is read, and rejected with that reason.
    summary = load(cases_db, "outcomes", tmp_path / "template_outcomes_v1.0.csv", pepper=PEPPER)
    assert_counts(summary, 1, 0, 1, 0)
    assert reasons(cases_db, summary.batch_id) == {2: {"ingest.reject.outcome_unknown_sample"}}


def test_person_keys_are_the_pseudonyms_of_ingestion(cases_db):
    # An outcome by NIK finds the case made from the same NIK, pseudonymised with the same pepper.
    key = pseudonymise(NIK_R6, PEPPER)
    outcomes(cases_db, [f";{NIK_R6};Sembuh;20/08/2021;"])
    assert rows(cases_db, "SELECT c.person_key FROM cases c JOIN case_outcomes o ON o.case_id = c.id") == [(key,)]
