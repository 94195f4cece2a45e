-- returns: one row per certificate number presented at checkpoints on the WIB days start..end by more than one person, counting the holder the register names as one: certificate_number, certificate_id, facility_id, facility_code, facility_name (of a registered certificate; empty for a number not in the register), day (the WIB day of its first presentation in the period), at and other_at (its first and last presentation), entry_point (where it was first presented), persons (distinct people who presented it), presentations, measure (presentations by someone other than the holder), reason ('other_presenter' for a registered certificate, 'unregistered_number' otherwise)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 4: one certificate number presented at checkpoints by more
-- than one person. A registered certificate already names one person, so a single presentation by
-- anyone else is a second person; a number not in the register needs two presenters.
-- The writers keep every presentation by someone other than the holder, or of a number not in the
-- register (casedb.document_checks: presentation_checks, rule 4). A registered number is flagged
-- when one of its presentations in the period is such; an unregistered one when such presentations
-- in the period have two presenters. Only the flagged numbers' presentations are then counted.
WITH numbers AS (
    SELECT k.certificate_number
    FROM presentation_checks k
    WHERE k.rule = 4 AND k.day BETWEEN :start AND :end AND k.reason = 'other_presenter'
    UNION
    SELECT k.certificate_number
    FROM presentation_checks k
    WHERE k.rule = 4 AND k.day BETWEEN :start AND :end AND k.reason = 'unregistered_number'
    GROUP BY k.certificate_number
    HAVING COUNT(DISTINCT k.person_key) > 1
),
presented AS (
    SELECT m.certificate_number, m.person_key, m.at, m.day, m.entry_point_id, c.person_key AS holder,
           c.id AS certificate_id, c.facility_id
    FROM numbers n
    JOIN movements m ON m.certificate_number = n.certificate_number
    LEFT JOIN certificates c ON c.number = n.certificate_number
    WHERE m.day BETWEEN :start AND :end
),
per_number AS (
    SELECT
        p.certificate_number,
        MIN(p.certificate_id) AS certificate_id,
        MIN(p.facility_id) AS facility_id,
        COUNT(DISTINCT p.person_key) AS persons,
        COUNT(*) AS presentations,
        SUM(CASE WHEN p.holder IS NOT NULL AND p.person_key <> p.holder THEN 1 ELSE 0 END) AS by_others,
        MAX(CASE WHEN p.holder IS NULL THEN 0 ELSE 1 END) AS registered,
        MIN(p.at) AS first_at,
        MAX(p.at) AS last_at,
        MIN(p.day) AS first_day
    FROM presented p
    GROUP BY p.certificate_number
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
    (SELECT MIN(e.name) FROM presented p JOIN entry_points e ON e.id = p.entry_point_id
     WHERE p.certificate_number = n.certificate_number AND p.at = n.first_at) AS entry_point,
    n.persons,
    n.presentations,
    n.by_others AS measure,
    CASE WHEN n.registered = 1 THEN 'other_presenter' ELSE 'unregistered_number' END AS reason
FROM per_number n
LEFT JOIN facilities f ON f.id = n.facility_id
ORDER BY n.first_at, n.certificate_number
