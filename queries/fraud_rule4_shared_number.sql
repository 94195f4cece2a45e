-- returns: one row per certificate number presented at checkpoints on the WIB days start..end by more than one person, counting the holder the register names as one: certificate_number, certificate_id, facility_id, facility_code, facility_name (of a registered certificate; empty for a number not in the register), day (the WIB day of its first presentation in the period), at and other_at (its first and last presentation), entry_point (where it was first presented), persons (distinct people who presented it), presentations, measure (presentations by someone other than the holder), reason ('other_presenter' for a registered certificate, 'unregistered_number' otherwise)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 4: one certificate number presented at checkpoints by more
-- than one person. A registered certificate already names one person, so a single presentation by
-- anyone else is a second person; a number not in the register needs two presenters.
-- Reads the period's movements that carry a number (index on day and certificate number); the
-- holder and the certificate's columns come from scalar subqueries (an index probe per row):
-- joined, PostgreSQL hashes or walks all certificates (483k at city scale) for a few dozen.
WITH presented AS (
    SELECT
        m.certificate_number,
        m.person_key,
        m.at,
        m.day,
        m.entry_point_id,
        (SELECT c.person_key FROM certificates c WHERE c.number = m.certificate_number) AS holder
    FROM movements m
    WHERE m.day BETWEEN :start AND :end AND m.certificate_number IS NOT NULL
),
per_number AS (
    SELECT
        p.certificate_number,
        COUNT(DISTINCT p.person_key) AS persons,
        COUNT(*) AS presentations,
        SUM(CASE WHEN p.holder IS NOT NULL AND p.person_key <> p.holder THEN 1 ELSE 0 END) AS by_others,
        MAX(CASE WHEN p.holder IS NULL THEN 0 ELSE 1 END) AS registered,
        MIN(p.at) AS first_at,
        MAX(p.at) AS last_at,
        MIN(p.day) AS first_day
    FROM presented p
    GROUP BY p.certificate_number
    HAVING COUNT(DISTINCT p.person_key) > 1
        OR SUM(CASE WHEN p.holder IS NOT NULL AND p.person_key <> p.holder THEN 1 ELSE 0 END) > 0
),
flagged AS (
    SELECT
        n.*,
        (SELECT c.id FROM certificates c WHERE c.number = n.certificate_number) AS certificate_id,
        (SELECT c.facility_id FROM certificates c WHERE c.number = n.certificate_number) AS facility_id,
        (SELECT MIN(e.name) FROM presented p JOIN entry_points e ON e.id = p.entry_point_id
         WHERE p.certificate_number = n.certificate_number AND p.at = n.first_at) AS entry_point
    FROM per_number n
)
SELECT
    n.certificate_number,
    n.certificate_id,
    n.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    n.first_day AS day,
    n.first_at AS at,
    n.last_at AS other_at,
    n.entry_point,
    n.persons,
    n.presentations,
    n.by_others AS measure,
    CASE WHEN n.registered = 1 THEN 'other_presenter' ELSE 'unregistered_number' END AS reason
FROM flagged n
LEFT JOIN facilities f ON f.id = n.facility_id
ORDER BY n.first_at, n.certificate_number
