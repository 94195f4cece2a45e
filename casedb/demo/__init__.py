"""The demo city: a deterministic, realistic 18-month history of Pekanbaru's epidemic, testing,
contact tracing, travel and health documents, with injected frauds labelled in demo_ground_truth.

`build(engine)` fills an empty migrated database; `python -m casedb.demo` does it from the shell.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from casedb import data_version, reference, rollups, schema
from casedb.bulk import insert_frame
from casedb.demo.city import generate
from casedb.demo.scales import SCALES
from casedb.wib import now_utc, to_utc_naive

__all__ = ["build", "SCALES"]

DEFAULT_SEED = 20200301


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
        report(0.7, "reference tables")
        reference.load(conn)
        conn.execute(delete(schema.facilities).where(schema.facilities.c.id.not_in(kept_real)))
        done = 0.72
        total_rows = sum(len(f) for f in frames.values())
        for table, frame in frames.items():
            report(done, f"writing {table}")
            insert_frame(conn, table, frame)
            done += 0.22 * len(frame) / total_rows
        report(0.94, "rollups")
        rollups.refresh_all(conn)
        data_version.bump(conn)
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in schema.metadata.sorted_tables}
    report(1.0, "done")
    return counts
