-- returns: one row per negative certificate issued on the WIB days start..end to a person who had a positive PCR or antigen result at another facility at most `days` days (exactly `days` x 24 hours included) before the moment of issue: certificate_id, certificate_number, facility_id, facility_code, facility_name, test_type, day (the WIB issue day), at (issued_at), test_ref (the sample number of the test behind the certificate), test_at (its result time), other_facility_code (where the positive was), other_at (the latest such positive's result time)
-- params: start (date), end (date), days (integer: FRAUD_ELSEWHERE_DAYS)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 5: a person positive at one facility who obtains a negative
-- certificate elsewhere within 7 days. Antibody results confirm no infection and do not count.
-- The writers keep, per negative certificate, the latest PCR or antigen positive of its person at
-- another facility at or before issue and the whole seconds between them, rounded up
-- (casedb.document_checks: certificate_checks, rule 5); the window is applied here, so that
-- exactly `days` x 24 hours is inside it on both engines.
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
    (SELECT MIN(pf.registry_code) FROM test_results p JOIN facilities pf ON pf.id = p.facility_id
     WHERE p.person_key = c.person_key AND p.result_at = k.other_at AND p.result = 'positive'
       AND p.test_type IN ('pcr', 'antigen') AND p.facility_id <> c.facility_id) AS other_facility_code,
    k.other_at
FROM certificate_checks k
JOIN certificates c ON c.id = k.certificate_id
JOIN facilities f ON f.id = c.facility_id
LEFT JOIN test_results r ON r.id = c.test_result_id
WHERE k.rule = 5 AND k.day BETWEEN :start AND :end AND k.seconds <= :days * 86400
ORDER BY c.issued_at, c.id
