-- returns: one row per facility and WIB day from history_start to end on which it issued certificates: facility_id, facility_code, facility_name, day, certificates (issued that day, every test type)
-- params: history_start (date: FRAUD_VOLUME_DAYS before the period's first day), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 6, second half: a facility's daily issuing volume, from which
-- figures.fraud flags the days of the period above FRAUD_VOLUME_JUMP times the median of the
-- FRAUD_VOLUME_DAYS days before (days without certificates count as 0). Reads the daily rollup only.
SELECT
    d.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    d.day,
    SUM(d.certificates) AS certificates
FROM daily_facility_compliance d
JOIN facilities f ON f.id = d.facility_id
WHERE d.day BETWEEN :history_start AND :end
GROUP BY d.facility_id, f.registry_code, f.name, d.day
HAVING SUM(d.certificates) > 0
ORDER BY d.facility_id, d.day
