-- returns: one row per facility and test type with results or certificates in the WIB days start..end (all facilities, or the one with registry code facility): facility_id, test_type, results, positives, certificates, unauthorised_results and unauthorised_certificates (on days without an authorisation valid for that test type the whole WIB day), unauthorised_days (days with either), first_unauthorised_day, last_unauthorised_day, sr_0..sr_10 (results per specimen-to-result latency bucket, casedb.schema.LATENCY_EDGES_HOURS), rr_0..rr_10 (per result-to-reported bucket)
-- params: start (date), end (date), facility (text: a registry code, '' = every facility)
-- roles: health, mayor
-- suppress: none
-- Reads the daily rollups only (casedb.rollups): its cost follows the period, not the history.
WITH authorised AS (
    -- (facility, test type, day) of the period covered by an authorisation the whole WIB day
    SELECT DISTINCT a.facility_id, att.test_type, c.day
    FROM authorizations a
    JOIN authorization_test_types att ON att.authorization_id = a.id
    JOIN calendar c ON c.day BETWEEN :start AND :end AND c.day BETWEEN a.valid_from AND a.valid_until
    -- The overlap, implied by the join, is said again so that the authorisations of other years are
    -- left out before the join to the calendar: it grew with the history (3x: 60-190 -> 40-50 ms).
    WHERE a.valid_until >= :start AND a.valid_from <= :end
      AND (a.revoked_at IS NULL OR a.revoked_at >= c.ends_at)
),
x AS (
    SELECT
        r.*,
        CASE WHEN v.day IS NULL THEN 0 ELSE 1 END AS authorised
    FROM daily_facility_compliance r
    LEFT JOIN authorised v ON v.facility_id = r.facility_id AND v.test_type = r.test_type AND v.day = r.day
    JOIN facilities f ON f.id = r.facility_id
    WHERE r.day BETWEEN :start AND :end AND (:facility = '' OR f.registry_code = :facility)
)
SELECT
    x.facility_id,
    x.test_type,
    SUM(x.results) AS results,
    SUM(x.positives) AS positives,
    SUM(x.certificates) AS certificates,
    SUM(CASE WHEN x.authorised = 0 THEN x.results ELSE 0 END) AS unauthorised_results,
    SUM(CASE WHEN x.authorised = 0 THEN x.certificates ELSE 0 END) AS unauthorised_certificates,
    SUM(1 - x.authorised) AS unauthorised_days,  -- one rollup row per day of a facility and type
    MIN(CASE WHEN x.authorised = 0 THEN x.day END) AS first_unauthorised_day,
    MAX(CASE WHEN x.authorised = 0 THEN x.day END) AS last_unauthorised_day,
    SUM(x.sr_0) AS sr_0,
    SUM(x.sr_1) AS sr_1,
    SUM(x.sr_2) AS sr_2,
    SUM(x.sr_3) AS sr_3,
    SUM(x.sr_4) AS sr_4,
    SUM(x.sr_5) AS sr_5,
    SUM(x.sr_6) AS sr_6,
    SUM(x.sr_7) AS sr_7,
    SUM(x.sr_8) AS sr_8,
    SUM(x.sr_9) AS sr_9,
    SUM(x.sr_10) AS sr_10,
    SUM(x.rr_0) AS rr_0,
    SUM(x.rr_1) AS rr_1,
    SUM(x.rr_2) AS rr_2,
    SUM(x.rr_3) AS rr_3,
    SUM(x.rr_4) AS rr_4,
    SUM(x.rr_5) AS rr_5,
    SUM(x.rr_6) AS rr_6,
    SUM(x.rr_7) AS rr_7,
    SUM(x.rr_8) AS rr_8,
    SUM(x.rr_9) AS rr_9,
    SUM(x.rr_10) AS rr_10
FROM x
GROUP BY x.facility_id, x.test_type
ORDER BY x.facility_id, x.test_type
