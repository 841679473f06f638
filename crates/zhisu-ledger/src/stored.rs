//! Proofs from a stored tree in O(log n) reads.
//!
//! Every RFC 9162 proof is a list of subtree hashes `MTH(D[start:end])`.
//! Each such range is a run of perfect, aligned subtrees ([`blocks`]), and
//! its hash is their right fold ([`fold_blocks`]). The store keeps the hash
//! of every perfect subtree of height [`STORED_FROM_LEVEL`] or more (one row
//! per 16 leaves); smaller blocks are hashed from at most 15 leaves read in
//! one query. So a proof on a tree of ten million leaves reads a few dozen
//! rows instead of the whole log.
//!
//! This module only plans: which ranges a proof needs, which stored nodes
//! and leaves those ranges are made of, and how to combine them. The
//! service does the reading.

use crate::{Hash, Suite};

/// Perfect subtrees of this height and above are stored as nodes; below
/// it they are recomputed from leaves.
pub const STORED_FROM_LEVEL: u32 = 4;

/// A perfect, aligned subtree: leaves `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

impl NodeId {
    pub fn start(self) -> u64 {
        self.index << self.level
    }

    pub fn end(self) -> u64 {
        (self.index + 1) << self.level
    }

    /// Kept in the node table (true) or recomputed from leaves (false).
    pub fn is_stored(self) -> bool {
        self.level >= STORED_FROM_LEVEL
    }
}

/// The perfect subtrees, left to right, that make up leaves
/// `[start, end)`: each the largest aligned block that fits.
pub fn blocks(mut start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    while start < end {
        let align = if start == 0 {
            63
        } else {
            start.trailing_zeros()
        };
        let fit = 63 - (end - start).leading_zeros();
        let level = align.min(fit);
        out.push(NodeId {
            level,
            index: start >> level,
        });
        start += 1 << level;
    }
    out
}

/// `MTH` of a range from the hashes of its [`blocks`], in order. The
/// ranges RFC 9162 proofs use always start aligned to their own size, so
/// their tree is the blocks nested to the right.
pub fn fold_blocks(suite: Suite, hashes: &[Hash]) -> Hash {
    let mut it = hashes.iter().rev();
    let Some(&last) = it.next() else {
        return suite.empty_root();
    };
    it.fold(last, |right, left| suite.node_hash(left, &right))
}

fn split(start: u64, end: u64) -> u64 {
    // INVARIANT: end - start >= 2.
    let n = end - start;
    start + (1u64 << (63 - (n - 1).leading_zeros()))
}

/// The subtree ranges of RFC 9162 PATH(m, D[0:n]), in proof order.
pub fn inclusion_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn path(m: u64, start: u64, end: u64, out: &mut Vec<(u64, u64)>) {
        if end - start <= 1 {
            return;
        }
        let k = split(start, end);
        if m < k {
            path(m, start, k, out);
            out.push((k, end));
        } else {
            path(m, k, end, out);
            out.push((start, k));
        }
    }
    let mut out = Vec::new();
    if m < n {
        path(m, 0, n, &mut out);
    }
    out
}

/// The subtree ranges of RFC 9162 PROOF(m, D[0:n]), in proof order.
/// Empty unless `0 < m <= n`.
pub fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn sub(m: u64, start: u64, end: u64, complete: bool, out: &mut Vec<(u64, u64)>) {
        if m == end - start {
            if !complete {
                out.push((start, end));
            }
            return;
        }
        let k = split(start, end);
        if m <= k - start {
            sub(m, start, k, complete, out);
            out.push((k, end));
        } else {
            sub(m - (k - start), k, end, false, out);
            out.push((start, k));
        }
    }
    let mut out = Vec::new();
    if m > 0 && m <= n {
        sub(m, 0, n, true, &mut out);
    }
    out
}

/// What a set of ranges needs read: stored nodes and single leaves.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reads {
    pub nodes: Vec<NodeId>,
    pub leaves: Vec<u64>,
}

/// The stored nodes and leaf indexes the hashes of `ranges` are made of,
/// each once, sorted.
pub fn reads_for(ranges: &[(u64, u64)]) -> Reads {
    let mut reads = Reads::default();
    for &(start, end) in ranges {
        for block in blocks(start, end) {
            if block.is_stored() {
                reads.nodes.push(block);
            } else {
                reads.leaves.extend(block.start()..block.end());
            }
        }
    }
    reads.nodes.sort_unstable();
    reads.nodes.dedup();
    reads.leaves.sort_unstable();
    reads.leaves.dedup();
    reads
}

