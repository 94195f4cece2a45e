-- returns: one row per kecamatan (of the index case): kecamatan_code, kecamatan, in_quarantine (contacts listed by the moment at whose quarantine runs to WIB day day or later and who had not become a case by then), overdue (of those, last seen, i.e. last follow-up visit, else traced, else listed, before overdue_before)
-- params: day (date), at (datetime), overdue_before (datetime)
-- roles: health
-- suppress: none
SELECT kec.code AS kecamatan_code,
       kec.name AS kecamatan,
       COUNT(q.id) AS in_quarantine,
       COALESCE(SUM(CASE WHEN q.last_seen < :overdue_before THEN 1 ELSE 0 END), 0) AS overdue
FROM regions AS kec
LEFT JOIN (
    SELECT k.id, kel.parent_code AS kecamatan_code, COALESCE(k.last_followup_at, k.traced_at, k.listed_at) AS last_seen
    FROM contacts AS k
    JOIN cases AS i ON i.id = k.index_case_id
    JOIN regions AS kel ON kel.code = i.kelurahan_code
    WHERE k.quarantine_until >= :day AND k.listed_at <= :at
      AND NOT EXISTS (SELECT 1 FROM cases AS b WHERE b.id = k.became_case_id AND b.confirmed_at <= :at)
) AS q ON q.kecamatan_code = kec.code
WHERE kec.level = 'kecamatan'
GROUP BY kec.code, kec.name
ORDER BY kec.code
