-- returns: one row per certificate issued on the WIB days start..end by a facility that held no authorisation for its test type at the moment of issue: certificate_id, certificate_number, facility_id, facility_code, facility_name, test_type, day (the WIB issue day), at (issued_at), test_ref (the sample number of the test behind it), test_at (that test's result time), reason ('revoked_before_issue': an authorisation listed the type and covered the day but was revoked at or before the moment of issue; 'not_authorised': none covered the day), other_at (the latest such revocation)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 1: issued by a facility with no valid authorisation for that
-- test type on the issue date. Covered means what certificate_verify and the movements' document
-- status mean: an authorisation of the issuer lists the test type, valid_from..valid_until holds
-- the WIB issue day, and it was not revoked at or before issued_at. Judged per certificate by the
-- writers (casedb.document_checks: certificate_checks, rule 1); this reads the flagged ones.
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
    k.reason,
    k.other_at
FROM certificate_checks k
JOIN certificates c ON c.id = k.certificate_id
JOIN facilities f ON f.id = c.facility_id
LEFT JOIN test_results r ON r.id = c.test_result_id
WHERE k.rule = 1 AND k.day BETWEEN :start AND :end
ORDER BY c.issued_at, c.id
