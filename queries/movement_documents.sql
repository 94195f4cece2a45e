-- returns: one row per WIB day, entry point and document status of entries (direction in) in start..end: day, entry_point_id, document_status, movements
-- params: start (date), end (date)
-- roles: mayor, health
SELECT day, entry_point_id, document_status, SUM(movements) AS movements
FROM daily_movement
WHERE day BETWEEN :start AND :end AND direction = 'in'
GROUP BY day, entry_point_id, document_status
ORDER BY day, entry_point_id, document_status
