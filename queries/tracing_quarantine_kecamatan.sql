-- returns: one row per kecamatan (of the index case): kecamatan_code, kecamatan, in_quarantine (contacts listed by the moment at whose quarantine runs to WIB day day or later and who had not become a case by the end of that day), overdue (of those, last seen, i.e. last follow-up visit, else traced, else listed, before overdue_before)
-- params: day (date), at (datetime: the naive UTC moment WIB day day ends), overdue_before (datetime)
-- roles: health
-- suppress: none
-- Counted per index case, then per kelurahan, before the regions are joined: the planner cannot
-- estimate how many contacts are in quarantine, and joining the regions first multiplied its work
-- by their number. Whether a contact had become a case is read from chain_members (every case a
-- contact became is in a chain, with its WIB day), not by a subquery, whose cost PostgreSQL counts
-- for every contact (and then compiles the query with JIT); and only for the contacts that became a
-- case, whose case came after `day` (the index on confirmed_day finds them), not by a join of every
-- contact to the whole table, which grew with the history (17 -> 49 ms at three times the history).
SELECT kec.code AS kecamatan_code,
       kec.name AS kecamatan,
       COALESCE(SUM(q.in_quarantine), 0) AS in_quarantine,
       COALESCE(SUM(q.overdue), 0) AS overdue
FROM regions AS kec
LEFT JOIN regions AS kel
       ON kel.parent_code = kec.code AND kel.level = 'kelurahan'
LEFT JOIN (
    SELECT i.kelurahan_code, SUM(per_case.in_quarantine) AS in_quarantine, SUM(per_case.overdue) AS overdue
    FROM (
        SELECT k.index_case_id,
               COUNT(*) AS in_quarantine,
               SUM(CASE WHEN k.last_seen < :overdue_before THEN 1 ELSE 0 END) AS overdue
        FROM (
            SELECT index_case_id, COALESCE(last_followup_at, traced_at, listed_at) AS last_seen
            FROM contacts
            WHERE quarantine_until >= :day AND listed_at <= :at AND became_case_id IS NULL
            UNION ALL
            SELECT k.index_case_id, COALESCE(k.last_followup_at, k.traced_at, k.listed_at)
            FROM chain_members AS b
            JOIN contacts AS k ON k.became_case_id = b.case_id
            WHERE b.confirmed_day > :day AND k.quarantine_until >= :day AND k.listed_at <= :at
        ) AS k
        GROUP BY k.index_case_id
    ) AS per_case
    JOIN cases AS i ON i.id = per_case.index_case_id
    GROUP BY i.kelurahan_code
) AS q ON q.kelurahan_code = kel.code
WHERE kec.level = 'kecamatan'
GROUP BY kec.code, kec.name
ORDER BY kec.code
