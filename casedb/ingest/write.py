"""Writing validated rows idempotently, inside the batch's transaction.

Each chunk is bulk-copied into one temporary staging table (COPY on PostgreSQL, executemany on
SQLite, by casedb.bulk) and moved into the real tables with INSERT ... SELECT ... ON CONFLICT DO
NOTHING, the same SQL on both engines: a row whose key is already there (from an earlier load or
earlier in the same file) is skipped and counted as a duplicate. The keys: test results by
(facility, sender's number), movements by (entry point, sender's number), reports by (facility,
day), persons by person key. The staging table carries the person columns beside the rows, so
that persons come from the same copy as the rows that name them.

`ChunkWriter.stage` turns rows into what is copied without touching the database, so that the
pipeline can prepare the next chunk in another thread while this one is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Column, MetaData, String, Table, text
from sqlalchemy.engine import Connection

from casedb import schema
from casedb.ingest import contacts
from casedb.bulk import ConvertedRows, convert_frame, write_rows
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
                  "certificate_number", "document_status", "screening_result", "screening_test_type", "source_ref"),
    "facility_reports": ("facility_id", "report_day", "submitted_at", "tests_done", "positives"),
    "certificates": ("number", "check_code", "facility_id", "person_key", "test_type", "certified_result", "issued_at",
                     "issued_day", "valid_until", "revoked_at", "test_ref"),
    "contacts": contacts.COLUMNS,
}
# Staged beside a source's columns, not stored: a contact's person key is staged twice, as the
# contact's and as the persons row's.
_STAGED_ONLY = {"contacts": (("person_key", String(64)),)}
# The unique key a row is a duplicate by. Naming it spares PostgreSQL checking every other unique
# index (the primary key) for a conflict that cannot happen.
_KEYS = {"test_results": ("facility_id", "source_ref"), "movements": ("entry_point_id", "source_ref"),
         "facility_reports": ("facility_id", "report_day"), "persons": ("person_key",), "certificates": ("number",)}
# Contacts' days are those of their index cases, found in the database (casedb.ingest.contacts).
_DAY = {"test_results": "result_day", "movements": "day", "facility_reports": "report_day", "certificates": "issued_day",
        "contacts": "listed_at"}
# Marks the first row of each person in a chunk: that row's person columns are the ones inserted.
_FIRST_OF_PERSON = "first_of_person"


def _staging_table(source: str) -> Table:
    real = schema.metadata.tables[source]
    columns = [Column(c, real.c[c].type) for c in TARGETS[source]]
    columns += [Column(name, type_) for name, type_ in _STAGED_ONLY.get(source, ())]
    if "person_key" in TARGETS[source] + tuple(name for name, _ in _STAGED_ONLY.get(source, ())):
        columns += [Column(c, schema.persons.c[c].type) for c in _PERSON_COLUMNS if c != "person_key"]
        columns.append(Column(_FIRST_OF_PERSON, Boolean))
    return Table(f"stage_{source}", MetaData(), *columns, prefixes=["TEMPORARY"])


@dataclass
class Staged:
    """One chunk's rows converted for the staging table, and the days they fall on."""

    rows: ConvertedRows
    first_day: date | None
    last_day: date | None


