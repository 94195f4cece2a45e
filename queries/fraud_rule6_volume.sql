-- returns: one row per facility and WIB day from history_start to end on which it issued certificates, for the facilities that issued at least `at_least` certificates on one day of start..end (only those can jump): facility_id, facility_code, facility_name, day, certificates (issued that day, every test type)
-- params: history_start (date: FRAUD_VOLUME_DAYS before the period's first day), start (date: the period's first day), end (date), at_least (integer: FRAUD_VOLUME_MIN)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 6, second half: a facility's daily issuing volume, from which
-- figures.fraud flags the days of the period above FRAUD_VOLUME_JUMP times the median of the
-- FRAUD_VOLUME_DAYS days before (days without certificates count as 0) and at least FRAUD_VOLUME_MIN.
-- Reads daily_facility_report, one narrow row per facility and day, once: the period's peak per
-- facility comes from a window over the same rows, and a facility that never reached
-- FRAUD_VOLUME_MIN in the period cannot jump, so its history is not returned (a quarter of the
-- facilities at city scale remain).
WITH issued AS (
    SELECT r.facility_id, r.day, r.certificates,
           MAX(CASE WHEN r.day >= :start THEN r.certificates END) OVER (PARTITION BY r.facility_id) AS peak
    FROM daily_facility_report r
    WHERE r.day BETWEEN :history_start AND :end AND r.certificates > 0
)
SELECT
    i.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    i.day,
    i.certificates
FROM issued i
JOIN facilities f ON f.id = i.facility_id
WHERE i.peak >= :at_least
ORDER BY i.facility_id, i.day
