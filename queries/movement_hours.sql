-- returns: one row per WIB hour of the day (0-23) and direction with movements in WIB days start..end: hour, direction, movements
-- params: start (date), end (date)
-- roles: mayor, health
SELECT hour, direction, SUM(movements) AS movements
FROM daily_movement_hour
WHERE day BETWEEN :start AND :end
GROUP BY hour, direction
ORDER BY hour, direction
