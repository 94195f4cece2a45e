"""press releases: numbered, frozen snapshots of the figures press may publish, their files and
the change log of a correction

Rows of these tables are never changed or deleted: triggers on both engines refuse an UPDATE or a
DELETE, so that nothing (a later load, a script, a mistaken fix) can change what was published.
A correction is a new release naming the one it corrects (casedb.releases).

Revision ID: 0014_press_releases
Revises: 0013_case_h3_cells
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_press_releases'
down_revision = '0013_case_h3_cells'
branch_labels = None
depends_on = None

TABLES = ('releases', 'release_figures', 'release_files', 'release_changes')
MESSAGE = 'a published release cannot be changed: publish a correction'


def upgrade() -> None:
    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by', sa.String(length=80), nullable=False),
    sa.Column('published_role', sa.String(length=12), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=False),
    sa.Column('data_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['corrects_id'], ['releases.id'], name=op.f('fk_releases_corrects_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('number', name=op.f('uq_releases_number'))
    )
    op.create_index(op.f('ix_releases_period_start'), 'releases', ['period_start'], unique=False)
    op.create_table('release_figures',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_figures_release_id_releases')),
    sa.PrimaryKeyConstraint('release_id', 'position', name=op.f('pk_release_figures'))
    )
    op.create_table('release_files',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_files_release_id_releases')),
    sa.PrimaryKeyConstraint('release_id', 'name', name=op.f('pk_release_files'))
    )
    op.create_table('release_changes',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.String(length=40), nullable=True),
    sa.Column('new_value', sa.String(length=40), nullable=True),
    sa.Column('reason_id', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_changes_release_id_releases')),
    sa.PrimaryKeyConstraint('release_id', 'position', name=op.f('pk_release_changes'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(f"CREATE FUNCTION release_frozen() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql")
    for table in TABLES:
        if dialect == 'postgresql':
            op.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION release_frozen()")
        else:
            for event in ('UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {table}_frozen_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == 'postgresql':
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
        else:
            for event in ('update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{event}")
    if dialect == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS release_frozen()")
    for table in reversed(TABLES):
        if table == 'releases':
            op.drop_index(op.f('ix_releases_period_start'), table_name='releases')
        op.drop_table(table)
