-- returns: one row per kelurahan, by kecamatan then kelurahan name: code, name, kecamatan_code, kecamatan, centroid_lat, centroid_lon
-- params: none
-- roles: health, admin
-- suppress: none
SELECT kel.code, kel.name, kec.code AS kecamatan_code, kec.name AS kecamatan, kel.centroid_lat, kel.centroid_lon
FROM regions kel
JOIN regions kec ON kec.code = kel.parent_code
WHERE kel.level = 'kelurahan'
ORDER BY kec.name, kel.name, kel.code
