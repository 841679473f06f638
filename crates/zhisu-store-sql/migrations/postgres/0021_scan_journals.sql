-- The scan journal (issue 16.12): a server appends each scan to a journal
-- file before it answers, and stores it later with others in one
-- transaction. Each journal's highest stored entry is written in that same
-- transaction, so a server restarted after `kill -9` replays exactly the
-- entries the store lacks: none lost, none stored twice.
create table scan_journals (
    journal text primary key,
    seq bigint not null
);
