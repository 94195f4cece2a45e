-- returns: one row per WIB day and test type of travellers screened on the spot at entry points in start..end: day, test_type ('' when not stated), screened, positive, negative, invalid
-- params: start (date), end (date)
-- roles: mayor, health
SELECT day, test_type, SUM(screened) AS screened,
       SUM(CASE WHEN result = 'positive' THEN screened ELSE 0 END) AS positive,
       SUM(CASE WHEN result = 'negative' THEN screened ELSE 0 END) AS negative,
       SUM(CASE WHEN result = 'invalid' THEN screened ELSE 0 END) AS invalid
FROM daily_screening
WHERE day BETWEEN :start AND :end
GROUP BY day, test_type
ORDER BY day, test_type
