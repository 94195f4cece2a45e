-- returns: one row: first_day, last_day (WIB days with any case event or test result; NULL when there are none)
-- params: none
-- roles: mayor, health, press, admin
-- suppress: none
SELECT MIN(day) AS first_day, MAX(day) AS last_day
FROM (
    SELECT MIN(day) AS day FROM daily_area
    UNION ALL SELECT MAX(day) FROM daily_area
    UNION ALL SELECT MIN(day) FROM daily_facility_tests
    UNION ALL SELECT MAX(day) FROM daily_facility_tests
) AS bounds
