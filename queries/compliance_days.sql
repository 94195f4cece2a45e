-- returns: one row per facility and WIB day of start..end, for facilities registered at some time in the period (all, or the one with registry code facility): facility_id, day, registered (1 between opened_on and closed_on), weekly_closed (1 on one of its weekly closed days), authorised (1 when any authorisation is valid the whole WIB day: not yet expired, not revoked before the day ended), expected (1 when registered, not a weekly closed day, and it reports daily or is authorised), reported (1 when a report for the day is stored), on_time (1 when submitted by deadline_hour WIB the next day), submitted_at (naive UTC), declared_tests (tests_done of the report), sent_tests (test results with that result day)
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
)
SELECT
    d.facility_id,
    d.day,
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
ORDER BY d.facility_id, d.day
