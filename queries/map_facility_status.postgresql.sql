-- returns: one row per facility open at some time in start..end: id, registry_code, name, type, kelurahan_code, lat, lon, opened_on, closed_on, closed_weekdays, reports_daily, tests (results dated start..end), reports (daily reports for days start..end), on_time (of those, submitted by `deadline_hour` WIB the next day), last_report_day (latest report day up to `end`)
-- params: start (date), end (date), deadline_hour (integer)
-- roles: mayor, health
-- suppress: none
-- The map's simple reporting status (swap for the compliance page's definitions when they exist).
-- Stored moments are naive UTC: the deadline, `deadline_hour` WIB on the next day, is
-- report_day + 1 day + (deadline_hour - 7) hours in UTC.
SELECT f.id, f.registry_code, f.name, f.type, f.kelurahan_code, f.lat, f.lon, f.opened_on, f.closed_on,
       f.closed_weekdays, f.reports_daily,
       COALESCE((SELECT SUM(t.tests) FROM daily_facility_tests AS t
                 WHERE t.facility_id = f.id AND t.day BETWEEN :start AND :end), 0) AS tests,
       (SELECT COUNT(*) FROM facility_reports AS r
        WHERE r.facility_id = f.id AND r.report_day BETWEEN :start AND :end) AS reports,
       (SELECT COUNT(*) FROM facility_reports AS r
        WHERE r.facility_id = f.id AND r.report_day BETWEEN :start AND :end
          AND r.submitted_at <= r.report_day + make_interval(hours => 24 + :deadline_hour - 7)) AS on_time,
       (SELECT MAX(r.report_day) FROM facility_reports AS r
        WHERE r.facility_id = f.id AND r.report_day <= :end) AS last_report_day
FROM facilities AS f
WHERE f.opened_on <= :end AND (f.closed_on IS NULL OR f.closed_on > :start)
ORDER BY f.id
