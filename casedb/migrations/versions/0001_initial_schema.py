"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=True),
    sa.Column('role', sa.String(length=12), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action_at'), ['action', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_data_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.execute("INSERT INTO data_version (id, version, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)")
    op.create_table('demo_ground_truth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_ground_truth'))
    )
    with op.batch_alter_table('demo_ground_truth', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_ground_truth_entity_entity_id'), ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demo_ground_truth_kind'), ['kind'], unique=False)

    op.create_table('entry_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('coord_is_approximate', sa.Boolean(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("type IN ('airport', 'bus_terminal', 'river_port', 'road_post')", name=op.f('ck_entry_points_type_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_points')),
    sa.UniqueConstraint('code', name=op.f('uq_entry_points_code'))
    )
    op.create_table('external_regions',
    sa.Column('code', sa.String(length=13), nullable=False, comment='Kemendagri province (xx) or regency (xx.xx) code'),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.CheckConstraint("level IN ('province', 'regency')", name=op.f('ck_external_regions_level_valid')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_external_regions'))
    )
    op.create_table('ingest_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('rows_in', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_accepted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_ingest_batches_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_batches'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=13), nullable=False, comment='Kemendagri code, 14.71.xx or 14.71.xx.xxxx'),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=13), nullable=True),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('population_is_estimate', sa.Boolean(), nullable=False),
    sa.Column('population_source', sa.Text(), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("level IN ('kecamatan', 'kelurahan')", name=op.f('ck_regions_level_valid')),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.code'], name=op.f('fk_regions_parent_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_parent_code'), ['parent_code'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('mayor', 'health', 'press', 'admin', 'checkpoint')", name=op.f('ck_users_role_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('daily_area',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('new_cases', sa.Integer(), nullable=False),
    sa.Column('imported_cases', sa.Integer(), nullable=False),
    sa.Column('recovered', sa.Integer(), nullable=False),
    sa.Column('died', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_daily_area_kelurahan_code_regions')),
    sa.PrimaryKeyConstraint('day', 'kelurahan_code', name=op.f('pk_daily_area'))
    )
    op.create_table('daily_entry_point',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('entry_point_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('movements', sa.Integer(), nullable=False),
    sa.Column('doc_valid', sa.Integer(), nullable=False),
    sa.Column('doc_expired', sa.Integer(), nullable=False),
    sa.Column('doc_not_found', sa.Integer(), nullable=False),
    sa.Column('doc_issuer_unauthorized', sa.Integer(), nullable=False),
    sa.Column('doc_mismatch', sa.Integer(), nullable=False),
    sa.Column('doc_none', sa.Integer(), nullable=False),
    sa.Column('screened', sa.Integer(), nullable=False),
    sa.Column('screened_positive', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_point_id'], ['entry_points.id'], name=op.f('fk_daily_entry_point_entry_point_id_entry_points')),
    sa.PrimaryKeyConstraint('day', 'entry_point_id', 'direction', name=op.f('pk_daily_entry_point'))
    )
    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registry_code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_weekdays', sa.String(length=7), server_default='', nullable=False),
    sa.Column('reports_daily', sa.Boolean(), nullable=False),
    sa.Column('is_synthetic', sa.Boolean(), nullable=False),
    sa.Column('beds', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("type IN ('hospital', 'puskesmas', 'clinic', 'lab', 'practice')", name=op.f('ck_facilities_type_valid')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_facilities_kelurahan_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities')),
    sa.UniqueConstraint('registry_code', name=op.f('uq_facilities_registry_code'))
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilities_kelurahan_code'), ['kelurahan_code'], unique=False)

    op.create_table('persons',
    sa.Column('person_key', sa.String(length=64), nullable=False, comment='HMAC-SHA256 of the NIK, hex'),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('is_resident', sa.Boolean(), nullable=False),
    sa.Column('home_kelurahan_code', sa.String(length=13), nullable=True),
    sa.Column('home_region_code', sa.String(length=13), nullable=True),
    sa.Column('approx_lat', sa.Float(), nullable=True),
    sa.Column('approx_lon', sa.Float(), nullable=True),
    sa.CheckConstraint("sex IN ('M', 'F') OR sex IS NULL", name=op.f('ck_persons_sex_valid')),
    sa.ForeignKeyConstraint(['home_kelurahan_code'], ['regions.code'], name=op.f('fk_persons_home_kelurahan_code_regions')),
    sa.ForeignKeyConstraint(['home_region_code'], ['external_regions.code'], name=op.f('fk_persons_home_region_code_external_regions')),
    sa.PrimaryKeyConstraint('person_key', name=op.f('pk_persons'))
    )
    op.create_table('rejected_rows',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False, comment='the row exactly as it arrived'),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_rejected_rows_batch_id_ingest_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_rows'))
    )
    with op.batch_alter_table('rejected_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejected_rows_batch_id_row_number'), ['batch_id', 'row_number'], unique=False)

    op.create_table('authorizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False, comment='Dinkes recommendation number'),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('granted_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_authorizations_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorizations')),
    sa.UniqueConstraint('number', name=op.f('uq_authorizations_number'))
    )
    with op.batch_alter_table('authorizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorizations_facility_id_valid_from'), ['facility_id', 'valid_from'], unique=False)

    op.create_table('daily_facility_tests',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('test_type', sa.String(length=10), nullable=False),
    sa.Column('tests', sa.Integer(), nullable=False),
    sa.Column('positives', sa.Integer(), nullable=False),
    sa.Column('negatives', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_daily_facility_tests_facility_id_facilities')),
    sa.PrimaryKeyConstraint('day', 'facility_id', 'test_type', name=op.f('pk_daily_facility_tests'))
    )
    op.create_table('facility_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('report_day', sa.Date(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('tests_done', sa.Integer(), nullable=False),
    sa.Column('positives', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_facility_reports_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_reports')),
    sa.UniqueConstraint('facility_id', 'report_day', name=op.f('uq_facility_reports_facility_id_report_day'))
    )
    with op.batch_alter_table('facility_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_reports_report_day'), ['report_day'], unique=False)

    op.create_table('movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('entry_point_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=True, comment='origin of an entry, destination of an exit'),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('certificate_number', sa.String(length=40), nullable=True),
    sa.Column('document_status', sa.String(length=20), nullable=False),
    sa.Column('screening_result', sa.String(length=10), nullable=True),
    sa.Column('source_ref', sa.String(length=80), nullable=False),
    sa.CheckConstraint("direction IN ('in', 'out')", name=op.f('ck_movements_direction_valid')),
    sa.CheckConstraint("document_status IN ('valid', 'expired', 'not_found', 'issuer_unauthorized', 'mismatch', 'none')", name=op.f('ck_movements_document_status_valid')),
    sa.CheckConstraint("mode IN ('air', 'bus', 'car', 'motorcycle', 'boat')", name=op.f('ck_movements_mode_valid')),
    sa.ForeignKeyConstraint(['entry_point_id'], ['entry_points.id'], name=op.f('fk_movements_entry_point_id_entry_points')),
    sa.ForeignKeyConstraint(['person_key'], ['persons.person_key'], name=op.f('fk_movements_person_key_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['external_regions.code'], name=op.f('fk_movements_region_code_external_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movements')),
    sa.UniqueConstraint('entry_point_id', 'source_ref', name=op.f('uq_movements_entry_point_id_source_ref'))
    )
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_movements_certificate_number'), ['certificate_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_day_entry_point_id'), ['day', 'entry_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movements_person_key_at'), ['person_key', 'at'], unique=False)

    op.create_table('test_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('test_type', sa.String(length=10), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('specimen_at', sa.DateTime(), nullable=False),
    sa.Column('result_at', sa.DateTime(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('result_day', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('source_ref', sa.String(length=80), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("purpose IN ('diagnostic', 'screening', 'travel', 'contact_tracing')", name=op.f('ck_test_results_purpose_valid')),
    sa.CheckConstraint("result IN ('positive', 'negative', 'invalid')", name=op.f('ck_test_results_result_valid')),
    sa.CheckConstraint("test_type IN ('pcr', 'antigen', 'antibody')", name=op.f('ck_test_results_test_type_valid')),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_test_results_batch_id_ingest_batches')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_test_results_facility_id_facilities')),
    sa.ForeignKeyConstraint(['person_key'], ['persons.person_key'], name=op.f('fk_test_results_person_key_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_results')),
    sa.UniqueConstraint('facility_id', 'source_ref', name=op.f('uq_test_results_facility_id_source_ref'))
    )
    with op.batch_alter_table('test_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_results_facility_id_result_day'), ['facility_id', 'result_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_test_results_person_key_result_at'), ['person_key', 'result_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_test_results_result_day_test_type'), ['result_day', 'test_type'], unique=False)

    op.create_table('authorization_test_types',
    sa.Column('authorization_id', sa.Integer(), nullable=False),
    sa.Column('test_type', sa.String(length=10), nullable=False),
    sa.CheckConstraint("test_type IN ('pcr', 'antigen', 'antibody')", name=op.f('ck_authorization_test_types_test_type_valid')),
    sa.ForeignKeyConstraint(['authorization_id'], ['authorizations.id'], name=op.f('fk_authorization_test_types_authorization_id_authorizations')),
    sa.PrimaryKeyConstraint('authorization_id', 'test_type', name=op.f('pk_authorization_test_types'))
    )
    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('test_result_id', sa.BigInteger(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_day', sa.Date(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('approx_lat', sa.Float(), nullable=True),
    sa.Column('approx_lon', sa.Float(), nullable=True),
    sa.Column('age_group', sa.String(length=8), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('cluster', sa.String(length=40), nullable=True),
    sa.Column('hospitalised_at', sa.DateTime(), nullable=True),
    sa.Column('recovered_at', sa.DateTime(), nullable=True),
    sa.Column('recovered_day', sa.Date(), nullable=True),
    sa.Column('died_at', sa.DateTime(), nullable=True),
    sa.Column('died_day', sa.Date(), nullable=True),
    sa.Column('is_imported', sa.Boolean(), nullable=False),
    sa.CheckConstraint('recovered_at IS NULL OR died_at IS NULL', name=op.f('ck_cases_one_outcome')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_cases_kelurahan_code_regions')),
    sa.ForeignKeyConstraint(['person_key'], ['persons.person_key'], name=op.f('fk_cases_person_key_persons')),
    sa.ForeignKeyConstraint(['test_result_id'], ['test_results.id'], name=op.f('fk_cases_test_result_id_test_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('test_result_id', name=op.f('uq_cases_test_result_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_cluster'), ['cluster'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_confirmed_day_kelurahan_code'), ['confirmed_day', 'kelurahan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_died_day'), ['died_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_person_key'), ['person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_recovered_day'), ['recovered_day'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('check_code', sa.String(length=12), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('test_result_id', sa.BigInteger(), nullable=True),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('test_type', sa.String(length=10), nullable=False),
    sa.Column('certified_result', sa.String(length=10), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_day', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("certified_result IN ('positive', 'negative')", name=op.f('ck_certificates_certified_result_valid')),
    sa.CheckConstraint("test_type IN ('pcr', 'antigen', 'antibody')", name=op.f('ck_certificates_test_type_valid')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_certificates_facility_id_facilities')),
    sa.ForeignKeyConstraint(['person_key'], ['persons.person_key'], name=op.f('fk_certificates_person_key_persons')),
    sa.ForeignKeyConstraint(['test_result_id'], ['test_results.id'], name=op.f('fk_certificates_test_result_id_test_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_facility_id_issued_day'), ['facility_id', 'issued_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_person_key'), ['person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_test_result_id'), ['test_result_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('index_case_id', sa.BigInteger(), nullable=False),
    sa.Column('contact_person_key', sa.String(length=64), nullable=False),
    sa.Column('relation', sa.String(length=12), nullable=False),
    sa.Column('listed_at', sa.DateTime(), nullable=False),
    sa.Column('traced_at', sa.DateTime(), nullable=True),
    sa.Column('tested_at', sa.DateTime(), nullable=True),
    sa.Column('test_result', sa.String(length=10), nullable=True),
    sa.Column('quarantine_until', sa.Date(), nullable=True),
    sa.Column('last_followup_at', sa.DateTime(), nullable=True),
    sa.Column('became_case_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("relation IN ('household', 'workplace', 'social', 'travel', 'healthcare')", name=op.f('ck_contacts_relation_valid')),
    sa.ForeignKeyConstraint(['became_case_id'], ['cases.id'], name=op.f('fk_contacts_became_case_id_cases')),
    sa.ForeignKeyConstraint(['contact_person_key'], ['persons.person_key'], name=op.f('fk_contacts_contact_person_key_persons')),
    sa.ForeignKeyConstraint(['index_case_id'], ['cases.id'], name=op.f('fk_contacts_index_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('index_case_id', 'contact_person_key', name=op.f('uq_contacts_index_case_id_contact_person_key'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_contact_person_key'), ['contact_person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_listed_at'), ['listed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_listed_at'))
        batch_op.drop_index(batch_op.f('ix_contacts_contact_person_key'))

    op.drop_table('contacts')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_test_result_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_person_key'))
        batch_op.drop_index(batch_op.f('ix_certificates_facility_id_issued_day'))

    op.drop_table('certificates')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_recovered_day'))
        batch_op.drop_index(batch_op.f('ix_cases_person_key'))
        batch_op.drop_index(batch_op.f('ix_cases_died_day'))
        batch_op.drop_index(batch_op.f('ix_cases_confirmed_day_kelurahan_code'))
        batch_op.drop_index(batch_op.f('ix_cases_cluster'))

    op.drop_table('cases')
    op.drop_table('authorization_test_types')
    with op.batch_alter_table('test_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_results_result_day_test_type'))
        batch_op.drop_index(batch_op.f('ix_test_results_person_key_result_at'))
        batch_op.drop_index(batch_op.f('ix_test_results_facility_id_result_day'))

    op.drop_table('test_results')
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_movements_person_key_at'))
        batch_op.drop_index(batch_op.f('ix_movements_day_entry_point_id'))
        batch_op.drop_index(batch_op.f('ix_movements_certificate_number'))

    op.drop_table('movements')
    with op.batch_alter_table('facility_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_reports_report_day'))

    op.drop_table('facility_reports')
    op.drop_table('daily_facility_tests')
    with op.batch_alter_table('authorizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorizations_facility_id_valid_from'))

    op.drop_table('authorizations')
    with op.batch_alter_table('rejected_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rejected_rows_batch_id_row_number'))

    op.drop_table('rejected_rows')
    op.drop_table('persons')
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilities_kelurahan_code'))

    op.drop_table('facilities')
    op.drop_table('daily_entry_point')
    op.drop_table('daily_area')
    op.drop_table('users')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_parent_code'))

    op.drop_table('regions')
    op.drop_table('ingest_batches')
    op.drop_table('external_regions')
    op.drop_table('entry_points')
    with op.batch_alter_table('demo_ground_truth', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_ground_truth_kind'))
        batch_op.drop_index(batch_op.f('ix_demo_ground_truth_entity_entity_id'))

    op.drop_table('demo_ground_truth')
    op.drop_table('data_version')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action_at'))

    op.drop_table('audit_log')
