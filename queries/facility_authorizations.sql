-- returns: one row per authorisation of the facility with registry_code, newest first: number, pcr, antigen, antibody (1 when it covers that test type, else 0), valid_from, valid_until, revoked_at (naive UTC), revoked_reason, granted_by, status on the WIB day today (revoked, expired, future, valid)
-- params: registry_code (text), today (date: the WIB day)
-- roles: health, admin
-- suppress: none
SELECT
    a.number,
    MAX(CASE WHEN att.test_type = 'pcr' THEN 1 ELSE 0 END) AS pcr,
    MAX(CASE WHEN att.test_type = 'antigen' THEN 1 ELSE 0 END) AS antigen,
    MAX(CASE WHEN att.test_type = 'antibody' THEN 1 ELSE 0 END) AS antibody,
    a.valid_from,
    a.valid_until,
    a.revoked_at,
    a.revoked_reason,
    a.granted_by,
    CASE
        WHEN a.revoked_at IS NOT NULL THEN 'revoked'
        WHEN a.valid_until < :today THEN 'expired'
        WHEN a.valid_from > :today THEN 'future'
        ELSE 'valid'
    END AS status
FROM authorizations a
JOIN facilities f ON f.id = a.facility_id
LEFT JOIN authorization_test_types att ON att.authorization_id = a.id
WHERE f.registry_code = :registry_code
GROUP BY a.id, a.number, a.valid_from, a.valid_until, a.revoked_at, a.revoked_reason, a.granted_by
ORDER BY a.valid_from DESC, a.id DESC
