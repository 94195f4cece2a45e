"""Benchmark (not a test): build the demo city at a scale into PostgreSQL and SQLite, and compare
with a baseline measured in the same run, since the machine is shared and noisy.

    .venv/bin/python bench/demo_bench.py [--scale small|demo|city] [--backends postgresql,sqlite]

Baseline: PostgreSQL COPY, and SQLite executemany, of 1,000,000 synthetic rows shaped like
`movements` (the largest table) through casedb.bulk.insert_frame into a bare table: the write speed
of this machine at this moment. Prints build seconds, the ratio build / baseline, database size and
row counts. Databases are made fresh and dropped (the SQLite file is removed) afterwards.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casedb.bulk import insert_frame  # noqa: E402
from casedb.demo import build  # noqa: E402
from casedb.engine import dispose_all, get_engine  # noqa: E402
from casedb.migrate import upgrade  # noqa: E402

END = "2026-11-27T09:30:00"
BASELINE_ROWS = 1_000_000


def _baseline_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    keys = np.array([f"{k:064x}" for k in rng.integers(0, 2**62, size=1000)])
    return pd.DataFrame({
        "id": np.arange(1, rows + 1),
        "person_key": keys[rng.integers(0, 1000, size=rows)],
        "at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 10**7, size=rows), unit="s"),
        "document_status": rng.choice(["valid", "none", "expired"], size=rows),
    })


def baseline_seconds(url: str, frame: pd.DataFrame) -> float:
    table = Table("bench_baseline", MetaData(), Column("id", BigInteger, primary_key=True),
                  Column("person_key", String(64)), Column("at", DateTime), Column("document_status", String(20)))
    engine = get_engine(url)
    with engine.begin() as conn:
        table.create(conn)
        started = time.perf_counter()
        insert_frame(conn, table, frame)
        elapsed = time.perf_counter() - started
        table.drop(conn)
    return elapsed


def _size_mb(url: str) -> float:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database).stat().st_size / 1e6
    with get_engine(url).connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    frame = _baseline_frame(BASELINE_ROWS)
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
            else:
                name = f"pku_demo_bench_{uuid.uuid4().hex[:8]}"
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
            try:
                # SQLite never gives a dropped table's pages back: time the baseline in its own file.
                base_s = baseline_seconds(url if backend != "sqlite" else f"sqlite:///{Path(tmp) / 'base.sqlite'}",
                                          frame)
                engine = get_engine(url)
                upgrade(engine)
                load_before = os.getloadavg()[0]
                started = time.perf_counter()
                counts = build(engine, args.scale, end=pd.Timestamp(END).to_pydatetime())
                build_s = time.perf_counter() - started
                size = _size_mb(url)
                print(f"{args.scale} on {backend}: built in {build_s:.1f} s; baseline (1M-row bulk write) "
                      f"{base_s:.1f} s; ratio {build_s / base_s:.1f}x; size {size:,.0f} MB; "
                      f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")
                print("   " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
            finally:
                dispose_all()
                if backend != "sqlite":
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
