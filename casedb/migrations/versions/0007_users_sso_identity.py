"""users.sso_issuer, users.sso_subject: an account linked to its single sign-on identity

An account is matched by its e-mail only when the provider says the e-mail is verified (boolean
true), and then linked to the token's issuer and subject; afterwards it is matched by those.

Revision ID: 0007_users_sso_identity
Revises: 0006_rejected_rows_masked
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_users_sso_identity'
down_revision = '0006_rejected_rows_masked'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added columns and an index: no table copy on SQLite.
    op.add_column('users', sa.Column('sso_issuer', sa.String(length=200), nullable=True))
    op.add_column('users', sa.Column('sso_subject', sa.String(length=200), nullable=True))
    op.create_index('ix_users_sso_issuer_sso_subject', 'users', ['sso_issuer', 'sso_subject'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_users_sso_issuer_sso_subject', table_name='users')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('sso_subject')
        batch_op.drop_column('sso_issuer')
