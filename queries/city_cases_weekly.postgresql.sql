-- returns: one row per ISO week (Monday to Sunday) with any new case among WIB days start..end: week_first (its Monday), new_cases
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: new_cases
-- Fixed, non-overlapping weeks: press sees no window that a day's step could difference.
SELECT CAST(date_trunc('week', day) AS DATE) AS week_first,
       SUM(new_cases) AS new_cases
FROM daily_area
WHERE day BETWEEN :start AND :end
GROUP BY 1
HAVING SUM(new_cases) > 0
ORDER BY 1
