-- The stored Merkle tree: the hash of every perfect subtree of height 4 or
-- more (one row per 16 leaves), written with each checkpoint, so proofs
-- and roots cost O(log n) reads. Derived from ledger_leaves; `ledger
-- verify` recomputes and compares every row.
create table ledger_nodes (
    level integer not null,
    idx bigint not null,
    -- lowercase hex, like ledger_leaves.leaf_hash
    hash text not null,
    primary key (level, idx)
);
create trigger ledger_nodes_append_only before update or delete on ledger_nodes
    for each row execute function zhisu_append_only();

-- Audit entries are ledger leaves too (G8.4): each names its leaf.
alter table audit_log add column leaf_index bigint unique;
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function zhisu_append_only();
