"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL with the same code.

PostgreSQL is required: when it cannot be reached the run fails (it never skips), so that CI cannot
pass without it. TEST_POSTGRES_URL points at a server whose user may create databases; each fixture
makes a database of its own and drops it afterwards, so parallel runs do not meet.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from casedb.engine import dispose_all, get_engine
from casedb.migrate import upgrade

BACKENDS = ("sqlite", "postgresql")
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
# The demo city every test fixture is built to; fixed so that generated data is reproducible.
DEMO_END = datetime(2026, 11, 27, 9, 30)  # naive UTC: 16:30 WIB
# Row counts that casedb.demo.build reported for the small_city fixture, per backend.
SMALL_CITY_BUILD_COUNTS: dict[str, dict[str, int]] = {}
# Public facts gathered beside the repository (../shared/reference); a bare clone has no such folder.
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def in_ci(environ=None) -> bool:
    """Whether the run is CI's: the CI variable that CI services set, true unless empty, 0, false or no."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


def require_shared_reference(path: Path | None = None, environ=None) -> Path:
    """The shared reference folder for the tests that compare the project's facts with it. Missing:
    those tests are skipped on a bare clone, and fail in CI (CI=true), where the folder must be."""
    path = SHARED_REFERENCE if path is None else path
    if path.is_dir():
        return path
    if in_ci(environ):
        pytest.fail(f"the shared reference folder {path} is missing; in CI the comparisons with it must run",
                    pytrace=False)
    pytest.skip(f"no shared reference folder at {path} (a bare clone): comparisons with it skipped outside CI")


def _pg_admin() -> Engine:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure to connect is the same failure here
        pytest.fail(f"PostgreSQL is required for the tests and is not reachable at {PG_ADMIN_URL}: {e}")
    return engine


def create_database(backend: str, directory: Path) -> str:
    """A new, empty database URL for `backend`."""
    if backend == "sqlite":
        return f"sqlite:///{directory / f'test-{uuid.uuid4().hex[:8]}.sqlite'}"
    name = f"pku_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    dispose_all()
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def database_away(url: str) -> Iterator[None]:
    """The PostgreSQL database of `url` unreachable for the block, as when its server goes away:
    its connections ended and the database renamed; back under its own name afterwards."""
    name = make_url(url).database
    admin = _pg_admin()

    def rename(old: str, new: str) -> None:
        dispose_all()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": old})
            conn.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))

    rename(name, f"{name}_away")
    try:
        yield
    finally:
        rename(f"{name}_away", name)
        admin.dispose()


def migrated_engine(backend: str, directory: Path) -> tuple[str, Engine]:
    url = create_database(backend, directory)
    engine = get_engine(url)
    upgrade(engine)
    return url, engine


@contextmanager
def database_in_use(backend: str, directory: Path, fill: Callable[[Engine], None]) -> Iterator[Engine]:
    """A migrated database filled by `fill`, with DATABASE_URL pointing at it (for AppTest) until
    the block ends; then it is dropped."""
    import queries

    url, engine = migrated_engine(backend, directory)
    fill(engine)
    patch = pytest.MonkeyPatch()
    patch.setenv("DATABASE_URL", url)
    queries.clear_cache()
    try:
        yield engine
    finally:
        patch.undo()
        drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_db(backend, tmp_path) -> Engine:
    """A fresh database at the current schema, with nothing in it but the data version row."""
    url, engine = migrated_engine(backend, tmp_path)
    yield engine
    drop_database(url)


@pytest.fixture
def query_dir(tmp_path, monkeypatch):
    """A temporary query folder for the runner; the test writes the .sql files it needs."""
    import queries

    monkeypatch.setattr(queries, "QUERY_DIR", tmp_path)
    queries.load.cache_clear()
    queries.clear_cache()
    yield tmp_path
    queries.load.cache_clear()
    queries.clear_cache()


@pytest.fixture(scope="session", params=BACKENDS)
def small_city(request, tmp_path_factory) -> Engine:
    """The small demo city ending at DEMO_END, built once per backend per test session. Its event
    tables are read only; sign-in tests add users and audit rows."""
    from casedb.demo import build

    url, engine = migrated_engine(request.param, tmp_path_factory.mktemp("small_city"))
    SMALL_CITY_BUILD_COUNTS[request.param] = build(engine, scale="small", end=DEMO_END)
    yield engine
    drop_database(url)
