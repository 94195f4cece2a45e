-- returns: one row per origin of imported cases confirmed in WIB days start..end: region_code ('' when the entry named none), name, level, province_name, imported_cases (counts only, never a person)
-- params: start (date), end (date)
-- roles: health
SELECT o.region_code, e.name, e.level, p.name AS province_name, o.imported_cases
FROM (
    SELECT region_code, SUM(imported_cases) AS imported_cases
    FROM daily_imported_origin
    WHERE day BETWEEN :start AND :end
    GROUP BY region_code
) AS o
LEFT JOIN external_regions AS e ON e.code = o.region_code
LEFT JOIN external_regions AS p ON p.code = e.province_code AND p.level = 'province'
ORDER BY o.imported_cases DESC, o.region_code
