-- returns: one row: attempts, the certificate verifications an account made (audited, refusals not counted) from a moment on; what VERIFY_MAX_PER_MINUTE limits
-- params: username (text), since (datetime: naive UTC)
-- roles: checkpoint, health, admin
-- cache: none
-- suppress: none
-- Counted in the audit log rather than in the dashboard process, so that the limit holds across
-- an officer's sessions and across dashboard replicas. Uses the index on (action, at).
SELECT COUNT(*) AS attempts
FROM audit_log
WHERE action = 'certificate_verify'
  AND at >= :since
  AND username = :username
  AND outcome IN ('success', 'failure')
