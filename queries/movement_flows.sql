-- returns: one row per WIB day, entry point, mode and direction with movements in start..end: day, entry_point_id, mode, direction, movements
-- params: start (date), end (date)
-- roles: mayor, health
SELECT day, entry_point_id, mode, direction, SUM(movements) AS movements
FROM daily_movement
WHERE day BETWEEN :start AND :end
GROUP BY day, entry_point_id, mode, direction
ORDER BY day, entry_point_id, mode, direction
