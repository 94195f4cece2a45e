-- returns: one row per test type with results among WIB days start..end: test_type, tests
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: tests
-- suppress_by: test_type
-- No page shows a total over the test types, so each row stands alone.
SELECT test_type, SUM(tests) AS tests
FROM daily_facility_tests
WHERE day BETWEEN :start AND :end
GROUP BY test_type
ORDER BY test_type
