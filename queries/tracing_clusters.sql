-- returns: the clusters (connected chains of index case -> the case its contact became, chain_members) with two or more cases confirmed by WIB day end, the most new cases in the last 7 days first, then the largest, at most row_limit: cluster (its earliest case's id), kecamatan_code (of that case), size, first_day, last_day, new_7d (confirmed week_start..end), previous_7d (previous_start up to the day before week_start), clusters (how many there are in all)
-- params: end (date), week_start (date: end minus 6 days), previous_start (date: end minus 13 days), row_limit (integer)
-- roles: health
-- suppress: none
-- Counted from chain_members alone; only the clusters listed are joined to their first case.
WITH sizes AS (
    SELECT cluster_id,
           COUNT(*) AS size,
           MIN(confirmed_day) AS first_day,
           MAX(confirmed_day) AS last_day,
           SUM(CASE WHEN confirmed_day >= :week_start THEN 1 ELSE 0 END) AS new_7d,
           SUM(CASE WHEN confirmed_day >= :previous_start AND confirmed_day < :week_start THEN 1 ELSE 0 END) AS previous_7d
    FROM chain_members
    WHERE confirmed_day <= :end
    GROUP BY cluster_id
    HAVING COUNT(*) >= 2
),
listed AS (
    SELECT s.*, COUNT(*) OVER () AS clusters
    FROM sizes AS s
    ORDER BY s.new_7d DESC, s.size DESC, s.cluster_id
    LIMIT :row_limit
)
SELECT l.cluster_id AS cluster,
       r.parent_code AS kecamatan_code,
       l.size,
       l.first_day,
       l.last_day,
       l.new_7d,
       l.previous_7d,
       l.clusters
FROM listed AS l
JOIN cases AS f ON f.id = l.cluster_id
JOIN regions AS r ON r.code = f.kelurahan_code
ORDER BY l.new_7d DESC, l.size DESC, l.cluster_id
