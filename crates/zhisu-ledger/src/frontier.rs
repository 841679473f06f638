//! The right edge of a Merkle tree (a compact range): the roots of its
//! perfect subtrees, largest first. Appending a leaf and reading the root
//! cost O(log n), so a checkpoint needs only the leaves added since the
//! last one, and `ledger verify` can check every stored checkpoint in one
//! pass over the log.

use crate::stored::NodeId;
use crate::{Hash, Suite};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    suite: Suite,
    size: u64,
    /// (height, hash) of each perfect subtree, left to right.
    nodes: Vec<(u32, Hash)>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new(suite: Suite) -> Self {
        Frontier {
            suite,
            size: 0,
            nodes: Vec::new(),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf_hash: Hash) {
        self.push_with(leaf_hash, |_, _| ());
    }

    /// Appends a leaf and returns the perfect subtrees it completed (each
    /// of height one or more), smallest first: what a stored tree keeps.
    pub fn push_collect(&mut self, leaf_hash: Hash) -> Vec<(NodeId, Hash)> {
        let mut done = Vec::new();
        self.push_with(leaf_hash, |id, hash| done.push((id, hash)));
        done
    }

    /// Appends a leaf, telling `completed` of every perfect subtree of
    /// height one or more that it completed, smallest first.
    pub fn push_with(&mut self, leaf_hash: Hash, mut completed: impl FnMut(NodeId, Hash)) {
        let end = self.size + 1;
        let mut node = (0u32, leaf_hash);
        while let Some(&(height, left)) = self.nodes.last() {
            if height != node.0 {
                break;
            }
            self.nodes.pop();
            node = (height + 1, self.suite.node_hash(&left, &node.1));
            completed(
                NodeId {
                    level: node.0,
                    index: (end >> node.0) - 1,
                },
                node.1,
            );
        }
        self.nodes.push(node);
        self.size = end;
    }

    /// The frontier of a tree of `size` leaves from the hashes of
    /// `stored::blocks(0, size)`, in order; None if the count is wrong.
    pub fn from_blocks(suite: Suite, size: u64, hashes: &[Hash]) -> Option<Frontier> {
        let blocks = crate::stored::blocks(0, size);
        if blocks.len() != hashes.len() {
            return None;
        }
        Some(Frontier {
            suite,
            size,
            nodes: blocks
                .iter()
                .zip(hashes)
                .map(|(b, h)| (b.level, *h))
                .collect(),
        })
    }

    /// RFC 9162 MTH of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        let Some(&(_, mut root)) = nodes.next() else {
            return self.suite.empty_root();
        };
        for (_, left) in nodes {
            root = self.suite.node_hash(left, &root);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frontier_root_is_the_tree_hash_at_every_size() {
        for s in [Suite::Standard, Suite::Sm] {
            let leaves: Vec<Hash> = (0u32..300).map(|i| s.leaf_hash(&i.to_be_bytes())).collect();
            let mut f = Frontier::new(s);
            assert_eq!(f.root(), crate::tree_hash(s, &[]));
            for (n, leaf) in leaves.iter().enumerate() {
                f.push(*leaf);
                assert_eq!(f.size(), n as u64 + 1);
                assert_eq!(
                    f.root(),
                    crate::tree_hash(s, &leaves[..=n]),
                    "size {}",
                    n + 1
                );
                let blocks: Vec<Hash> = crate::stored::blocks(0, n as u64 + 1)
                    .iter()
                    .map(|b| crate::tree_hash(s, &leaves[b.start() as usize..b.end() as usize]))
                    .collect();
                assert_eq!(
                    Frontier::from_blocks(s, n as u64 + 1, &blocks).as_ref(),
                    Some(&f)
                );
            }
            assert_eq!(Frontier::from_blocks(s, 5, &[[0; 32]]), None);
        }
    }
}
