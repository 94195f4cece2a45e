"""What of a rejected row is kept: enough for a reviewer to find and fix the row, no personal data.

A rejected row is stored (rejected_rows.raw) and shown on the upload page; its reasons quote the
values found wrong. Both are masked here, whatever the column layout:

* Every run of 12 or more digits (a NIK is 16, a KK number 16, a BPJS number 13), single spaces
  or dashes between the digits allowed, becomes stars; so does every phone-like number
  (+62, 62 or 0 followed by 8 and 8 to 12 more digits).
* Every full date (dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd, yyyy/mm/dd, "12 Maret 1985",
  and in free text yyyymmdd) is cut to its year: the data dictionary keeps only the year of birth.
* Names and addresses: cells under a personal header (Nama, Alamat, No HP ...) become `***`.

Which cells are personal is known from the header only while the row's cells sit under it. A row
with more cells than the header (an unquoted comma in `Siti Aminah, S.Pd` moves every later cell one
column right) is masked as free text: every purely alphabetic word that is not a word of a known
code, vocabulary value or header (PCR, Positif, L, P, Tgl ...) becomes `***`, besides the digit,
phone and date rules; words with digits (sample numbers, codes) stay. Columns the loader does not
know (a "Catatan" note) are free text in every row. In a row that fits its header, the cells of
known non-personal fields stay as they are (an event date too: it is what a reviewer fixes) after
the digit and phone rules; the birth date keeps its year; the NIK its first six digits (the place of
registration). A row with fewer cells than the header cannot be told from one with empty cells; the
digit, phone and date rules still apply to every cell.

A rejected FHIR resource is kept as a summary (`summarise_resource`): its type, id, identifiers,
status, codes and the years of its moments; never the subject, contained resources, notes or text.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable

MASK = "***"
_MONTHS = (r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|mar(?:et|ch)?|apr(?:il)?|mei|may|jun(?:i|e)?|jul(?:i|y)?|"
           r"agu(?:stus)?|aug(?:ust)?|agt|sep(?:tember)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|des(?:ember)?|"
           r"dec(?:ember)?")
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_DATES = (
    re.compile(rf"(?<!\d)\d{{1,2}}[/\-.]\d{{1,2}}[/\-.]{_YEAR}(?!\d)"),
    re.compile(rf"(?<!\d){_YEAR}[/\-.]\d{{1,2}}[/\-.]\d{{1,2}}(?!\d)"),
    re.compile(rf"(?<!\d)\d{{1,2}}[\s\-]*(?:{_MONTHS})\.?[\s\-]*{_YEAR}(?!\d)", re.IGNORECASE),
)
_COMPACT_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?62|62|0)[\s\-.]?8\d(?:[\s\-.]?\d){6,11}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[ \-]?\d){11,}(?!\d)")
_WORD = re.compile(r"\b[^\W\d_]+\b")


def _stars(match: re.Match) -> str:
    return re.sub(r"\d", "*", match.group(0))


def _to_year(text: str, compact: bool = False) -> str:
    for pattern in _DATES + ((_COMPACT_DATE,) if compact else ()):
        text = pattern.sub(lambda m: m.group("y"), text)
    return text


def mask_numbers(text: str) -> str:
    """Phone numbers and runs of 12 or more digits as stars."""
    return _LONG_DIGITS.sub(_stars, _PHONE.sub(_stars, text))


def mask_known(text: str) -> str:
    """A cell of a known non-personal field: long numbers, phones and full dates (to the year)."""
    return mask_numbers(_to_year(text))


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Words of every source's headers and vocabularies (casefolded): what free text may keep."""
    from casedb.ingest.sources import SOURCES

    words: set[str] = {"nik", "fhir", "loinc", "sct", "http", "https", "www", "org"}
    for source in SOURCES.values():
        for f in source.fields:
            texts = [f.name, *f.headers, *(f.vocabulary or {}), *(f.vocabulary or {}).values()]
            for text in texts:
                words.update(w.casefold() for w in _WORD.findall(str(text)))
    return frozenset(words)


def mask_free_text(text: str) -> str:
    """Text whose meaning is unknown (a shifted row, a free-text column, a stored row repaired):
    dates to their year, long numbers and phones as stars, every unknown word as ***."""
    text = mask_numbers(_to_year(str(text), compact=True))
    known = known_words()
    return _WORD.sub(lambda m: m.group(0) if m.group(0).casefold() in known else MASK, text)


def mask_nik(value: str) -> str:
    """A NIK cell keeps its first six digits (the place of registration); anything else in it is free text."""
    value = value.strip()
    if len(value) > 6 and value[:6].isdigit():
        return value[:6] + "*" * (len(value) - 6)
    return mask_free_text(value)


