-- returns: one row per resolution-9 H3 cell with new cases confirmed in WIB days start..end: h3_r9, h3_r8, h3_r7, new_cases (any count, 1 included)
-- params: start (date), end (date)
-- roles: health
-- suppress: new_cases
-- Health's finer hexagons (about 50 households each); the page sums them to the resolution chosen.
SELECT h3_r9, MIN(h3_r8) AS h3_r8, MIN(h3_r7) AS h3_r7, SUM(new_cases) AS new_cases
FROM daily_case_cells
WHERE day BETWEEN :start AND :end
GROUP BY h3_r9
ORDER BY h3_r9
