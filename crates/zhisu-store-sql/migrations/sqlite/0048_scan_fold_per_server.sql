-- Several servers on one database fold their own scans (issue 20.1):
-- each scan names the journal (the server's data folder) that logged it,
-- and each journal keeps how far its scans are folded. A server folds its
-- own leftovers at start, and the leftovers of a server that stopped are
-- folded by one other, under that server's lock: each scan counted once.
-- Scans logged before (journal null) keep the one watermark of
-- `scan_fold`. Keep in step with ../postgres/0048_scan_fold_per_server.sql.
alter table scans add column journal text;
alter table scan_journals add column folded_upto bigint not null default 0;
