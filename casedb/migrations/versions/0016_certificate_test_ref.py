"""certificates.test_ref: the sample number a certificate names, so that it is linked to its test
when the test arrives after it (casedb.ingest.write.link_certificates), and indexes for the fraud
signals page's queries (queries/fraud_rule*.sql)

Certificates loaded before this revision keep test_ref empty: those of ingestion were linked at
load or had no test then (the sample number was not kept), the demo city's are linked by id.

Revision ID: 0016_certificate_test_ref
Revises: 0015_contact_tracing
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_certificate_test_ref'
down_revision = '0015_contact_tracing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('certificates', sa.Column('test_ref', sa.String(length=80), nullable=True))
    op.create_index(op.f('ix_certificates_facility_id_test_ref'), 'certificates', ['facility_id', 'test_ref'])
    # Rules 1, 2, 3 and 5 read the certificates issued in the period; (facility_id, issued_day) cannot.
    op.create_index(op.f('ix_certificates_issued_day'), 'certificates', ['issued_day'])
    # Rules 4 and 7 read the period's movements that carry a certificate number (under a tenth of
    # all); on PostgreSQL the index holds every column they read, so that no table page is fetched.
    op.create_index(op.f('ix_movements_day_certificate_number'), 'movements', ['day', 'certificate_number'],
                    postgresql_where=sa.text('certificate_number IS NOT NULL'),
                    postgresql_include=['person_key', 'at', 'entry_point_id', 'id'],
                    sqlite_where=sa.text('certificate_number IS NOT NULL'))


def downgrade() -> None:
    op.drop_index(op.f('ix_movements_day_certificate_number'), table_name='movements')
    op.drop_index(op.f('ix_certificates_issued_day'), table_name='certificates')
    op.drop_index(op.f('ix_certificates_facility_id_test_ref'), table_name='certificates')
    op.drop_column('certificates', 'test_ref')
