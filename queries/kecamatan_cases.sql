-- returns: one row per kecamatan: code, name, population, new_cases (confirmed in WIB days start..end, by home kelurahan)
-- params: start (date), end (date)
-- roles: mayor, health, press, admin
-- suppress: new_cases
SELECT kec.code, kec.name, kec.population, COALESCE(SUM(area.new_cases), 0) AS new_cases
FROM regions AS kec
LEFT JOIN regions AS kel
       ON kel.parent_code = kec.code AND kel.level = 'kelurahan'
LEFT JOIN daily_area AS area
       ON area.kelurahan_code = kel.code AND area.day BETWEEN :start AND :end
WHERE kec.level = 'kecamatan'
GROUP BY kec.code, kec.name, kec.population
ORDER BY kec.code
