-- returns: the chain of one cluster (chain_members) as it stood at the end of WIB day end: one row per contact of it who became a case confirmed by then (index case -> the case its contact became): index_case_id, case_id, and for each of the two its WIB day of confirmation (index_day, case_day) and its status at the end of day end (index_status, case_status: died, recovered, hospitalised, active)
-- params: cluster (integer: the cluster's earliest case), end (date), end_at (datetime: the naive UTC moment WIB day end ends)
-- roles: health
-- suppress: none
SELECT k.index_case_id,
       k.became_case_id AS case_id,
       i.confirmed_day AS index_day,
       b.confirmed_day AS case_day,
       CASE WHEN i.died_day <= :end THEN 'died'
            WHEN i.recovered_day <= :end THEN 'recovered'
            WHEN i.hospitalised_at < :end_at AND (i.discharged_at IS NULL OR i.discharged_at >= :end_at) THEN 'hospitalised'
            ELSE 'active' END AS index_status,
       CASE WHEN b.died_day <= :end THEN 'died'
            WHEN b.recovered_day <= :end THEN 'recovered'
            WHEN b.hospitalised_at < :end_at AND (b.discharged_at IS NULL OR b.discharged_at >= :end_at) THEN 'hospitalised'
            ELSE 'active' END AS case_status
FROM chain_members AS m
JOIN contacts AS k ON k.became_case_id = m.case_id
JOIN cases AS b ON b.id = k.became_case_id
JOIN cases AS i ON i.id = k.index_case_id
WHERE m.cluster_id = :cluster AND b.confirmed_day <= :end
ORDER BY k.index_case_id, k.became_case_id
