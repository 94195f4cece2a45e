-- returns: one row per confirming test type (pcr, antigen) with results in start..end: test_type, people_tested, people_positive (each person once per type; invalid results count for neither)
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: people_tested, people_positive
-- suppress_by: test_type
-- No page shows a total over the test types, so each row stands alone.
SELECT test_type,
       COUNT(DISTINCT person_key) AS people_tested,
       COUNT(DISTINCT CASE WHEN result = 'positive' THEN person_key END) AS people_positive
FROM test_results
WHERE result_day BETWEEN :start AND :end
  AND test_type IN ('pcr', 'antigen')
  AND result IN ('positive', 'negative')
GROUP BY test_type
ORDER BY test_type
