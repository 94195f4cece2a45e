-- returns: one row per WIB result day in start..end and test type with results: day, test_type, tests, positives
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: tests, positives
-- suppress_by: day, test_type
-- No page shows a total over days or test types, so each cell stands alone.
SELECT day, test_type, SUM(tests) AS tests, SUM(positives) AS positives
FROM daily_facility_tests
WHERE day BETWEEN :start AND :end
GROUP BY day, test_type
ORDER BY day, test_type
