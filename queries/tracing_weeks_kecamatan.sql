-- returns: one row per ISO week (its Monday) and kecamatan of the index cases confirmed in the WIB days start..end (a kecamatan with none: one row, week empty): week, kecamatan_code, kecamatan, cases (confirmed), cases_listed (of those, listed as someone's contact at or before their confirmation), contacts (listed of those cases), traced, traced_0 .. traced_6 (contacts traced within each TRACING_EDGES_HOURS bucket after their index case's confirmation, casedb.schema), tested, became_cases
-- params: start (date), end (date)
-- roles: mayor, health
-- suppress: none
SELECT t.week,
       kec.code AS kecamatan_code,
       kec.name AS kecamatan,
       COALESCE(SUM(t.cases), 0) AS cases,
       COALESCE(SUM(t.cases_listed), 0) AS cases_listed,
       COALESCE(SUM(t.contacts), 0) AS contacts,
       COALESCE(SUM(t.traced), 0) AS traced,
       COALESCE(SUM(t.traced_0), 0) AS traced_0,
       COALESCE(SUM(t.traced_1), 0) AS traced_1,
       COALESCE(SUM(t.traced_2), 0) AS traced_2,
       COALESCE(SUM(t.traced_3), 0) AS traced_3,
       COALESCE(SUM(t.traced_4), 0) AS traced_4,
       COALESCE(SUM(t.traced_5), 0) AS traced_5,
       COALESCE(SUM(t.traced_6), 0) AS traced_6,
       COALESCE(SUM(t.tested), 0) AS tested,
       COALESCE(SUM(t.became_cases), 0) AS became_cases
FROM regions AS kec
LEFT JOIN regions AS kel
       ON kel.parent_code = kec.code AND kel.level = 'kelurahan'
LEFT JOIN daily_tracing AS t
       ON t.kelurahan_code = kel.code AND t.day BETWEEN :start AND :end
WHERE kec.level = 'kecamatan'
GROUP BY t.week, kec.code, kec.name
ORDER BY t.week, kec.code
