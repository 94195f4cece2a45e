-- returns: one row per kelurahan: code, name, kecamatan_code, population, new_cases (confirmed in WIB days start..end, by home kelurahan), cases_7d (confirmed in week_start..end), active (confirmed by the end of `end`, neither recovered nor died by then)
-- params: start (date), end (date), week_start (date)
-- roles: mayor, health
-- suppress: new_cases, cases_7d, active
-- City totals equal the overview's: new_cases sums to kecamatan_cases, active to city_cases_totals.
SELECT kel.code, kel.name, kel.parent_code AS kecamatan_code, kel.population,
       COALESCE(SUM(CASE WHEN area.day >= :start THEN area.new_cases ELSE 0 END), 0) AS new_cases,
       COALESCE(SUM(CASE WHEN area.day >= :week_start THEN area.new_cases ELSE 0 END), 0) AS cases_7d,
       COALESCE(SUM(area.new_cases - area.recovered - area.died), 0) AS active
FROM regions AS kel
LEFT JOIN daily_area AS area
       ON area.kelurahan_code = kel.code AND area.day <= :end
WHERE kel.level = 'kelurahan'
GROUP BY kel.code, kel.name, kel.parent_code, kel.population
ORDER BY kel.code