def mask_birth(value: str) -> str:
    """A birth date cell keeps its year only."""
    reduced = _to_year(value, compact=True).strip()
    return reduced if re.fullmatch(r"(?:19|20)\d\d", reduced) else mask_free_text(value)


# How a cell under a header is masked, by the field's kind (HeaderMap.kinds).
_BY_KIND = {
    "personal": lambda v: MASK,
    "nik": mask_nik,
    "birth": mask_birth,
    "event": mask_numbers,
    "known": mask_known,
    "free": mask_free_text,
}


def cell_kind(field_kind: str | None) -> str:
    """The masking of a source field's cells ("free" for a column the loader does not know)."""
    if field_kind is None:
        return "free"
    return {"nik": "nik", "birth_year": "birth", "datetime": "event", "date": "event",
            "until_day": "event"}.get(field_kind, "known")


def mask_row(cells: Iterable[str], kinds: list[str], shifted: bool = False) -> list[str]:
    """One row's cells as kept. `kinds` has one entry per header column; a row with more cells
    than that (or `shifted`: cells past the header that are not given) is shifted, and every cell
    of it is free text."""
    cells = [str(c) for c in cells]
    shifted = shifted or len(cells) > len(kinds)
    out = []
    for i, value in enumerate(cells):
        if not value:
            out.append(value)
        elif shifted:
            out.append(mask_free_text(value))
        else:
            out.append(_BY_KIND[kinds[i]](value))
    return out


def mask_reason_value(value: Any, kind: str, shifted: bool) -> Any:
    """A value quoted in a rejection reason: as its cell would be kept."""
    if not isinstance(value, str) or not value:
        return value
    return mask_free_text(value) if shifted else _BY_KIND[kind](value)


# ------------------------------------------------------------------------------------------- FHIR

def _year(moment: Any) -> str | None:
    match = re.match(r"\s*((?:19|20)\d\d)", str(moment or ""))
    return match.group(1) if match else None


def _codes(concept: Any) -> list[dict]:
    concepts = concept if isinstance(concept, list) else [concept]
    return [{"system": str(c.get("system", "")), "code": mask_known(str(c.get("code", "")))}
            for one in concepts if isinstance(one, dict)
            for c in one.get("coding", []) if isinstance(c, dict)]


def summarise_resource(resource: Any) -> dict:
    """The non-personal fields of a FHIR resource: type, id, identifiers, status, codes, the years
    of its moments, and the identifiers of the organisations that performed it."""
    if not isinstance(resource, dict):
        return {}
    summary: dict[str, Any] = {"resourceType": str(resource.get("resourceType", ""))}
    if resource.get("id"):
        summary["id"] = mask_known(str(resource["id"]))
    if summary["resourceType"] in ("Patient", "Person", "RelatedPerson", "Practitioner"):
        return summary  # nothing of a person is kept but that it was one
    identifiers = [mask_known(str(i.get("value", ""))) for i in resource.get("identifier") or []
                   if isinstance(i, dict)]
    if identifiers:
        summary["identifier"] = identifiers
    if isinstance(resource.get("status"), str):
        summary["status"] = mask_free_text(resource["status"])
    for name in ("category", "code", "valueCodeableConcept", "interpretation"):
        codes = _codes(resource.get(name))
        if codes:
            summary[name] = codes
    for name in ("effectiveDateTime", "issued"):
        year = _year(resource.get(name))
        if year:
            summary[name] = year
    performers = [mask_known(str(p.get("reference", ""))) for p in resource.get("performer") or []
                  if isinstance(p, dict) and str(p.get("reference", "")).startswith("Organization/")]
    if performers:
        summary["performer"] = performers
    return summary


def repair_stored(raw: str) -> str:
    """A rejected row stored before this masking: a FHIR resource as its summary, any other row as
    free text (its header is not stored, so no cell can be trusted to be non-personal)."""
    try:
        parsed = json.loads(raw)
    except (ValueError, TypeError):
        parsed = None
    if isinstance(parsed, dict) and "resourceType" in parsed:
        return json.dumps(summarise_resource(parsed), ensure_ascii=False)
    return mask_free_text(raw)


def repair_reason(reason: str) -> str:
    """Stored reasons with the values they quote masked as free text."""
    try:
        messages = json.loads(reason)
    except (ValueError, TypeError):
        return mask_free_text(reason)
    if not isinstance(messages, list):
        return mask_free_text(reason)
    for message in messages:
        params = message.get("params") if isinstance(message, dict) else None
        if isinstance(params, dict) and isinstance(params.get("value"), str):
            params["value"] = mask_free_text(params["value"])
    return json.dumps(messages, ensure_ascii=False)
