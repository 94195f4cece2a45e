"""performance rollups: city-wide daily counts with running totals, test positivity per 7-day
window, and each facility's report per day with its lateness in whole seconds

`daily_city` and `daily_positivity` let the overview read one row per day or window instead of
summing the whole history (cumulative totals, the curve) or counting distinct people over the raw
results (positivity); `daily_facility_report` lets the compliance queries decide "on time" with one
portable integer comparison. All three are kept current by casedb.rollups on every write; this
migration fills them from the rows already there.

Revision ID: 0017_perf_rollups
Revises: 0016_certificate_test_ref
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_perf_rollups'
down_revision = '0016_certificate_test_ref'
branch_labels = None
depends_on = None

NEW_ROLLUPS = ('daily_city', 'daily_facility_report', 'daily_positivity')


def upgrade() -> None:
    op.create_table(
        'daily_city',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('new_cases', sa.Integer(), nullable=False),
        sa.Column('recovered', sa.Integer(), nullable=False),
        sa.Column('died', sa.Integer(), nullable=False),
        sa.Column('confirmed_total', sa.Integer(), nullable=False, comment='new cases up to and including day'),
        sa.Column('recovered_total', sa.Integer(), nullable=False),
        sa.Column('died_total', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_daily_city')),
    )
    op.create_table(
        'daily_positivity',
        sa.Column('day', sa.Date(), nullable=False, comment='last WIB day of the window'),
        sa.Column('test_type', sa.String(length=10), nullable=False),
        sa.Column('people_tested', sa.Integer(), nullable=False),
        sa.Column('people_positive', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'test_type', name=op.f('pk_daily_positivity')),
    )
    op.create_table(
        'daily_facility_report',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True, comment='naive UTC; NULL: no report for the day'),
        sa.Column('seconds_after_day', sa.Integer(), nullable=True,
                  comment='submitted_at minus the end of the WIB day, whole seconds rounded up'),
        sa.Column('declared_tests', sa.Integer(), nullable=True, comment='facility_reports.tests_done'),
        sa.Column('sent_tests', sa.Integer(), nullable=False,
                  comment='test results of the facility with that result day'),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_daily_facility_report_facility_id_facilities')),
        sa.PrimaryKeyConstraint('day', 'facility_id', name=op.f('pk_daily_facility_report')),
    )
    from casedb import rollups

    # daily_facility_report is filled by 0019, which adds its certificates column: casedb.rollups
    # writes the table as it is at head.
    rollups.refresh(op.get_bind(), *rollups.ALL_DAYS, ('daily_city', 'daily_positivity'))


def downgrade() -> None:
    for table in reversed(NEW_ROLLUPS):
        op.drop_table(table)
