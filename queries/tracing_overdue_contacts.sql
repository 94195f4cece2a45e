-- returns: the contacts in quarantine at the moment at (as tracing_quarantine_kecamatan) whose follow-up is overdue (last seen before overdue_before), the longest overdue first, at most row_limit: contact_id and index_case_id (record numbers, no identity), kecamatan_code, kecamatan (of the index case), relation, listed_at, last_seen, quarantine_until
-- params: day (date), at (datetime: the naive UTC moment WIB day day ends), overdue_before (datetime), row_limit (integer)
-- roles: health
-- suppress: none
-- The longest overdue are picked from the contacts alone (whether one had become a case read from
-- chain_members, as in tracing_quarantine_kecamatan), and only they are joined to their index case
-- and its regions.
WITH overdue AS (
    SELECT k.id, k.index_case_id, k.relation, k.listed_at,
           COALESCE(k.last_followup_at, k.traced_at, k.listed_at) AS last_seen, k.quarantine_until
    FROM contacts AS k
    LEFT JOIN chain_members AS b ON b.case_id = k.became_case_id
    WHERE k.quarantine_until >= :day AND k.listed_at <= :at AND (b.case_id IS NULL OR b.confirmed_day > :day)
      AND COALESCE(k.last_followup_at, k.traced_at, k.listed_at) < :overdue_before
    ORDER BY last_seen, k.id
    LIMIT :row_limit
)
SELECT o.id AS contact_id,
       o.index_case_id,
       kel.parent_code AS kecamatan_code,
       kec.name AS kecamatan,
       o.relation,
       o.listed_at,
       o.last_seen,
       o.quarantine_until
FROM overdue AS o
JOIN cases AS i ON i.id = o.index_case_id
JOIN regions AS kel ON kel.code = i.kelurahan_code
JOIN regions AS kec ON kec.code = kel.parent_code
ORDER BY o.last_seen, o.id
