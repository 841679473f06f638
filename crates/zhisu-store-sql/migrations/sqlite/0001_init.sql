-- zhisu schema, SQLite engine. Keep in step with ../postgres/0001_init.sql.

-- The current state of each versioned record, with the columns lists filter on.
create table records (
    id integer primary key autoincrement,
    kind text not null,
    enterprise_id integer,
    parent_id integer,
    unique_key text,
    name text not null,
    region_code text not null,
    tag text,
    version integer not null,
    created_at text not null,
    updated_at text not null,
    updated_by text not null
);
create unique index records_kind_unique_key on records (kind, unique_key);
create index records_kind_enterprise on records (kind, enterprise_id);
create index records_kind_region on records (kind, region_code);
create index records_parent on records (parent_id);

-- Every version of every record, append-only. body is canonical JSON.
create table record_versions (
    record_id integer not null references records (id),
    version integer not null,
    kind text not null,
    body text not null,
    created_at text not null,
    created_by text not null,
    leaf_index integer not null unique,
    primary key (record_id, version)
);

-- RFC 9162 leaves, append-only; leaf_hash is lowercase hex.
create table ledger_leaves (
    leaf_index integer primary key,
    leaf_hash text not null,
    entry_kind text not null,
    entry_ref text not null,
    created_at text not null
);

create table users (
    id integer primary key autoincrement,
    login text not null unique,
    display_name text not null,
    password_hash text not null,
    role text not null,
    enterprise_id integer,
    jurisdiction text not null default '',
    created_at text not null
);

create table sessions (
    token_hash text primary key,
    user_id integer not null references users (id),
    csrf_token text not null,
    created_at text not null,
    expires_at text not null
);

create table api_keys (
    id integer primary key autoincrement,
    prefix text not null,
    key_hash text not null unique,
    label text not null,
    role text not null,
    enterprise_id integer,
    jurisdiction text not null default '',
    created_by text not null,
    created_at text not null,
    revoked_at text
);

create table blobs (
    sha256 text primary key,
    content_type text not null,
    size integer not null,
    name text not null,
    created_at text not null
);

create table audit_log (
    id integer primary key autoincrement,
    at text not null,
    actor text not null,
    action text not null,
    target text,
    enterprise_id integer,
    ip text,
    outcome text not null,
    detail text
);
create index audit_log_enterprise on audit_log (enterprise_id, id);
