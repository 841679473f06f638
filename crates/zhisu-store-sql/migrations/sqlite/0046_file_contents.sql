-- Uploaded files' bytes in the database (issue 20.2): on PostgreSQL every
-- server of a deployment reads them here, content-addressed by SHA-256 as
-- in the data folder (which the SQLite default keeps using; its table
-- stays empty). A file uploaded twice, through two servers at once, is
-- stored once. Keep in step with ../postgres/0046_file_contents.sql.
create table file_contents (
    sha256 text primary key,
    bytes blob not null,
    stored_at text not null
);
