"""chain_clusters and chain_days: each cluster of chain_members as a whole, and the running count of
clusters formed, for the tracing page's clusters list

The list counted every chain member of the history up to the day shown, so it grew with the history
(tracing took 1.71 times as long with three times the history at city scale). Now it reads the
largest clusters by rank, those with a case in the 14 days shown and those that grew after the day
shown (none, on the latest day), and the count of clusters from one row. Both tables are rewritten
with chain_members by casedb.rollups.refresh_chains; this migration fills them from it.

Revision ID: 0021_chain_clusters
Revises: 0020_area_active
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_chain_clusters'
down_revision = '0020_area_active'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'chain_clusters',
        sa.Column('cluster_id', sa.BigInteger(), nullable=False, comment="the cluster's earliest case (cases.id)"),
        sa.Column('size', sa.Integer(), nullable=False, comment='its cases'),
        sa.Column('first_day', sa.Date(), nullable=False, comment='confirmed_day of its first case'),
        sa.Column('formed_day', sa.Date(), nullable=False,
                  comment='confirmed_day of its second case: from then on a cluster of two or more'),
        sa.Column('last_day', sa.Date(), nullable=False, comment='confirmed_day of its last case'),
        sa.Column('size_rank', sa.Integer(), nullable=False,
                  comment='1 for the largest, then by size descending and cluster_id'),
        sa.PrimaryKeyConstraint('cluster_id', name=op.f('pk_chain_clusters')),
    )
    op.create_index(op.f('ix_chain_clusters_size_rank'), 'chain_clusters', ['size_rank'], unique=True)
    op.create_index(op.f('ix_chain_clusters_last_day'), 'chain_clusters', ['last_day'])
    op.create_table(
        'chain_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('clusters', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_chain_days')),
    )
    op.create_index(op.f('ix_chain_members_confirmed_day'), 'chain_members', ['confirmed_day'])
    from casedb import rollups

    rollups.refresh_chains(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f('ix_chain_members_confirmed_day'), table_name='chain_members')
    op.drop_table('chain_days')
    op.drop_index(op.f('ix_chain_clusters_last_day'), table_name='chain_clusters')
    op.drop_index(op.f('ix_chain_clusters_size_rank'), table_name='chain_clusters')
    op.drop_table('chain_clusters')
