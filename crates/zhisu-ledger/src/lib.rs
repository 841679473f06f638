//! The transparency-log side of zhisu: RFC 9162 hashing.
//!
//! Pure: no I/O. Every accepted write becomes one leaf whose bytes are the
//! record's canonical form ([`leaf_bytes`]); the store appends the
//! [`Suite::leaf_hash`] of those bytes in the same transaction as the
//! write. Tree heads, proofs and signed checkpoints build on it and
//! [`Suite::node_hash`], in the deployment's suite (SHA-256 or SM3).

pub mod frontier;
pub mod note;
pub mod receipt;
pub mod stored;
mod suite;

pub use suite::{Suite, SuiteHasher};

/// A SHA-256 or SM3 digest (both 32 bytes).
pub type Hash = [u8; 32];

/// RFC 9162 §2.1.1: the Merkle tree hash of a list of leaf hashes.
/// `MTH({}) = HASH()`; otherwise split at the largest power of two
/// smaller than n.
pub fn tree_hash(suite: Suite, leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes.len() {
        0 => suite.empty_root(),
        1 => leaf_hashes[0],
        n => {
            let k = largest_power_of_two_below(n);
            suite.node_hash(
                &tree_hash(suite, &leaf_hashes[..k]),
                &tree_hash(suite, &leaf_hashes[k..]),
            )
        }
    }
}

fn largest_power_of_two_below(n: usize) -> usize {
    // INVARIANT: n >= 2, so the result is in [1, n).
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// RFC 9162 §2.1.3.1: the inclusion proof of leaf `m` in the tree of
/// `leaf_hashes` (PATH(m, D[n])).
pub fn inclusion_proof(suite: Suite, m: usize, leaf_hashes: &[Hash]) -> Vec<Hash> {
    let n = leaf_hashes.len();
    if n <= 1 {
        return vec![];
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        let mut path = inclusion_proof(suite, m, &leaf_hashes[..k]);
        path.push(tree_hash(suite, &leaf_hashes[k..]));
        path
    } else {
        let mut path = inclusion_proof(suite, m - k, &leaf_hashes[k..]);
        path.push(tree_hash(suite, &leaf_hashes[..k]));
        path
    }
}

/// RFC 9162 §2.1.4.1: the consistency proof between the first `m` leaves
/// and all of `leaf_hashes` (PROOF(m, D[n])). `m` must be 1..=n.
pub fn consistency_proof(suite: Suite, m: usize, leaf_hashes: &[Hash]) -> Vec<Hash> {
    fn subproof(suite: Suite, m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if complete {
                vec![]
            } else {
                vec![tree_hash(suite, leaves)]
            };
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            let mut proof = subproof(suite, m, &leaves[..k], complete);
            proof.push(tree_hash(suite, &leaves[k..]));
            proof
        } else {
            let mut proof = subproof(suite, m - k, &leaves[k..], false);
            proof.push(tree_hash(suite, &leaves[..k]));
            proof
        }
    }
    if m == 0 || m > leaf_hashes.len() {
        return vec![];
    }
    subproof(suite, m, leaf_hashes, true)
}

