-- Several servers on one database are a PostgreSQL deployment's (issue
-- 20.1): there, a trigger tells every server of each record written. A
-- SQLite file has one server, which knows its own writes; nothing to add.
-- Kept to number the migrations alike: ../postgres/0047_change_feed.sql.
select 1;
