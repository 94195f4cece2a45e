"""Bulk writes of DataFrames into the case database: COPY on PostgreSQL, chunked executemany on SQLite.

Both paths run on the caller's connection, inside its transaction, so a failed load leaves nothing.
Values are converted by the table's column types, the way SQLAlchemy Core would store them, so rows
written here read back exactly like rows inserted through Core: SQLite keeps DateTime as
`YYYY-MM-DD HH:MM:SS.ffffff` text, Date as `YYYY-MM-DD`, Boolean as 0/1.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Table, text
from sqlalchemy.engine import Connection

from casedb.schema import metadata

SQLITE_CHUNK_ROWS = 50_000
COPY_CHUNK_ROWS = 1_000_000
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


@dataclass
class ConvertedRows:
    """Rows of a frame converted for one table on one engine, ready to be written: CSV for COPY
    on PostgreSQL, a list of row tuples for executemany on SQLite."""

    table: Table
    columns: list
    payload: bytes | list[tuple]
    rows: int


def insert_frame(conn: Connection, table: Table | str, frame: pd.DataFrame) -> int:
    """Insert every row of `frame` (columns named as in `table`) and return how many were written."""
    if frame.empty:
        return 0
    dialect = conn.dialect.name
    step = COPY_CHUNK_ROWS if dialect == "postgresql" else SQLITE_CHUNK_ROWS
    written = sum(write_rows(conn, convert_frame(dialect, table, frame.iloc[start:start + step]))
                  for start in range(0, len(frame), step))
    if "id" in frame:
        advance_id_sequence(conn, table)
    return written


def advance_id_sequence(conn: Connection, table: Table | str) -> None:
    """After rows were written with their ids given, move PostgreSQL's id sequence past them, so
    that the next row inserted without an id (an upload after the demo city, a facility registered
    after the reference load) does not collide. SQLite takes the next rowid from the rows."""
    if conn.dialect.name != "postgresql":
        return
    name = table if isinstance(table, str) else table.name
    conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:name, 'id'), "
                      f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"), {"name": name})


def convert_frame(dialect: str, table: Table | str, frame: pd.DataFrame) -> ConvertedRows:
    """The conversion half of `insert_frame`, for a frame written in one go. It needs no
    connection, so a loader may run it in another thread while its connection writes."""
    table = metadata.tables[table] if isinstance(table, str) else table
    unknown = set(frame.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    columns = [c for c in table.columns if c.name in frame.columns]
    if dialect == "postgresql":
        payload = _csv(columns, frame)
    else:
        payload = list(zip(*[_for_sqlite(c, frame[c.name]) for c in columns]))
    return ConvertedRows(table, columns, payload, len(frame))


def write_rows(conn: Connection, converted: ConvertedRows) -> int:
    """Write rows made by `convert_frame` for this connection's engine; return how many."""
    if not converted.rows:
        return 0
    names = ", ".join(c.name for c in converted.columns)
    cursor = conn.connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            # One read of the whole payload: psycopg2 takes the GIL for every read, and another
            # thread busy in Python would make each of thousands of 8 kB reads wait its turn.
            cursor.copy_expert(f"COPY {converted.table.name} ({names}) FROM STDIN WITH (FORMAT csv)",
                               io.BytesIO(converted.payload), size=max(len(converted.payload), 8192))
        else:
            marks = ", ".join("?" for _ in converted.columns)
            cursor.executemany(f"INSERT INTO {converted.table.name} ({names}) VALUES ({marks})", converted.payload)
    finally:
        cursor.close()
    return converted.rows


def _csv(columns: list, frame: pd.DataFrame) -> bytes:
    """CSV for COPY, written by Arrow (much faster than pandas for millions of rows): strings are
    always quoted, so an unquoted empty field is NULL and "" is an empty string."""
    arrow = pa.table({c.name: _for_copy(c, frame[c.name]) for c in columns})
    buffer = io.BytesIO()
    pacsv.write_csv(arrow, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buffer.getvalue()


def _for_copy(column, values: pd.Series) -> pa.Array:
    if isinstance(column.type, Date):
        days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
        return pa.array(days, mask=values.isna().to_numpy())
    return pa.array(values, from_pandas=True)


def _for_sqlite(column, values: pd.Series) -> list:
    missing = values.isna().to_numpy()
    kind = column.type
    if isinstance(kind, DateTime):
        text = pd.to_datetime(values).dt.strftime(_SQLITE_DATETIME)
        out = text.to_numpy(dtype=object)
    elif isinstance(kind, Date):
        out = _dates_as_text(values).to_numpy(dtype=object)
    elif isinstance(kind, Boolean):
        out = values.fillna(False).astype(bool).astype(np.int64).to_numpy(dtype=object)
    elif isinstance(kind, Integer):
        out = values.fillna(0).astype(np.int64).to_numpy(dtype=object)
    elif isinstance(kind, Float):
        out = values.fillna(0.0).astype(float).to_numpy(dtype=object)
    else:
        out = values.to_numpy(dtype=object)
    if missing.any():
        out = out.copy()
        out[missing] = None
    return out.tolist()


def _dates_as_text(values: pd.Series) -> pd.Series:
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
    text = pd.Series(days.astype(str), index=values.index, dtype=object)
    return text.where(values.notna().to_numpy(), None)
