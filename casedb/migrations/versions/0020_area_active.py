"""active cases per kelurahan as running totals (daily_area_active)

The map's active cases summed every daily_area row up to the day shown, so that query grew with the
history (at three times the history 9.5 -> 23.8 ms at city scale); with a running total per
kelurahan they are one row per kelurahan. Kept current by casedb.rollups on every case write; this
migration fills it from the rows already there.

Revision ID: 0020_area_active
Revises: 0019_report_certificates
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_area_active'
down_revision = '0019_report_certificates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'daily_area_active',
        sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('active', sa.Integer(), nullable=False,
                  comment='cases confirmed by the end of day, neither recovered nor died by then'),
        sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'],
                                name=op.f('fk_daily_area_active_kelurahan_code_regions')),
        sa.PrimaryKeyConstraint('kelurahan_code', 'day', name=op.f('pk_daily_area_active')),
    )
    from casedb import rollups

    rollups.refresh(op.get_bind(), *rollups.ALL_DAYS, ('daily_area_active',))


def downgrade() -> None:
    op.drop_table('daily_area_active')
