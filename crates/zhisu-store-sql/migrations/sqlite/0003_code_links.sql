-- Aggregation: a child code (by its key, e.g. (01)…(21)…) and the package record holding it.
create table code_links (
    code text primary key,
    package_id integer not null references records (id),
    created_at text not null
);
create index code_links_package on code_links (package_id);
