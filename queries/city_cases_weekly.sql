-- returns: one row per ISO week (Monday to Sunday) with any new case among WIB days start..end: week_first (its Monday, as text YYYY-MM-DD on SQLite), new_cases
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: new_cases
-- Fixed, non-overlapping weeks: press sees no window that a day's step could difference.
SELECT date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days') AS week_first,
       SUM(new_cases) AS new_cases
FROM daily_area
WHERE day BETWEEN :start AND :end
GROUP BY 1
HAVING SUM(new_cases) > 0
ORDER BY 1
