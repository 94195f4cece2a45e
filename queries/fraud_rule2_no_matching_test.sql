-- returns: one row per certificate issued on the WIB days start..end with no matching test result: certificate_id, certificate_number, facility_id, facility_code, facility_name, test_type, day (the WIB issue day), at (issued_at), test_ref (the sample number the certificate names), test_at (the result time of the test behind it, if any), reason ('no_test': its issuer sent no test under that sample number; 'other_person': the test behind it is another person's)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 2: no matching test result in the database, or the result
-- belongs to another person. A certificate is linked to the test its issuer sent under the sample
-- number it names when either arrives (casedb.ingest.write: link_certificates), so an unlinked one
-- is one whose test has not arrived at all. Judged per certificate by the writers
-- (casedb.document_checks: certificate_checks, rule 2); this reads the flagged ones.
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
    k.reason
FROM certificate_checks k
JOIN certificates c ON c.id = k.certificate_id
JOIN facilities f ON f.id = c.facility_id
LEFT JOIN test_results r ON r.id = c.test_result_id
WHERE k.rule = 2 AND k.day BETWEEN :start AND :end
ORDER BY c.issued_at, c.id
