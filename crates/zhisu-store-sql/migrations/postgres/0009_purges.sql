-- Retention purges (G8.5): each purge is a ledger leaf listing every
-- version it redacted with that version's original leaf hash and the hash
-- of the redacted body, so `ledger verify` can tell a purge from an edit.
create table purges (
    id bigserial primary key,
    at text not null,
    actor text not null,
    as_of text not null,
    -- Canonical JSON of the purge: exactly what its leaf hashes.
    detail text not null,
    leaf_index bigint not null unique
);
create trigger purges_append_only before update or delete on purges
    for each row execute function zhisu_append_only();

create table purged_versions (
    record_id bigint not null,
    version bigint not null,
    purge_id bigint not null references purges (id),
    leaf_hash text not null,
    body_sha256 text not null,
    primary key (record_id, version)
);
create trigger purged_versions_append_only before update or delete on purged_versions
    for each row execute function zhisu_append_only();

-- Versions stay append-only, except that a purge may replace a body with
-- the redacted one it recorded (same row, same leaf, body hash as listed).
create or replace function zhisu_versions_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE'
        and new.record_id = old.record_id and new.version = old.version
        and new.kind = old.kind and new.leaf_index = old.leaf_index
        and new.created_at = old.created_at and new.created_by = old.created_by
        and exists (
            select 1 from purged_versions p
            where p.record_id = old.record_id and p.version = old.version
              and p.body_sha256 = encode(sha256(convert_to(new.body, 'UTF8')), 'hex'))
    then
        return new;
    end if;
    raise exception 'zhisu: % is append-only', tg_table_name;
end
$$;
drop trigger record_versions_append_only on record_versions;
create trigger record_versions_append_only before update or delete on record_versions
    for each row execute function zhisu_versions_append_only();
