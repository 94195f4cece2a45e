-- returns: one row per origin/destination region code and direction in start..end: region_code ('' when the record named none), name, level (province, regency; NULL for an unknown code), province_code, province_name, lat, lon, direction, movements
-- params: start (date), end (date)
-- roles: mayor, health
SELECT r.region_code, e.name, e.level, e.province_code, p.name AS province_name,
       e.centroid_lat AS lat, e.centroid_lon AS lon, r.direction, r.movements
FROM (
    SELECT region_code, direction, SUM(movements) AS movements
    FROM daily_movement_region
    WHERE day BETWEEN :start AND :end
    GROUP BY region_code, direction
) AS r
LEFT JOIN external_regions AS e ON e.code = r.region_code
LEFT JOIN external_regions AS p ON p.code = e.province_code AND p.level = 'province'
ORDER BY r.movements DESC, r.region_code, r.direction
