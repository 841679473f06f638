//! The transparency-log side of zhisu: RFC 9162 hashing.
//!
//! Pure: no I/O. Every accepted write becomes one leaf whose bytes are the
//! record's canonical form ([`leaf_bytes`]); the store appends
//! [`leaf_hash`] of those bytes in the same transaction as the write.
//! Tree heads, proofs and signed checkpoints build on these two functions.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// RFC 9162 §2.1.1: `MTH({d(0)}) = SHA-256(0x00 || d(0))`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(leaf);
    hasher.finalize().into()
}

/// RFC 9162 §2.1.1: an interior node is `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// RFC 9162 §2.1.1: the Merkle tree hash of a list of leaf hashes.
/// `MTH({}) = SHA-256()`; otherwise split at the largest power of two
/// smaller than n.
pub fn tree_hash(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes.len() {
        0 => Sha256::digest([]).into(),
        1 => leaf_hashes[0],
        n => {
            let k = largest_power_of_two_below(n);
            node_hash(&tree_hash(&leaf_hashes[..k]), &tree_hash(&leaf_hashes[k..]))
        }
    }
}

fn largest_power_of_two_below(n: usize) -> usize {
    // INVARIANT: n >= 2, so the result is in [1, n).
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The bytes a record version contributes to the log: what it is, which
/// one, which version, and its canonical JSON. Recomputing these from the
/// stored record and comparing hashes is how tampering is found.
pub fn leaf_bytes(kind: &str, record_id: i64, version: i64, canonical_json: &str) -> Vec<u8> {
    format!("zhisu-record/v1\n{kind}\n{record_id}\n{version}\n{canonical_json}").into_bytes()
}

pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6962/9162 reference vectors (from the certificate-transparency
    // test suite): the empty tree and the tree of the single empty leaf.
    #[test]
    fn known_answers() {
        assert_eq!(
            hex::encode(tree_hash(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn tree_splits_at_power_of_two() {
        let leaves: Vec<Hash> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
        let expected = node_hash(&node_hash(&leaves[0], &leaves[1]), &leaves[2]);
        assert_eq!(tree_hash(&leaves), expected);
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(8), 4);
    }
}
