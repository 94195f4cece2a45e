-- returns: one row per WIB day in start..end with new cases: day, new_cases, imported_cases (the person entered the city in the 14 days before confirmation)
-- params: start (date), end (date)
-- roles: mayor, health
SELECT day, SUM(new_cases) AS new_cases, SUM(imported_cases) AS imported_cases
FROM daily_area
WHERE day BETWEEN :start AND :end
GROUP BY day
HAVING SUM(new_cases) > 0
ORDER BY day
