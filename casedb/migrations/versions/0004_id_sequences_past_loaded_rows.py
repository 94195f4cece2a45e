"""PostgreSQL: id sequences moved past the rows the reference and demo loads wrote with their ids

Those loads gave every row its id and left the sequences at 1, so the first row inserted without
an id (an upload into the demo city, a facility registered after the reference load) collided with
id 1. The loads now advance the sequences themselves (casedb.bulk.advance_id_sequence); this
revision repairs databases loaded before. SQLite takes the next rowid from the rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
from alembic import op
from sqlalchemy import inspect

from casedb.bulk import advance_id_sequence

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != 'postgresql':
        return
    inspector = inspect(conn)
    for table in inspector.get_table_names():
        if 'id' in {c['name'] for c in inspector.get_columns(table)} and conn.exec_driver_sql(
                f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar() is not None:
            advance_id_sequence(conn, table)


def downgrade() -> None:
    """Nothing to undo: a sequence past the stored ids is what every insert needs."""
