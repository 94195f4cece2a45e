-- returns: one row per entry point: id, code, name, type, lat, lon, entries, exits (movements in and out in WIB days start..end)
-- params: start (date), end (date)
-- roles: mayor, health
-- suppress: entries, exits
SELECT ep.id, ep.code, ep.name, ep.type, ep.lat, ep.lon,
       COALESCE(SUM(CASE WHEN d.direction = 'in' THEN d.movements ELSE 0 END), 0) AS entries,
       COALESCE(SUM(CASE WHEN d.direction = 'out' THEN d.movements ELSE 0 END), 0) AS exits
FROM entry_points AS ep
LEFT JOIN daily_entry_point AS d ON d.entry_point_id = ep.id AND d.day BETWEEN :start AND :end
GROUP BY ep.id, ep.code, ep.name, ep.type, ep.lat, ep.lon
ORDER BY ep.id
