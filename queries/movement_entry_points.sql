-- returns: one row per entry point: id, code, name, type, lat, lon
-- params: none
-- roles: mayor, health
-- suppress: none
SELECT id, code, name, type, lat, lon FROM entry_points ORDER BY id
