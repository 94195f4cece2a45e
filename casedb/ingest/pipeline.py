"""The ingestion pipeline: read in chunks, validate, pseudonymise, write, all in one transaction.

`load` takes in one file as one batch: either every accepted row, every rejected row (kept with its
reasons), the cases positive results confirm, the rollups of the touched days and the data version
are written together, or nothing is (a failed batch is then recorded as such, with no rows).
`preview` runs the same reading and checks without writing, for the upload page.
"""
from __future__ import annotations

import hmac
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pandas as pd

from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from casedb import data_version, document_checks, rollups, schema, settings
from casedb.bulk import ConvertedRows, convert_frame, write_rows
from casedb.ingest import contacts
from casedb.ingest.cases import create_cases, update_imports
from casedb.ingest.errors import IngestRefused, Message, reasons_to_text
from casedb.ingest.formats import open_reader
from casedb.ingest.masking import cell_kind, mask_row
from casedb.ingest.read import CHUNK_ROWS, Chunk, Reader, csv_line, mask_cell, open_binary
from casedb.ingest.sources import SOURCES, Source
from casedb.ingest.validate import Context, validate
from casedb.ingest.write import ChunkWriter, Staged
from casedb.pseudonym import MIN_PEPPER_LENGTH, fingerprint, is_strong
from casedb.wib import now_utc

SOURCE_CHOICES = ("test_results", "fhir", "facility_reports", "movements", "outcomes", "facilities", "certificates",
                  "contacts")
# Sources whose rows change what is there, applied one at a time (casedb.ingest.rowwise).
ROW_BY_ROW = ("outcomes", "facilities")
_ROLLUPS = {"test_results": rollups.TEST_ROLLUPS, "facility_reports": rollups.REPORT_ROLLUPS,
            "certificates": ("daily_facility_compliance", "daily_facility_report"), "movements": rollups.MOVEMENT_ROLLUPS,
            "contacts": rollups.TRACING_ROLLUPS}
# The PostgreSQL advisory lock key under which a load creates cases and refreshes rollups.
AFTER_ROWS_LOCK = 0x6361736573
Progress = Callable[[int, int], None]
T = TypeVar("T")
U = TypeVar("U")


@dataclass
class Summary:
    source: str
    file_name: str | None
    batch_id: int | None = None
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    cases_created: int = 0
    notes: list[Message] = field(default_factory=list)

    def message(self) -> Message:
        return Message("ingest.summary", {"rows_in": self.rows_in, "accepted": self.accepted,
                                          "rejected": self.rejected, "duplicates": self.duplicates})

    def render(self, lang: str, markdown: bool = False) -> list[str]:
        lines = [self.message().render(lang)]
        if self.cases_created:
            lines.append(Message("ingest.note.cases_created", {"count": self.cases_created}).render(lang))
        return lines + [n.render(lang, markdown) for n in self.notes]


def source_of(name: str) -> Source:
    if name not in SOURCE_CHOICES:
        raise IngestRefused("ingest.unknown_source", source=name, choices=", ".join(SOURCE_CHOICES))
    return SOURCES["test_results" if name == "fhir" else name]


def _is_demo(engine: Engine) -> bool:
    return settings.is_demo_url(engine.url.render_as_string(hide_password=False))


def resolve_pepper(engine: Engine) -> str:
    """NIK_PEPPER, or the demo city's fixed pepper on the demo database; refuse otherwise. Outside
    the demo database the pepper must be strong (casedb.pseudonym.is_strong) and not the demo one."""
    from casedb.demo.people import DEMO_PEPPER

    pepper = settings.get("NIK_PEPPER")
    if _is_demo(engine):
        return pepper or DEMO_PEPPER
    if not pepper:
        raise IngestRefused("ingest.no_pepper")
    if pepper == DEMO_PEPPER:
        raise IngestRefused("ingest.demo_pepper")
    if not is_strong(pepper):
        raise IngestRefused("ingest.weak_pepper", length=MIN_PEPPER_LENGTH)
    return pepper


