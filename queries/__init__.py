"""The read side: one named SQL query per `.sql` file in this folder, and the one runner for them.

A query file starts with a header of `-- key: value` lines:

    -- returns: one row per day: day, new_cases
    -- params: start (date), end (date)
    -- roles: mayor, health, press, admin

`roles` says who may run it; the runner refuses everyone else, so that no page can forget the
check. Privacy is enforced here too, for the same reason:

- Only `health` may receive a column named `person_key`, `contact_person_key`, `approx_lat` or
  `approx_lon` (a person or a case's location); for any other role such a result is refused.
- For `press`, every count is suppressed (see `suppress`), city-wide ones included: `-- suppress:
  col1, col2` names the count columns (default, when absent: every column holding whole numbers;
  `none` for a query that returns no counts, which the runner checks: a whole-number column under
  `none` is refused for press), `-- suppress_by: key1, key2` splits them into groups that each add
  up to a total the reader can see (default: the whole column is one group; naming every key makes
  each cell a group of its own, for counts that nothing shown adds up), and `-- suppress_rows: col1,
  col2` says that those columns add up to a row total the reader can see. `-- round: col1, col2`
  names running totals (stocks such as active cases) that press receives rounded to the nearest 10
  instead (1-9 as "<10", 0 as 0): an exact running total on two days gives every count between them.

`-- cache: none` turns the result cache off for a query whose table does not bump the data version
(the audit log). Parameters are `:named` and always bound, never formatted into the SQL. A file
`<name>.postgresql.sql` or `<name>.sqlite.sql` overrides `<name>.sql` on that engine, where portable
SQL is not possible.

Results are cached per (database, query, parameters, data version): a page that re-runs while the
data is unchanged costs one tiny version lookup. The parameters passed must be exactly the query's
(`QueryParameterError` names a missing, misspelt or extra one), and a query running longer than
`QUERY_TIME_LIMIT_MS` is cut (`QueryTimeout`): PostgreSQL's `statement_timeout` for the query's
transaction, on SQLite a progress handler that interrupts it. A page reads the data version once per run and passes it as `at_version`.

What a page shows is assembled from those frames by a figure function (`figures/`), whose pandas
work would run again on every rerun: `figure` memoises its result per (function, arguments, role,
data version, database), so that a rerun with no new data costs a lookup, not a recomputation.
"""
from __future__ import annotations

import copy
import dataclasses
import enum
import re
import threading
import time
import types
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, ProgrammingError

from casedb import settings
from casedb.data_version import current as current_version
from casedb.engine import UNAVAILABLE_ERRORS, get_engine, unavailable

QUERY_DIR = Path(__file__).resolve().parent
CACHE_ENTRIES = 512
# Assembled figures (one per page function, arguments, role and data version); each holds a few
# frames that the query cache holds too.
FIGURE_ENTRIES = 256
_HEADER = re.compile(r"^--\s*(\w+):\s*(.*)$")
_PARAM = re.compile(r"(?<!:):([a-zA-Z_]\w*)")


class QueryNotAllowed(PermissionError):
    """The role may not run this query."""

    def __init__(self, name: str, role: str | None):
        super().__init__(f"role {role!r} may not run query {name!r}")
        self.name = name
        self.role = role


class QueryParameterError(KeyError):
    """The parameters passed are not exactly the query's: one is missing, misspelt or extra."""

    def __init__(self, name: str, missing: set[str], unknown: set[str]):
        parts = []
        if missing:
            parts.append(f"needs parameters {sorted(missing)}")
        if unknown:
            parts.append(f"takes no parameters {sorted(unknown)}")
        self.message = f"query {name} " + " and ".join(parts)
        super().__init__(self.message)
        self.name = name
        self.missing = frozenset(missing)
        self.unknown = frozenset(unknown)

    def __str__(self) -> str:
        return self.message


