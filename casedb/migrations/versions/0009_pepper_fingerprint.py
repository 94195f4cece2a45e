"""pepper_fingerprint: which NIK pepper the database was loaded with

A keyed hash of a fixed label with the pepper (casedb.pseudonym.fingerprint), recorded by the first
load after this revision and compared by every later one: a load with another pepper is refused.

Revision ID: 0009_pepper_fingerprint
Revises: 0008_users_sessions_valid_after
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_pepper_fingerprint'
down_revision = '0008_users_sessions_valid_after'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pepper_fingerprint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_pepper_fingerprint_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pepper_fingerprint')),
    )


def downgrade() -> None:
    op.drop_table('pepper_fingerprint')
