-- One target's audit entries (a finding's claims and assignments, issue
-- 17.2: a finding's history), newest first. Keep in step with
-- ../postgres/0027_audit_target.sql.
create index audit_log_target on audit_log (target, id);
