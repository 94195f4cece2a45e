"""Which reader a file gets: the format dispatch, apart from the readers themselves, so that
casedb.ingest.read (CSV, XLSX, the shared Chunk and Reader) and casedb.ingest.fhir (which builds on
them) do not import each other."""
from __future__ import annotations

from casedb.ingest.errors import IngestRefused
from casedb.ingest.fhir import read_fhir
from casedb.ingest.read import CHUNK_ROWS, FileInfo, Reader, inspect, open_binary, read_csv, read_xlsx
from casedb.ingest.sources import Source


def open_reader(file, source: Source, chunk_rows: int = CHUNK_ROWS) -> tuple[Reader, FileInfo]:
    """A reader over `file` (path, bytes or binary stream) for `source`, whatever its format."""
    stream = open_binary(file)
    info = inspect(stream)
    if info.kind == "json":
        if source.name != "test_results":
            raise IngestRefused("ingest.file.fhir_for_test_results_only")
        return read_fhir(stream, info, source, chunk_rows), info
    if info.kind == "xlsx":
        return read_xlsx(stream, info, source, chunk_rows), info
    return read_csv(stream, info, source, chunk_rows), info
