"""test results and movements: person and batch references without per-row foreign-key checks

PostgreSQL checks a foreign key row by row; on the two high-volume tables those checks were a third
of the server's work inserting test results. Ingestion keeps the references by construction (see
the comment above test_results in casedb/schema.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from casedb.migrations import foreign_keys

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_DROPPED = {
    'test_results': (('person_key', 'persons', 'person_key'), ('batch_id', 'ingest_batches', 'id')),
    'movements': (('person_key', 'persons', 'person_key'),),
}


def upgrade() -> None:
    foreign_keys.drop(_DROPPED)


def downgrade() -> None:
    foreign_keys.restore(_DROPPED)
