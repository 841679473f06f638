-- Retention purges (G8.5): each purge is a ledger leaf listing every
-- version it redacted with that version's original leaf hash and the hash
-- of the redacted body, so `ledger verify` can tell a purge from an edit.
create table purges (
    id integer primary key autoincrement,
    at text not null,
    actor text not null,
    as_of text not null,
    -- Canonical JSON of the purge: exactly what its leaf hashes.
    detail text not null,
    leaf_index integer not null unique
);

create table purged_versions (
    record_id integer not null,
    version integer not null,
    purge_id integer not null references purges (id),
    leaf_hash text not null,
    body_sha256 text not null,
    primary key (record_id, version)
);
