"""movement rollups: per day x entry point x direction x mode x document status, per WIB hour, per
origin/destination region, screening per test type and result, imported cases per origin

Adds the test type of an on-the-spot screening to movements and the origin of an imported case to
cases, and fills the new rollups and the origins from the rows already there.

Revision ID: 0012_movement_rollups
Revises: 0011_compliance
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_movement_rollups'
down_revision = '0011_compliance'
branch_labels = None
depends_on = None

NEW_ROLLUPS = ('daily_movement', 'daily_movement_hour', 'daily_movement_region', 'daily_screening',
               'daily_imported_origin')


def upgrade() -> None:
    # Nullable and without a default: PostgreSQL adds them without rewriting the table.
    op.add_column('movements', sa.Column('screening_test_type', sa.String(length=10), nullable=True))
    op.add_column('cases', sa.Column('import_region_code', sa.String(length=13), nullable=True))
    with op.batch_alter_table('movements') as batch:
        batch.create_check_constraint(op.f('ck_movements_screening_test_type_valid'),
                                      "screening_test_type IN ('pcr', 'antigen', 'antibody')")
    op.create_table(
        'daily_movement',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('entry_point_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('document_status', sa.String(length=20), nullable=False),
        sa.Column('movements', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_point_id'], ['entry_points.id'],
                                name=op.f('fk_daily_movement_entry_point_id_entry_points')),
        sa.PrimaryKeyConstraint('day', 'entry_point_id', 'direction', 'mode', 'document_status',
                                name=op.f('pk_daily_movement')),
    )
    op.create_table(
        'daily_movement_hour',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('hour', sa.Integer(), nullable=False, comment='WIB hour of the day, 0-23'),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('movements', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'hour', 'direction', name=op.f('pk_daily_movement_hour')),
    )
    op.create_table(
        'daily_movement_region',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False,
                  comment="origin of entries, destination of exits; '' not stated"),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('movements', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'region_code', 'direction', name=op.f('pk_daily_movement_region')),
    )
    op.create_table(
        'daily_screening',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('entry_point_id', sa.Integer(), nullable=False),
        sa.Column('test_type', sa.String(length=10), nullable=False, comment="'' when the record did not say"),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('screened', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_point_id'], ['entry_points.id'],
                                name=op.f('fk_daily_screening_entry_point_id_entry_points')),
        sa.PrimaryKeyConstraint('day', 'entry_point_id', 'test_type', 'result', name=op.f('pk_daily_screening')),
    )
    op.create_table(
        'daily_imported_origin',
        sa.Column('day', sa.Date(), nullable=False, comment='WIB day of confirmation'),
        sa.Column('region_code', sa.String(length=13), nullable=False,
                  comment="cases.import_region_code; '' not stated"),
        sa.Column('imported_cases', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'region_code', name=op.f('pk_daily_imported_origin')),
    )
    # Backfill: the origins of imported cases (and is_imported itself, which a checkpoint record
    # loaded after its case had left false), then the new rollups over the whole history.
    from casedb import rollups
    from casedb.ingest.cases import update_imports

    conn = op.get_bind()
    changed = update_imports(conn, *rollups.ALL_DAYS)
    if changed is not None:
        rollups.refresh(conn, *changed, ('daily_area',))
    rollups.refresh(conn, *rollups.ALL_DAYS, NEW_ROLLUPS)


def downgrade() -> None:
    for table in reversed(NEW_ROLLUPS):
        op.drop_table(table)
    with op.batch_alter_table('movements') as batch:
        batch.drop_constraint(op.f('ck_movements_screening_test_type_valid'), type_='check')
        batch.drop_column('screening_test_type')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('import_region_code')
