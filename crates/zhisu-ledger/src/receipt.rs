//! Offline verification of one record against a signed checkpoint: the
//! algorithm a regulator can re-implement (docs/ledger.md). Needs only the
//! deployment's public verifier key; no database, no network.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::note::{parse_checkpoint, NoteVerifier};
use crate::{leaf_bytes, verify_inclusion, Hash, Suite};

/// What a verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The checkpoint's origin (the deployment).
    pub origin: String,
    pub tree_size: u64,
    pub leaf_index: u64,
}

/// One record version, as the ledger hashed it.
#[derive(Debug, Clone, Copy)]
pub struct RecordLeaf<'a> {
    pub kind: &'a str,
    pub record_id: i64,
    pub version: i64,
    /// The version's canonical JSON.
    pub canonical_body: &'a str,
}

/// Checks that `record` is leaf `leaf_index` of the tree the `checkpoint`
/// commits to, and that the checkpoint is signed by `verifier_key`.
pub fn verify_receipt(
    verifier_key: &str,
    checkpoint: &str,
    record: RecordLeaf<'_>,
    leaf_index: u64,
    proof_base64: &[String],
) -> Result<Verified, String> {
    let RecordLeaf {
        kind,
        record_id,
        version,
        canonical_body,
    } = record;
    let verifier = NoteVerifier::parse(verifier_key.trim())
        .map_err(|e| format!("the verifier key is not valid: {e}"))?;
    let text = verifier
        .open(checkpoint)
        .map_err(|e| format!("the checkpoint is not signed by this key: {e}"))?;
    let (origin, tree_size, root) =
        parse_checkpoint(text).map_err(|e| format!("the checkpoint is malformed: {e}"))?;
    let proof = proof_base64
        .iter()
        .map(|p| {
            STANDARD
                .decode(p)
                .ok()
                .and_then(|b| Hash::try_from(b).ok())
                .ok_or_else(|| format!("a proof hash is not 32 bytes of base64: {p}"))
        })
        .collect::<Result<Vec<Hash>, String>>()?;
    // The key says the suite; the origin must say the same (issue 16.17).
    let suite = verifier.suite();
    if Suite::of_origin(&origin) != suite {
        return Err(format!(
            "the checkpoint's origin {origin} names another suite than its {} key",
            suite.as_str()
        ));
    }
    let leaf = suite.leaf_hash(&leaf_bytes(kind, record_id, version, canonical_body));
    if !verify_inclusion(suite, leaf_index, tree_size, &leaf, &proof, &root) {
        return Err(format!(
            "{kind}/{record_id} version {version} is not leaf {leaf_index} of this {tree_size}-leaf tree: the record, the proof or the checkpoint was changed"
        ));
    }
    Ok(Verified {
        origin,
        tree_size,
        leaf_index,
    })
}
