-- returns: one row per WIB day in start..end that has any case event: day, new_cases, recovered, died (whole city; days without events are absent)
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: new_cases, recovered, died
-- Each column adds up to a cumulative count the overview shows (confirmed = active + recovered + died).
SELECT day, new_cases, recovered, died
FROM daily_city
WHERE day BETWEEN :start AND :end
  AND (new_cases > 0 OR recovered > 0 OR died > 0)
ORDER BY day
