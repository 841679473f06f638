-- Incremental verification sweeps (V5-auto, issue 17.2). Keep in step with
-- ../sqlite/0025_incremental_sweeps.sql.

-- Each sweep: full or incremental, the ledger mark it read up to, and a
-- digest of the settings its rules ran under.
alter table verification_sweeps add column mode text not null default 'full';
alter table verification_sweeps add column mark bigint not null default -1;
alter table verification_sweeps add column settings text not null default '';

-- Which records share a key a rule groups on, in every version stored (so
-- a record that held the key before a change is found too). The
-- expressions match `SweepStore::sweep_neighbours` character for character.
create index record_versions_uscc on record_versions (upper((body::jsonb) ->> 'uscc'))
    where kind = 'enterprise';
create index record_versions_ccc on record_versions (upper(trim((body::jsonb) ->> 'ccc_cert_no')))
    where kind = 'product';
create index record_versions_licence on record_versions (upper(trim((body::jsonb) ->> 'production_licence_no')))
    where kind = 'product';
