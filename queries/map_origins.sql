-- returns: the `top` regions most entries into the city came from in WIB days start..end: code, name, centroid_lat, centroid_lon, entries (most first)
-- params: start (date), end (date), top (integer)
-- roles: mayor, health
-- suppress: entries
SELECT er.code, er.name, er.centroid_lat, er.centroid_lon, COUNT(*) AS entries
FROM movements AS m
JOIN external_regions AS er ON er.code = m.region_code
WHERE m.day BETWEEN :start AND :end AND m.direction = 'in'
GROUP BY er.code, er.name, er.centroid_lat, er.centroid_lon
ORDER BY entries DESC, er.code
LIMIT :top
