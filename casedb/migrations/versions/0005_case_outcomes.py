"""case outcomes: admissions, discharges, recoveries and deaths as hospitals send them

A table of every outcome received (casedb.ingest.outcomes) and the case's discharge moment beside
its admission, recovery and death.

Revision ID: 0005_case_outcomes
Revises: 0004
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_case_outcomes'
down_revision = '0004'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('discharged_at', sa.DateTime(), nullable=True))
    op.create_table(
        'case_outcomes',
        sa.Column('id', BigId, nullable=False),
        sa.Column('case_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('admission', 'discharge', 'recovery', 'death')",
                           name=op.f('ck_case_outcomes_kind_valid')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_outcomes_case_id_cases')),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_case_outcomes_facility_id_facilities')),
        sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'],
                                name=op.f('fk_case_outcomes_batch_id_ingest_batches')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_outcomes')),
        sa.UniqueConstraint('case_id', 'kind', 'at', name=op.f('uq_case_outcomes_case_id_kind_at')),
    )
    op.create_index(op.f('ix_case_outcomes_day'), 'case_outcomes', ['day'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_case_outcomes_day'), table_name='case_outcomes')
    op.drop_table('case_outcomes')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('discharged_at')
