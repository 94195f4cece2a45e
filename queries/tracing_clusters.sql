-- returns: the clusters (connected chains of index case -> the case its contact became, chain_members) with two or more cases confirmed by WIB day end, the most new cases in the last 7 days first, then the largest, at most row_limit: cluster (its earliest case's id), kecamatan_code (of that case), size, first_day, last_day, new_7d (confirmed week_start..end), previous_7d (previous_start up to the day before week_start), clusters (how many there are in all)
-- params: end (date), week_start (date: end minus 6 days), previous_start (date: end minus 13 days), row_limit (integer)
-- roles: health
-- suppress: none
-- Reads only the clusters that can be listed, so that the cost does not grow with the history: the
-- largest row_limit of those complete by end (chain_clusters.size_rank), and those whose last case
-- came on or after previous_start (found by the index on last_day): every cluster with a case in the
-- 14 days to end, the only ones with new_7d above 0, and those that grew after end (none when end is
-- the latest day), whose size and last day by end are counted again from their members. The count of
-- all clusters is chain_days' running total; only the clusters listed are joined to their first case.
WITH recent AS (
    SELECT cluster_id,
           SUM(CASE WHEN confirmed_day >= :week_start THEN 1 ELSE 0 END) AS new_7d,
           SUM(CASE WHEN confirmed_day < :week_start THEN 1 ELSE 0 END) AS previous_7d
    FROM chain_members
    WHERE confirmed_day BETWEEN :previous_start AND :end
    GROUP BY cluster_id
),
grown_after AS (
    SELECT m.cluster_id, COUNT(*) AS size, MAX(m.confirmed_day) AS last_day
    FROM chain_clusters AS c
    JOIN chain_members AS m ON m.cluster_id = c.cluster_id
    WHERE c.last_day > :end AND c.formed_day <= :end AND m.confirmed_day <= :end
    GROUP BY m.cluster_id
),
candidates AS (
    SELECT * FROM (SELECT cluster_id, size, first_day, last_day FROM chain_clusters
                   WHERE last_day <= :end ORDER BY size_rank LIMIT :row_limit) AS largest
    UNION
    SELECT cluster_id, size, first_day, last_day FROM chain_clusters
    WHERE last_day >= :previous_start AND formed_day <= :end
),
scored AS (
    SELECT c.cluster_id,
           COALESCE(g.size, c.size) AS size,
           c.first_day,
           COALESCE(g.last_day, c.last_day) AS last_day,
           COALESCE(r.new_7d, 0) AS new_7d,
           COALESCE(r.previous_7d, 0) AS previous_7d
    FROM candidates AS c
    LEFT JOIN grown_after AS g ON g.cluster_id = c.cluster_id
    LEFT JOIN recent AS r ON r.cluster_id = c.cluster_id
),
listed AS (
    SELECT * FROM scored ORDER BY new_7d DESC, size DESC, cluster_id LIMIT :row_limit
)
SELECT l.cluster_id AS cluster,
       r.parent_code AS kecamatan_code,
       l.size,
       l.first_day,
       l.last_day,
       l.new_7d,
       l.previous_7d,
       COALESCE((SELECT d.clusters FROM chain_days AS d WHERE d.day <= :end ORDER BY d.day DESC LIMIT 1), 0) AS clusters
FROM listed AS l
JOIN cases AS f ON f.id = l.cluster_id
JOIN regions AS r ON r.code = f.kelurahan_code
ORDER BY l.new_7d DESC, l.size DESC, l.cluster_id
