-- returns: one row per facility registered at some time in the WIB days start..end (all, or the one with registry code facility), by registry code: facility_id, registry_code, name, type, kelurahan, kecamatan_code, kecamatan, opened_on, closed_on, closed_weekdays, reports_daily, authorisation (its status on the WIB day end: valid, revoked when its latest authorisation was revoked, expired, none when it never held one), authorised_until (the latest valid_until of the authorisations valid on end), last_report_day (its latest report for a day up to end)
-- params: start (date), end (date), facility (text: a registry code, '' = every facility)
-- roles: health, mayor
-- suppress: none
SELECT
    f.id AS facility_id,
    f.registry_code,
    f.name,
    f.type,
    kel.name AS kelurahan,
    kec.code AS kecamatan_code,
    kec.name AS kecamatan,
    f.opened_on,
    f.closed_on,
    f.closed_weekdays,
    f.reports_daily,
    CASE
        WHEN valid.until_day IS NOT NULL THEN 'valid'
        WHEN latest.revoked_at IS NOT NULL AND latest.revoked_at < c.ends_at THEN 'revoked'
        WHEN latest.valid_until IS NOT NULL THEN 'expired'
        ELSE 'none'
    END AS authorisation,
    valid.until_day AS authorised_until,
    (SELECT MAX(r.report_day) FROM facility_reports r WHERE r.facility_id = f.id AND r.report_day <= :end)
        AS last_report_day
FROM facilities f
JOIN calendar c ON c.day = :end
JOIN regions kel ON kel.code = f.kelurahan_code
JOIN regions kec ON kec.code = kel.parent_code
LEFT JOIN (
    SELECT a.facility_id, MAX(a.valid_until) AS until_day
    FROM authorizations a
    JOIN calendar e ON e.day = :end
    WHERE a.valid_from <= :end AND :end <= a.valid_until AND (a.revoked_at IS NULL OR a.revoked_at >= e.ends_at)
    GROUP BY a.facility_id
) valid ON valid.facility_id = f.id
LEFT JOIN authorizations latest ON latest.id = (
    SELECT a2.id FROM authorizations a2
    WHERE a2.facility_id = f.id AND a2.valid_from <= :end
    ORDER BY a2.valid_from DESC, a2.id DESC
    LIMIT 1
)
WHERE f.opened_on <= :end AND (f.closed_on IS NULL OR f.closed_on > :start)
  AND (:facility = '' OR f.registry_code = :facility)
ORDER BY f.registry_code
