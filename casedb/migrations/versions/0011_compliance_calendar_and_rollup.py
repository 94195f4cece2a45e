"""Facility reporting compliance: a calendar of days and a daily rollup per facility and test type
of results, certificates and result latencies

`calendar` holds one row per day 2019-2040, so that expected reporting days are counted by a join
over the chosen period only (no date arithmetic that differs between SQLite and PostgreSQL).
`daily_facility_compliance` is kept current by casedb.rollups like the other daily rollups; this
revision fills it from the rows already stored.

Revision ID: 0011_compliance
Revises: 0005_case_outcomes
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

from casedb import rollups
from casedb.schema import CALENDAR_RANGE, LATENCY_BUCKETS

revision = '0011_compliance'
down_revision = '0010_one_case_per_person'
branch_labels = None
depends_on = None

_FILL_CALENDAR = {
    'postgresql': """
        INSERT INTO calendar (day, iso_weekday, day_number, ends_at)
        SELECT d::date, EXTRACT(ISODOW FROM d)::int::text, d::date - DATE '2000-01-01', d::date + TIME '17:00'
        FROM generate_series(DATE '{first}', DATE '{last}', INTERVAL '1 day') AS d
    """,
    'sqlite': """
        WITH RECURSIVE d(day) AS (
            SELECT '{first}' UNION ALL SELECT date(day, '+1 day') FROM d WHERE day < '{last}'
        )
        INSERT INTO calendar (day, iso_weekday, day_number, ends_at)
        SELECT day, CASE strftime('%w', day) WHEN '0' THEN '7' ELSE strftime('%w', day) END,
               CAST(julianday(day) - julianday('2000-01-01') AS INTEGER), day || ' 17:00:00.000000'
        FROM d
    """,
}


def upgrade() -> None:
    op.create_table('calendar',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('iso_weekday', sa.String(length=1), nullable=False, comment='1=Monday .. 7=Sunday'),
    sa.Column('day_number', sa.Integer(), nullable=False, comment='days since 2000-01-01'),
    sa.Column('ends_at', sa.DateTime(), nullable=False, comment='naive UTC moment the WIB day ends (17:00 UTC)'),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar'))
    )
    op.create_table('daily_facility_compliance',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('test_type', sa.String(length=10), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('positives', sa.Integer(), nullable=False),
    sa.Column('certificates', sa.Integer(), nullable=False),
    *[sa.Column(f'sr_{k}', sa.Integer(), nullable=False) for k in range(LATENCY_BUCKETS)],
    *[sa.Column(f'rr_{k}', sa.Integer(), nullable=False) for k in range(LATENCY_BUCKETS)],
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                            name=op.f('fk_daily_facility_compliance_facility_id_facilities')),
    sa.PrimaryKeyConstraint('day', 'facility_id', 'test_type', name=op.f('pk_daily_facility_compliance'))
    )
    conn = op.get_bind()
    first, last = CALENDAR_RANGE
    conn.exec_driver_sql(_FILL_CALENDAR[conn.dialect.name].format(first=first, last=last))
    rollups.refresh(conn, *rollups.ALL_DAYS, ('daily_facility_compliance',))


def downgrade() -> None:
    op.drop_table('daily_facility_compliance')
    op.drop_table('calendar')
