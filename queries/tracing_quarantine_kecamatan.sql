-- returns: one row per kecamatan (of the index case): kecamatan_code, kecamatan, in_quarantine (contacts listed by the moment at whose quarantine runs to WIB day day or later and who had not become a case by then), overdue (of those, last seen, i.e. last follow-up visit, else traced, else listed, before overdue_before)
-- params: day (date), at (datetime), overdue_before (datetime)
-- roles: health
-- suppress: none
-- Counted per kelurahan before the regions are joined: the planner cannot estimate how many
-- contacts are in quarantine, and joining the regions first multiplied its work by their number.
-- The case a contact became is joined, not looked up in a subquery, whose cost PostgreSQL counts
-- for every contact (and then compiles the query with JIT, which costs more than the query).
SELECT kec.code AS kecamatan_code,
       kec.name AS kecamatan,
       COALESCE(SUM(q.in_quarantine), 0) AS in_quarantine,
       COALESCE(SUM(q.overdue), 0) AS overdue
FROM regions AS kec
LEFT JOIN regions AS kel
       ON kel.parent_code = kec.code AND kel.level = 'kelurahan'
LEFT JOIN (
    SELECT i.kelurahan_code,
           COUNT(*) AS in_quarantine,
           SUM(CASE WHEN COALESCE(k.last_followup_at, k.traced_at, k.listed_at) < :overdue_before THEN 1 ELSE 0 END) AS overdue
    FROM contacts AS k
    JOIN cases AS i ON i.id = k.index_case_id
    LEFT JOIN cases AS b ON b.id = k.became_case_id
    WHERE k.quarantine_until >= :day AND k.listed_at <= :at AND (b.id IS NULL OR b.confirmed_at > :at)
    GROUP BY i.kelurahan_code
) AS q ON q.kelurahan_code = kel.code
WHERE kec.level = 'kecamatan'
GROUP BY kec.code, kec.name
ORDER BY kec.code
