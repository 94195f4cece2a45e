"""Loading the small sources whose rows change what is already there, one row at a time: case
outcomes (casedb.ingest.outcomes) and the facility registry (casedb.ingest.registry).

Their rows are read and checked like every other source's (casedb.ingest.read, .validate); then
each valid row is applied in file order by the source's `Applier`, which may still reject it with
reasons found in the database (no case with that sample number, a recovery before confirmation),
count it as a duplicate (nothing new), or apply it. One batch, one transaction, as in
casedb.ingest.pipeline: rows in = accepted + rejected + duplicates, every rejected row kept with
its reasons, nothing written when anything fails.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

import pandas as pd
from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine

from casedb import data_version, schema
from casedb.bulk import convert_frame, write_rows
from casedb.ingest.errors import Message
from casedb.ingest.read import Reader
from casedb.ingest.sources import Source
from casedb.ingest.validate import Context, Problems, validate
from casedb.wib import now_utc

ACCEPTED, DUPLICATE = "accepted", "duplicate"


class Applier(Protocol):
    def apply(self, conn: Connection, row: pd.Series) -> str | list[Message]:
        """ACCEPTED, DUPLICATE, or the reasons the row is rejected (nothing of it written)."""

    def finish(self, conn: Connection, summary) -> None:
        """After the last row, in the batch's transaction (rollups, notes)."""



def applier_for(source: str, conn: Connection, *, batch_id: int, pepper: str, created_by: str | None,
                file_name: str | None) -> Applier:
    from casedb.ingest.outcomes import OutcomeApplier
    from casedb.ingest.registry import RegistryApplier

    kind = {"outcomes": OutcomeApplier, "facilities": RegistryApplier}[source]
    return kind(conn, batch_id=batch_id, pepper=pepper, created_by=created_by, file_name=file_name)


def load_reader(engine: Engine, spec: Source, reader: Reader, *, batch_source: str, pepper: str,
                file_name: str | None = None, sha256: str | None = None, created_by: str | None = None,
                progress=None, started: datetime | None = None):
    from casedb.ingest.pipeline import Summary, _rejected_rows

    started = started or now_utc()
    summary = Summary(batch_source, file_name, notes=list(reader.notes))
    with engine.begin() as conn:
        batch_id = conn.execute(insert(schema.ingest_batches).values(
            source=batch_source, file_name=file_name, file_sha256=sha256, started_at=started, status="running",
            created_by=created_by,
        )).inserted_primary_key[0]
        summary.batch_id = batch_id
        ctx = Context.load(conn, started)
        applier = applier_for(spec.name, conn, batch_id=batch_id, pepper=pepper, created_by=created_by,
                              file_name=file_name)
        for chunk in reader.chunks:
            rows, problems = validate(chunk, spec, reader.labels, ctx)
            summary.rows_in += len(rows)
            for position in rows.index:
                if position in problems.by_row:
                    continue
                outcome = applier.apply(conn, rows.loc[position])
                if outcome == ACCEPTED:
                    summary.accepted += 1
                elif outcome == DUPLICATE:
                    summary.duplicates += 1
                else:
                    problems.by_row[int(position)] = list(outcome)
            rejected = _rejected_rows(batch_id, chunk, problems)
            summary.rejected += write_rows(conn, convert_frame(conn.dialect.name, "rejected_rows", rejected))
            if progress:
                progress(*reader.position())
        if summary.rows_in == 0:
            summary.notes.append(Message("ingest.note.no_rows"))
        applier.finish(conn, summary)
        if summary.accepted or summary.rejected:
            data_version.bump(conn)
        conn.execute(update(schema.ingest_batches).where(schema.ingest_batches.c.id == batch_id).values(
            finished_at=now_utc(), rows_in=summary.rows_in, rows_accepted=summary.accepted,
            rows_rejected=summary.rejected, rows_duplicate=summary.duplicates, status="done",
        ))
    return summary


__all__ = ["ACCEPTED", "DUPLICATE", "Applier", "Problems", "load_reader"]
