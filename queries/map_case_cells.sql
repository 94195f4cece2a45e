-- returns: one row per H3 hexagon of new cases confirmed in WIB days start..end: cell (H3 index), resolution (8 or 7), new_cases (5 or more)
-- params: start (date), end (date)
-- roles: mayor, health
-- suppress: new_cases
-- The mayor's hexagons, already safe in SQL: a resolution-8 cell (several hundred households)
-- with 5 or more new cases is shown as itself; cells with 1-4 are merged into their resolution-7
-- parent, shown when the merged count reaches 5, dropped otherwise. No cell of 1-4 cases and no
-- coordinate leaves the database (cells come from casedb.cells at write time).
WITH fine AS (
    SELECT h3_r8, h3_r7, SUM(new_cases) AS new_cases
    FROM daily_case_cells
    WHERE day BETWEEN :start AND :end
    GROUP BY h3_r8, h3_r7
)
SELECT h3_r8 AS cell, 8 AS resolution, new_cases FROM fine WHERE new_cases >= 5
UNION ALL
SELECT h3_r7, 7, SUM(new_cases) FROM fine WHERE new_cases < 5 GROUP BY h3_r7 HAVING SUM(new_cases) >= 5
ORDER BY resolution DESC, cell
