"""The demo city: a deterministic, realistic 18-month history of Pekanbaru's epidemic, testing,
contact tracing, travel and health documents, with injected frauds labelled in demo_ground_truth.

`build(engine)` fills an empty migrated database; `python -m casedb.demo` does it from the shell.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Callable

import numpy as np
from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import AddConstraint, DropConstraint

from casedb import data_version, reference, rollups, schema
from casedb.bulk import insert_frame
from casedb.demo.city import generate
from casedb.demo.scales import SCALES
from casedb.wib import now_utc, to_utc_naive

__all__ = ["build", "SCALES"]

DEFAULT_SEED = 20200301
SQLITE_BUILD_CACHE_KIB = 1_000_000


def build(engine: Engine, scale: str = "small", seed: int = DEFAULT_SEED, end: datetime | None = None,
          progress: Callable[[float, str], None] | None = None) -> dict[str, int]:
    """Fill an empty migrated database with the demo city at `scale`, its history ending at `end`
    (naive UTC, default now). Returns the row count of every table."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: expected one of {', '.join(SCALES)}")
    report = progress or (lambda fraction, message: None)
    end = to_utc_naive(end or now_utc()).replace(microsecond=0)
    rng = np.random.Generator(np.random.PCG64(seed))
    frames = generate(rng, end, SCALES[scale], report)
    kept_real = frames.pop("_kept_real_facility_ids")["id"].tolist()

    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # Index pages of random person keys thrash the default 2 MB page cache during the load.
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BUILD_CACHE_KIB}")
        report(0.7, "reference tables")
        reference.load(conn)
        conn.execute(delete(schema.facilities).where(schema.facilities.c.id.not_in(kept_real)))
        done = 0.72
        total_rows = sum(len(f) for f in frames.values())
        with _checks_after_load(conn, [schema.metadata.tables[t] for t in frames]):
            for table, frame in frames.items():
                report(done, f"writing {table}")
                insert_frame(conn, table, frame)
                done += 0.2 * len(frame) / total_rows
            report(0.92, "indexes and foreign keys")
        if conn.dialect.name == "postgresql":
            # Planner statistics for the loaded tables before the rollups read them: autovacuum cannot
            # see this transaction's rows, and planned for empty tables the fraud rules' full rebuild
            # of certificate_checks ran for over 25 minutes at city scale (spilling to disk).
            conn.exec_driver_sql("ANALYZE")
        report(0.95, "rollups")
        rollups.refresh_all(conn)
        data_version.bump(conn)
        if conn.dialect.name == "postgresql":
            # And for the rollups, now rather than whenever autovacuum gets to them (never, where it is
            # off): without them the overview's positivity took twice as long (sorts planned for one
            # row, 6 ms of planning a query).
            conn.exec_driver_sql("ANALYZE")
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in schema.metadata.sorted_tables}
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
    report(1.0, "done")
    return counts


@contextmanager
def _checks_after_load(conn: Connection, tables: list[Table]):
    """Drop the tables' secondary indexes (and on PostgreSQL their foreign keys) for the load and
    recreate them after: one sort and one validating join instead of millions of single-row index
    updates and foreign-key triggers. Same names and definitions as the schema; all in the caller's
    transaction."""
    indexes = [i for t in tables for i in sorted(t.indexes, key=lambda i: i.name)]
    foreign_keys = [fk for t in tables for fk in sorted(t.foreign_key_constraints, key=lambda c: c.name)] \
        if conn.dialect.name == "postgresql" else []
    for index in indexes:
        index.drop(conn)
    for fk in foreign_keys:
        conn.execute(DropConstraint(fk))
    yield
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    for index in indexes:
        index.create(conn)
    for fk in foreign_keys:
        conn.execute(AddConstraint(fk))