class QueryTimeout(RuntimeError):
    """The query ran longer than QUERY_TIME_LIMIT_MS and was cut."""

    def __init__(self, name: str, limit_ms: int):
        super().__init__(f"query {name} ran longer than {limit_ms} ms and was cut")
        self.name = name
        self.limit_ms = limit_ms


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql: str  # without comment lines
    roles: frozenset[str]
    params: frozenset[str]
    returns: str
    suppress: tuple[str, ...] | None  # None: every whole-number column
    suppress_by: tuple[str, ...]
    suppress_rows: tuple[str, ...]
    cached: bool
    round: tuple[str, ...] = ()  # press receives these rounded to 10 instead of suppressed


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
        suppress=None if "suppress" not in header else _names(header["suppress"]),
        suppress_by=_names(header.get("suppress_by", "")),
        suppress_rows=_names(header.get("suppress_rows", "")),
        cached=header.get("cache", "").strip() != "none",
        round=_names(header.get("round", "")),
    )


def _names(text: str) -> tuple[str, ...]:
    return tuple(n for n in (p.strip() for p in text.split(",")) if n and n != "none")


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
        elif column.endswith("_at") and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.to_datetime(frame[column], format="mixed")
    return frame


_MISSING = object()


class _Cache:
    """A bounded LRU map, safe across the server's session threads."""

    def __init__(self, entries: int):
        self._entries = entries
        self._data: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, default: Any = None) -> Any:
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._data.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_cache = _Cache(CACHE_ENTRIES)
_figures = _Cache(FIGURE_ENTRIES)


def data_version(engine: Engine | None = None) -> tuple[int, datetime]:
    """(version, changed_at as naive UTC) of the database; DatabaseUnavailable if it cannot say."""
    engine = engine or get_engine(settings.read_database_url())
    try:
        with engine.connect() as conn:
            return current_version(conn)
    except (*UNAVAILABLE_ERRORS, ProgrammingError) as e:
        raise unavailable(e) from e


Run = Callable[..., pd.DataFrame]


def _prepared(name: str, role: str | None, engine: Engine, params: dict[str, Any]) -> tuple[NamedQuery, dict]:
    """The query and its bound parameters, once the role and the parameters are checked."""
    query = load(name, engine.dialect.name)
    if role not in query.roles:
        raise QueryNotAllowed(name, role)
    if params.keys() != query.params:
        raise QueryParameterError(name, set(query.params - params.keys()), set(params.keys() - query.params))
    return query, {k: _bindable(v, engine.dialect.name) for k, v in params.items()}


def _cache_key(engine: Engine, name: str, bound: dict[str, Any], version: int) -> tuple:
    return str(engine.url), name, tuple(sorted((k, repr(v)) for k, v in bound.items())), version


def run(name: str, role: str | None, /, engine: Engine | None = None, *, at_version: int | None = None,
        **params: Any) -> pd.DataFrame:
    """Run the named query for `role` with bound `params`, returning a DataFrame (a copy: callers
    may change it). Raises QueryNotAllowed, QueryParameterError (a parameter missing, misspelt or
    extra), QueryTimeout, DatabaseUnavailable, or OverflowError past QUERY_ROW_LIMIT rows.

    `at_version`: the data version the caller read for this run (a page reads it once, at the start
    of its run: ui.live.check); the runner then does not read it again for every query, so that a
    rerun whose queries are all cached costs no database round trip, and every figure of one run is
    cached under the same version. Without it the runner reads the version itself."""
    engine = engine or get_engine(settings.read_database_url())
    query, bound = _prepared(name, role, engine, params)
    if query.cached:
        # Uncached queries (a verification, the audit log) skip the version lookup.
        version = at_version if at_version is not None else data_version(engine)[0]
        key = _cache_key(engine, name, bound, version)
        cached = _cache.get(key)
        if cached is None:
            cached = _prefetched_result(key)
        if cached is not None:
            return _for_role(query, role, cached.copy())
    frame = _fetched(query, engine, bound)
    if query.cached:
        _cache.put(key, frame)
    return _for_role(query, role, frame.copy())


def _fetched(query: NamedQuery, engine: Engine, bound: dict[str, Any]) -> pd.DataFrame:
    """The query's rows from the database, as every role's frame is made from them."""
    limit = settings.get("QUERY_ROW_LIMIT")
    limit_ms = settings.get("QUERY_TIME_LIMIT_MS")
    try:
        with engine.connect() as conn, _time_limit(conn, limit_ms) as cut:
            try:
                result = conn.execute(text(query.sql), bound)
                # Plain tuples: pandas probes each SQLAlchemy Row for attributes it lacks, which took
                # 4.6 ms instead of 0.7 ms for the epidemic curve's 548 rows.
                rows = [tuple(row) for row in result.fetchmany(limit + 1)]
            except DBAPIError as e:
                if cut(e):
                    raise QueryTimeout(query.name, limit_ms) from e
                raise
            frame = pd.DataFrame(rows, columns=list(result.keys()))
    except UNAVAILABLE_ERRORS as e:
        raise unavailable(e) from e
    if len(frame) > limit:
        raise OverflowError(f"query {query.name} returned more than {limit} rows")
    return _normalise(frame)


