-- returns: one row per WIB day in start..end that has any case event: day, new_cases, recovered, died (whole city; days without events are absent)
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: new_cases, recovered, died
-- Each column adds up to a cumulative count the overview shows (confirmed = active + recovered + died).
SELECT day,
       SUM(new_cases) AS new_cases,
       SUM(recovered) AS recovered,
       SUM(died) AS died
FROM daily_area
WHERE day BETWEEN :start AND :end
GROUP BY day
ORDER BY day
