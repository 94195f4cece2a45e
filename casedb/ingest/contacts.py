"""Contact line lists (source `contacts`), written from the staging table of casedb.ingest.write,
and the one rule linking a contact to the case it became.

- A contact is keyed by (index case, contact person): sent again, it adds no row (a duplicate), but
  what the new list knows and the stored row does not is filled in: tracing and test moments and
  the result where none was stored, a later last follow-up visit, a quarantine end that changed.
  Nothing a list sent before is erased by a later one that leaves a cell empty.
- A contact became a case when its person's case was confirmed after the index case's and at most
  TRACING_BECAME_CASE_DAYS after the contact was listed. The link is made whichever arrives first:
  when a list names a person who is already a case (`link_became_cases` over the staged persons),
  and when a result confirms the case of a person already listed (over the batch's new cases).
- The tracing rollup (daily_tracing) is kept by WIB day of the index case's confirmation; the days a
  load touched come from `touched_days`.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

from casedb import settings

COLUMNS = ("index_case_id", "contact_person_key", "relation", "listed_at", "traced_at", "tested_at", "test_result",
           "quarantine_until", "last_followup_at")

# "At most N days after listing", per engine: SQLite compares Julian days, PostgreSQL intervals.
_WITHIN = {
    "sqlite": "julianday(b.confirmed_at) <= julianday(contacts.listed_at) + :days",
    "postgresql": "b.confirmed_at <= contacts.listed_at + :days * INTERVAL '1 day'",
}


def insert_contacts(conn: Connection, stage: str) -> int:
    """New contacts from the staging table; returns how many were new."""
    names = ", ".join(COLUMNS)
    return conn.execute(text(
        f"INSERT INTO contacts ({names}) SELECT {names} FROM {stage} WHERE true "
        f"ON CONFLICT (index_case_id, contact_person_key) DO NOTHING"
    )).rowcount


def fill_in_contacts(conn: Connection, stage: str) -> int:
    """Contacts already stored that a staged row tells more about; returns how many changed."""
    def staged(expression: str) -> str:
        return (f"(SELECT {expression} FROM {stage} s WHERE s.index_case_id = contacts.index_case_id "
                f"AND s.contact_person_key = contacts.contact_person_key)")

    later_followup = staged("MAX(s.last_followup_at)")
    until = staged("MAX(s.quarantine_until)")
    sets = {
        "traced_at": f"COALESCE(traced_at, {staged('MIN(s.traced_at)')})",
        "test_result": f"COALESCE(test_result, {staged('MIN(s.test_result)')})",
        "tested_at": f"COALESCE(tested_at, {staged('MIN(s.tested_at)')})",
        "last_followup_at": f"CASE WHEN last_followup_at IS NULL OR {later_followup} > last_followup_at "
                            f"THEN COALESCE({later_followup}, last_followup_at) ELSE last_followup_at END",
        "quarantine_until": f"COALESCE({until}, quarantine_until)",
    }
    changes = " OR ".join([
        f"(traced_at IS NULL AND {staged('MIN(s.traced_at)')} IS NOT NULL)",
        f"(tested_at IS NULL AND {staged('MIN(s.tested_at)')} IS NOT NULL)",
        f"(test_result IS NULL AND {staged('MIN(s.test_result)')} IS NOT NULL)",
        f"({later_followup} > last_followup_at OR (last_followup_at IS NULL AND {later_followup} IS NOT NULL))",
        f"({until} <> quarantine_until OR (quarantine_until IS NULL AND {until} IS NOT NULL))",
    ])
    assignments = ", ".join(f"{column} = {value}" for column, value in sets.items())
    return conn.execute(text(
        f"UPDATE contacts SET {assignments} WHERE EXISTS (SELECT 1 FROM {stage} s "
        f"WHERE s.index_case_id = contacts.index_case_id AND s.contact_person_key = contacts.contact_person_key) "
        f"AND ({changes})"
    )).rowcount


def link_became_cases(conn: Connection, persons: str, params: dict | None = None) -> int:
    """Contacts not yet linked, whose person is among `persons` (SQL returning person keys), linked
    to the case they became (see the module docstring); returns how many were linked."""
    became = (f"SELECT b.id FROM cases b JOIN cases i ON i.id = contacts.index_case_id "
              f"WHERE b.person_key = contacts.contact_person_key AND b.confirmed_at > i.confirmed_at "
              f"AND {_WITHIN[conn.dialect.name]}")
    return conn.execute(text(
        f"UPDATE contacts SET became_case_id = ({became}) "
        f"WHERE became_case_id IS NULL AND contact_person_key IN ({persons}) AND EXISTS ({became})"
    ), {**(params or {}), "days": settings.get("TRACING_BECAME_CASE_DAYS")}).rowcount


def staged_days(conn: Connection, stage: str) -> tuple[date, date] | None:
    """WIB days of the tracing rollup that staged contacts change: their index cases' confirmation
    days, and those of the cases their persons are (listed before them, or became them)."""
    return _span(conn, f"""
        SELECT i.confirmed_day AS day FROM {stage} s JOIN cases i ON i.id = s.index_case_id
        UNION ALL
        SELECT c.confirmed_day FROM {stage} s JOIN cases c ON c.person_key = s.contact_person_key
    """)


def batch_case_days(conn: Connection, batch_id: int) -> tuple[date, date] | None:
    """WIB days of the tracing rollup that a test-result batch's new cases change: their own days,
    and those of the index cases whose contacts became them."""
    return _span(conn, """
        SELECT c.confirmed_day AS day FROM cases c JOIN test_results tr ON tr.id = c.test_result_id
        WHERE tr.batch_id = :batch_id
        UNION ALL
        SELECT i.confirmed_day FROM cases c JOIN test_results tr ON tr.id = c.test_result_id
        JOIN contacts k ON k.became_case_id = c.id JOIN cases i ON i.id = k.index_case_id
        WHERE tr.batch_id = :batch_id
    """, {"batch_id": batch_id})


# The person keys of a test-result batch's new cases, for `link_became_cases`.
BATCH_CASE_PERSONS = ("SELECT c.person_key FROM cases c JOIN test_results tr ON tr.id = c.test_result_id "
                      "WHERE tr.batch_id = :batch_id")


def _span(conn: Connection, days_sql: str, params: dict | None = None) -> tuple[date, date] | None:
    first, last = conn.execute(text(f"SELECT MIN(day), MAX(day) FROM ({days_sql}) AS touched"), params or {}).one()
    if first is None:
        return None
    return _as_date(first), _as_date(last)


def _as_date(value) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value
