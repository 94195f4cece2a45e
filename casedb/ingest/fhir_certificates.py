"""Health certificates as FHIR R4: a Bundle of DocumentReference resources, one per certificate,
beside the Patient, Organization and (optionally) Observation resources they refer to.

A DocumentReference is FHIR's resource for "a document about a patient that exists elsewhere":
the certificate on paper or PDF. Where each field is read:

- number: `identifier[0].value`
- kind (the result certified): `type.coding[].code` (negative/positive, or SNOMED CT 260385009 /
  10828004 as Observation values use them)
- issuer: `custodian` -> Organization.identifier (registry code)
- holder: `subject` -> Patient (NIK identifier, gender, birthDate, address), as for test results
- issued at: `date`; valid until: `context.period.end`
- test type: `context.event[].coding` (LOINC, as Observation.code)
- the test behind it: `context.related[]` -> an Observation in the bundle (its identifier) or a
  logical reference (`reference.identifier.value`): the facility's sample number
- revoked at: the extension REVOKED_AT (valueDateTime), since FHIR's `status` says that a document
  was withdrawn but not when
- the check code: never read; the register makes it

Rows then go through the same checks as the spreadsheet template.
"""
from __future__ import annotations

import json
from typing import BinaryIO, Iterator

import pandas as pd

from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.fhir import LOINC_SYSTEM, NIK_SYSTEM, _codings, _reference_index, _resolve, _village_code, _wib_text
from casedb.ingest.read import Chunk, FileInfo, Reader
from casedb.ingest.sources import Source

REVOKED_AT = "https://dinkes.pekanbaru.go.id/fhir/StructureDefinition/certificate-revoked-at"

LABELS = {
    "number": "DocumentReference.identifier",
    "facility": "DocumentReference.custodian (Organization.identifier)",
    "test_ref": "DocumentReference.context.related (Observation.identifier)",
    "nik": "Patient.identifier (NIK)",
    "sex": "Patient.gender",
    "birth_year": "Patient.birthDate",
    "kelurahan": "Patient.address (village)",
    "home_region": "Patient.address (city)",
    "test_type": "DocumentReference.context.event (LOINC)",
    "certified_result": "DocumentReference.type",
    "issued_at": "DocumentReference.date",
    "valid_until": "DocumentReference.context.period.end",
    "revoked_at": "DocumentReference.extension (revoked at)",
    "check_code": "",
}


def _related_sample(related: list, index: dict[str, dict]) -> str:
    for reference in related if isinstance(related, list) else []:
        if not isinstance(reference, dict):
            continue
        observation = _resolve(index, reference)
        identifiers = observation.get("identifier") or [{}]
        if identifiers[0].get("value"):
            return str(identifiers[0]["value"])
        logical = reference.get("identifier")
        if isinstance(logical, dict) and logical.get("value"):
            return str(logical["value"])
    return ""


def document_row(document: dict, index: dict[str, dict]) -> dict[str, str]:
    patient = _resolve(index, document.get("subject"))
    organization = _resolve(index, document.get("custodian"))
    context = document.get("context") if isinstance(document.get("context"), dict) else {}
    nik = next((i.get("value", "") for i in patient.get("identifier", []) if i.get("system") == NIK_SYSTEM), "")
    loinc = next((c.get("code", "") for event in context.get("event", []) for c in _codings(event)
                  if c.get("system") == LOINC_SYSTEM), "")
    kind = next((c.get("code", "") for c in _codings(document.get("type"))), "")
    revoked = next((e.get("valueDateTime", "") for e in document.get("extension", [])
                    if isinstance(e, dict) and e.get("url") == REVOKED_AT), "")
    identifiers = document.get("identifier") or [{}]
    birth = str(patient.get("birthDate", ""))
    city = _village_code(patient, "city")
    return {
        "number": str(identifiers[0].get("value", "")),
        "facility": str(next((i.get("value", "") for i in organization.get("identifier", [])), "")),
        "test_ref": _related_sample(context.get("related", []), index),
        "nik": str(nik),
        "sex": str(patient.get("gender", "")) if patient.get("gender") in ("male", "female") else "",
        "birth_year": birth[:4],
        "kelurahan": _village_code(patient, "village"),
        "home_region": f"{city[:2]}.{city[2:4]}" if len(city) >= 4 and not city.startswith("1471") else "",
        "test_type": str(loinc),
        "certified_result": str(kind),
        "issued_at": _wib_text(document.get("date")),
        "valid_until": _wib_text((context.get("period") or {}).get("end")),
        "revoked_at": _wib_text(revoked),
        "check_code": "",
    }


def read_certificate_bundle(stream: BinaryIO, info: FileInfo, source: Source, chunk_rows: int) -> Reader:
    try:
        bundle = json.loads(stream.read().decode(info.encoding))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IngestRefused("ingest.fhir.malformed_json", detail=str(e)) from e
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle" or not isinstance(
            bundle.get("entry") or [], list):
        raise IngestRefused("ingest.fhir.not_bundle")
    entries = bundle.get("entry") or []
    index = _reference_index(entries)
    documents = [(number, entry["resource"]) for number, entry in enumerate(entries, start=1)
                 if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
                 and entry["resource"].get("resourceType") == "DocumentReference"]
    done = [0]

    def chunks() -> Iterator[Chunk]:
        for start in range(0, len(documents), chunk_rows):
            part = documents[start:start + chunk_rows]
            fields = pd.DataFrame([document_row(d, index) for _, d in part], columns=list(LABELS), dtype=str)
            fields["_spill"] = False
            done[0] = start + len(part)
            yield Chunk(fields, pd.Series([n for n, _ in part]),
                        lambda positions, part=part: [json.dumps(part[p][1], ensure_ascii=False) for p in positions])

    notes = [] if documents else [Message("ingest.note.no_documents")]
    labels = {name: label for name, label in LABELS.items() if label}
    return Reader(labels, chunks(), notes, lambda: (done[0], len(documents)))
