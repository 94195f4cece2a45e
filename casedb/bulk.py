"""Bulk writes of DataFrames into the case database: COPY on PostgreSQL, chunked executemany on SQLite.

Both paths run on the caller's connection, inside its transaction, so a failed load leaves nothing.
Values are converted by the table's column types, the way SQLAlchemy Core would store them, so rows
written here read back exactly like rows inserted through Core: SQLite keeps DateTime as
`YYYY-MM-DD HH:MM:SS.ffffff` text, Date as `YYYY-MM-DD`, Boolean as 0/1.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Table
from sqlalchemy.engine import Connection

from casedb.schema import metadata

SQLITE_CHUNK_ROWS = 50_000
COPY_CHUNK_ROWS = 1_000_000
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def insert_frame(conn: Connection, table: Table | str, frame: pd.DataFrame) -> int:
    """Insert every row of `frame` (columns named as in `table`) and return how many were written."""
    table = metadata.tables[table] if isinstance(table, str) else table
    if frame.empty:
        return 0
    unknown = set(frame.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    columns = [c for c in table.columns if c.name in frame.columns]
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, frame)
    else:
        _executemany(conn, table, columns, frame)
    return len(frame)


def _copy(conn: Connection, table: Table, columns: list, frame: pd.DataFrame) -> None:
    """COPY in CSV written by Arrow (much faster than pandas for millions of rows): strings are
    always quoted, so an unquoted empty field is NULL and "" is an empty string."""
    names = ", ".join(c.name for c in columns)
    sql = f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)"
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(frame), COPY_CHUNK_ROWS):
            chunk = frame.iloc[start:start + COPY_CHUNK_ROWS]
            arrow = pa.table({c.name: _for_copy(c, chunk[c.name]) for c in columns})
            buffer = io.BytesIO()
            pacsv.write_csv(arrow, buffer, write_options=options)
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
    finally:
        cursor.close()


def _for_copy(column, values: pd.Series) -> pa.Array:
    if isinstance(column.type, Date):
        days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
        return pa.array(days, mask=values.isna().to_numpy())
    return pa.array(values, from_pandas=True)


def _executemany(conn: Connection, table: Table, columns: list, frame: pd.DataFrame) -> None:
    names = ", ".join(c.name for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(frame), SQLITE_CHUNK_ROWS):
            chunk = frame.iloc[start:start + SQLITE_CHUNK_ROWS]
            values = [_for_sqlite(c, chunk[c.name]) for c in columns]
            cursor.executemany(sql, list(zip(*values)))
    finally:
        cursor.close()


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
