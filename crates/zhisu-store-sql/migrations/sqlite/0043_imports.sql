-- Imports (issue 19.3, 工具包导入, P5.3.2): a filled-in template or an
-- NDJSON stream checked row by row, then committed in full or only its
-- valid rows. `status`: checked (the preview: nothing written), running,
-- done, failed. `commit_mode`: all or valid, once committed. Keep in step
-- with ../postgres/0043_imports.sql.
create table imports (
    id integer primary key autoincrement,
    enterprise_id bigint not null,
    kind text not null,
    file_name text not null,
    file_sha256 text not null,
    created_by text not null,
    created_at text not null,
    status text not null,
    commit_mode text,
    finished_at text,
    failure text
);
create index imports_by_enterprise on imports (enterprise_id, id);

-- Each row of an import: its body as read (the API's JSON), the SHA-256
-- of what it holds, and what became of it. `status`: pending (valid, not
-- yet written), created, unchanged (its content was imported before),
-- error (`errors`: JSON [{column, message}]).
create table import_rows (
    import_id bigint not null,
    row_no bigint not null,
    status text not null,
    body text,
    row_hash text,
    record_id bigint,
    errors text not null,
    primary key (import_id, row_no)
);
create index import_rows_by_status on import_rows (import_id, status, row_no);

-- What makes an import idempotent by content: each row's content, once
-- written, names the record it made, written in the record's own
-- transaction, so the same row imported again (the same file twice, a
-- toolkit push run again after an interruption) creates nothing.
create table import_keys (
    enterprise_id bigint not null,
    kind text not null,
    row_hash text not null,
    record_id bigint not null,
    created_at text not null,
    primary key (enterprise_id, kind, row_hash)
);
