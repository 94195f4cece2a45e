-- returns: exactly one row for a certificate number, as a checkpoint sees it: status (the first that holds of not_found, wrong_code, revoked, issuer_unauthorized, no_test_result, result_mismatch, expired; else valid), and only when the check code matches: facility_name, test_type, certified_result, issued_at, expires_at (its valid_until; naive UTC), tested_at (the result time of the test behind it, if any), holder_sex, holder_birth_year. Of the person, nothing but sex and birth year.
-- params: number (text: trimmed, upper case, as the register writes numbers), check_code (text: trimmed, upper case), at (datetime: the moment of the check, naive UTC)
-- roles: checkpoint, health, admin
-- cache: none
-- suppress: none
-- Not cached: every check has its own moment, so no two calls share a result.
-- issuer_unauthorized: no authorisation of the issuing facility covers the test type on the WIB
-- issue day, or every one that does was revoked before the moment of issue (DESIGN 3, signal 1).
-- no_test_result: the issuer sent no test under the sample number the certificate names (signal 2).
-- result_mismatch: the test behind it is another person's (signal 2), or its result is not the one
-- certified, e.g. negative over a positive result (signal 3).
SELECT
    CASE
        WHEN c.id IS NULL THEN 'not_found'
        WHEN UPPER(c.check_code) <> :check_code THEN 'wrong_code'
        WHEN c.revoked_at IS NOT NULL AND c.revoked_at <= :at THEN 'revoked'
        WHEN NOT EXISTS (
            SELECT 1
            FROM authorizations a
            JOIN authorization_test_types att ON att.authorization_id = a.id
            WHERE a.facility_id = c.facility_id
              AND att.test_type = c.test_type
              AND a.valid_from <= c.issued_day
              AND c.issued_day <= a.valid_until
              AND (a.revoked_at IS NULL OR a.revoked_at > c.issued_at)
        ) THEN 'issuer_unauthorized'
        WHEN r.id IS NULL THEN 'no_test_result'
        WHEN r.person_key <> c.person_key OR r.result <> c.certified_result THEN 'result_mismatch'
        WHEN c.valid_until < :at THEN 'expired'
        ELSE 'valid'
    END AS status,
    CASE WHEN UPPER(c.check_code) = :check_code THEN f.name END AS facility_name,
    CASE WHEN UPPER(c.check_code) = :check_code THEN c.test_type END AS test_type,
    CASE WHEN UPPER(c.check_code) = :check_code THEN c.certified_result END AS certified_result,
    CASE WHEN UPPER(c.check_code) = :check_code THEN c.issued_at END AS issued_at,
    CASE WHEN UPPER(c.check_code) = :check_code THEN c.valid_until END AS expires_at,
    CASE WHEN UPPER(c.check_code) = :check_code THEN r.result_at END AS tested_at,
    CASE WHEN UPPER(c.check_code) = :check_code THEN p.sex END AS holder_sex,
    CASE WHEN UPPER(c.check_code) = :check_code THEN p.birth_year END AS holder_birth_year
FROM (SELECT 1 AS one) AS probe
LEFT JOIN certificates c ON c.number = :number
LEFT JOIN facilities f ON f.id = c.facility_id
LEFT JOIN test_results r ON r.id = c.test_result_id
LEFT JOIN persons p ON p.person_key = c.person_key
