-- Who may read an uploaded file (issue 16.8). A file is readable by whoever
-- may read a record that references it, and by its uploader; each upload
-- keeps the name it was uploaded under.

-- Which records (any of their versions) reference which files.
create table record_files (
    sha256 text not null,
    record_id integer not null references records (id),
    primary key (sha256, record_id)
);

-- Every upload: who sent which bytes under which name.
create table blob_uploads (
    id integer primary key autoincrement,
    sha256 text not null references blobs (sha256),
    name text not null,
    uploaded_by text not null,
    enterprise_id integer,
    created_at text not null
);
create index blob_uploads_sha on blob_uploads (sha256);

-- The references already stored: every object in a version's body that
-- names a sha256 (zhisu_domain::blob::referenced_files does the same).
insert or ignore into record_files (sha256, record_id)
select distinct t.value, v.record_id
from record_versions v, json_tree(v.body) t
where t.key = 'sha256' and t.type = 'text' and length(t.value) = 64;
