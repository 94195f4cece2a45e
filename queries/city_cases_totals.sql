-- returns: one row: confirmed, recovered, died (cumulative to the end of WIB day `day`) and active (confirmed, neither recovered nor died)
-- params: day (date)
-- roles: mayor, health, press, admin
-- suppress: none
-- round: confirmed, recovered, died, active
-- Running totals: press receives them rounded to 10 (an exact total on two days gives the count between them).
SELECT COALESCE(SUM(new_cases), 0) AS confirmed,
       COALESCE(SUM(recovered), 0) AS recovered,
       COALESCE(SUM(died), 0) AS died,
       COALESCE(SUM(new_cases - recovered - died), 0) AS active
FROM daily_area
WHERE day <= :day