/// RFC 9162 §2.1.3.2: checks that `leaf_hash` is leaf `leaf_index` of the
/// tree of `tree_size` leaves whose root is `root`.
pub fn verify_inclusion(
    suite: Suite,
    leaf_index: u64,
    tree_size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if leaf_index >= tree_size {
        return false;
    }
    let (mut fn_, mut sn) = (leaf_index, tree_size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = suite.node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = suite.node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: checks that the tree of `second` leaves (root
/// `second_root`) extends the tree of `first` leaves (root `first_root`).
pub fn verify_consistency(
    suite: Suite,
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == 0 || first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = suite.node_hash(c, &fr);
            sr = suite.node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = suite.node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && fr == *first_root && sr == *second_root
}

/// The bytes a record version contributes to the log: what it is, which
/// one, which version, and its canonical JSON. Recomputing these from the
/// stored record and comparing hashes is how tampering is found.
pub fn leaf_bytes(kind: &str, record_id: i64, version: i64, canonical_json: &str) -> Vec<u8> {
    format!("zhisu-record/v1\n{kind}\n{record_id}\n{version}\n{canonical_json}").into_bytes()
}

/// The bytes an EPCIS capture contributes to the log: its ID, then each
/// event it stored (in order) as its eventID and the digest (the suite's)
/// of the event as stored.
pub fn capture_leaf_bytes<'a>(
    suite: Suite,
    capture_id: &str,
    events: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut leaf = format!("zhisu-capture/v1\n{capture_id}\n").into_bytes();
    for (event_id, body) in events {
        leaf.extend_from_slice(&capture_leaf_line(suite, event_id, body));
    }
    leaf
}

/// One event's line of [`capture_leaf_bytes`].
fn capture_leaf_line(suite: Suite, event_id: &str, body: &str) -> Vec<u8> {
    let digest = hex::encode(suite.digest(&[body.as_bytes()]));
    let mut line = Vec::with_capacity(event_id.len() + digest.len() + 2);
    line.extend_from_slice(event_id.as_bytes());
    line.push(b'\t');
    line.extend_from_slice(digest.as_bytes());
    line.push(b'\n');
    line
}

/// The leaf hash (RFC 9162 §2.1.1) of [`capture_leaf_bytes`], computed one
/// event at a time as a capture stores them: a capture of half a million
/// events never holds its leaf's bytes (issue 16.9).
#[derive(Debug, Clone)]
pub struct CaptureLeaf(Suite, SuiteHasher);

impl CaptureLeaf {
    pub fn new(suite: Suite, capture_id: &str) -> Self {
        let mut hasher = suite.hasher();
        hasher.update(&[0x00]);
        hasher.update(format!("zhisu-capture/v1\n{capture_id}\n").as_bytes());
        CaptureLeaf(suite, hasher)
    }

    /// The next event stored.
    pub fn push(&mut self, event_id: &str, body: &str) {
        self.1.update(&capture_leaf_line(self.0, event_id, body));
    }

    /// `HASH(0x00 || capture_leaf_bytes)`.
    pub fn leaf_hash(self) -> Hash {
        self.1.finalize()
    }
}

pub fn to_hex(hash: &Hash) -> String {
    hex::encode(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaf a capture hashes as it stores is the leaf hash of the
    /// documented bytes, in both suites.
    #[test]
    fn a_capture_leaf_hashed_as_it_goes_is_the_leaf_of_its_bytes() {
        let events = [("e1", "{\"a\":1}"), ("e2", "{\"b\":2}")];
        for suite in [Suite::Standard, Suite::Sm] {
            let mut leaf = CaptureLeaf::new(suite, "c1");
            for (id, body) in events {
                leaf.push(id, body);
            }
            let bytes = capture_leaf_bytes(suite, "c1", events);
            assert!(bytes.starts_with(b"zhisu-capture/v1\nc1\ne1\t"));
            assert_eq!(leaf.leaf_hash(), suite.leaf_hash(&bytes));
        }
    }
    const S: Suite = Suite::Standard;
    fn leaf_hash(leaf: &[u8]) -> Hash {
        S.leaf_hash(leaf)
    }
    fn node_hash(l: &Hash, r: &Hash) -> Hash {
        S.node_hash(l, r)
    }

    // RFC 6962/9162 reference vectors (from the certificate-transparency
    // test suite): the empty tree and the tree of the single empty leaf.
    #[test]
    fn known_answers() {
        assert_eq!(
            hex::encode(tree_hash(S, &[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    /// The RFC 6962 reference inputs (certificate-transparency's
    /// merkle_tree_test) and the tree heads of their first 1..=8 leaves.
    const INPUTS: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn reference_leaves() -> Vec<Hash> {
        INPUTS.iter().map(|i| leaf_hash(i)).collect()
    }

    #[test]
    fn reference_tree_heads() {
        let leaves = reference_leaves();
        for (n, root) in ROOTS.iter().enumerate() {
            assert_eq!(
                hex::encode(tree_hash(S, &leaves[..n + 1])),
                *root,
                "tree of {} leaves",
                n + 1
            );
        }
    }

    #[test]
    fn reference_inclusion_path() {
        // certificate-transparency's test: leaf 0 of the 8-leaf tree.
        let leaves = reference_leaves();
        let path: Vec<String> = inclusion_proof(S, 0, &leaves)
            .iter()
            .map(hex::encode)
            .collect();
        assert_eq!(
            path,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        );
    }

    /// Every proof of every small tree verifies, and no altered one does.
    #[test]
    fn every_proof_of_small_trees_verifies() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 1..=leaves.len() {
            let tree = &leaves[..n];
            let root = tree_hash(S, tree);
            for m in 0..n {
                let proof = inclusion_proof(S, m, tree);
                assert!(
                    verify_inclusion(S, m as u64, n as u64, &tree[m], &proof, &root),
                    "inclusion {m} of {n}"
                );
                assert!(!verify_inclusion(
                    S,
                    m as u64,
                    n as u64,
                    &leaf_hash(b"other"),
                    &proof,
                    &root
                ));
                if !proof.is_empty() {
                    let mut bad = proof.clone();
                    bad[0][0] ^= 1;
                    assert!(!verify_inclusion(
                        S, m as u64, n as u64, &tree[m], &bad, &root
                    ));
                }
                assert!(
                    !verify_inclusion(S, n as u64, n as u64, &tree[m], &proof, &root),
                    "an index past the end"
                );
            }
            for m in 1..=n {
                let proof = consistency_proof(S, m, tree);
                let old = tree_hash(S, &leaves[..m]);
                assert!(
                    verify_consistency(S, m as u64, n as u64, &old, &root, &proof),
                    "consistency {m} to {n}"
                );
                if m < n {
                    let forked = tree_hash(
                        S,
                        &[&leaves[..m - 1], &[leaf_hash(b"rewritten")][..]].concat(),
                    );
                    assert!(
                        !verify_consistency(S, m as u64, n as u64, &forked, &root, &proof),
                        "a rewritten history is caught"
                    );
                }
            }
        }
    }

    #[test]
    fn tree_splits_at_power_of_two() {
        let leaves: Vec<Hash> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
        let expected = node_hash(&node_hash(&leaves[0], &leaves[1]), &leaves[2]);
        assert_eq!(tree_hash(S, &leaves), expected);
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(8), 4);
    }
}
