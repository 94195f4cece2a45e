"""FHIR R4 Bundles as a lab connected to SATUSEHAT sends them: Patient, Specimen, Observation and
Organization resources. Each Observation becomes one test-result row in the fields of the
test_results source, with FHIR's codes kept as they are (LOINC test codes, SNOMED CT or HL7 v3
result codes), so that the same vocabularies and checks apply to them as to spreadsheets.

A Bundle is a message of bounded size and is read whole; the rows it yields are chunked.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import BinaryIO, Iterator

import pandas as pd

from casedb.ingest.errors import IngestRefused, Message
from casedb.ingest.masking import summarise_resource
from casedb.ingest.read import Chunk, FileInfo, Reader
from casedb.ingest.sources import Source
from casedb.wib import WIB

NIK_SYSTEM = "https://fhir.kemkes.go.id/id/nik"
LOINC_SYSTEM = "http://loinc.org"
# SATUSEHAT's address extension carries the Kemendagri codes of the address, down to the village.
ADMINISTRATIVE_CODE = "administrativeCode"

LABELS = {
    "source_ref": "Observation.identifier",
    "facility": "Observation.performer (Organization.identifier)",
    "nik": "Patient.identifier (NIK)",
    "sex": "Patient.gender",
    "birth_year": "Patient.birthDate",
    "kelurahan": "Patient.address (village)",
    "home_region": "Patient.address (city)",
    "test_type": "Observation.code (LOINC)",
    "purpose": "Observation.category",
    "specimen_at": "Specimen.collection.collectedDateTime",
    "result_at": "Observation.issued",
    "reported_at": "Bundle.timestamp",
    "result": "Observation.value / interpretation",
}


def _wib_text(moment: str | None) -> str:
    """A FHIR dateTime as WIB wall-clock text; a moment without offset is read as WIB already."""
    if not moment:
        return ""
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return moment
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(WIB).replace(tzinfo=None)
    if len(moment) <= 10:
        return parsed.strftime("%Y-%m-%d")
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def _reference_index(entries: list[dict]) -> dict[str, dict]:
    index: dict[str, dict] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if entry.get("fullUrl"):
            index[entry["fullUrl"]] = resource
        if resource.get("resourceType") and resource.get("id"):
            index[f"{resource['resourceType']}/{resource['id']}"] = resource
    return index


def _resolve(index: dict[str, dict], reference: dict | None) -> dict:
    if not isinstance(reference, dict):
        return {}
    return index.get(reference.get("reference", ""), {})


def _codings(concept: dict | None) -> list[dict]:
    return [c for c in (concept or {}).get("coding", []) if isinstance(c, dict)]


def _village_code(patient: dict, level: str) -> str:
    for address in patient.get("address", []):
        for extension in address.get("extension", []):
            if not str(extension.get("url", "")).endswith(ADMINISTRATIVE_CODE):
                continue
            for part in extension.get("extension", []):
                if part.get("url") == level:
                    return str(part.get("valueCode", ""))
    return ""


def observation_row(observation: dict, index: dict[str, dict], bundle_time: str) -> dict[str, str]:
    patient = _resolve(index, observation.get("subject"))
    specimen = _resolve(index, observation.get("specimen"))
    organization = next((o for o in (_resolve(index, p) for p in observation.get("performer", []))
                         if o.get("resourceType") == "Organization"), {})
    nik = next((i.get("value", "") for i in patient.get("identifier", []) if i.get("system") == NIK_SYSTEM), "")
    loinc = next((c.get("code", "") for c in _codings(observation.get("code")) if c.get("system") == LOINC_SYSTEM), "")
    value = _codings(observation.get("valueCodeableConcept"))
    interpretation = [c for concept in observation.get("interpretation", []) for c in _codings(concept)]
    result = (value or interpretation or [{}])[0].get("code") or observation.get("valueString", "")
    identifiers = observation.get("identifier") or [{}]
    birth = str(patient.get("birthDate", ""))
    city = _village_code(patient, "city")
    return {
        "source_ref": str(identifiers[0].get("value") or observation.get("id", "")),
        "facility": str(next((i.get("value", "") for i in organization.get("identifier", [])), "")),
        "nik": str(nik),
        "sex": str(patient.get("gender", "")) if patient.get("gender") in ("male", "female") else "",
        "birth_year": birth[:4],
        "kelurahan": _village_code(patient, "village"),
        "home_region": f"{city[:2]}.{city[2:4]}" if len(city) >= 4 and not city.startswith("1471") else "",
        "test_type": str(loinc),
        "purpose": "",
        "specimen_at": _wib_text((specimen.get("collection") or {}).get("collectedDateTime")
                                 or observation.get("effectiveDateTime")),
        "result_at": _wib_text(observation.get("issued")),
        "reported_at": _wib_text(bundle_time),
        "result": str(result),
    }


def read_fhir(stream: BinaryIO, info: FileInfo, source: Source, chunk_rows: int) -> Reader:
    try:
        bundle = json.loads(stream.read().decode(info.encoding))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IngestRefused("ingest.fhir.malformed_json", detail=str(e)) from e
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise IngestRefused("ingest.fhir.not_bundle")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise IngestRefused("ingest.fhir.not_bundle")
    index = _reference_index(entries)
    observations = [(number, entry["resource"]) for number, entry in enumerate(entries, start=1)
                    if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
                    and entry["resource"].get("resourceType") == "Observation"]
    done = [0]

    def chunks() -> Iterator[Chunk]:
        for start in range(0, len(observations), chunk_rows):
            part = observations[start:start + chunk_rows]
            rows = [observation_row(o, index, str(bundle.get("timestamp", ""))) for _, o in part]
            fields = pd.DataFrame(rows, columns=list(LABELS), dtype=str)
            fields["_spill"] = False
            done[0] = start + len(part)
            yield Chunk(fields, pd.Series([n for n, _ in part]),
                        lambda positions, part=part: [json.dumps(summarise_resource(part[p][1]), ensure_ascii=False)
                                                      for p in positions])

    notes = [] if observations else [Message("ingest.note.no_observations")]
    return Reader(dict(LABELS), chunks(), notes, lambda: (done[0], len(observations)))
