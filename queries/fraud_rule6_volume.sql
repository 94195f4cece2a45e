-- returns: one row per facility and WIB day from history_start to end on which it issued certificates, for the facilities that issued at least `at_least` certificates on one day of start..end (only those can jump): facility_id, facility_code, facility_name, day, certificates (issued that day, every test type)
-- params: history_start (date: FRAUD_VOLUME_DAYS before the period's first day), start (date: the period's first day), end (date), at_least (integer: FRAUD_VOLUME_MIN)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 6, second half: a facility's daily issuing volume, from which
-- figures.fraud flags the days of the period above FRAUD_VOLUME_JUMP times the median of the
-- FRAUD_VOLUME_DAYS days before (days without certificates count as 0) and at least FRAUD_VOLUME_MIN.
-- Reads the daily rollup only; a facility that never reached FRAUD_VOLUME_MIN in the period cannot
-- jump, so its history is not read (a quarter of the facilities at city scale remain).
WITH candidates AS (
    SELECT d.facility_id
    FROM daily_facility_compliance d
    WHERE d.day BETWEEN :start AND :end
    GROUP BY d.facility_id, d.day
    HAVING SUM(d.certificates) >= :at_least
),
per_day AS (
    SELECT d.facility_id, d.day, SUM(d.certificates) AS certificates
    FROM daily_facility_compliance d
    WHERE d.day BETWEEN :history_start AND :end AND d.facility_id IN (SELECT c.facility_id FROM candidates c)
    GROUP BY d.facility_id, d.day
    HAVING SUM(d.certificates) > 0
)
SELECT
    p.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    p.day,
    p.certificates
FROM per_day p
JOIN facilities f ON f.id = p.facility_id
ORDER BY p.facility_id, p.day
