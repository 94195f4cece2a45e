"""document checks: each certificate's and each presentation's breaches of the fraud rules, kept by
the writers, so that the fraud page reads the few flagged documents of a period

`certificate_checks` holds rules 1, 2, 3 and rule 5's candidates per certificate,
`presentation_checks` rules 4 and 7 per presentation of a certificate number at a checkpoint
(casedb.document_checks says which write re-judges which documents). This migration judges every
document already there.

Revision ID: 0018_document_checks
Revises: 0017_perf_rollups
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_document_checks'
down_revision = '0017_perf_rollups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'certificate_checks',
        sa.Column('certificate_id', sa.BigInteger(), nullable=False),
        sa.Column('rule', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False, comment="the certificate's issued_day"),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('other_at', sa.DateTime(), nullable=True),
        sa.Column('seconds', sa.BigInteger(), nullable=True,
                  comment='rule 5: whole seconds from other_at to issue, rounded up'),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_certificate_checks_certificate_id_certificates')),
        sa.PrimaryKeyConstraint('certificate_id', 'rule', name=op.f('pk_certificate_checks')),
    )
    op.create_index(op.f('ix_certificate_checks_rule_day'), 'certificate_checks', ['rule', 'day'])
    op.create_table(
        'presentation_checks',
        sa.Column('movement_id', sa.BigInteger(), nullable=False),
        sa.Column('rule', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False, comment="the movement's day"),
        sa.Column('certificate_number', sa.String(length=40), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['movement_id'], ['movements.id'],
                                name=op.f('fk_presentation_checks_movement_id_movements')),
        sa.PrimaryKeyConstraint('movement_id', 'rule', name=op.f('pk_presentation_checks')),
    )
    op.create_index(op.f('ix_presentation_checks_rule_day'), 'presentation_checks', ['rule', 'day'])
    from casedb import rollups

    rollups.refresh(op.get_bind(), *rollups.ALL_DAYS, rollups.DOCUMENT_CHECKS)


def downgrade() -> None:
    op.drop_table('presentation_checks')
    op.drop_table('certificate_checks')
