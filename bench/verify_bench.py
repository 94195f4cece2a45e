"""Benchmark (not a test): certificate verifications at city scale, read-only.

Runs N verifications of random certificates that exist in the database (number and check code as
the register holds them), each through the query runner as the role `checkpoint`, uncached, as the
page does, and times three things per round, interleaved so that a busy shared machine weighs on
all of them alike:
- baseline: a bare `SELECT 1` round trip through the same engine;
- raw SQL: the SQL of certificate_verify run directly, without the runner (binding, role checks,
  the DataFrame), to tell the database's share from the runner's;
- verify: the named query certificate_verify;
- page reads: the rate-limit count (certificate_verify_attempts) and then certificate_verify, which
  is all a check reads (its audit row is a write, left out here: the database is read only).

    .venv/bin/python bench/verify_bench.py [--runs 1000] [--database-url postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city]

Prints p50, p95 and max in milliseconds of each, the statuses met, and the load average.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import bindparam, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import queries  # noqa: E402
from casedb.engine import get_engine  # noqa: E402

CITY_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/pekanbaru_city"


def percentiles(samples: list[float]) -> str:
    ms = np.array(samples) * 1000
    return f"p50 {np.percentile(ms, 50):6.2f} ms   p95 {np.percentile(ms, 95):6.2f} ms   max {ms.max():7.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=CITY_URL)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    engine = get_engine(args.database_url)
    rng = np.random.default_rng(args.seed)
    with engine.connect() as conn:
        low, high, count = conn.execute(text("SELECT MIN(id), MAX(id), COUNT(*) FROM certificates")).one()
        ids = sorted({int(i) for i in rng.integers(low, high + 1, args.runs * 2)})
        found = conn.execute(text("SELECT number, check_code, issued_at FROM certificates WHERE id IN :ids")
                             .bindparams(bindparam("ids", expanding=True)), {"ids": ids}).all()
    picked = [found[i] for i in rng.permutation(len(found))[:args.runs]]
    print(f"{engine.url.render_as_string(hide_password=True)}: {count:,} certificates, {len(picked)} verifications")
    load_before = os.getloadavg()[0]
    timings = {"baseline (SELECT 1)": [], "raw SQL of certificate_verify": [], "verify (certificate_verify)": [],
               "page reads (limit + verify)": []}
    raw_sql = text(queries.load("certificate_verify", engine.dialect.name).sql)
    statuses: Counter[str] = Counter()
    since = datetime(2026, 12, 1)
    with engine.connect() as conn:  # warm the pool and the plans
        conn.execute(text("SELECT 1"))
    for number, code, issued_at in picked:
        # Checked a day after issue: valid certificates are found valid, not all expired.
        at = issued_at + timedelta(days=1)
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
        timings["baseline (SELECT 1)"].append(time.perf_counter() - started)

        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(raw_sql, {"number": number, "check_code": code, "at": at}).one()
        timings["raw SQL of certificate_verify"].append(time.perf_counter() - started)

        started = time.perf_counter()
        row = queries.run("certificate_verify", "checkpoint", engine=engine, number=number, check_code=code, at=at)
        timings["verify (certificate_verify)"].append(time.perf_counter() - started)
        statuses[row.iloc[0]["status"]] += 1

        started = time.perf_counter()
        queries.run("certificate_verify_attempts", "checkpoint", engine=engine, username="bench", since=since)
        queries.run("certificate_verify", "checkpoint", engine=engine, number=number, check_code=code, at=at)
        timings["page reads (limit + verify)"].append(time.perf_counter() - started)
    for name, samples in timings.items():
        print(f"{name:30} {percentiles(samples)}")
    print("statuses:", dict(statuses.most_common()))
    print(f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
