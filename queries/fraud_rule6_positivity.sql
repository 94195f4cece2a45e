-- returns: one row per facility with antigen results on the WIB days start..end: facility_id, facility_code, facility_name, tests, positives (antigen results and positive ones)
-- params: start (date), end (date)
-- roles: health
-- suppress: none
-- DESIGN 3, "Health documents", rule 6, first half: the counts a facility's antigen positivity is
-- tested on against the city's (figures.fraud: one-sided binomial test, FRAUD_POSITIVITY_MIN_TESTS,
-- FRAUD_SIGNIFICANCE). Reads the daily rollup only.
SELECT
    d.facility_id,
    f.registry_code AS facility_code,
    f.name AS facility_name,
    SUM(d.tests) AS tests,
    SUM(d.positives) AS positives
FROM daily_facility_tests d
JOIN facilities f ON f.id = d.facility_id
WHERE d.day BETWEEN :start AND :end AND d.test_type = 'antigen'
GROUP BY d.facility_id, f.registry_code, f.name
ORDER BY d.facility_id
