-- 等保 level 3 (issue 16.5): an account whose password someone else set
-- changes it at its first log-in; a session unused for a while ends.
alter table users add column must_change_password boolean not null default false;
alter table sessions add column last_seen_at text;
