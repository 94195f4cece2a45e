-- returns: audit rows from start_at (inclusive) to end_at (exclusive), newest first, at most row_limit: logged_at (naive UTC), username, role, action, outcome, detail; action and username filter when not empty
-- params: start_at (datetime), end_at (datetime), action (text, '' = every action), username (text, '' = every user), row_limit (int)
-- roles: admin
-- cache: none
-- suppress: none
SELECT at AS logged_at, username, role, action, outcome, detail
FROM audit_log
WHERE at >= :start_at
  AND at < :end_at
  AND (:action = '' OR action = :action)
  AND (:username = '' OR username = :username)
ORDER BY at DESC, id DESC
LIMIT :row_limit