class ChunkWriter:
    """Stages and inserts one source's chunks on one connection; `close` drops the staging table."""

    def __init__(self, conn: Connection, source: str, batch_id: int, pepper: str,
                 centroids: dict[str, tuple[float, float]]):
        self.conn = conn
        self.dialect = conn.dialect.name
        self.source = source
        self.batch_id = batch_id
        self.pepper = pepper
        self.centre_lat = {code: lat for code, (lat, _) in centroids.items()}
        self.centre_lon = {code: lon for code, (_, lon) in centroids.items()}
        self.stage_table = _staging_table(source)
        conn.execute(text(f"DROP TABLE IF EXISTS {self.stage_table.name}"))
        self.stage_table.create(conn)
        self.first_day: date | None = None
        self.last_day: date | None = None
        self.revoked = 0  # certificates already loaded that a row of this batch revoked
        self.filled_in = 0  # contacts already loaded that a row of this batch told more about
        self.linked = 0  # contacts linked to the case they became

    def stage(self, rows: pd.DataFrame) -> Staged:
        """Valid, typed rows (casedb.ingest.validate) as staging rows; no database access, so
        that it may run in another thread than `write`."""
        if rows.empty:
            return Staged(convert_frame(self.dialect, self.stage_table, pd.DataFrame()), None, None)
        frame = getattr(self, f"_{self.source}")(rows)
        if "person_key" in frame:
            frame = pd.concat([frame, self._persons(rows, frame["person_key"])], axis=1)
        days = frame[_DAY[self.source]]
        return Staged(convert_frame(self.dialect, self.stage_table, frame), days.min().date(), days.max().date())

    def write(self, staged: Staged) -> int:
        """Insert a staged chunk; return how many of its rows were new."""
        if not staged.rows.rows:
            return 0
        write_rows(self.conn, staged.rows)
        if _FIRST_OF_PERSON in self.stage_table.c:
            self._insert_select("persons", _PERSON_COLUMNS, _FIRST_OF_PERSON)
        if self.source == "movements":
            derive_document_status(self.conn, self.stage_table.name)
        if self.source == "certificates":
            self.revoked += revoke_certificates(self.conn, self.stage_table.name)
            inserted = insert_certificates(self.conn, self.stage_table.name)
        elif self.source == "contacts":
            inserted = self._write_contacts(staged)
        else:
            inserted = self._insert_select(self.source, TARGETS[self.source], "true")
        if self.source == "test_results":
            link_certificates(self.conn, self.stage_table.name)
        # TRUNCATE on PostgreSQL: deleted rows of a temporary table are never vacuumed, and every
        # later chunk would scan them again.
        emptying = "TRUNCATE" if self.dialect == "postgresql" else "DELETE FROM"
        self.conn.execute(text(f"{emptying} {self.stage_table.name}"))
        if staged.first_day is not None:
            self.first_day = min(staged.first_day, self.first_day or staged.first_day)
            self.last_day = max(staged.last_day, self.last_day or staged.last_day)
        return inserted

    def _insert_select(self, target: str, columns: tuple[str, ...], where: str) -> int:
        names = ", ".join(columns)
        # In key order: person keys are random hashes, and inserting them sorted walks their
        # indexes once per chunk instead of jumping about them. Byte order ("C") sorts the hex
        # keys exactly as the index does, without the locale's comparison.
        order = ""
        if "person_key" in columns:
            order = ' ORDER BY person_key COLLATE "C"' if self.dialect == "postgresql" else " ORDER BY person_key"
        # The WHERE clause is also what SQLite needs to tell ON CONFLICT from a join constraint.
        return self.conn.execute(text(
            f"INSERT INTO {target} ({names}) SELECT {names} FROM {self.stage_table.name} WHERE {where}{order} "
            f"ON CONFLICT ({', '.join(_KEYS[target])}) DO NOTHING"
        )).rowcount

    def _persons(self, rows: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
        """Person columns of each row; the first row of each person in the chunk is the one inserted."""
        kelurahan = rows["kelurahan"]
        jitter = _key_jitter(keys.to_numpy(dtype="S64")) * 2 * JITTER_DEGREES
        return pd.DataFrame({
            "sex": rows["sex"], "birth_year": rows["birth_year"], "is_resident": kelurahan.notna(),
            "home_kelurahan_code": kelurahan, "home_region_code": rows["home_region"],
            "approx_lat": kelurahan.map(self.centre_lat).astype(float) + jitter[:, 0],
            "approx_lon": kelurahan.map(self.centre_lon).astype(float) + jitter[:, 1],
            _FIRST_OF_PERSON: ~keys.duplicated().to_numpy(),
        }, index=rows.index)

    def _person_keys(self, rows: pd.DataFrame) -> list[str]:
        return pseudonymise_many(rows["nik"].tolist(), self.pepper)

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
            "screening_test_type": rows["screening_test_type"].where(rows["screening_result"].notna(), None),
            "source_ref": rows["source_ref"],
        }, index=rows.index)

    def _certificates(self, rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "number": rows["number"], "check_code": rows["check_code"], "facility_id": rows["facility"].astype("int64"),
            "person_key": self._person_keys(rows), "test_type": rows["test_type"],
            "certified_result": rows["certified_result"], "issued_at": rows["issued_at"],
            "issued_day": wib_days(rows["issued_at"]), "valid_until": rows["valid_until"], "revoked_at": rows["revoked_at"],
            "test_ref": rows["test_ref"],
        }, index=rows.index)

    def _contacts(self, rows: pd.DataFrame) -> pd.DataFrame:
        keys = self._person_keys(rows)
        return pd.DataFrame({
            "index_case_id": rows["index_case_id"].astype("int64"), "contact_person_key": keys,
            "relation": rows["relation"], "listed_at": rows["listed_at"], "traced_at": rows["traced_at"],
            "tested_at": rows["tested_at"], "test_result": rows["test_result"],
            "quarantine_until": rows["quarantine_until"].dt.date.astype(object).where(rows["quarantine_until"].notna(), None),
            "last_followup_at": rows["last_followup_at"], "person_key": keys,
        }, index=rows.index)

    def _write_contacts(self, staged: Staged) -> int:
        """New contacts, the stored ones told more about, links to the cases they became; the
        chunk's days become those of the tracing rollup it changed."""
        stage = self.stage_table.name
        inserted = contacts.insert_contacts(self.conn, stage)
        self.filled_in += contacts.fill_in_contacts(self.conn, stage)
        self.linked += contacts.link_became_cases(self.conn, f"SELECT contact_person_key FROM {stage}")
        span = contacts.staged_days(self.conn, stage)
        staged.first_day, staged.last_day = span if span else (self.first_day, self.last_day)
        return inserted

    def _facility_reports(self, rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "facility_id": rows["facility"].astype("int64"), "report_day": rows["report_day"], "submitted_at": rows["submitted_at"],
            "tests_done": rows["tests_done"], "positives": rows["positives"],
        }, index=rows.index)

    def close(self) -> None:
        self.stage_table.drop(self.conn)


