"""Case outcomes: admission, discharge, recovery and death of confirmed cases, from hospitals'
spreadsheets (source `outcomes`) and from FHIR R4 Bundles as SATUSEHAT sends them.

A row names its case by the sample number of the case's confirming result, by the person's NIK
(pseudonymised with NIK_PEPPER, as everywhere), or by both (then they must agree). Every accepted
outcome is kept in `case_outcomes`; the case's own columns follow from them:

- admission: `hospitalised_at` is the first admission; discharge: `discharged_at` the last discharge
  (not before the admission).
- recovery: not before confirmation, and never after a death. A later recovery with another moment
  corrects the earlier one (audited).
- death: not before confirmation. A death replaces a recovery (the recovery is undone, both rows
  stay in `case_outcomes`, and an audit row `case_outcome` says so); another moment corrects an
  earlier death (audited).
- The same outcome sent again (same case, kind and moment) is a duplicate and changes nothing.

The WIB days an outcome moved (a recovery's old and new day, a death's day) are recomputed in
`daily_area` and the data version is bumped, so the overview's active, recovered and deaths move.

FHIR: an inpatient Encounter (class IMP, ACUTE or NONAC) gives an admission (period.start) and,
when it has ended, a discharge (period.end); a Patient with deceasedDateTime a death; a Condition (COVID-19, or with no code)
with abatementDateTime a recovery. The patient is named by the NIK identifier
(https://fhir.kemkes.go.id/id/nik); the facility by the Organization in Encounter.serviceProvider
or Condition.asserter/recorder.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import BinaryIO, Iterator

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from casedb import audit, rollups, schema
from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.fhir import NIK_SYSTEM, _codings, _reference_index, _resolve, _wib_text
from casedb.ingest.formats import open_reader
from casedb.ingest.read import Chunk, FileInfo, Reader, inspect, mask_cell, open_binary
from casedb.ingest.rowwise import ACCEPTED, DUPLICATE
from casedb.ingest.sources import Source
from casedb.pseudonym import pseudonymise
from casedb.wib import to_wib, wib_day

# COVID-19 as SATUSEHAT codes a Condition: ICD-10 U07.1/U07.2, SNOMED CT 840539006.
COVID_CODES = {"U07.1", "U07.2", "840539006"}
# Encounter.class (HL7 v3 ActCode) of a hospital stay; outpatient (AMB), emergency (EMER) and home
# visits are no admission.
INPATIENT_CLASSES = {"IMP", "ACUTE", "NONAC"}
FHIR_LABELS = {
    "sample_number": "-",
    "nik": "Patient.identifier (NIK)",
    "outcome": "Encounter / Patient.deceasedDateTime / Condition.abatementDateTime",
    "at": "Encounter.period / Patient.deceasedDateTime / Condition.abatementDateTime",
    "facility": "Encounter.serviceProvider / Condition.asserter (Organization.identifier)",
}


def _shown(moment: datetime) -> str:
    return to_wib(moment).strftime("%d/%m/%Y %H:%M")


class OutcomeApplier:
    """Applies valid outcome rows in file order, against the cases as they stand in the batch."""

    def __init__(self, conn: Connection, *, batch_id: int, pepper: str, created_by: str | None,
                 file_name: str | None):
        self.batch_id = batch_id
        self.pepper = pepper
        self.created_by = created_by or "ingest"
        self.samples: dict[str, list[int]] | None = None
        self.seen: set[tuple[int, str, datetime]] = set()
        self.days: list[date] = []

    # -- which case ---------------------------------------------------------------------------
    def _sample_cases(self, conn: Connection) -> dict[str, list[int]]:
        """Sample number of each case's confirming result -> case ids (read once per batch: a
        lookup by sample number alone has no index of its own)."""
        if self.samples is None:
            c, tr = schema.cases, schema.test_results
            self.samples = {}
            for ref, case_id in conn.execute(select(tr.c.source_ref, c.c.id).join(tr, tr.c.id == c.c.test_result_id)):
                self.samples.setdefault(ref, []).append(case_id)
        return self.samples

    def _case_id(self, conn: Connection, row: pd.Series) -> int | list[Message]:
        by_sample = by_person = None
        sample = row["sample_number"]
        if not pd.isna(sample) and sample:
            ids = self._sample_cases(conn).get(sample, [])
            if not ids:
                return [Message("ingest.reject.outcome_unknown_sample", {"value": sample})]
            if len(ids) > 1:
                return [Message("ingest.reject.outcome_ambiguous_sample", {"value": sample})]
            by_sample = ids[0]
        nik = row["nik"]
        if not pd.isna(nik) and nik:
            key = pseudonymise(nik, self.pepper)
            by_person = conn.execute(select(schema.cases.c.id).where(schema.cases.c.person_key == key)).scalar()
            if by_person is None:
                return [Message("ingest.reject.outcome_unknown_person")]
        if by_sample is not None and by_person is not None and by_sample != by_person:
            return [Message("ingest.reject.outcome_mismatch")]
        return by_sample if by_sample is not None else by_person

    # -- applying -----------------------------------------------------------------------------
    def apply(self, conn: Connection, row: pd.Series) -> str | list[Message]:
        case_id = self._case_id(conn, row)
        if isinstance(case_id, list):
            return case_id
        kind, at = row["outcome"], pd.Timestamp(row["at"]).to_pydatetime()
        o = schema.case_outcomes
        if (case_id, kind, at) in self.seen or conn.execute(select(o.c.id).where(
                o.c.case_id == case_id, o.c.kind == kind, o.c.at == at)).first():
            self.seen.add((case_id, kind, at))
            return DUPLICATE
        c = schema.cases
        case = conn.execute(select(c.c.confirmed_at, c.c.hospitalised_at, c.c.discharged_at, c.c.recovered_at,
                                   c.c.recovered_day, c.c.died_at, c.c.died_day).where(c.c.id == case_id)).one()
        refused = _refusal(kind, at, case)
        if refused:
            return [refused]
        changes: dict = {}
        detail: dict | None = None
        if kind == "admission" and (case.hospitalised_at is None or at < case.hospitalised_at):
            changes["hospitalised_at"] = at
        elif kind == "discharge" and (case.discharged_at is None or at > case.discharged_at):
            changes["discharged_at"] = at
        elif kind == "recovery":
            changes.update(recovered_at=at, recovered_day=wib_day(at))
            if case.recovered_at is not None:
                detail = {"op": "recovery_corrected", "was": case.recovered_at, "now": at}
                self.days.append(case.recovered_day)
            self.days.append(wib_day(at))
        elif kind == "death":
            changes.update(died_at=at, died_day=wib_day(at))
            if case.recovered_at is not None:
                changes.update(recovered_at=None, recovered_day=None)
                detail = {"op": "death_replaces_recovery", "recovered_at": case.recovered_at, "died_at": at}
                self.days.append(case.recovered_day)
            elif case.died_at is not None:
                detail = {"op": "death_corrected", "was": case.died_at, "now": at}
                self.days.append(case.died_day)
            self.days.append(wib_day(at))
        conn.execute(insert(o).values(case_id=case_id, kind=kind, at=at, day=wib_day(at),
                                      facility_id=None if pd.isna(row["facility"]) else int(row["facility"]),
                                      batch_id=self.batch_id))
        if changes:
            conn.execute(update(c).where(c.c.id == case_id).values(**changes))
        if detail:
            audit.record(conn, self.created_by, None, "case_outcome", "success",
                         {"case": case_id, "batch": self.batch_id, **detail})
        self.seen.add((case_id, kind, at))
        return ACCEPTED

    def finish(self, conn: Connection, summary) -> None:
        days = [d for d in self.days if d is not None]
        if days:
            rollups.refresh(conn, min(days), max(days), ("daily_area", "daily_area_active", "daily_city"))


def _refusal(kind: str, at: datetime, case) -> Message | None:
    if kind in ("recovery", "death") and at < case.confirmed_at:
        return Message(f"ingest.reject.{kind}_before_confirmation", {"confirmed": _shown(case.confirmed_at)})
    if kind == "recovery" and case.died_at is not None:
        return Message("ingest.reject.recovery_after_death", {"died": _shown(case.died_at)})
    if kind == "admission" and case.died_at is not None and at > case.died_at:
        return Message("ingest.reject.admission_after_death", {"died": _shown(case.died_at)})
    if kind == "discharge" and case.hospitalised_at is not None and at < case.hospitalised_at:
        return Message("ingest.reject.discharge_before_admission", {"admitted": _shown(case.hospitalised_at)})
    return None


# --- FHIR ---------------------------------------------------------------------------------------

def _nik(patient: dict) -> str:
    return str(next((i.get("value", "") for i in patient.get("identifier", []) if isinstance(i, dict)
                     and i.get("system") == NIK_SYSTEM), ""))


def _organization_code(index: dict[str, dict], *references) -> str:
    for reference in references:
        organization = _resolve(index, reference)
        if organization.get("resourceType") == "Organization":
            return str(next((i.get("value", "") for i in organization.get("identifier", [])), ""))
    return ""


def _is_covid(condition: dict) -> bool:
    codes = {c.get("code") for c in _codings(condition.get("code"))}
    return not codes or bool(codes & COVID_CODES)


def bundle_rows(entries: list) -> list[tuple[int, dict, str]]:
    """(entry number, row in the outcomes source's fields, resource type) for every outcome a
    Bundle carries, in entry order."""
    index = _reference_index(entries)
    found: list[tuple[int, dict, str]] = []

    def row(outcome: str, at: str, patient: dict, facility: str = "") -> dict:
        return {"sample_number": "", "nik": _nik(patient), "outcome": outcome, "at": _wib_text(at),
                "facility": facility}

    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        if kind == "Encounter" and (resource.get("class") or {}).get("code") in INPATIENT_CLASSES:
            patient = _resolve(index, resource.get("subject"))
            period = resource.get("period") or {}
            facility = _organization_code(index, resource.get("serviceProvider"))
            if period.get("start"):
                found.append((number, row("admission", period["start"], patient, facility), kind))
            if period.get("end"):
                found.append((number, row("discharge", period["end"], patient, facility), kind))
        elif kind == "Patient" and "deceasedDateTime" in resource:
            found.append((number, row("death", str(resource.get("deceasedDateTime") or ""), resource), kind))
        elif kind == "Condition" and resource.get("abatementDateTime") and _is_covid(resource):
            patient = _resolve(index, resource.get("subject"))
            facility = _organization_code(index, resource.get("asserter"), resource.get("recorder"))
            found.append((number, row("recovery", resource["abatementDateTime"], patient, facility), kind))
    return found


def read_fhir_outcomes(stream: BinaryIO, info: FileInfo, source: Source, chunk_rows: int) -> Reader:
    try:
        bundle = json.loads(stream.read().decode(info.encoding))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IngestRefused("ingest.fhir.malformed_json", detail=str(e)) from e
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle" or not isinstance(
            bundle.get("entry") or [], list):
        raise IngestRefused("ingest.fhir.not_bundle")
    found = bundle_rows(bundle.get("entry") or [])
    done = [0]

    def chunks() -> Iterator[Chunk]:
        for start in range(0, len(found), chunk_rows):
            part = found[start:start + chunk_rows]
            fields = pd.DataFrame([r for _, r, _ in part], columns=list(FHIR_LABELS), dtype=str)
            fields["_spill"] = False
            done[0] = start + len(part)

            def raw(positions: list[int], part=part) -> list[str]:
                # The row as read from the resource, with the NIK masked: a Patient resource holds it.
                return [json.dumps({"resourceType": part[p][2], **{k: mask_cell(v, "nik" if k == "nik" else None)
                                                                   for k, v in part[p][1].items()}},
                                   ensure_ascii=False) for p in positions]

            yield Chunk(fields, pd.Series([n for n, _, _ in part]), raw)

    notes = [] if found else [Message("ingest.note.no_outcomes")]
    return Reader(dict(FHIR_LABELS), chunks(), notes, lambda: (done[0], len(found)))


def open_outcomes_reader(file, source: Source, chunk_rows: int) -> tuple[Reader, FileInfo]:
    """CSV and XLSX as every source; a JSON file as a FHIR Bundle of outcomes."""
    stream = open_binary(file)
    info = inspect(stream)
    if info.kind == "json":
        return read_fhir_outcomes(stream, info, source, chunk_rows), info
    return open_reader(stream, source, chunk_rows)
