-- Who may read an uploaded file (issue 16.8). A file is readable by whoever
-- may read a record that references it, and by its uploader; each upload
-- keeps the name it was uploaded under.

-- Which records (any of their versions) reference which files.
create table record_files (
    sha256 text not null,
    record_id bigint not null references records (id),
    primary key (sha256, record_id)
);

-- Every upload: who sent which bytes under which name.
create table blob_uploads (
    id bigserial primary key,
    sha256 text not null references blobs (sha256),
    name text not null,
    uploaded_by text not null,
    enterprise_id bigint,
    created_at text not null
);
create index blob_uploads_sha on blob_uploads (sha256);

-- The references already stored: every object in a version's body that
-- names a sha256 (zhisu_domain::blob::referenced_files does the same).
insert into record_files (sha256, record_id)
select distinct f.sha, v.record_id
from record_versions v,
     lateral jsonb_path_query(v.body::jsonb, 'strict $.**.sha256') as j(value),
     lateral (select j.value #>> '{}' as sha) as f
where jsonb_typeof(j.value) = 'string' and length(f.sha) = 64
on conflict do nothing;
