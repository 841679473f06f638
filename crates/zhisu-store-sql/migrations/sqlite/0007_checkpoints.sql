-- Signed checkpoints (C2SP tlog-checkpoint), stored every few seconds while
-- writes happen: `ledger verify` checks each against the log, so a log
-- truncated or rewritten behind the platform's back contradicts them.
create table ledger_checkpoints (
    tree_size integer primary key,
    root text not null,
    note text not null,
    created_at text not null
);
