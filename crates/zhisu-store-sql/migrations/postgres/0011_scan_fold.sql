-- Scans are appended to the log at once; their codes' summaries
-- (scan_counts) are folded in from the log in large batches, which costs a
-- fraction of a summary write per scan. This row says up to which scan id
-- they are folded; a server folds what lies beyond before it serves.
create table scan_fold (
    id integer primary key check (id = 1),
    upto bigint not null
);
insert into scan_fold (id, upto) select 1, coalesce(max(id), 0) from scans;
