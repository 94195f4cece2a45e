"""cases.h3_r7/h3_r8/h3_r9 and the daily_case_cells rollup, for the map's hexagons

A case's H3 cells are computed from its approximate location at write time (casedb.cells), so that
map queries count new cases per cell without reading a coordinate. Existing cases are filled here.

Revision ID: 0013_case_h3_cells
Revises: 0012_movement_rollups
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from casedb import rollups
from casedb.cells import cell_columns

revision = '0013_case_h3_cells'
down_revision = '0012_movement_rollups'
branch_labels = None
depends_on = None

CHUNK = 50_000


def upgrade() -> None:
    for column in ('h3_r7', 'h3_r8', 'h3_r9'):
        op.add_column('cases', sa.Column(column, sa.String(length=15), nullable=True))
    op.create_table('daily_case_cells',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('h3_r9', sa.String(length=15), nullable=False),
    sa.Column('h3_r8', sa.String(length=15), nullable=False),
    sa.Column('h3_r7', sa.String(length=15), nullable=False),
    sa.Column('new_cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'h3_r9', name=op.f('pk_daily_case_cells'))
    )
    conn = op.get_bind()
    last = 0
    update = sa.text("UPDATE cases SET h3_r7 = :h3_r7, h3_r8 = :h3_r8, h3_r9 = :h3_r9 WHERE id = :id")
    while True:
        rows = conn.execute(sa.text("SELECT id, approx_lat, approx_lon FROM cases WHERE id > :last "
                                    "AND approx_lat IS NOT NULL AND approx_lon IS NOT NULL ORDER BY id LIMIT :n"),
                            {"last": last, "n": CHUNK}).all()
        if not rows:
            break
        cells = cell_columns([r[1] for r in rows], [r[2] for r in rows])
        cells["id"] = [r[0] for r in rows]
        conn.execute(update, cells.to_dict("records"))
        last = rows[-1][0]
    rollups.refresh(conn, *rollups.ALL_DAYS, ("daily_case_cells",))


def downgrade() -> None:
    op.drop_table('daily_case_cells')
    for column in ('h3_r9', 'h3_r8', 'h3_r7'):
        op.drop_column('cases', column)
