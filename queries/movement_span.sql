-- returns: one row: first_day, last_day (WIB days with any checkpoint record; NULL when there are none)
-- params: none
-- roles: mayor, health
-- suppress: none
SELECT MIN(day) AS first_day, MAX(day) AS last_day FROM daily_movement
