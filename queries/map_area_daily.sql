-- returns: one row per WIB day in start..end with any case event in the area: day, new_cases, recovered, died; the area is the kelurahan or kecamatan `code` (days without events are absent)
-- params: code (text), start (date), end (date)
-- roles: mayor, health
-- suppress: new_cases, recovered, died
SELECT area.day, SUM(area.new_cases) AS new_cases, SUM(area.recovered) AS recovered, SUM(area.died) AS died
FROM daily_area AS area
JOIN regions AS kel ON kel.code = area.kelurahan_code
WHERE (kel.code = :code OR kel.parent_code = :code) AND area.day BETWEEN :start AND :end
GROUP BY area.day
ORDER BY area.day
