"""daily_tracing rollup, chain_members and contact indexes, for the contact-tracing page

Contact tracing per WIB day of the index case's confirmation and kelurahan (casedb.rollups), with
the tracing delay bucketed by casedb.schema.TRACING_EDGES_HOURS; every case in a chain of
transmission with its cluster (casedb.rollups.refresh_chains); indexes on contacts' became_case_id
(chains of transmission) and quarantine_until (contacts in quarantine). Both tables are filled
from the rows already there.

Revision ID: 0015_contact_tracing
Revises: 0014_press_releases
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from casedb import rollups
from casedb.schema import TRACING_BUCKETS

revision = '0015_contact_tracing'
down_revision = '0014_press_releases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_contacts_became_case_id'), 'contacts', ['became_case_id'])
    op.create_index(op.f('ix_contacts_quarantine_until'), 'contacts', ['quarantine_until'])
    op.create_table(
        'daily_tracing',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
        sa.Column('week', sa.Date(), nullable=False, comment="the Monday of day's ISO week"),
        sa.Column('cases', sa.Integer(), nullable=False, comment='cases confirmed on day'),
        sa.Column('cases_listed', sa.Integer(), nullable=False,
                  comment="of those, listed as someone's contact at or before their confirmation"),
        sa.Column('contacts', sa.Integer(), nullable=False, comment='contacts listed of the cases confirmed on day'),
        sa.Column('traced', sa.Integer(), nullable=False),
        *[sa.Column(f'traced_{k}', sa.Integer(), nullable=False) for k in range(TRACING_BUCKETS)],
        sa.Column('tested', sa.Integer(), nullable=False),
        sa.Column('became_cases', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'],
                                name=op.f('fk_daily_tracing_kelurahan_code_regions')),
        sa.PrimaryKeyConstraint('day', 'kelurahan_code', name=op.f('pk_daily_tracing')),
    )
    op.create_index(op.f('ix_daily_tracing_week'), 'daily_tracing', ['week'])
    op.create_table(
        'chain_members',
        sa.Column('case_id', sa.BigInteger(), nullable=False),
        sa.Column('cluster_id', sa.BigInteger(), nullable=False, comment="the cluster's earliest case (cases.id)"),
        sa.Column('confirmed_day', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_chain_members_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_chain_members')),
    )
    op.create_index(op.f('ix_chain_members_cluster_id'), 'chain_members', ['cluster_id'])
    rollups.refresh(op.get_bind(), *rollups.ALL_DAYS, rollups.TRACING_ROLLUPS)
    rollups.refresh_chains(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_chain_members_cluster_id'), table_name='chain_members')
    op.drop_table('chain_members')
    op.drop_index(op.f('ix_daily_tracing_week'), table_name='daily_tracing')
    op.drop_table('daily_tracing')
    op.drop_index(op.f('ix_contacts_quarantine_until'), table_name='contacts')
    op.drop_index(op.f('ix_contacts_became_case_id'), table_name='contacts')
