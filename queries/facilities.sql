-- returns: one row per facility of the registry, by registry code: registry_code, name, type, kelurahan_code, kelurahan, kecamatan_code, kecamatan, lat, lon, opened_on, closed_on, closed_weekdays (ISO weekdays, e.g. '67'), reports_daily, beds (inpatient beds, NULL when unknown), valid_authorizations (authorisations valid on the WIB day today, not revoked); filtered by search (registry code or name, any case), type and kecamatan when not empty
-- params: search (text: a LIKE pattern, lower case, '%' and '_' escaped with '\'; '' = every facility), type (text, '' = every type), kecamatan (text: kecamatan code, '' = every kecamatan), today (date: the WIB day)
-- roles: health, admin
-- suppress: none
SELECT
    f.registry_code,
    f.name,
    f.type,
    f.kelurahan_code,
    kel.name AS kelurahan,
    kec.code AS kecamatan_code,
    kec.name AS kecamatan,
    f.lat,
    f.lon,
    f.opened_on,
    f.closed_on,
    f.closed_weekdays,
    f.reports_daily,
    f.beds,
    (SELECT COUNT(*)
     FROM authorizations a
     WHERE a.facility_id = f.id
       AND a.valid_from <= :today
       AND :today <= a.valid_until
       AND a.revoked_at IS NULL) AS valid_authorizations
FROM facilities f
JOIN regions kel ON kel.code = f.kelurahan_code
JOIN regions kec ON kec.code = kel.parent_code
WHERE (:search = '' OR LOWER(f.name) LIKE :search ESCAPE '\' OR LOWER(f.registry_code) LIKE :search ESCAPE '\')
  AND (:type = '' OR f.type = :type)
  AND (:kecamatan = '' OR kec.code = :kecamatan)
ORDER BY f.registry_code
