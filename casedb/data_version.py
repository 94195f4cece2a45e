"""The data version: a counter every write bumps, so that readers re-query only when it changed."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from casedb.schema import data_version
from casedb.wib import now_utc


def bump(conn: Connection) -> int:
    """Advance the version inside the writer's transaction and return the new value."""
    conn.execute(
        update(data_version)
        .where(data_version.c.id == 1)
        .values(version=data_version.c.version + 1, changed_at=now_utc())
    )
    return conn.execute(select(data_version.c.version).where(data_version.c.id == 1)).scalar_one()


def current(conn: Connection) -> tuple[int, object]:
    """(version, changed_at as naive UTC)."""
    row = conn.execute(select(data_version.c.version, data_version.c.changed_at)).one()
    return row.version, row.changed_at
