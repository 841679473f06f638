-- The scan log at scale (issue 20.4): `scans` partitioned by month of its
-- `at` (RFC 3339 UTC text, which orders as time in the "C" collation), so
-- the month being written and its primary key stay small and in memory,
-- and retention drops a whole month (`drop table scans_2023_11`) instead
-- of deleting rows: no WAL per row, nothing left to vacuum. The store
-- creates each month's partition before the first scan of that month is
-- written (scan_months.rs); the primary key takes the partition key with
-- it, as PostgreSQL requires; `id` keeps its sequence. The scans stored
-- before are moved into their months' partitions here. SQLite keeps one
-- table: ../sqlite/0049_scan_log_partitions.sql.
alter table scans rename to scans_before_partitions;
alter index scans_pkey rename to scans_before_partitions_pkey;

create table scans (
    id bigint not null default nextval('scans_id_seq'),
    code text not null,
    product_id bigint,
    batch_id bigint,
    at text collate "C" not null,
    lat double precision,
    lon double precision,
    client text not null,
    region_code text,
    journal text,
    primary key (id, at)
) partition by range (at);
alter sequence scans_id_seq owned by scans.id;

do $$
declare
    month date;
begin
    for month in
        select distinct date_trunc('month', (at::timestamptz) at time zone 'UTC')::date
        from scans_before_partitions
    loop
        execute format(
            'create table %I partition of scans for values from (%L) to (%L)',
            'scans_' || to_char(month, 'YYYY_MM'),
            to_char(month, 'YYYY-MM'),
            to_char(month + interval '1 month', 'YYYY-MM')
        );
    end loop;
end
$$;

insert into scans (id, code, product_id, batch_id, at, lat, lon, client, region_code, journal)
select id, code, product_id, batch_id, at, lat, lon, client, region_code, journal
from scans_before_partitions;

drop table scans_before_partitions;
