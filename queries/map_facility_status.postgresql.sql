-- returns: one row per facility open at some time in start..end: id, registry_code, name, type, kelurahan_code, lat, lon, opened_on, closed_on, closed_weekdays, reports_daily, tests (results dated start..end), reports (daily reports for days start..end), on_time (of those, submitted by `deadline_hour` WIB the next day), last_report_day (latest report day in since..end)
-- params: start (date), end (date), since (date), deadline_hour (integer)
-- roles: mayor, health
-- suppress: none
-- The map's simple reporting status (swap for the compliance page's definitions when they exist).
-- Stored moments are naive UTC: the deadline, `deadline_hour` WIB on the next day, is
-- report_day + 1 day + (deadline_hour - 7) hours in UTC.
SELECT f.id, f.registry_code, f.name, f.type, f.kelurahan_code, f.lat, f.lon, f.opened_on, f.closed_on,
       f.closed_weekdays, f.reports_daily,
       COALESCE(t.tests, 0) AS tests, COALESCE(r.reports, 0) AS reports, COALESCE(r.on_time, 0) AS on_time,
       r.last_report_day
FROM facilities AS f
LEFT JOIN (SELECT facility_id, SUM(tests) AS tests FROM daily_facility_tests
           WHERE day BETWEEN :start AND :end GROUP BY facility_id) AS t ON t.facility_id = f.id
LEFT JOIN (SELECT facility_id,
                  SUM(CASE WHEN report_day >= :start THEN 1 ELSE 0 END) AS reports,
                  SUM(CASE WHEN report_day >= :start
                            AND submitted_at <= report_day + make_interval(hours => 24 + :deadline_hour - 7)
                           THEN 1 ELSE 0 END) AS on_time,
                  MAX(report_day) AS last_report_day
           FROM facility_reports WHERE report_day BETWEEN :since AND :end GROUP BY facility_id) AS r
       ON r.facility_id = f.id
WHERE f.opened_on <= :end AND (f.closed_on IS NULL OR f.closed_on > :start)
ORDER BY f.id
