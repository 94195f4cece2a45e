-- returns: one row per WIB day in start..end and confirming test type (pcr, antigen) with results in the 7 WIB days ending on that day (casedb.schema.POSITIVITY_WINDOW_DAYS): day, test_type, people_tested, people_positive (each person once per type and window; invalid results count for neither)
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: people_tested, people_positive
-- suppress_by: day, test_type
-- No page shows a total over the windows or the test types, so each row stands alone. Distinct
-- people do not add up over days: daily_positivity holds whole windows, kept by every write
-- (casedb.rollups). One query for the windows ending on D, D-1 and D-7: a round trip, not three.
SELECT day, test_type, people_tested, people_positive
FROM daily_positivity
WHERE day BETWEEN :start AND :end
  AND test_type IN ('pcr', 'antigen')
  AND people_tested > 0
ORDER BY day, test_type
