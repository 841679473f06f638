-- The files records reference, as last looked at where they are stored
-- (issue 17, V4 completeness: rule ZV-C-005). A row is added with each
-- new reference (record_files), `checked_at` '' until the first look. A
-- file whose size and modification time are those of its last sound look
-- is taken as sound; any other is read and hashed again. `fault`:
-- 'missing' or 'altered'; null when sound. Keep in step with
-- ../postgres/0042_file_checks.sql.
create table file_checks (
    sha256 text primary key,
    size integer,
    modified text,
    fault text,
    checked_at text not null
);
create index file_checks_due on file_checks (checked_at);
create index file_checks_faulty on file_checks (checked_at) where fault is not null;
insert into file_checks (sha256, checked_at)
    select distinct sha256, '' from record_files;
