-- returns: one row per confirming test type (pcr, antigen) with results in the 7 WIB days ending on `day` (casedb.schema.POSITIVITY_WINDOW_DAYS): test_type, people_tested, people_positive (each person once per type; invalid results count for neither)
-- params: day (date)
-- roles: mayor, health, press, admin
-- suppress: people_tested, people_positive
-- suppress_by: test_type
-- No page shows a total over the test types, so each row stands alone. Distinct people do not add
-- up over days: daily_positivity holds whole windows, kept by every write (casedb.rollups).
SELECT test_type, people_tested, people_positive
FROM daily_positivity
WHERE day = :day
  AND test_type IN ('pcr', 'antigen')
  AND people_tested > 0
ORDER BY test_type
