"""Benchmark (not a test): load 1M test-result rows from a CSV into a fresh PostgreSQL database,
with validation, pseudonymisation, cases and rollups, and compare with two baselines measured in the
same run on the same file, since the machine is shared and noisy:
- parse: reading and splitting the CSV with the csv module, nothing else;
- copy: PostgreSQL COPY of the raw file into an untyped table, no checks.

    .venv/bin/python bench/ingest_bench.py [--rows 1000000] [--admin-url postgresql+psycopg2://postgres@127.0.0.1/postgres]

Prints rows per second for each, the ratios, the CPU time of the loading process and of its
PostgreSQL backend, and the process's peak resident memory.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casedb import reference  # noqa: E402
from casedb.engine import dispose_all, get_engine  # noqa: E402
from casedb.ingest import load  # noqa: E402
from casedb.ingest.read import CHUNK_ROWS  # noqa: E402
from casedb.migrate import upgrade  # noqa: E402

HEADER = ("No Sampel;Kode Faskes;NIK;Jenis Kelamin;Tahun Lahir;Kode Kelurahan;Jenis Pemeriksaan;Tujuan Pemeriksaan;"
          "Tanggal Pengambilan Spesimen;Tanggal Hasil;Tanggal Lapor;Hasil\n")
FACILITIES = ("1471398", "1471022", "1471033", "PKM-SAIL", "PKM-SUKAJADI", "LAB-PCR-RSD-MADANI")
KELURAHAN = ("14.71.08.1010", "14.71.05.1005", "14.71.02.1001", "14.71.01.1002", "14.71.03.1002", "14.71.04.1004", "")
TESTS = ("PCR", "Antigen", "Rapid Antibodi")
RESULTS = ("Negatif",) * 9 + ("Positif",)


def write_rows(path: Path, n: int) -> None:
    """n rows over 540 days of 2021-2022, every 10th positive, 1 in 1000 with a bad date; streamed."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for start in range(0, n, 50_000):
            lines = []
            for i in range(start, min(start + 50_000, n)):
                day = 1 + i % 28
                month = 1 + (i // 28) % 12
                year = 2021 + (i // 336) % 2
                specimen = f"{day:02d}/{month:02d}/{year} {8 + i % 10:02d}:{i % 60:02d}"
                result_at = f"{day:02d}/{month:02d}/{year} {18 + i % 5:02d}:{i % 60:02d}"
                if i % 1000 == 999:
                    result_at = f"31/02/{year} 20:00"
                lines.append(
                    f"B{i};{FACILITIES[i % 6]};14710{i:011d};{'LP'[i % 2]};{1940 + i % 70};{KELURAHAN[i % 7]};"
                    f"{TESTS[i % 3]};Skrining;{specimen};{result_at};{day:02d}/{month:02d}/{year} 23:00;"
                    f"{RESULTS[i % 10]}\n")
            f.write("".join(lines))


def parse_baseline(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        for _ in csv.reader(f, delimiter=";"):
            pass
    return time.perf_counter() - started


def copy_baseline(engine, path: Path) -> float:
    columns = ", ".join(f"c{i} text" for i in range(HEADER.count(";") + 1))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TEMPORARY TABLE raw_copy ({columns})"))
        started = time.perf_counter()
        with path.open(encoding="utf-8") as f:
            conn.connection.cursor().copy_expert(
                "COPY raw_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)", f)
        return time.perf_counter() - started


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving `engine`, read from /proc when the server runs
    on this machine: unlike wall time, hardly moved by other jobs on a shared machine."""

    def __init__(self, engine):
        self.pids: set[int] = set()
        event.listen(engine, "connect", self._remember)
        engine.dispose()

    def _remember(self, dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self.pids.add(cursor.fetchone()[0])
        cursor.close()

    def seconds(self) -> float | None:
        try:
            total = 0
            for pid in self.pids:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, PermissionError):
            return None
        return total / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS)
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    name = f"pku_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "hasil_1m.csv"
            write_rows(path, args.rows)
            size_mb = path.stat().st_size / 1e6
            engine = get_engine(url)
            upgrade(engine)
            with engine.begin() as conn:
                reference.load(conn)
            parse_s = parse_baseline(path)
            copy_s = copy_baseline(engine, path)
            server = ServerCpu(engine)
            load_before = os.getloadavg()[0]
            cpu_before = time.process_time()
            started = time.perf_counter()
            summary = load(engine, "test_results", path, pepper="bench-pepper", chunk_rows=args.chunk_rows)
            load_s = time.perf_counter() - started
            cpu_s = time.process_time() - cpu_before
            server_s = server.seconds()
            load_after = os.getloadavg()[0]
    finally:
        dispose_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = summary.rows_in
    print(f"file: {args.rows:,} rows, {size_mb:.0f} MB; chunks of {args.chunk_rows:,} rows")
    print(f"summary: in {n:,} = accepted {summary.accepted:,} + rejected {summary.rejected:,} "
          f"+ duplicates {summary.duplicates:,}; cases {summary.cases_created:,}")
    print(f"ingest (validate + write + cases + rollups): {load_s:.1f} s, {n / load_s:,.0f} rows/s")
    print(f"CPU of this process (read, validate, pseudonymise, convert; one chunk ahead of the database, "
          f"in a second thread): {cpu_s:.1f} s")
    print("CPU of its PostgreSQL backend (COPY, INSERT ... ON CONFLICT, cases, rollups): "
          + (f"{server_s:.1f} s" if server_s is not None else "not measurable (server not on this machine)"))
    print(f"machine load average (2 cores, shared): {load_before:.1f} before, {load_after:.1f} after")
    print(f"baseline csv parse only: {parse_s:.1f} s, {n / parse_s:,.0f} rows/s (ingest takes {load_s / parse_s:.1f}x)")
    print(f"baseline raw COPY only: {copy_s:.1f} s, {n / copy_s:,.0f} rows/s (ingest takes {load_s / copy_s:.1f}x)")
    print(f"peak resident memory of the process: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
