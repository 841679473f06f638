-- Two-factor log-in (等保 level 3, issue 16.16): a person's TOTP secret
-- (sealed), whether its enrolment was confirmed with a code, and the last
-- time step used (a code is taken once); and when a session passed its
-- second factor.
alter table users add column totp_secret text;
alter table users add column totp_confirmed boolean not null default false;
alter table users add column totp_last_step bigint not null default 0;
alter table sessions add column second_factor_at text;
