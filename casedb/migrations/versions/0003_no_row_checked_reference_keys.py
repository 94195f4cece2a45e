"""persons, test results and movements: reference-table keys without per-row foreign-key checks

The rest of what 0002 began. Loading 1M test results, the checks of test_results.facility_id and
of persons' two region codes were a fifth of PostgreSQL's work (BENCHMARKS.md, Ingestion). Every
writer resolves these codes against the reference tables in its own transaction, and nothing
deletes a facility, region or entry point (a facility is closed, never removed): see the comment
above test_results in casedb/schema.py.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from casedb.migrations import foreign_keys

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_DROPPED = {
    'persons': (('home_kelurahan_code', 'regions', 'code'), ('home_region_code', 'external_regions', 'code')),
    'test_results': (('facility_id', 'facilities', 'id'),),
    'movements': (('entry_point_id', 'entry_points', 'id'), ('region_code', 'external_regions', 'code')),
}


def upgrade() -> None:
    foreign_keys.drop(_DROPPED)


def downgrade() -> None:
    foreign_keys.restore(_DROPPED)
