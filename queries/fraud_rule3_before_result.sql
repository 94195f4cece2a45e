-- returns: one row per certificate issued on the WIB days start..end before the result it rests on existed, or certifying negative over a positive result: certificate_id, certificate_number, facility_id, facility_code, facility_name, test_type, day (the WIB issue day), at (issued_at), test_ref (the test's sample number), test_at (its result time), test_result (its result), reason ('issued_before_result' or 'negative_over_positive'; the first when both hold)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 3: issued before the result existed (issued_at earlier than
-- the result_at of the test behind it), or certifies negative over a positive result. Judged per
-- certificate by the writers (casedb.document_checks: certificate_checks, rule 3); this reads the
-- flagged ones.
SELECT
    c.id AS certificate_id,
    c.number AS certificate_number,
    c.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    c.test_type,
    c.issued_day AS day,
    c.issued_at AS at,
    r.source_ref AS test_ref,
    r.result_at AS test_at,
    r.result AS test_result,
    k.reason
FROM certificate_checks k
JOIN certificates c ON c.id = k.certificate_id
JOIN facilities f ON f.id = c.facility_id
JOIN test_results r ON r.id = c.test_result_id
WHERE k.rule = 3 AND k.day BETWEEN :start AND :end
ORDER BY c.issued_at, c.id