def check_pepper(conn: Connection, engine: Engine, pepper: str) -> None:
    """Refuse the demo pepper outside the demo database, and a pepper other than the one the
    database was first loaded with (its fingerprint, recorded here by the first load)."""
    from casedb.demo.people import DEMO_PEPPER

    if pepper == DEMO_PEPPER and not _is_demo(engine):
        raise IngestRefused("ingest.demo_pepper")
    table = schema.pepper_fingerprint
    if not inspect(conn).has_table(table.name):
        return  # a database before revision 0008 (python -m casedb.migrate adds the table)
    mine = fingerprint(pepper)
    # Two first loads at once: one inserts, the other finds the row (ON CONFLICT DO NOTHING).
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table).values(
        id=1, fingerprint=mine, recorded_at=now_utc()).on_conflict_do_nothing(index_elements=["id"])
    conn.execute(stmt)
    stored = conn.execute(select(table.c.fingerprint).where(table.c.id == 1)).scalar_one()
    if not hmac.compare_digest(stored, mine):
        raise IngestRefused("ingest.pepper_mismatch")


def _context(conn: Connection, now: datetime, spec: Source, engine: Engine) -> Context:
    """The registries rows are checked against, with what the source needs besides: the cases for
    contact line lists, the certificate key for certificates."""
    ctx = Context.load(conn, now)
    if spec.name == "contacts":
        return ctx.with_cases(conn)
    return _with_certificate_key(ctx, spec, engine)


def _with_certificate_key(ctx: Context, spec: Source, engine: Engine) -> Context:
    """The context with CERTIFICATE_KEY (the demo key on the demo database) for the certificates
    source, whose check codes are made at ingestion; refused when there is none."""
    if spec.name != "certificates":
        return ctx
    from casedb.certificates import NoCertificateKey, resolve_key

    try:
        return replace(ctx, certificate_key=resolve_key(engine.url.render_as_string(hide_password=False)))
    except NoCertificateKey:
        raise IngestRefused("ingest.no_certificate_key") from None


def load(engine: Engine, source: str, file, *, file_name: str | None = None, pepper: str | None = None,
         created_by: str | None = None, chunk_rows: int = CHUNK_ROWS, progress: Progress | None = None) -> Summary:
    """Take in one file (path, bytes or binary stream) as one batch and return its counts."""
    spec = source_of(source)
    # The facility registry holds no NIK: it needs no pepper.
    pepper = pepper or ("" if spec.name == "facilities" else resolve_pepper(engine))
    if file_name is None and isinstance(file, (str, Path)):
        file_name = Path(file).name
    started = now_utc()
    sha256 = None
    try:
        reader, info = _open(file, spec, chunk_rows)
        sha256 = info.sha256
        batch_source = "fhir" if info.kind == "json" and spec.name == "test_results" else spec.name
        return load_reader(engine, spec, reader, batch_source=batch_source, file_name=file_name, sha256=sha256,
                           pepper=pepper, created_by=created_by, progress=progress, started=started)
    except BaseException:
        _record_failure(engine, source, file_name, sha256, created_by, started)
        raise


def load_reader(engine: Engine, spec: Source, reader: Reader, *, batch_source: str, pepper: str,
                file_name: str | None = None, sha256: str | None = None, created_by: str | None = None,
                progress: Progress | None = None, started: datetime | None = None) -> Summary:
    """Write everything `reader` yields as one batch, in one transaction."""
    if spec.name in ROW_BY_ROW:
        from casedb.ingest import rowwise

        return rowwise.load_reader(engine, spec, reader, batch_source=batch_source, pepper=pepper,
                                   file_name=file_name, sha256=sha256, created_by=created_by, progress=progress,
                                   started=started)
    started = started or now_utc()
    summary = Summary(batch_source, file_name, notes=list(reader.notes))
    with engine.begin() as conn:
        check_pepper(conn, engine, pepper)
        batch_id = conn.execute(insert(schema.ingest_batches).values(
            source=batch_source, file_name=file_name, file_sha256=sha256, started_at=started, status="running",
            created_by=created_by,
        )).inserted_primary_key[0]
        summary.batch_id = batch_id
        if conn.dialect.name == "postgresql":
            # Each chunk's staging rows are sorted in memory rather than on disk.
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
        ctx = _context(conn, started, spec, engine)
        writer = ChunkWriter(conn, spec.name, batch_id, pepper, ctx.centroids)
        prepare = partial(_prepare, spec=spec, reader=reader, ctx=ctx, writer=writer, batch_id=batch_id)
        # The next chunk is read, checked and pseudonymised while the database writes this one.
        with closing(prepared_ahead(prepare, reader.chunks)) as chunks:
            for chunk in chunks:
                summary.rows_in += chunk.rows_in
                new = writer.write(chunk.staged)
                summary.accepted += new
                summary.duplicates += chunk.staged.rows.rows - new
                summary.rejected += write_rows(conn, chunk.rejected)
                if progress:
                    progress(*chunk.position)
        writer.close()
        if writer.revoked:
            summary.notes.append(Message("ingest.note.certificates_revoked", {"count": writer.revoked}))
        if writer.filled_in:
            summary.notes.append(Message("ingest.note.contacts_filled_in", {"count": writer.filled_in}))
        if writer.linked:
            summary.notes.append(Message("ingest.note.contacts_became_cases", {"count": writer.linked}))
        if summary.rows_in == 0:
            summary.notes.append(Message("ingest.note.no_rows"))
        _after_rows(conn, spec.name, batch_id, writer, summary)
        conn.execute(update(schema.ingest_batches).where(schema.ingest_batches.c.id == batch_id).values(
            finished_at=now_utc(), rows_in=summary.rows_in, rows_accepted=summary.accepted,
            rows_rejected=summary.rejected, rows_duplicate=summary.duplicates, status="done",
        ))
    return summary


