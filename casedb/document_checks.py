"""The fraud rules' checks of each health document, kept by the writers like the daily rollups
(DESIGN section 3, "Health documents"; the rules' queries are queries/fraud_rule<n>_*.sql).

Judging a period's certificates and presentations from the raw rows probes the test, the
authorisations or the register once per document (20k certificates and 33k presentations in four
weeks at city scale: 600 ms). Instead each writer re-judges the documents its rows can change, and
the rule queries read only the flagged ones:

- `certificate_checks`: one row per certificate and rule it breaks (rules 1, 2, 3) and, for rule 5,
  per negative certificate whose person had a PCR or antigen positive at another facility at or
  before its issue (the latest one and the seconds between them, so that FRAUD_ELSEWHERE_DAYS is
  applied when reading: changing the setting needs no rebuild).
- `presentation_checks`: one row per presentation at a checkpoint of a certificate number that
  breaks rule 4 (presented by someone other than the holder the register names, or a number not in
  the register) or rule 7 (after the certificate's validity).

Certificates, test results and movements are never changed once written, except a certificate's
link to its test (`test_result_id`) and its revocation (which no rule here reads). So a document's
checks change only when a row it depends on arrives or an authorisation changes:

| written | re-judged |
|---|---|
| certificates of issue days d1..d2 | those certificates; the presentations of their numbers |
| test results of a batch | certificates linked to them; the certificates of people with a positive among them |
| movements of days d1..d2 | those days' presentations |
| an authorisation granted or revoked | the facility's certificates of its validity |

Each re-judgement deletes the documents' rows and inserts them again from the raw rows, so it is
idempotent, and a full rebuild (`casedb.rollups.refresh_all`) gives the same tables.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from casedb.rollups import _SECONDS_AFTER

# Predicates naming the documents to re-judge (alias c: certificates, m: movements). Parameters bound.
CERTIFICATES_ISSUED = "c.issued_day BETWEEN :start AND :end"
CERTIFICATES_OF_BATCH_TESTS = "c.test_result_id IN (SELECT r.id FROM test_results r WHERE r.batch_id = :batch)"
CERTIFICATES_OF_BATCH_POSITIVES = (
    "c.person_key IN (SELECT r.person_key FROM test_results r WHERE r.batch_id = :batch "
    "AND r.result = 'positive' AND r.test_type IN ('pcr', 'antigen'))")
CERTIFICATES_OF_AUTHORISATION = "c.facility_id = :facility AND c.issued_day BETWEEN :start AND :end"
PRESENTATIONS_ON = "m.day BETWEEN :start AND :end AND m.certificate_number IS NOT NULL"
PRESENTATIONS_OF_ISSUED = (
    "m.certificate_number IN (SELECT c.number FROM certificates c WHERE c.issued_day BETWEEN :start AND :end)")


def _certificate_rules(dialect: str, where: str) -> str:
    """Rules 1, 2, 3 and rule 5's candidates for the certificates `where` picks."""
    seconds = _SECONDS_AFTER[dialect].format(later="c.issued_at", earlier="h.positive_at")
    return f"""
        INSERT INTO certificate_checks (certificate_id, rule, day, reason, other_at, seconds)
        -- Rule 1: no authorisation of the issuer listed the test type, covered the WIB issue day and
        -- was unrevoked at the moment of issue (as certificate_verify and the document status mean).
        SELECT c.id, 1, c.issued_day,
               CASE WHEN h.id IS NULL THEN 'not_authorised' ELSE 'revoked_before_issue' END, h.revoked_at,
               CAST(NULL AS BIGINT)
        FROM certificates c
        LEFT JOIN (
            SELECT c.id,
                   MAX(CASE WHEN a.revoked_at IS NULL OR a.revoked_at > c.issued_at THEN 1 ELSE 0 END) AS covered,
                   MAX(a.revoked_at) AS revoked_at
            FROM certificates c
            JOIN authorizations a ON a.facility_id = c.facility_id
                AND a.valid_from <= c.issued_day AND c.issued_day <= a.valid_until
            JOIN authorization_test_types att ON att.authorization_id = a.id AND att.test_type = c.test_type
            WHERE {where}
            GROUP BY c.id
        ) h ON h.id = c.id
        WHERE ({where}) AND (h.id IS NULL OR h.covered = 0)
        UNION ALL
        -- Rule 2: no test behind it (its issuer sent none under the sample number it names), or the
        -- test behind it is another person's.
        SELECT c.id, 2, c.issued_day, CASE WHEN r.id IS NULL THEN 'no_test' ELSE 'other_person' END, NULL, NULL
        FROM certificates c
        LEFT JOIN test_results r ON r.id = c.test_result_id
        WHERE ({where}) AND (r.id IS NULL OR r.person_key <> c.person_key)
        UNION ALL
        -- Rule 3: issued before the result existed, or negative over a positive result.
        SELECT c.id, 3, c.issued_day,
               CASE WHEN c.issued_at < r.result_at THEN 'issued_before_result' ELSE 'negative_over_positive' END,
               r.result_at, NULL
        FROM certificates c
        JOIN test_results r ON r.id = c.test_result_id
        WHERE ({where}) AND (c.issued_at < r.result_at OR (c.certified_result = 'negative' AND r.result = 'positive'))
        UNION ALL
        -- Rule 5's candidates: a negative certificate, and the latest PCR or antigen positive of its
        -- person at another facility at or before its issue (antibody results do not count).
        SELECT c.id, 5, c.issued_day, 'negative_elsewhere', h.positive_at, {seconds}
        FROM (
            SELECT c.id, MAX(p.result_at) AS positive_at
            FROM certificates c
            JOIN test_results p ON p.person_key = c.person_key
                AND p.result = 'positive' AND p.test_type IN ('pcr', 'antigen')
                AND p.facility_id <> c.facility_id AND p.result_at <= c.issued_at
            WHERE ({where}) AND c.certified_result = 'negative'
            GROUP BY c.id
        ) h
        JOIN certificates c ON c.id = h.id
    """


