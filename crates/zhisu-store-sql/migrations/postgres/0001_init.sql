-- zhisu schema, PostgreSQL engine. Keep in step with ../sqlite/0001_init.sql.
-- Every tenant row carries enterprise_id, the distribution key for Citus.

create table records (
    id bigserial primary key,
    kind text not null,
    enterprise_id bigint,
    parent_id bigint,
    unique_key text,
    name text not null,
    region_code text not null,
    tag text,
    version bigint not null,
    created_at text not null,
    updated_at text not null,
    updated_by text not null
);
create unique index records_kind_unique_key on records (kind, unique_key);
create index records_kind_enterprise on records (kind, enterprise_id);
create index records_kind_region on records (kind, region_code text_pattern_ops);
create index records_parent on records (parent_id);

create table record_versions (
    record_id bigint not null references records (id),
    version bigint not null,
    kind text not null,
    body text not null,
    created_at text not null,
    created_by text not null,
    leaf_index bigint not null unique,
    primary key (record_id, version)
);

create table ledger_leaves (
    leaf_index bigint primary key,
    leaf_hash text not null,
    entry_kind text not null,
    entry_ref text not null,
    created_at text not null
);

-- Versions and leaves are append-only, enforced by the engine too.
create function zhisu_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'zhisu: % is append-only', tg_table_name;
end
$$;
create trigger record_versions_append_only before update or delete on record_versions
    for each row execute function zhisu_append_only();
create trigger ledger_leaves_append_only before update or delete on ledger_leaves
    for each row execute function zhisu_append_only();

create table users (
    id bigserial primary key,
    login text not null unique,
    display_name text not null,
    password_hash text not null,
    role text not null,
    enterprise_id bigint,
    jurisdiction text not null default '',
    created_at text not null
);

create table sessions (
    token_hash text primary key,
    user_id bigint not null references users (id),
    csrf_token text not null,
    created_at text not null,
    expires_at text not null
);

create table api_keys (
    id bigserial primary key,
    prefix text not null,
    key_hash text not null unique,
    label text not null,
    role text not null,
    enterprise_id bigint,
    jurisdiction text not null default '',
    created_by text not null,
    created_at text not null,
    revoked_at text
);

create table blobs (
    sha256 text primary key,
    content_type text not null,
    size bigint not null,
    name text not null,
    created_at text not null
);

create table audit_log (
    id bigserial primary key,
    at text not null,
    actor text not null,
    action text not null,
    target text,
    enterprise_id bigint,
    ip text,
    outcome text not null,
    detail text
);
create index audit_log_enterprise on audit_log (enterprise_id, id);