# Queries started ahead of the page's own call (`start_queries`): cache key -> set once the result is in
# the cache, or the query failed.
_in_flight: dict[tuple, threading.Event] = {}
_in_flight_lock = threading.Lock()
_workers: ThreadPoolExecutor | None = None


def start_queries(role: str | None, calls: list[tuple[str, dict[str, Any]]], *, at_version: int | None,
                  engine: Engine | None = None) -> None:
    """Start the named queries `calls` ((name, params) pairs) of a runner of `role` at data version
    `at_version` on `engine` on worker threads, to be found by its `run` calls in the cache, or
    waited for while still running (`figures.common.prefetch` says why)."""
    if at_version is None:
        return  # only a result keyed by the run's data version can be found by the run
    engine = engine or get_engine(settings.read_database_url())
    for name, params in calls:
        try:
            query, bound = _prepared(name, role, engine, params)
        except (QueryNotAllowed, QueryParameterError, ValueError, OSError):
            continue  # the page's own call raises it, where the page says what went wrong
        if not query.cached:
            continue
        key = _cache_key(engine, name, bound, at_version)
        with _in_flight_lock:
            if key in _in_flight or _cache.get(key) is not None:
                continue
            done = _in_flight[key] = threading.Event()
        _pool().submit(_fetch_ahead, query, engine, bound, key, done)


def _pool() -> ThreadPoolExecutor:
    global _workers
    with _in_flight_lock:
        if _workers is None:
            # Shared by every session of the server: QUERY_WORKERS bounds the queries run ahead at once.
            _workers = ThreadPoolExecutor(settings.get("QUERY_WORKERS"), thread_name_prefix="query")
        return _workers


def _fetch_ahead(query: NamedQuery, engine: Engine, bound: dict[str, Any], key: tuple,
                 done: threading.Event) -> None:
    try:
        _cache.put(key, _fetched(query, engine, bound))
    except Exception:  # noqa: BLE001 - the page's own call runs it again and meets the error where it is shown
        pass
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)
        done.set()


def _prefetched_result(key: tuple) -> pd.DataFrame | None:
    """The result of a prefetched query for `key`, once it is in; None when none was started, it
    failed, or it took longer than a query may (the caller then runs it itself)."""
    with _in_flight_lock:
        done = _in_flight.get(key)
    if done is None:
        return _cache.get(key)  # it may have come in since the caller looked
    done.wait(2 * settings.get("QUERY_TIME_LIMIT_MS") / 1000)
    return _cache.get(key)


