-- returns: the contacts in quarantine at the moment at (as tracing_quarantine_kecamatan) whose follow-up is overdue (last seen before overdue_before), the longest overdue first, at most row_limit: contact_id and index_case_id (record numbers, no identity), kecamatan_code, kecamatan (of the index case), relation, listed_at, last_seen, quarantine_until
-- params: day (date), at (datetime: the naive UTC moment WIB day day ends), overdue_before (datetime), row_limit (integer)
-- roles: health
-- suppress: none
-- The longest overdue are picked from the contacts alone (whether one had become a case read from
-- chain_members for the contacts that became one after `day` only, as in
-- tracing_quarantine_kecamatan), and only they are joined to their index case and its regions.
WITH in_quarantine AS (
    SELECT id, index_case_id, relation, listed_at,
           COALESCE(last_followup_at, traced_at, listed_at) AS last_seen, quarantine_until
    FROM contacts
    WHERE quarantine_until >= :day AND listed_at <= :at AND became_case_id IS NULL
    UNION ALL
    SELECT k.id, k.index_case_id, k.relation, k.listed_at,
           COALESCE(k.last_followup_at, k.traced_at, k.listed_at), k.quarantine_until
    FROM chain_members AS b
    JOIN contacts AS k ON k.became_case_id = b.case_id
    WHERE b.confirmed_day > :day AND k.quarantine_until >= :day AND k.listed_at <= :at
),
overdue AS (
    SELECT * FROM in_quarantine
    WHERE last_seen < :overdue_before
    ORDER BY last_seen, id
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
