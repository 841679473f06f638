-- Several identical servers on one database (issue 20): the deployment's
-- keys by fingerprint. The first server to start records each key's
-- fingerprint (a one-way hash, never the key); a server started later with
-- another key of the same name, or without one recorded, is refused, so
-- that no server issues codes, checkpoints or sealed contacts the others
-- cannot read. Keep in step with ../postgres/0045_cluster.sql.
create table deployment_keys (
    name text primary key,
    fingerprint text not null,
    recorded_at text not null
);
