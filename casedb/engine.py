"""The one module that owns database engines.

One engine per URL per process. SQLite gets write-ahead logging and foreign keys so that the
dashboard can read while the live simulator or an upload writes.
"""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from casedb import settings


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached or is not a case database. `reason` is a
    message key: `db.bad_url`, `db.unreachable` or `db.not_initialised`."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, created once per process. The default, DATABASE_URL, is the one that
    writes (sign-ins, audit rows, uploads, registry changes); pages read figures through the query
    runner, which uses READ_DATABASE_URL where it is set."""
    url = url or settings.database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url)
            _engines[url] = engine
        return engine


def _create(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise DatabaseUnavailable("db.bad_url", str(e)) from e
    if parsed.drivername in ("postgresql", "postgres"):
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the project ships psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg2")
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=5,
            connect_args={"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {},
        )
    except (NoSuchModuleError, ArgumentError, ImportError) as e:
        raise DatabaseUnavailable("db.bad_url", str(e)) from e


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


# Errors that mean "the database is not there or not ours", as opposed to a bug in a query.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


def unavailable(error: Exception) -> DatabaseUnavailable:
    """The DatabaseUnavailable that a driver error amounts to."""
    message = str(error).lower()
    missing_table = "no such table" in message or ("relation" in message and "does not exist" in message)
    return DatabaseUnavailable("db.not_initialised" if missing_table else "db.unreachable", str(error))


def create_database_if_missing(url: str) -> bool:
    """Create the PostgreSQL database `url` names when the server answers but has no such database
    (SQLite creates its file by itself). True when it was created. Raises DatabaseUnavailable when
    the server cannot be reached at all."""
    engine = get_engine(url)
    if engine.dialect.name != "postgresql":
        return False
    try:
        with engine.connect():
            return False
    except OperationalError as e:
        if "does not exist" not in str(e):
            raise unavailable(e) from e
    parsed = engine.url
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # An identifier cannot be a bound parameter; quote it as PostgreSQL does.
            name = parsed.database.replace('"', '""')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except UNAVAILABLE_ERRORS as e:
        raise unavailable(e) from e
    finally:
        admin.dispose()
    engine.dispose()  # its pool may hold nothing useful, but start afresh
    return True


def check(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the database answers and holds the case schema."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar_one()
    except (*UNAVAILABLE_ERRORS, ProgrammingError) as e:
        raise unavailable(e) from e
