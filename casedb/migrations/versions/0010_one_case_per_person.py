"""cases.person_key unique: one case per person, even with two loads at once

Two loads at once on PostgreSQL could each find no case for a person and make two. Where that
happened, the person's earliest case (by confirmation, then id) is kept: the contacts of the others
move to it (a contact it already lists is not listed twice), contacts that became one of them now
became it, the others are deleted, and the daily_area rollup of their days is recomputed.

Revision ID: 0010_one_case_per_person
Revises: 0009_pepper_fingerprint
Create Date: 2026-12-03
"""
from datetime import date

from alembic import op
from sqlalchemy import text

revision = '0010_one_case_per_person'
down_revision = '0009_pepper_fingerprint'
branch_labels = None
depends_on = None

_DUPLICATES = text("""
    SELECT c.id, k.id AS kept, c.confirmed_day, c.recovered_day, c.died_day
    FROM cases c JOIN cases k ON k.person_key = c.person_key
    WHERE NOT EXISTS (SELECT 1 FROM cases e WHERE e.person_key = c.person_key
                      AND (e.confirmed_at < k.confirmed_at OR (e.confirmed_at = k.confirmed_at AND e.id < k.id)))
      AND k.id <> c.id
    ORDER BY c.id
""")


def upgrade() -> None:
    from casedb import rollups

    conn = op.get_bind()
    days = []
    for duplicate in conn.execute(_DUPLICATES).all():
        ids = {"dup": duplicate.id, "kept": duplicate.kept}
        conn.execute(text("UPDATE contacts SET became_case_id = :kept WHERE became_case_id = :dup"), ids)
        conn.execute(text("DELETE FROM contacts WHERE index_case_id = :dup AND contact_person_key IN "
                          "(SELECT contact_person_key FROM contacts WHERE index_case_id = :kept)"), ids)
        conn.execute(text("UPDATE contacts SET index_case_id = :kept WHERE index_case_id = :dup"), ids)
        conn.execute(text("DELETE FROM cases WHERE id = :dup"), ids)
        days += [d for d in (duplicate.confirmed_day, duplicate.recovered_day, duplicate.died_day) if d is not None]
    if days:
        days = [date.fromisoformat(d) if isinstance(d, str) else d for d in days]  # SQLite gives text
        rollups.refresh(conn, min(days), max(days), ("daily_area",))
    op.drop_index('ix_cases_person_key', table_name='cases')
    op.create_index('ix_cases_person_key', 'cases', ['person_key'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_cases_person_key', table_name='cases')
    op.create_index('ix_cases_person_key', 'cases', ['person_key'], unique=False)
