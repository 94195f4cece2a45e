-- returns: one row per certificate issued on the WIB days start..end by a facility that held no authorisation for its test type at the moment of issue: certificate_id, certificate_number, facility_id, facility_code, facility_name, test_type, day (the WIB issue day), at (issued_at), test_ref (the sample number of the test behind it), test_at (that test's result time), reason ('revoked_before_issue': an authorisation listed the type and covered the day but was revoked at or before the moment of issue; 'not_authorised': none covered the day), other_at (the latest such revocation)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 1: issued by a facility with no valid authorisation for that
-- test type on the issue date. Covered means what certificate_verify and the movements' document
-- status mean: an authorisation of the issuer lists the test type, valid_from..valid_until holds
-- the WIB issue day, and it was not revoked at or before issued_at.
WITH issued AS (
    SELECT c.id, c.facility_id, c.test_type, c.issued_day, c.issued_at
    FROM certificates c
    WHERE c.issued_day BETWEEN :start AND :end
),
held AS (
    -- per certificate: whether an authorisation covering its type and day was unrevoked at issue
    SELECT
        i.id,
        MAX(CASE WHEN a.revoked_at IS NULL OR a.revoked_at > i.issued_at THEN 1 ELSE 0 END) AS covered,
        MAX(a.revoked_at) AS revoked_at
    FROM issued i
    JOIN authorizations a ON a.facility_id = i.facility_id
        AND a.valid_from <= i.issued_day AND i.issued_day <= a.valid_until
    JOIN authorization_test_types att ON att.authorization_id = a.id AND att.test_type = i.test_type
    GROUP BY i.id
)
SELECT
    c.id AS certificate_id,
    c.number AS certificate_number,
    c.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    c.test_type,
    c.issued_day AS day,
    c.issued_at AS at,
    COALESCE(r.source_ref, c.test_ref) AS test_ref,
    r.result_at AS test_at,
    CASE WHEN h.id IS NULL THEN 'not_authorised' ELSE 'revoked_before_issue' END AS reason,
    h.revoked_at AS other_at
FROM issued i
JOIN certificates c ON c.id = i.id
JOIN facilities f ON f.id = c.facility_id
LEFT JOIN held h ON h.id = i.id
LEFT JOIN test_results r ON r.id = c.test_result_id
WHERE h.id IS NULL OR h.covered = 0
ORDER BY c.issued_at, c.id