def _open(file, spec: Source, chunk_rows: int):
    """The reader for a file of `spec`: outcomes also come as FHIR Bundles of their own."""
    if spec.name == "outcomes":
        from casedb.ingest.outcomes import open_outcomes_reader

        return open_outcomes_reader(file, spec, chunk_rows)
    return open_reader(file, spec, chunk_rows)


@dataclass
class _PreparedChunk:
    """A chunk checked and turned into what is written, before any of it is."""

    rows_in: int
    staged: Staged
    rejected: ConvertedRows
    position: tuple[int, int]


def _prepare(chunk: Chunk, *, spec: Source, reader: Reader, ctx: Context, writer: ChunkWriter,
             batch_id: int) -> _PreparedChunk:
    """Everything about a chunk that needs no database: validation, pseudonyms, staging rows and
    rejected rows."""
    rows, problems = validate(chunk, spec, reader.labels, ctx)
    staged = writer.stage(rows.drop(index=list(problems.by_row)))
    rejected = convert_frame(writer.dialect, "rejected_rows", _rejected_rows(batch_id, chunk, problems))
    return _PreparedChunk(len(rows), staged, rejected, reader.position())


def prepared_ahead(prepare: Callable[[T], U], items: Iterator[T]) -> Iterator[U]:
    """`prepare(item)` for each item, in order, the next one computed in a worker thread while the
    caller uses the current one: at most two prepared items exist at a time. The worker's errors
    are raised in the caller. (psycopg2 releases the GIL while the server works, so the two
    threads run on two cores.)"""
    finished = object()

    def prepare_next():
        item = next(items, finished)
        return finished if item is finished else prepare(item)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-prepare") as worker:
        pending = worker.submit(prepare_next)
        while (current := pending.result()) is not finished:
            pending = worker.submit(prepare_next)
            yield current


def _after_rows(conn: Connection, source: str, batch_id: int, writer: ChunkWriter, summary: Summary) -> None:
    """Cases, rollups and the data version, in the batch's transaction.

    One load at a time does this part (on PostgreSQL a transaction-level advisory lock; SQLite holds
    its write lock from the batch's first write): under READ COMMITTED two loads would each find no
    case for a person both bring a positive result of, and make two (cases.person_key is unique as
    well, so that it cannot happen anyway), or refresh the same rollup rows at once. The rows
    themselves are written in parallel before; the second load waits here until the first commits,
    and then sees its cases and rollups."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AFTER_ROWS_LOCK})
    if source == "test_results":
        summary.cases_created, first_case, last_case = create_cases(conn, batch_id)
        if first_case is not None:
            rollups.refresh(conn, first_case, last_case, rollups.CASE_ROLLUPS)
            # Listed contacts whose case this is became it; their index cases' days change too.
            if contacts.link_became_cases(conn, contacts.BATCH_CASE_PERSONS, {"batch_id": batch_id}):
                rollups.refresh_chains(conn)
            rollups.refresh(conn, *contacts.batch_case_days(conn, batch_id), rollups.TRACING_ROLLUPS)
    if source in _ROLLUPS and writer.first_day is not None:
        rollups.refresh(conn, writer.first_day, writer.last_day, _ROLLUPS[source])
    # The fraud rules' checks of the documents these rows can change (casedb.document_checks).
    if source == "certificates" and writer.first_day is not None:
        document_checks.after_certificates(conn, writer.first_day, writer.last_day)
    if source == "test_results" and summary.accepted:
        document_checks.after_test_results(conn, batch_id)
    if source == "contacts" and writer.linked:
        rollups.refresh_chains(conn)
    if source == "movements" and writer.first_day is not None:
        # Entries that arrive after the case was confirmed may make it imported.
        changed = update_imports(conn, writer.first_day, writer.last_day)
        if changed is not None:
            rollups.refresh(conn, *changed, rollups.CASE_ROLLUPS)
    if summary.accepted or summary.rejected:
        data_version.bump(conn)


def _rejected_rows(batch_id: int, chunk: Chunk, problems) -> pd.DataFrame:
    positions = sorted(problems.by_row)
    return pd.DataFrame({
        "batch_id": batch_id,
        "row_number": chunk.row_numbers.iloc[positions].to_numpy(),
        "raw": chunk.raw(positions),
        "reason": [reasons_to_text(problems.by_row[p]) for p in positions],
    })


def _record_failure(engine: Engine, source: str, file_name: str | None, sha256: str | None,
                    created_by: str | None, started: datetime) -> None:
    """A batch that failed leaves only this trace: its row, with no rows counted."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(schema.ingest_batches).values(
                source=source, file_name=file_name, file_sha256=sha256, started_at=started,
                finished_at=now_utc(), status="failed", created_by=created_by,
            ))
    except SQLAlchemyError:
        pass  # the database itself is what failed; the caller reports the original error


