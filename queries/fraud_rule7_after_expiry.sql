-- returns: one row per presentation at a checkpoint on the WIB days start..end of a registered certificate after its validity ended: movement_id, certificate_id, certificate_number, facility_id, facility_code, facility_name, day (the WIB day of the movement), at (its moment), other_at (the certificate's valid_until), entry_point, test_ref, test_at
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 7: a certificate presented after it expired. Expired means
-- past valid_until; a revoked certificate presented is the verification page's "revoked", not this.
-- Judged per presentation by the writers (casedb.document_checks: presentation_checks, rule 7);
-- this reads the flagged ones.
SELECT
    m.id AS movement_id,
    c.id AS certificate_id,
    c.number AS certificate_number,
    c.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    m.day,
    m.at,
    c.valid_until AS other_at,
    e.name AS entry_point,
    COALESCE(r.source_ref, c.test_ref) AS test_ref,
    r.result_at AS test_at
FROM presentation_checks k
JOIN movements m ON m.id = k.movement_id
JOIN certificates c ON c.number = k.certificate_number
JOIN facilities f ON f.id = c.facility_id
JOIN entry_points e ON e.id = m.entry_point_id
LEFT JOIN test_results r ON r.id = c.test_result_id
WHERE k.rule = 7 AND k.day BETWEEN :start AND :end
ORDER BY m.at, m.id
