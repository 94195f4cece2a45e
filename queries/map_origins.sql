-- returns: the `top` regions most entries into the city came from in WIB days start..end: code, name, centroid_lat, centroid_lon, entries (most first)
-- params: start (date), end (date), top (integer)
-- roles: mayor, health
-- suppress: entries
-- Reads the daily rollup kept by the write path (daily_movement_region, as movement_regions does),
-- never the raw movements: the window's days x regions, whatever the history's length.
SELECT er.code, er.name, er.centroid_lat, er.centroid_lon, SUM(d.movements) AS entries
FROM daily_movement_region AS d
JOIN external_regions AS er ON er.code = d.region_code
WHERE d.day BETWEEN :start AND :end AND d.direction = 'in'
GROUP BY er.code, er.name, er.centroid_lat, er.centroid_lon
ORDER BY entries DESC, er.code
LIMIT :top