def figure_key(fn: Callable[..., Any], args: tuple = (), kwargs: dict[str, Any] | None = None) -> tuple | None:
    """What names `fn(run, *args, **kwargs)`'s result apart from the run: the function by module and
    name, and every argument by type and value. None when it cannot be named so: a lambda, a nested
    function or a bound method (its name does not say what it computes), or an argument that is not
    hashable (a dataclass holding DataFrames; a frame is never keyed on its repr)."""
    if not isinstance(fn, types.FunctionType) or "<" in fn.__qualname__:
        return None
    key = (fn.__module__, fn.__qualname__, tuple((type(a), a) for a in args),
           tuple(sorted((k, type(v), v) for k, v in (kwargs or {}).items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def memoised(fn: Callable[..., Any], run: Run, args: tuple = (), kwargs: dict[str, Any] | None = None, *,
             role: str | None, at_version: int | None, engine: Engine | None = None,
             keep: Callable[[], bool] | None = None) -> Any:
    """`fn(run, *args, **kwargs)`, computed once per (function, arguments, role, data version,
    database) in this process: `run` must be the runner for `role` on `engine` (default: the read
    database) at `at_version`. Called straight through when `figure_key` cannot name it, or without
    a version. Errors are not kept, nor a value for which `keep()` says no (ui.live: the database
    went away during the run and the figure was built from last good results).

    The value returned is shared with every later caller: never change it; hand out `copied(value)`
    (what `figure` does)."""
    named = figure_key(fn, args, kwargs)
    if named is None or at_version is None:
        return fn(run, *args, **(kwargs or {}))
    engine = engine or get_engine(settings.read_database_url())
    key = (str(engine.url), role, at_version, *named)
    value = _figures.get(key, _MISSING)
    if value is _MISSING:
        value = fn(run, *args, **(kwargs or {}))
        if keep is None or keep():
            _figures.put(key, value)
    return value


def figure(fn: Callable[..., Any], run: Run, args: tuple = (), kwargs: dict[str, Any] | None = None, *,
           role: str | None, at_version: int | None, engine: Engine | None = None) -> Any:
    """`memoised`, as a copy the caller may change."""
    return copied(memoised(fn, run, args, kwargs, role=role, at_version=at_version, engine=engine))


_IMMUTABLE = (str, bytes, int, float, complex, type(None), date, timedelta, Decimal, np.generic, enum.Enum,
              frozenset, range)


def copied(value: Any) -> Any:
    """A copy of a figure that shares nothing its holder could change with `value`: frames, series
    and arrays copied, dataclasses, lists, tuples, dicts and sets copied through; immutable values
    as they are; anything else deep-copied."""
    if isinstance(value, (pd.DataFrame, pd.Series, np.ndarray)):
        return value.copy()
    if isinstance(value, _IMMUTABLE):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = copy.copy(value)
        for member in dataclasses.fields(value):
            object.__setattr__(out, member.name, copied(getattr(value, member.name)))  # frozen ones too
        return out
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*(copied(v) for v in value))
    if type(value) in (tuple, list, set):
        return type(value)(copied(v) for v in value)
    if type(value) is dict:
        return {k: copied(v) for k, v in value.items()}
    return copy.deepcopy(value)


# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (query_canceled).
_PG_CANCELED = "57014"


class _time_limit:
    """Cut the query run on `conn` after `limit_ms`: PostgreSQL's statement_timeout, local to the
    connection's transaction (SQLAlchemy begins one on the first statement; it ends with the
    connection, so the pooled connection keeps no limit), or on SQLite a progress handler on the
    DBAPI connection that interrupts the statement once the time is up, removed afterwards. Entering
    gives `cut(error)`: whether a driver error is this limit at work."""

    # SQLite virtual machine instructions between two looks at the clock.
    SQLITE_STEPS = 10_000

    def __init__(self, conn: Connection, limit_ms: int):
        self.conn = conn
        self.limit_ms = limit_ms
        self.dialect = conn.dialect.name
        self.expired = False

    def __enter__(self):
        if self.dialect == "postgresql":
            self.conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                              {"ms": str(self.limit_ms)})
        elif self.dialect == "sqlite":
            deadline = time.monotonic() + self.limit_ms / 1000

            def interrupt() -> int:
                self.expired = time.monotonic() > deadline
                return 1 if self.expired else 0

            self.conn.connection.driver_connection.set_progress_handler(interrupt, self.SQLITE_STEPS)
        return self.cut

    def cut(self, error: DBAPIError) -> bool:
        if self.dialect == "postgresql":
            return getattr(error.orig, "pgcode", None) == _PG_CANCELED
        return self.expired and "interrupted" in str(error.orig).lower()

    def __exit__(self, *exc) -> None:
        if self.dialect == "sqlite" and not self.conn.closed:
            self.conn.connection.driver_connection.set_progress_handler(None, self.SQLITE_STEPS)


PERSONAL_COLUMNS = frozenset({"person_key", "contact_person_key", "approx_lat", "approx_lon"})
# Roles whose figures leave the health office: they receive counts suppressed.
SUPPRESSED_ROLES = frozenset({"press"})
SMALL_COUNT = "<5"
COMPLEMENT = "x"


def _for_role(query: NamedQuery, role: str, frame: pd.DataFrame) -> pd.DataFrame:
    if role != "health" and PERSONAL_COLUMNS & set(frame.columns):
        raise QueryNotAllowed(query.name, role)
    if role not in SUPPRESSED_ROLES:
        return frame
    if query.suppress == () and set(_whole_number_columns(frame)) - set(query.round):
        # Declared to return no counts, yet it does: refuse rather than let a count through.
        raise QueryNotAllowed(query.name, role)
    columns = query.suppress if query.suppress is not None else _whole_number_columns(frame)
    frame = round_counts(frame, query.round)
    return suppress(frame, tuple(c for c in columns if c not in query.round), query.suppress_by,
                    query.suppress_rows)


ROUNDED_SMALL = "<10"


def round_counts(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Running totals for press: to the nearest 10 (half up), 1-9 as "<10", 0 as 0."""
    columns = [c for c in columns if c in frame.columns]
    if not columns or frame.empty:
        return frame
    out = frame.copy()
    for column in columns:
        values = pd.to_numeric(out[column], errors="coerce").fillna(0).astype(float)
        out[column] = pd.Series([0 if v == 0 else ROUNDED_SMALL if v < 10 else int(np.floor(v / 10 + 0.5)) * 10
                                 for v in values], index=out.index, dtype=object)
    return out


def _whole_number_columns(frame: pd.DataFrame) -> tuple[str, ...]:
    """Columns of whole numbers (PostgreSQL's SUM comes back as Decimal in object columns)."""
    def whole(value: Any) -> bool:
        return isinstance(value, (int, Decimal, np.integer)) and not isinstance(value, bool) or value is None

    return tuple(c for c in frame.columns
                 if pd.api.types.is_integer_dtype(frame[c])
                 or (frame[c].dtype == object and frame[c].notna().any() and frame[c].map(whole).all()))


def suppress(frame: pd.DataFrame, columns: tuple[str, ...], by: tuple[str, ...] = (),
             rows: tuple[str, ...] = ()) -> pd.DataFrame:
    """Small-cell suppression for figures that leave the health office.

    Primary: every count of 1-4 in `columns` becomes "<5" (0 stays 0: an empty cell discloses no one).
    Complementary: wherever a group that adds up to a visible total holds exactly one hidden cell,
    that cell could be worked out as total minus the rest, so one more cell of the group is hidden,
    shown as "x": the smallest positive visible one (a zero only when no positive one is left). Groups
    are each column within each `by` group (the whole column when `by` is empty) and, when `rows`
    names columns, those columns within each row. Column and row passes repeat until every group
    holds zero or at least two hidden cells.

    Not covered: a group of one cell (its total is the cell itself), and sums of two hidden cells
    that pin both down (two "<5" cells adding to 2 are both 1) when the reader sees the total.
    Suppressed columns come back as object columns of numbers and the two marker strings."""
    columns = [c for c in columns if c in frame.columns]
    if not columns or frame.empty:
        return frame
    values = frame[columns].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(dtype=float)
    primary = (values >= 1) & (values <= 4)
    hidden = primary.copy()
    groups = [np.asarray(g) for g in frame.groupby(list(by), dropna=False).indices.values()] if by \
        else [np.arange(len(frame))]
    row_columns = np.array([columns.index(c) for c in rows if c in columns], dtype=int)
    cells = [(g, np.full(len(g), j)) for j in range(len(columns)) for g in groups]
    if len(row_columns):
        cells += [(np.full(len(row_columns), i), row_columns) for i in range(len(frame))]
    changed = True
    while changed:
        changed = False
        for i, j in cells:
            if hidden[i, j].sum() == 1:
                visible = np.flatnonzero(~hidden[i, j])
                if len(visible):
                    group_values = values[i, j][visible]
                    positive = visible[group_values > 0]
                    candidates = positive if len(positive) else visible
                    pick = candidates[np.argmin(values[i, j][candidates])]
                    hidden[i[pick], j[pick]] = True
                    changed = True
    out = frame.copy()
    for j, column in enumerate(columns):
        shown = out[column].astype(object).to_numpy(copy=True)
        shown[primary[:, j]] = SMALL_COUNT
        shown[hidden[:, j] & ~primary[:, j]] = COMPLEMENT
        out[column] = pd.Series(shown, index=out.index, dtype=object)
    return out


def clear_cache() -> None:
    """Forget every cached query result and memoised figure."""
    _cache.clear()
    _figures.clear()