_PRESENTATION_RULES = """
    INSERT INTO presentation_checks (movement_id, rule, day, certificate_number, person_key, reason)
    -- Rule 4's evidence: a presentation by someone other than the holder the register names, or of
    -- a number the register does not hold (the rule's query counts those numbers' presenters).
    SELECT m.id, 4, m.day, m.certificate_number, m.person_key,
           CASE WHEN c.id IS NULL THEN 'unregistered_number' ELSE 'other_presenter' END
    FROM movements m
    LEFT JOIN certificates c ON c.number = m.certificate_number
    WHERE ({where}) AND m.certificate_number IS NOT NULL AND (c.id IS NULL OR c.person_key <> m.person_key)
    UNION ALL
    -- Rule 7: presented after the certificate's validity ended.
    SELECT m.id, 7, m.day, m.certificate_number, m.person_key, 'after_expiry'
    FROM movements m
    JOIN certificates c ON c.number = m.certificate_number
    WHERE ({where}) AND m.at > c.valid_until
"""


def refresh_certificates(conn: Connection, where: str, params: dict[str, Any]) -> None:
    """Re-judge the certificates the predicate `where` (over alias c, bound `params`) picks."""
    conn.execute(text(f"DELETE FROM certificate_checks WHERE certificate_id IN "
                      f"(SELECT c.id FROM certificates c WHERE {where})"), params)
    conn.execute(text(_certificate_rules(conn.dialect.name, where)), params)


def refresh_presentations(conn: Connection, where: str, params: dict[str, Any]) -> None:
    """Re-judge the presentations the predicate `where` (over alias m, bound `params`) picks."""
    conn.execute(text(f"DELETE FROM presentation_checks WHERE movement_id IN "
                      f"(SELECT m.id FROM movements m WHERE {where})"), params)
    conn.execute(text(_PRESENTATION_RULES.format(where=where)), params)


def after_certificates(conn: Connection, start: date, end: date) -> None:
    """Certificates of issue days start..end were written: they and the presentations of their numbers
    (a checkpoint may have sent a presentation before the issuer sent the certificate)."""
    params = {"start": start, "end": end}
    refresh_certificates(conn, CERTIFICATES_ISSUED, params)
    refresh_presentations(conn, PRESENTATIONS_OF_ISSUED, params)


def after_test_results(conn: Connection, batch_id: int) -> None:
    """A batch of test results was written: certificates now linked to them (rules 2 and 3) and the
    certificates of people found positive in it (rule 5)."""
    refresh_certificates(conn, CERTIFICATES_OF_BATCH_TESTS, {"batch": batch_id})
    refresh_certificates(conn, CERTIFICATES_OF_BATCH_POSITIVES, {"batch": batch_id})


def after_authorisation(conn: Connection, facility_id: int, valid_from: date, valid_until: date) -> None:
    """An authorisation of the facility valid from..until was granted or revoked (rule 1)."""
    refresh_certificates(conn, CERTIFICATES_OF_AUTHORISATION,
                         {"facility": facility_id, "start": valid_from, "end": valid_until})