@dataclass
class Preview:
    """What a load would do, without writing: counts, the first valid rows and every rejected row."""

    rows_in: int
    valid: int
    sample: pd.DataFrame
    rejected: pd.DataFrame
    notes: list[Message]
    labels: dict[str, str]


def preview(engine: Engine, source: str, file, *, sample_rows: int = 20, chunk_rows: int = CHUNK_ROWS,
            progress: Progress | None = None) -> Preview:
    spec = source_of(source)
    reader, _ = _open(open_binary(file), spec, chunk_rows)
    with engine.connect() as conn:
        ctx = _context(conn, now_utc(), spec, engine)
    rows_in = valid = 0
    samples: list[pd.DataFrame] = []
    rejected: list[pd.DataFrame] = []
    for chunk in reader.chunks:
        rows, problems = validate(chunk, spec, reader.labels, ctx)
        rows_in += len(rows)
        good = rows.drop(index=list(problems.by_row))
        valid += len(good)
        if sum(map(len, samples)) < sample_rows:
            samples.append(_displayable(good, chunk).head(sample_rows))
        if problems.by_row:
            positions = sorted(problems.by_row)
            rejected.append(pd.DataFrame({
                "row_number": chunk.row_numbers.iloc[positions].to_numpy(),
                "reasons": [problems.by_row[p] for p in positions],
                "raw": chunk.raw(positions),
            }))
        if progress:
            progress(*reader.position())
    notes = list(reader.notes) + ([Message("ingest.note.no_rows")] if rows_in == 0 else [])
    sample = pd.concat(samples).head(sample_rows) if samples else pd.DataFrame()
    rejected_frame = (pd.concat(rejected, ignore_index=True) if rejected
                      else pd.DataFrame(columns=["row_number", "reasons", "raw"]))
    return Preview(rows_in, valid, sample, rejected_frame, notes, reader.labels)


def _displayable(rows: pd.DataFrame, chunk: Chunk) -> pd.DataFrame:
    """Valid rows as the page may show them: row numbers added, the NIK masked."""
    shown = rows.copy()
    if "nik" in shown:
        shown["nik"] = [mask_cell(n, "nik") for n in shown["nik"]]
    shown.insert(0, "row_number", chunk.row_numbers.loc[rows.index].to_numpy())
    return shown


def frame_reader(frame: pd.DataFrame, spec: Source) -> Reader:
    """A reader over rows already in memory, as text in the source's field names (the simulator)."""
    fields = frame.reindex(columns=[f.name for f in spec.fields], fill_value="").fillna("").astype(str)
    fields["_spill"] = False
    kinds = [cell_kind(f.kind) for f in spec.fields]

    def raw(positions: list[int]) -> list[str]:
        return [csv_line(mask_row(fields.iloc[p].tolist()[:len(kinds)], kinds), ",") for p in positions]

    chunk = Chunk(fields, pd.Series(range(2, len(frame) + 2)), raw)
    return Reader({f.name: f.name for f in spec.fields}, iter([chunk]))
