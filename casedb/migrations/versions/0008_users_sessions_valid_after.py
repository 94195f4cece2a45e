"""users.sessions_valid_after: a password reset, a disable or a role change ends open sessions

Revision ID: 0008_users_sessions_valid_after
Revises: 0007_users_sso_identity
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_users_sessions_valid_after'
down_revision = '0007_users_sso_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('sessions_valid_after', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('sessions_valid_after')
