-- returns: one row per certificate number presented at checkpoints on the WIB days start..end by more than one person, counting the holder the register names as one: certificate_number, certificate_id, facility_id, facility_code, facility_name (of a registered certificate; empty for a number not in the register), day (the WIB day of its first presentation in the period), at and other_at (its first and last presentation), entry_point (where it was first presented), persons (distinct people who presented it), presentations, measure (presentations by someone other than the holder), reason ('other_presenter' for a registered certificate, 'unregistered_number' otherwise)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 4: one certificate number presented at checkpoints by more
-- than one person. A registered certificate already names one person, so a single presentation by
-- anyone else is a second person; a number not in the register needs two presenters.
-- Reads the period's movements that carry a number (index on day and certificate number).
WITH presented AS (
    SELECT m.certificate_number, m.person_key, m.at, m.day, m.entry_point_id
    FROM movements m
    WHERE m.day BETWEEN :start AND :end AND m.certificate_number IS NOT NULL
),
per_number AS (
    SELECT
        p.certificate_number,
        COUNT(DISTINCT p.person_key) AS persons,
        COUNT(*) AS presentations,
        SUM(CASE WHEN c.id IS NOT NULL AND p.person_key <> c.person_key THEN 1 ELSE 0 END) AS by_others,
        MIN(p.at) AS first_at,
        MAX(p.at) AS last_at,
        MIN(p.day) AS first_day
    FROM presented p
    LEFT JOIN certificates c ON c.number = p.certificate_number
    GROUP BY p.certificate_number
    HAVING COUNT(DISTINCT p.person_key) > 1
        OR SUM(CASE WHEN c.id IS NOT NULL AND p.person_key <> c.person_key THEN 1 ELSE 0 END) > 0
)
SELECT
    n.certificate_number,
    c.id AS certificate_id,
    c.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    n.first_day AS day,
    n.first_at AS at,
    n.last_at AS other_at,
    (SELECT MIN(e.name) FROM presented p JOIN entry_points e ON e.id = p.entry_point_id
     WHERE p.certificate_number = n.certificate_number AND p.at = n.first_at) AS entry_point,
    n.persons,
    n.presentations,
    n.by_others AS measure,
    CASE WHEN c.id IS NULL THEN 'unregistered_number' ELSE 'other_presenter' END AS reason
FROM per_number n
LEFT JOIN certificates c ON c.number = n.certificate_number
LEFT JOIN facilities f ON f.id = c.facility_id
ORDER BY n.first_at, n.certificate_number
