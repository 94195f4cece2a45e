"""The health office's own facility registry file (source `facilities`), CSV or XLSX.

Each valid row is checked with the registry's own rules (casedb.facilities: kelurahan, coordinates
in or near the city, weekdays, beds), then a facility new to the registry is registered, one whose
columns differ is updated, and one that is the same is a duplicate. Every registration and update
writes its `facility_change` audit row (op `register` or `edit`, with the values; an edit also with
the values it replaced). Nothing is deleted: a facility missing from the file stays as it is (close
it on the Facilities page), and a closed facility stays closed.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from casedb import audit
from casedb.facilities import FacilityDraft, RegistryError, _checked
from casedb.ingest.errors import Message
from casedb.ingest.rowwise import ACCEPTED, DUPLICATE
from casedb.schema import facilities


class RegistryApplier:
    def __init__(self, conn: Connection, *, batch_id: int, pepper: str, created_by: str | None,
                 file_name: str | None):
        self.created_by = created_by or "ingest"
        self.batch_id = batch_id
        self.source = f"facility registry file {file_name or '(unnamed)'}, batch {batch_id}"

    def apply(self, conn: Connection, row: pd.Series) -> str | list[Message]:
        beds = row["beds"]
        draft = FacilityDraft(
            registry_code=row["registry_code"], name=row["name"], type=row["type"], kelurahan_code=row["kelurahan"],
            lat=float(row["lat"]), lon=float(row["lon"]), opened_on=row["opened_on"],
            closed_weekdays=tuple(int(d) for d in row["closed_weekdays"]), reports_daily=bool(row["reports_daily"]),
            beds=None if pd.isna(beds) else int(beds),
        )
        try:
            values = _checked(conn, draft)
        except RegistryError as refused:
            return [Message(refused.key, refused.params)]
        code = draft.registry_code
        existing = conn.execute(select(facilities).where(facilities.c.registry_code == code)).first()
        if existing is None:
            conn.execute(insert(facilities).values(registry_code=code, **values, closed_on=None, is_synthetic=False,
                                                   source=self.source))
            self._audit(conn, facility=code, op="register", **values)
            return ACCEPTED
        if existing.closed_on is not None and values["opened_on"] > existing.closed_on:
            return [Message("registry.closed_before_opened")]
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if not changed:
            return DUPLICATE
        conn.execute(update(facilities).where(facilities.c.id == existing.id).values(**changed))
        self._audit(conn, facility=code, op="edit", **changed,
                    was={k: getattr(existing, k) for k in changed})
        return ACCEPTED

    def _audit(self, conn: Connection, **detail) -> None:
        audit.record(conn, self.created_by, None, "facility_change", "success", {**detail, "batch": self.batch_id})

    def finish(self, conn: Connection, summary) -> None:
        pass
