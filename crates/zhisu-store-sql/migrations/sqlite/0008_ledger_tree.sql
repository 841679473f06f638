-- The stored Merkle tree: the hash of every perfect subtree of height 4 or
-- more (one row per 16 leaves), written with each checkpoint, so proofs
-- and roots cost O(log n) reads. Derived from ledger_leaves; `ledger
-- verify` recomputes and compares every row.
create table ledger_nodes (
    level integer not null,
    idx integer not null,
    -- lowercase hex, like ledger_leaves.leaf_hash
    hash text not null,
    primary key (level, idx)
) without rowid;

-- Audit entries are ledger leaves too (G8.4): each names its leaf.
alter table audit_log add column leaf_index integer;
create unique index audit_log_leaf on audit_log (leaf_index);
