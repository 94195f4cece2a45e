-- returns: one row: new_cases (confirmed on WIB day `day` before the moment `until`, naive UTC; "today so far")
-- params: day (date), until (datetime)
-- roles: mayor, health, press, admin
-- suppress: new_cases
SELECT COUNT(*) AS new_cases
FROM cases
WHERE confirmed_day = :day AND confirmed_at < :until
