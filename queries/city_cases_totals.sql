-- returns: one row: confirmed, recovered, died (cumulative to the end of WIB day `day`) and active (confirmed, neither recovered nor died)
-- params: day (date)
-- roles: mayor, health, press, admin
-- suppress: none
-- round: confirmed, recovered, died, active
-- Running totals: press receives them rounded to 10 (an exact total on two days gives the count between them).
-- daily_city keeps them per day with case events (casedb.rollups): one row read, whatever the history.
SELECT COALESCE(SUM(confirmed_total), 0) AS confirmed,
       COALESCE(SUM(recovered_total), 0) AS recovered,
       COALESCE(SUM(died_total), 0) AS died,
       COALESCE(SUM(confirmed_total - recovered_total - died_total), 0) AS active
FROM daily_city
WHERE day = (SELECT MAX(day) FROM daily_city WHERE day <= :day)
