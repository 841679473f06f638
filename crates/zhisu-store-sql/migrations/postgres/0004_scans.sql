-- G6.1.3, P6.5: every public scan, logged. Not ledger leaves: scans are
-- observations by anonymous people, not filed trace data. Append-only and
-- unindexed so logging stays cheap; per-code questions go to scan_counts.
create table scans (
    id bigserial primary key,
    code text not null,
    product_id bigint,
    batch_id bigint,
    at text not null,
    lat double precision,
    lon double precision,
    client text not null
);

-- One row per scanned code: the count, the first scan and the last placed
-- scan, kept with each write so a scan never counts rows.
create table scan_counts (
    code text primary key,
    count bigint not null,
    first_at text not null,
    last_placed_at bigint,
    last_lat double precision,
    last_lon double precision
);

-- Counterfeit and diversion alerts, to the producer and the region's regulators.
create table alerts (
    id bigserial primary key,
    kind text not null,
    code text not null,
    product_id bigint,
    batch_id bigint,
    enterprise_id bigint not null,
    region_code text not null,
    at text not null,
    detail text not null
);
create unique index alerts_once on alerts (code, kind);
create index alerts_enterprise on alerts (enterprise_id, id);
