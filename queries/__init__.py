"""The read side: one named SQL query per `.sql` file in this folder, and the one runner for them.

A query file starts with a header of `-- key: value` lines:

    -- returns: one row per day: day, new_cases
    -- params: start (date), end (date)
    -- roles: mayor, health, press, admin

`roles` says who may run it; the runner refuses everyone else, so that no page can forget the
check. Parameters are `:named` and always bound, never formatted into the SQL. A file
`<name>.postgresql.sql` or `<name>.sqlite.sql` overrides `<name>.sql` on that engine, where portable
SQL is not possible.

Results are cached per (database, query, parameters, data version): a page that re-runs while the
data is unchanged costs one tiny version lookup.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from casedb import settings
from casedb.data_version import current as current_version
from casedb.engine import UNAVAILABLE_ERRORS, get_engine, unavailable

QUERY_DIR = Path(__file__).resolve().parent
CACHE_ENTRIES = 512
_HEADER = re.compile(r"^--\s*(\w+):\s*(.*)$")
_PARAM = re.compile(r"(?<!:):([a-zA-Z_]\w*)")


class QueryNotAllowed(PermissionError):
    """The role may not run this query."""

    def __init__(self, name: str, role: str | None):
        super().__init__(f"role {role!r} may not run query {name!r}")
        self.name = name
        self.role = role


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql: str  # without comment lines
    roles: frozenset[str]
    params: frozenset[str]
    returns: str


@lru_cache(maxsize=None)
def load(name: str, dialect: str) -> NamedQuery:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"not a query name: {name!r}")
    path = QUERY_DIR / f"{name}.{dialect}.sql"
    if not path.exists():
        path = QUERY_DIR / f"{name}.sql"
    sql = path.read_text(encoding="utf-8")
    header = {}
    for line in sql.splitlines():
        match = _HEADER.match(line.strip())
        if match:
            header[match.group(1)] = match.group(2).strip()
        elif line.strip() and not line.strip().startswith("--"):
            break
    if "roles" not in header:
        raise ValueError(f"query {name} has no '-- roles:' header")
    # Comment lines go: a `:word` in a comment would otherwise be taken for a parameter.
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return NamedQuery(
        name=name,
        sql=body,
        roles=frozenset(r.strip() for r in header["roles"].split(",") if r.strip()),
        params=frozenset(_PARAM.findall(body)),
        returns=header.get("returns", ""),
    )


def names() -> list[str]:
    """Every query name in this folder."""
    return sorted({p.name.split(".")[0] for p in QUERY_DIR.glob("*.sql")})


def _bindable(value: Any, dialect: str) -> Any:
    # sqlite3 would bind dates and datetimes with deprecated adapters; bind the exact text that
    # SQLAlchemy's Date and DateTime types store instead.
    if dialect == "sqlite":
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
    return value


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes from both engines: day columns as datetime64, timestamps as datetime64."""
    for column in frame.columns:
        if column == "day" or column.endswith("_day"):
            frame[column] = pd.to_datetime(frame[column])
        elif column.endswith("_at") and frame[column].dtype == object:
            frame[column] = pd.to_datetime(frame[column], format="mixed")
    return frame


class _Cache:
    def __init__(self, entries: int):
        self._entries = entries
        self._data: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> pd.DataFrame | None:
        with self._lock:
            frame = self._data.get(key)
            if frame is not None:
                self._data.move_to_end(key)
            return frame

    def put(self, key: tuple, frame: pd.DataFrame) -> None:
        with self._lock:
            self._data[key] = frame
            self._data.move_to_end(key)
            while len(self._data) > self._entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_cache = _Cache(CACHE_ENTRIES)


def data_version(engine: Engine | None = None) -> tuple[int, datetime]:
    """(version, changed_at as naive UTC) of the database; DatabaseUnavailable if it cannot say."""
    engine = engine or get_engine()
    try:
        with engine.connect() as conn:
            return current_version(conn)
    except (*UNAVAILABLE_ERRORS, ProgrammingError) as e:
        raise unavailable(e) from e


def run(name: str, role: str | None, /, engine: Engine | None = None, **params: Any) -> pd.DataFrame:
    """Run the named query for `role` with bound `params`, returning a DataFrame (a copy: callers
    may change it). Raises QueryNotAllowed, DatabaseUnavailable, or KeyError for a missing param."""
    engine = engine or get_engine()
    query = load(name, engine.dialect.name)
    if role not in query.roles:
        raise QueryNotAllowed(name, role)
    missing = query.params - params.keys()
    if missing:
        raise KeyError(f"query {name} needs parameters {sorted(missing)}")
    bound = {k: _bindable(v, engine.dialect.name) for k, v in params.items() if k in query.params}
    version, _ = data_version(engine)
    key = (str(engine.url), name, tuple(sorted((k, repr(v)) for k, v in bound.items())), version)
    cached = _cache.get(key)
    if cached is not None:
        return cached.copy()
    limit = settings.get("QUERY_ROW_LIMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(query.sql), bound)
            rows = result.fetchmany(limit + 1)
            frame = pd.DataFrame(rows, columns=list(result.keys()))
    except UNAVAILABLE_ERRORS as e:
        raise unavailable(e) from e
    if len(frame) > limit:
        raise OverflowError(f"query {name} returned more than {limit} rows")
    frame = _normalise(frame)
    _cache.put(key, frame)
    return frame.copy()


def clear_cache() -> None:
    _cache.clear()
