-- returns: one row per certificate issued on the WIB days start..end before the result it rests on existed, or certifying negative over a positive result: certificate_id, certificate_number, facility_id, facility_code, facility_name, test_type, day (the WIB issue day), at (issued_at), test_ref (the test's sample number), test_at (its result time), test_result (its result), reason ('issued_before_result' or 'negative_over_positive'; the first when both hold)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 3: issued before the result existed (issued_at earlier than
-- the result_at of the test behind it), or certifies negative over a positive result.
-- A left join whose condition is wrapped in COALESCE (true only with a test behind it): an inner
-- join here lets PostgreSQL hash all test_results (a seq scan of 1.5M rows at city scale) instead
-- of looking up the period's few thousand certificates' tests by id.
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
    CASE WHEN c.issued_at < r.result_at THEN 'issued_before_result' ELSE 'negative_over_positive' END AS reason
FROM certificates c
LEFT JOIN test_results r ON r.id = c.test_result_id
JOIN facilities f ON f.id = c.facility_id
WHERE c.issued_day BETWEEN :start AND :end
  AND COALESCE(c.issued_at < r.result_at OR (c.certified_result = 'negative' AND r.result = 'positive'), false)
ORDER BY c.issued_at, c.id
