"""Daily rollups per kelurahan, per H3 cell of new cases, per facility and test type, and per entry point.

Every writer calls `refresh` for the WIB days it touched, inside its own transaction, so that pages
read small tables whose size does not grow with the raw history. A refresh recomputes whole days
from the raw rows (delete, then insert-select), which keeps it idempotent and obviously correct.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

_REFRESH = {
    "daily_area": """
        INSERT INTO daily_area (day, kelurahan_code, new_cases, imported_cases, recovered, died)
        SELECT day, kelurahan_code, SUM(new_cases), SUM(imported_cases), SUM(recovered), SUM(died)
        FROM (
            SELECT confirmed_day AS day, kelurahan_code, 1 AS new_cases,
                   CASE WHEN is_imported THEN 1 ELSE 0 END AS imported_cases, 0 AS recovered, 0 AS died
            FROM cases WHERE confirmed_day BETWEEN :start AND :end
            UNION ALL
            SELECT recovered_day, kelurahan_code, 0, 0, 1, 0
            FROM cases WHERE recovered_day BETWEEN :start AND :end
            UNION ALL
            SELECT died_day, kelurahan_code, 0, 0, 0, 1
            FROM cases WHERE died_day BETWEEN :start AND :end
        ) AS events
        GROUP BY day, kelurahan_code
    """,
    "daily_case_cells": """
        INSERT INTO daily_case_cells (day, h3_r9, h3_r8, h3_r7, new_cases)
        SELECT confirmed_day, h3_r9, MIN(h3_r8), MIN(h3_r7), COUNT(*)
        FROM cases
        WHERE confirmed_day BETWEEN :start AND :end AND h3_r9 IS NOT NULL
        GROUP BY confirmed_day, h3_r9
    """,
    "daily_facility_tests": """
        INSERT INTO daily_facility_tests (day, facility_id, test_type, tests, positives, negatives)
        SELECT result_day, facility_id, test_type, COUNT(*),
               SUM(CASE WHEN result = 'positive' THEN 1 ELSE 0 END),
               SUM(CASE WHEN result = 'negative' THEN 1 ELSE 0 END)
        FROM test_results
        WHERE result_day BETWEEN :start AND :end
        GROUP BY result_day, facility_id, test_type
    """,
    "daily_entry_point": """
        INSERT INTO daily_entry_point (day, entry_point_id, direction, movements, doc_valid, doc_expired,
            doc_not_found, doc_issuer_unauthorized, doc_mismatch, doc_none, screened, screened_positive)
        SELECT day, entry_point_id, direction, COUNT(*),
               SUM(CASE WHEN document_status = 'valid' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'expired' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'not_found' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'issuer_unauthorized' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'mismatch' THEN 1 ELSE 0 END),
               SUM(CASE WHEN document_status = 'none' THEN 1 ELSE 0 END),
               SUM(CASE WHEN screening_result IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN screening_result = 'positive' THEN 1 ELSE 0 END)
        FROM movements
        WHERE day BETWEEN :start AND :end
        GROUP BY day, entry_point_id, direction
    """,
}

ALL_DAYS = (date(1900, 1, 1), date(9999, 12, 31))


def refresh(conn: Connection, start: date, end: date, tables: tuple[str, ...] = tuple(_REFRESH)) -> None:
    """Recompute the named rollups for WIB days start..end inclusive."""
    params = {"start": start, "end": end}
    for table in tables:
        conn.execute(text(f"DELETE FROM {table} WHERE day BETWEEN :start AND :end"), params)
        conn.execute(text(_REFRESH[table]), params)


def refresh_all(conn: Connection) -> None:
    refresh(conn, *ALL_DAYS)
