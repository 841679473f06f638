-- The scan log by month is a PostgreSQL deployment's (issue 20.4): there,
-- `scans` is partitioned by month and retention drops whole months. A
-- SQLite file keeps one table, whose old months retention deletes by row.
-- Kept to number the migrations alike: ../postgres/0049_scan_log_partitions.sql.
select 1;
