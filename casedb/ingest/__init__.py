"""Ingestion: lab results (CSV, XLSX, FHIR R4), facilities' daily reports and checkpoint records
into the case database, validated, pseudonymised, idempotent, one transaction per batch.

    python -m casedb.ingest FILE --source test_results|fhir|facility_reports|movements

DESIGN sections 2 and 7; the stages are read -> validate -> write (+ cases, rollups, data version).
"""
from casedb.ingest.errors import IngestRefused, Message, render_reasons
from casedb.ingest.pipeline import SOURCE_CHOICES, Preview, Summary, load, preview, resolve_pepper

__all__ = ["IngestRefused", "Message", "Preview", "SOURCE_CHOICES", "Summary", "load", "preview", "render_reasons",
           "resolve_pepper"]
