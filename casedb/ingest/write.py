"""Writing validated rows idempotently, inside the batch's transaction.

Each chunk is bulk-copied into temporary staging tables (COPY on PostgreSQL, executemany on
SQLite, by casedb.bulk) and moved into the real tables with one INSERT ... SELECT ... ON CONFLICT
DO NOTHING, the same SQL on both engines: a row whose key is already there (from an earlier load
or earlier in the same file) is skipped and counted as a duplicate. The keys: test results by
(facility, sender's number), movements by (entry point, sender's number), reports by (facility, day).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Column, MetaData, Table, text
from sqlalchemy.engine import Connection

from casedb import schema
from casedb.bulk import insert_frame
from casedb.pseudonym import pseudonymise_many
from casedb.wib import wib_days

# About 300 m either way: enough to place a case on a kelurahan map, never an address.
JITTER_DEGREES = 0.006

_PERSON_COLUMNS = ("person_key", "sex", "birth_year", "is_resident", "home_kelurahan_code", "home_region_code",
                   "approx_lat", "approx_lon")
TARGETS = {
    "test_results": ("facility_id", "person_key", "test_type", "purpose", "specimen_at", "result_at", "reported_at",
                     "result_day", "result", "source_ref", "batch_id"),
    "movements": ("person_key", "entry_point_id", "direction", "at", "day", "region_code", "mode",
                  "certificate_number", "document_status", "screening_result", "source_ref"),
    "facility_reports": ("facility_id", "report_day", "submitted_at", "tests_done", "positives"),
}


def _staging_table(target: str, columns: tuple[str, ...]) -> Table:
    real = schema.metadata.tables[target]
    return Table(f"stage_{target}", MetaData(), *(Column(c, real.c[c].type) for c in columns),
                 prefixes=["TEMPORARY"])


class ChunkWriter:
    """Stages and inserts one source's chunks on one connection; `close` drops the staging tables."""

    def __init__(self, conn: Connection, source: str, batch_id: int, pepper: str,
                 centroids: dict[str, tuple[float, float]]):
        self.conn = conn
        self.source = source
        self.batch_id = batch_id
        self.pepper = pepper
        self.centroids = centroids
        self.stages = {source: _staging_table(source, TARGETS[source])}
        if source != "facility_reports":
            self.stages["persons"] = _staging_table("persons", _PERSON_COLUMNS)
        for stage in self.stages.values():
            conn.execute(text(f"DROP TABLE IF EXISTS {stage.name}"))
            stage.create(conn)
        self.first_day: date | None = None
        self.last_day: date | None = None

    def write(self, rows: pd.DataFrame) -> int:
        """Insert valid, typed rows (casedb.ingest.validate); return how many were new."""
        if rows.empty:
            return 0
        frame = getattr(self, f"_{self.source}")(rows)
        if "persons" in self.stages:
            self._insert(self._persons(rows, frame["person_key"]), "persons")
        days = frame["result_day" if self.source == "test_results" else
                     "day" if self.source == "movements" else "report_day"]
        self._extend(days.min().date(), days.max().date())
        return self._insert(frame, self.source)

    def _insert(self, frame: pd.DataFrame, target: str) -> int:
        stage = self.stages[target]
        insert_frame(self.conn, stage, frame[list(stage.c.keys())])
        columns = ", ".join(stage.c.keys())
        # WHERE true: SQLite needs it to tell ON CONFLICT from a join constraint after INSERT ... SELECT.
        # In key order: person keys are random hashes, and inserting them sorted walks their indexes
        # once per chunk instead of jumping about them.
        order = " ORDER BY person_key" if "person_key" in stage.c else ""
        inserted = self.conn.execute(text(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage.name} WHERE true{order} "
            "ON CONFLICT DO NOTHING"
        )).rowcount
        # TRUNCATE on PostgreSQL: deleted rows of a temporary table are never vacuumed, and every
        # later chunk would scan them again.
        emptying = "TRUNCATE" if self.conn.dialect.name == "postgresql" else "DELETE FROM"
        self.conn.execute(text(f"{emptying} {stage.name}"))
        return inserted

    def _extend(self, first: date, last: date) -> None:
        self.first_day = min(first, self.first_day or first)
        self.last_day = max(last, self.last_day or last)

    def _persons(self, rows: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
        persons = pd.DataFrame({
            "person_key": keys, "sex": rows["sex"], "birth_year": rows["birth_year"],
            "home_kelurahan_code": rows["kelurahan"], "home_region_code": rows["home_region"],
        }).drop_duplicates("person_key")
        persons["is_resident"] = persons["home_kelurahan_code"].notna()
        centre = persons["home_kelurahan_code"].map(self.centroids)
        jitter = np.array([[int(k[:4], 16), int(k[4:8], 16)] for k in persons["person_key"]]) / 0xFFFF - 0.5
        persons["approx_lat"] = centre.str[0] + jitter[:, 0] * 2 * JITTER_DEGREES
        persons["approx_lon"] = centre.str[1] + jitter[:, 1] * 2 * JITTER_DEGREES
        return persons

    def _person_keys(self, rows: pd.DataFrame) -> list[str]:
        return pseudonymise_many(rows["nik"], self.pepper)

    def _test_results(self, rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "facility_id": rows["facility"].astype("int64"), "person_key": self._person_keys(rows), "test_type": rows["test_type"],
            "purpose": rows["purpose"], "specimen_at": rows["specimen_at"], "result_at": rows["result_at"],
            "reported_at": rows["reported_at"], "result_day": wib_days(rows["result_at"]), "result": rows["result"],
            "source_ref": rows["source_ref"], "batch_id": self.batch_id,
        }, index=rows.index)

    def _movements(self, rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "person_key": self._person_keys(rows), "entry_point_id": rows["entry_point"].astype("int64"),
            "direction": rows["direction"], "at": rows["at"], "day": wib_days(rows["at"]),
            "region_code": rows["region"], "mode": rows["mode"], "certificate_number": rows["certificate_number"],
            "document_status": rows["document_status"], "screening_result": rows["screening_result"],
            "source_ref": rows["source_ref"],
        }, index=rows.index)

    def _facility_reports(self, rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "facility_id": rows["facility"].astype("int64"), "report_day": rows["report_day"], "submitted_at": rows["submitted_at"],
            "tests_done": rows["tests_done"], "positives": rows["positives"],
        }, index=rows.index)

    def close(self) -> None:
        for stage in self.stages.values():
            stage.drop(self.conn)
