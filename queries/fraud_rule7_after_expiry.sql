-- returns: one row per presentation at a checkpoint on the WIB days start..end of a registered certificate after its validity ended: movement_id, certificate_id, certificate_number, facility_id, facility_code, facility_name, day (the WIB day of the movement), at (its moment), other_at (the certificate's valid_until), entry_point, test_ref, test_at
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 7: a certificate presented after it expired. Expired means
-- past valid_until; a revoked certificate presented is the verification page's "revoked", not this.
-- Every certificate column is read in a scalar subquery (an index probe per row): joined,
-- PostgreSQL cannot tell how few movements are late and hashes all certificates (483k at city
-- scale) to find a few dozen.
WITH late AS (
    SELECT
        m.id,
        m.at,
        m.day,
        m.entry_point_id,
        (SELECT c.id FROM certificates c WHERE c.number = m.certificate_number AND c.valid_until < m.at) AS certificate_id
    FROM movements m
    WHERE m.day BETWEEN :start AND :end AND m.certificate_number IS NOT NULL
),
flagged AS (
    SELECT
        l.*,
        (SELECT c.number FROM certificates c WHERE c.id = l.certificate_id) AS certificate_number,
        (SELECT c.facility_id FROM certificates c WHERE c.id = l.certificate_id) AS facility_id,
        (SELECT c.valid_until FROM certificates c WHERE c.id = l.certificate_id) AS valid_until,
        (SELECT c.test_ref FROM certificates c WHERE c.id = l.certificate_id) AS named_ref,
        (SELECT c.test_result_id FROM certificates c WHERE c.id = l.certificate_id) AS test_result_id
    FROM late l
    WHERE l.certificate_id IS NOT NULL
)
SELECT
    l.id AS movement_id,
    l.certificate_id,
    l.certificate_number,
    l.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    l.day,
    l.at,
    l.valid_until AS other_at,
    e.name AS entry_point,
    COALESCE((SELECT r.source_ref FROM test_results r WHERE r.id = l.test_result_id), l.named_ref) AS test_ref,
    (SELECT r.result_at FROM test_results r WHERE r.id = l.test_result_id) AS test_at
FROM flagged l
JOIN facilities f ON f.id = l.facility_id
JOIN entry_points e ON e.id = l.entry_point_id
ORDER BY l.at, l.id
