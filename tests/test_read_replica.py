"""Reads from a PostgreSQL streaming replica: pages read through READ_DATABASE_URL, writes go to
DATABASE_URL, and what is loaded on the primary reaches the pages through the replica, the data
version following.

The test owns both servers: a primary made with `initdb` in a temporary directory on a free port,
and a hot standby of it made with `pg_basebackup -R` on another port (PostgreSQL 15's binaries,
run as the `postgres` user when the test runs as root). The local cluster on 5432 is not touched.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import InternalError, OperationalError

import queries
from casedb import reference, schema, settings
from casedb.engine import dispose_all, get_engine
from casedb.ingest import load
from casedb.migrate import upgrade
from figures import overview as figures

PG_BIN = Path("/usr/lib/postgresql/15/bin")
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
PEPPER = "replica-test-pepper"
DATABASE = "pku_replica"
REPLAY_SECONDS = 60


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _pg(binary: str, *args: str) -> None:
    subprocess.run([*_as_postgres(), str(PG_BIN / binary), *args], check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode:
        if time.monotonic() > deadline:
            pytest.fail(f"PostgreSQL on port {port} did not start")
        time.sleep(0.2)


def _start(data: Path, port: int) -> None:
    options = (f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data} "
               "-c shared_buffers=16MB -c fsync=off -c max_wal_senders=4 -c wal_level=replica")
    _pg("pg_ctl", "-D", str(data), "-o", options, "-l", str(data / "server.log"), "-w", "start")
    _wait_ready(port)


def _url(port: int, database: str = DATABASE) -> str:
    return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{database}"


@pytest.fixture(scope="module")
def primary_and_standby():
    """(primary URL, standby URL): a fresh primary with an empty migrated database holding the
    reference tables, and its hot standby, streaming."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15's server binaries are required at {PG_BIN} (Debian package postgresql-15)")
    root = Path(tempfile.mkdtemp(prefix="pku-replica-"))
    primary, standby = root / "primary", root / "standby"
    primary_port, standby_port = _free_port(), _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    started = []
    try:
        _pg("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "--no-sync")
        _start(primary, primary_port)
        started.append(primary)
        admin = create_engine(_url(primary_port, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
        admin.dispose()
        engine = get_engine(_url(primary_port))
        upgrade(engine)
        with engine.begin() as conn:
            reference.load(conn)
        _pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "-D", str(standby),
            "-R", "-X", "stream", "-c", "fast")
        _start(standby, standby_port)
        started.append(standby)
        yield _url(primary_port), _url(standby_port)
    finally:
        dispose_all()
        for data in reversed(started):
            subprocess.run([*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def reading_from_standby(primary_and_standby, monkeypatch):
    primary_url, standby_url = primary_and_standby
    monkeypatch.setenv("DATABASE_URL", primary_url)
    monkeypatch.setenv("READ_DATABASE_URL", standby_url)
    queries.clear_cache()
    return get_engine(primary_url), get_engine(standby_url)


def primary_version(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version FROM data_version")).scalar_one()


def replayed(version: int) -> float:
    """Seconds until the pages' data version (read through READ_DATABASE_URL) reaches `version`."""
    started = time.perf_counter()
    while queries.data_version()[0] < version:
        if time.perf_counter() - started > REPLAY_SECONDS:
            pytest.fail(f"the standby did not replay data version {version} within {REPLAY_SECONDS} s")
        time.sleep(0.05)
    return time.perf_counter() - started


def daily_tests(frame) -> list[tuple]:
    return [(row.day.date(), row.test_type, int(row.tests), int(row.positives)) for row in frame.itertuples()]


def test_pages_read_loaded_data_from_the_replica_with_the_data_version_following(reading_from_standby):
    primary, standby = reading_from_standby
    assert settings.read_database_url() != settings.database_url()
    with standby.connect() as conn:
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
    with primary.connect() as conn:
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is False

    def run(name, **params):  # as a page does: the runner picks the engine (READ_DATABASE_URL)
        return queries.run(name, "health", **params)

    replayed(primary_version(primary))
    assert figures.data_span(run) is None  # nothing loaded yet

    # First file, loaded through ingestion on the primary (DATABASE_URL).
    summary = load(primary, "test_results", FIXTURES / "results_good.csv", pepper=PEPPER)
    assert summary.accepted == 7
    lag = replayed(primary_version(primary))
    assert queries.data_version()[0] == primary_version(primary)
    assert figures.data_span(run) == (date(2021, 8, 1), date(2021, 8, 4))
    first = daily_tests(run("city_tests_daily", start=date(2021, 8, 1), end=date(2021, 8, 5)))
    assert first == [  # hand-counted from results_good.csv (tests/test_ingest.py)
        (date(2021, 8, 1), "antibody", 1, 1), (date(2021, 8, 1), "pcr", 1, 1),
        (date(2021, 8, 2), "antigen", 1, 1), (date(2021, 8, 2), "pcr", 2, 1),
        (date(2021, 8, 3), "antigen", 1, 1), (date(2021, 8, 4), "pcr", 1, 0),
    ]
    overview = figures.overview(run, date(2021, 8, 2), figures.data_span(run), 3, (20.0, 50.0, 150.0))
    assert {tile.key: tile.value for tile in overview.tiles}["new_cases"] == 1

    # Second file: two new results on 5 Aug (R8, R9) and three already loaded. The runner's cache
    # holds the first answer under the old version; the new version on the replica re-queries.
    load(primary, "test_results", FIXTURES / "results_overlap.csv", pepper=PEPPER)
    replayed(primary_version(primary))
    second = daily_tests(run("city_tests_daily", start=date(2021, 8, 1), end=date(2021, 8, 5)))
    assert second == first + [(date(2021, 8, 5), "antigen", 1, 0), (date(2021, 8, 5), "pcr", 1, 1)]
    print(f"standby replayed the first load {lag * 1000:.0f} ms after its commit")


def test_the_replica_refuses_writes(reading_from_standby):
    _, standby = reading_from_standby
    with pytest.raises((InternalError, OperationalError), match="read-only"):
        with standby.begin() as conn:
            conn.execute(insert(schema.audit_log).values(username="x", role="admin", action="export",
                                                         outcome="ok", detail="", at=datetime(2026, 1, 1)))
