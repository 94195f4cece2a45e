-- returns: one row per facility registered at some time in the WIB days start..end (all, or the one with registry code facility) and week of the period (week 0 = the last 7 days, counted back from end; the first may be shorter): facility_id, week, expected, received (reports for expected days), on_time (of those, submitted by deadline_hour WIB the next day), declared_tests and sent_tests (on those days: tests_done of the reports, test results with that result day), longest_missing and trailing_missing (the facility's longest run of expected days without a report in the period, and the run that ends the period; the same in each of its rows)
-- params: start (date), end (date), deadline_hour (whole hour WIB, 0-23), facility (text: a registry code, '' = every facility)
-- roles: health, mayor
-- suppress: none
-- Reports and results sent come from daily_facility_report (casedb.rollups), which stores how many whole
-- seconds after the end of its day each report arrived: "on time" is one integer comparison on both engines.
WITH authorised_days AS (
    -- (facility, day) of the period covered by an authorisation the whole WIB day: one hash join
    -- instead of a lookup per facility and day.
    SELECT DISTINCT a.facility_id, c.day
    FROM authorizations a
    JOIN calendar c ON c.day BETWEEN :start AND :end AND c.day BETWEEN a.valid_from AND a.valid_until
    -- The overlap, implied by the join, is said again so that the authorisations of other years are
    -- left out before the join to the calendar: it grew with the history (3x: 60-190 -> 40-50 ms).
    WHERE a.valid_until >= :start AND a.valid_from <= :end
      AND (a.revoked_at IS NULL OR a.revoked_at >= c.ends_at)
),
facility_days AS (
    SELECT
        f.id AS facility_id,
        c.day,
        c.day_number,
        CASE WHEN f.opened_on <= c.day AND (f.closed_on IS NULL OR c.day < f.closed_on) THEN 1 ELSE 0 END AS registered,
        CASE WHEN f.closed_weekdays LIKE '%' || c.iso_weekday || '%' THEN 1 ELSE 0 END AS weekly_closed,
        CASE WHEN f.reports_daily THEN 1 ELSE 0 END AS reports_daily,
        CASE WHEN v.day IS NULL THEN 0 ELSE 1 END AS authorised
    FROM facilities f
    JOIN calendar c ON c.day BETWEEN :start AND :end
    LEFT JOIN authorised_days v ON v.facility_id = f.id AND v.day = c.day
    WHERE f.opened_on <= :end AND (f.closed_on IS NULL OR f.closed_on > :start)
      AND (:facility = '' OR f.registry_code = :facility)
),
days AS (
SELECT
    d.facility_id,
    d.day,
    d.day_number,
    d.registered,
    d.weekly_closed,
    d.authorised,
    CASE WHEN d.registered = 1 AND d.weekly_closed = 0 AND (d.reports_daily = 1 OR d.authorised = 1)
         THEN 1 ELSE 0 END AS expected,
    CASE WHEN r.submitted_at IS NULL THEN 0 ELSE 1 END AS reported,
    CASE WHEN r.seconds_after_day <= :deadline_hour * 3600 THEN 1 ELSE 0 END AS on_time,
    r.submitted_at,
    r.declared_tests,
    COALESCE(r.sent_tests, 0) AS sent_tests
FROM facility_days d
LEFT JOIN (
    -- bounded to the period here: the planner does not carry the calendar's bounds into the join
    SELECT facility_id, day, submitted_at, seconds_after_day, declared_tests, sent_tests
    FROM daily_facility_report
    WHERE day BETWEEN :start AND :end
) r ON r.facility_id = d.facility_id AND r.day = d.day
),
status AS (
    SELECT facility_id, day, day_number, expected,
           expected * reported AS received,
           expected * on_time AS received_on_time,
           CASE WHEN expected * reported = 1 THEN declared_tests ELSE 0 END AS declared_tests,
           CASE WHEN expected * reported = 1 THEN sent_tests ELSE 0 END AS sent_tests
    FROM days
),
marks AS (
    -- Missing expected days between two received ones share the count of reports received so far.
    SELECT facility_id, received,
           SUM(received) OVER (PARTITION BY facility_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seen,
           SUM(received) OVER (PARTITION BY facility_id) AS total
    FROM status
    WHERE expected = 1
),
runs AS (
    SELECT facility_id, seen, total, SUM(1 - received) AS missing
    FROM marks
    GROUP BY facility_id, seen, total
),
run_summary AS (
    SELECT facility_id, MAX(missing) AS longest_missing,
           SUM(CASE WHEN seen = total THEN missing ELSE 0 END) AS trailing_missing
    FROM runs
    GROUP BY facility_id
)
SELECT
    s.facility_id,
    (e.day_number - s.day_number) / 7 AS week,
    SUM(s.expected) AS expected,
    SUM(s.received) AS received,
    SUM(s.received_on_time) AS on_time,
    SUM(s.declared_tests) AS declared_tests,
    SUM(s.sent_tests) AS sent_tests,
    MAX(COALESCE(rs.longest_missing, 0)) AS longest_missing,
    MAX(COALESCE(rs.trailing_missing, 0)) AS trailing_missing
FROM status s
JOIN calendar e ON e.day = :end
LEFT JOIN run_summary rs ON rs.facility_id = s.facility_id
GROUP BY s.facility_id, (e.day_number - s.day_number) / 7
ORDER BY s.facility_id, week
