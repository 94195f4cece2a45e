-- returns: one row per test type with results on WIB day `day` before the moment `until` (naive UTC; "today so far"): test_type, tests
-- params: day (date), until (datetime)
-- roles: mayor, health, press, admin
-- suppress: tests
-- suppress_by: test_type
-- No page shows a total over the test types, so each row stands alone.
SELECT test_type, COUNT(*) AS tests
FROM test_results
WHERE result_day = :day AND result_at < :until
GROUP BY test_type
ORDER BY test_type