/// The hash of each range, given the hashes `reads_for` asked for.
/// `None` when something it needs was not supplied.
pub fn range_hashes(
    suite: Suite,
    ranges: &[(u64, u64)],
    node: impl Fn(NodeId) -> Option<Hash>,
    leaf: impl Fn(u64) -> Option<Hash>,
) -> Option<Vec<Hash>> {
    ranges
        .iter()
        .map(|&(start, end)| {
            let hashes = blocks(start, end)
                .into_iter()
                .map(|block| {
                    if block.is_stored() {
                        node(block)
                    } else {
                        let leaves = (block.start()..block.end())
                            .map(&leaf)
                            .collect::<Option<Vec<_>>>()?;
                        Some(crate::tree_hash(suite, &leaves))
                    }
                })
                .collect::<Option<Vec<_>>>()?;
            Some(fold_blocks(suite, &hashes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| Suite::Standard.leaf_hash(&i.to_be_bytes()))
            .collect()
    }

    /// Every perfect subtree of the tree over `leaves`, as a store keeps it.
    fn stored_nodes(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
        let mut f = crate::frontier::Frontier::new(Suite::Standard);
        let mut out = HashMap::new();
        for leaf in leaves {
            for (id, hash) in f.push_collect(*leaf) {
                out.insert(id, hash);
            }
        }
        out
    }

    #[test]
    fn blocks_tile_the_range_with_aligned_perfect_subtrees() {
        for start in 0..70u64 {
            for end in start..140u64 {
                let b = blocks(start, end);
                let mut at = start;
                for block in &b {
                    assert_eq!(block.start(), at, "{start}..{end}");
                    assert_eq!(block.start() % (1 << block.level), 0);
                    at = block.end();
                }
                assert_eq!(at, end);
            }
        }
        assert_eq!(
            blocks(0, 10_000_000).len(),
            10_000_000u64.count_ones() as usize
        );
    }

    #[test]
    fn proofs_from_stored_nodes_equal_proofs_from_all_leaves() {
        let all = leaves(140);
        let nodes = stored_nodes(&all);
        assert!(nodes.keys().all(|id| id.level >= 1));
        for n in 1..=all.len() as u64 {
            let tree = &all[..n as usize];
            let hashes = |ranges: &[(u64, u64)]| {
                let reads = reads_for(ranges);
                assert!(reads.leaves.iter().all(|&l| l < n));
                assert!(reads.nodes.iter().all(|id| id.end() <= n));
                range_hashes(
                    Suite::Standard,
                    ranges,
                    |id| nodes.get(&id).copied(),
                    |i| tree.get(i as usize).copied(),
                )
                .unwrap()
            };
            assert_eq!(
                hashes(&[(0, n)]),
                vec![crate::tree_hash(Suite::Standard, tree)]
            );
            for m in 0..n {
                assert_eq!(
                    hashes(&inclusion_ranges(m, n)),
                    crate::inclusion_proof(Suite::Standard, m as usize, tree),
                    "inclusion {m} in {n}"
                );
                if m > 0 {
                    assert_eq!(
                        hashes(&consistency_ranges(m, n)),
                        crate::consistency_proof(Suite::Standard, m as usize, tree),
                        "consistency {m} to {n}"
                    );
                }
            }
            assert!(consistency_ranges(0, n).is_empty());
            assert!(inclusion_ranges(n, n).is_empty());
        }
    }

    #[test]
    fn a_proof_in_ten_million_leaves_reads_a_few_dozen_rows() {
        let n = 10_000_000u64;
        for m in [0, 1, 4_999_999, 9_999_998, 9_999_999, 7_777_777] {
            let reads = reads_for(&inclusion_ranges(m, n));
            assert!(reads.nodes.len() <= 64, "{m}: {reads:?}");
            assert!(reads.leaves.len() <= 64, "{m}: {reads:?}");
        }
        let reads = reads_for(&consistency_ranges(3_333_333, n));
        assert!(reads.nodes.len() + reads.leaves.len() <= 128);
    }

    #[test]
    fn a_missing_node_is_reported_not_guessed() {
        let all = leaves(40);
        assert_eq!(
            range_hashes(
                Suite::Standard,
                &[(0, 32)],
                |_| None,
                |i| all.get(i as usize).copied()
            ),
            None
        );
    }
}
