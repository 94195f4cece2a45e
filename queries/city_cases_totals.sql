-- returns: one row: confirmed, recovered, died (cumulative to the end of WIB day `day`) and active (confirmed, neither recovered nor died)
-- params: day (date)
-- roles: mayor, health, press, admin
-- suppress: confirmed, recovered, died, active
-- suppress_rows: recovered, died, active
-- Recovered, died and active add up to confirmed.
SELECT COALESCE(SUM(new_cases), 0) AS confirmed,
       COALESCE(SUM(recovered), 0) AS recovered,
       COALESCE(SUM(died), 0) AS died,
       COALESCE(SUM(new_cases - recovered - died), 0) AS active
FROM daily_area
WHERE day <= :day