# A movement's document status as the certificate register has it at the moment of the movement,
# checked in this order (as casedb.demo.travel.document_status): the number is not in the register
# (not_found); the certificate is someone else's (mismatch); no authorisation of the issuer covered
# its test type on the WIB issue day unrevoked at issue (issuer_unauthorized); the movement is past
# its validity or its revocation (expired); else valid.
def document_status_sql(movements: str) -> str:
    """The register's document status of each row of the table (or alias) `movements`, as a scalar
    SQL expression over its certificate_number, person_key and at."""
    return f"""(
    SELECT CASE
        WHEN c.id IS NULL THEN 'not_found'
        WHEN c.person_key <> {movements}.person_key THEN 'mismatch'
        WHEN NOT EXISTS (
            SELECT 1 FROM authorizations a
            JOIN authorization_test_types att ON att.authorization_id = a.id
            WHERE a.facility_id = c.facility_id AND att.test_type = c.test_type
              AND a.valid_from <= c.issued_day AND c.issued_day <= a.valid_until
              AND (a.revoked_at IS NULL OR a.revoked_at > c.issued_at)
        ) THEN 'issuer_unauthorized'
        WHEN c.valid_until < {movements}.at OR c.revoked_at <= {movements}.at THEN 'expired'
        ELSE 'valid'
    END
    FROM (SELECT 1 AS one) AS probe
    LEFT JOIN certificates c ON c.number = {movements}.certificate_number
)"""


def derive_document_status(conn: Connection, stage: str) -> None:
    """Staged movements that named a certificate without a status get the register's."""
    from casedb.ingest.validate import DERIVED_STATUS

    conn.execute(text(f"UPDATE {stage} SET document_status = {document_status_sql(stage)} "
                      f"WHERE document_status = :derived"), {"derived": DERIVED_STATUS})


def insert_certificates(conn: Connection, stage: str) -> int:
    """New certificates, each linked to the test its issuer sent under the sample number it names
    (none when there is no such test yet: `link_certificates` links it when the test arrives, and
    rule 2 of the fraud signals finds those whose test never does)."""
    names = ", ".join(TARGETS["certificates"])
    picked = ", ".join(f"s.{c}" for c in TARGETS["certificates"])
    return conn.execute(text(
        f"INSERT INTO certificates ({names}, test_result_id) SELECT {picked}, r.id FROM {stage} s "
        f"LEFT JOIN test_results r ON r.facility_id = s.facility_id AND r.source_ref = s.test_ref "
        f"WHERE true ON CONFLICT (number) DO NOTHING"
    )).rowcount


def link_certificates(conn: Connection, stage: str) -> int:
    """Certificates loaded before their test, linked now that their issuer sent a test under the
    sample number they name (the staged results of this chunk, just inserted). Without it a
    certificate that merely arrived first would stay "no matching test" (fraud rule 2) forever."""
    return conn.execute(text(
        f"UPDATE certificates SET test_result_id = (SELECT r.id FROM test_results r "
        f"WHERE r.facility_id = certificates.facility_id AND r.source_ref = certificates.test_ref) "
        f"WHERE test_result_id IS NULL AND test_ref IS NOT NULL AND EXISTS (SELECT 1 FROM {stage} s "
        f"WHERE s.facility_id = certificates.facility_id AND s.source_ref = certificates.test_ref)"
    )).rowcount


def revoke_certificates(conn: Connection, stage: str) -> int:
    """Certificates already in the register, unrevoked, that their own issuer now sends with a
    revocation time: revoked from then on. A revocation is never undone by a file."""
    return conn.execute(text(
        f"UPDATE certificates SET revoked_at = (SELECT MIN(s.revoked_at) FROM {stage} s "
        f"WHERE s.number = certificates.number AND s.facility_id = certificates.facility_id) "
        f"WHERE revoked_at IS NULL AND EXISTS (SELECT 1 FROM {stage} s WHERE s.number = certificates.number "
        f"AND s.facility_id = certificates.facility_id AND s.revoked_at IS NOT NULL)"
    )).rowcount


def _key_jitter(keys: np.ndarray) -> np.ndarray:
    """From -0.5 to 0.5, twice per key: its first two groups of four hex digits, read as numbers
    (the same for a person in every load, and unrelated to where they live)."""
    digits = keys.view(np.uint8).reshape(len(keys), -1)[:, :8].astype(np.int64)
    values = np.where(digits >= ord("a"), digits - ord("a") + 10, digits - ord("0"))
    groups = values.reshape(len(keys), 2, 4) @ np.array([16 ** 3, 16 ** 2, 16, 1])
    return groups / 0xFFFF - 0.5
