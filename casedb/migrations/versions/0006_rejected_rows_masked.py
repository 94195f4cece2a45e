"""Rejected rows stored before masking by content repaired: FHIR resources cut to their summary,
other rows masked as free text (casedb.ingest.masking), and the values their reasons quote too

Before, cells were masked by column position only: a shifted row kept its NIK whole, every row its
full birth date, and a rejected FHIR Observation was kept whole. The header of a stored row is not
stored, so the repair cannot trust any column and masks every stored row as free text.

Revision ID: 0006_rejected_rows_masked
Revises: 0004
Create Date: 2026-12-03
"""
from alembic import op
from sqlalchemy import bindparam, text

from casedb.ingest.masking import repair_reason, repair_stored

revision = '0006_rejected_rows_masked'
down_revision = '0005_case_outcomes'
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    conn = op.get_bind()
    update = text("UPDATE rejected_rows SET raw = :raw, reason = :reason WHERE id = :row_id").bindparams(
        bindparam("row_id"))
    last = 0
    while True:
        rows = conn.execute(text("SELECT id, raw, reason FROM rejected_rows WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": _BATCH}).all()
        if not rows:
            return
        changed = []
        for row_id, raw, reason in rows:
            new_raw, new_reason = repair_stored(raw), repair_reason(reason)
            if (new_raw, new_reason) != (raw, reason):
                changed.append({"row_id": row_id, "raw": new_raw, "reason": new_reason})
        if changed:
            conn.execute(update, changed)
        last = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: what was masked is gone."""
