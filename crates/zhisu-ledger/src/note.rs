//! C2SP signed notes (`signed-note`) with Ed25519, and the `tlog-checkpoint`
//! body they carry: `origin\nsize\nbase64(root)\n`.
//!
//! A verifier key is `name+hex(key hash)+base64(0x01 ‖ public key)`; the key
//! hash is the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key);
//! a signature line is `— name base64(key hash ‖ signature)`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Hash;

const ALG_ED25519: u8 = 0x01;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed verifier key")]
    Key,
    #[error("malformed note")]
    Malformed,
    #[error("no valid signature by {0}")]
    Unsigned(String),
    #[error("malformed checkpoint")]
    Checkpoint,
}

fn key_hash(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public);
    h.finalize()[..4].try_into().expect("4 bytes")
}

/// A note signer: a name and an Ed25519 private key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl NoteSigner {
    pub fn new(name: &str, secret: [u8; 32]) -> Self {
        NoteSigner {
            name: name.to_string(),
            key: SigningKey::from_bytes(&secret),
        }
    }

    /// The verifier key others use to check this signer's notes.
    pub fn verifier_key(&self) -> String {
        self.verifier_key_named(&self.name)
    }

    /// The verifier key of the same key pair under another name (notes
    /// signed before the deployment's public URL changed carry the old one).
    pub fn verifier_key_named(&self, name: &str) -> String {
        verifier_key(name, &self.public_key())
    }

    /// The Ed25519 public key, the part of a verifier key that is not its name.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// `text` (ending in a newline) followed by a blank line and this signature.
    pub fn sign(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes()).to_bytes();
        let mut blob = key_hash(&self.name, &self.key.verifying_key().to_bytes()).to_vec();
        blob.extend_from_slice(&signature);
        format!("{text}\n— {} {}\n", self.name, STANDARD.encode(blob))
    }
}

/// The verifier key `name+hex(key hash)+base64(0x01 ‖ public)`: what checks
/// a signer's notes under `name`, made from its public key alone (a backup
/// carries only that).
pub fn verifier_key(name: &str, public: &[u8; 32]) -> String {
    let mut encoded = vec![ALG_ED25519];
    encoded.extend_from_slice(public);
    format!(
        "{}+{}+{}",
        name,
        hex::encode(key_hash(name, public)),
        STANDARD.encode(encoded)
    )
}

/// A parsed verifier key.
pub struct NoteVerifier {
    name: String,
    hash: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.trim().splitn(3, '+');
        let (name, hash, key) = (
            parts.next().ok_or(NoteError::Key)?,
            parts.next().ok_or(NoteError::Key)?,
            parts.next().ok_or(NoteError::Key)?,
        );
        let hash: [u8; 4] = hex::decode(hash)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or(NoteError::Key)?;
        let key = STANDARD.decode(key).map_err(|_| NoteError::Key)?;
        if key.len() != 33 || key[0] != ALG_ED25519 {
            return Err(NoteError::Key);
        }
        let public: [u8; 32] = key[1..].try_into().expect("32 bytes");
        if key_hash(name, &public) != hash {
            return Err(NoteError::Key);
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            hash,
            key: VerifyingKey::from_bytes(&public).map_err(|_| NoteError::Key)?,
        })
    }

    /// The Ed25519 public key this verifier checks against.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The note's text when one of its signatures is this key's and valid.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let split = note.rfind("\n\n").ok_or(NoteError::Malformed)?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix("— ") else {
                return Err(NoteError::Malformed);
            };
            let Some((name, blob)) = rest.split_once(' ') else {
                return Err(NoteError::Malformed);
            };
            if name != self.name {
                continue;
            }
            let blob = STANDARD.decode(blob).map_err(|_| NoteError::Malformed)?;
            if blob.len() != 68 || blob[..4] != self.hash {
                continue;
            }
            let signature = Signature::from_bytes(blob[4..].try_into().expect("64 bytes"));
            if self.key.verify(text.as_bytes(), &signature).is_ok() {
                return Ok(text);
            }
        }
        Err(NoteError::Unsigned(self.name.clone()))
    }
}

/// The body of a C2SP `tlog-checkpoint`.
pub fn checkpoint_body(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", STANDARD.encode(root))
}

/// Reads a checkpoint body back: origin, size, root.
pub fn parse_checkpoint(text: &str) -> Result<(String, u64, Hash), NoteError> {
    let mut lines = text.lines();
    let origin = lines
        .next()
        .filter(|o| !o.is_empty())
        .ok_or(NoteError::Checkpoint)?;
    let size = lines
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or(NoteError::Checkpoint)?;
    let root = lines
        .next()
        .and_then(|r| STANDARD.decode(r).ok())
        .and_then(|r| r.try_into().ok())
        .ok_or(NoteError::Checkpoint)?;
    Ok((origin.to_string(), size, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Go's golang.org/x/mod/sumdb/note package.
    #[test]
    fn verifies_the_go_note_example() {
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let note = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let verifier = NoteVerifier::parse(vkey).unwrap();
        assert_eq!(verifier.open(note).unwrap(), "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n");
        let altered = note.replace("problem is", "problems are");
        assert_eq!(
            verifier.open(&altered),
            Err(NoteError::Unsigned("PeterNeumann".into()))
        );
    }

    #[test]
    fn signs_checkpoints_that_verify() {
        let signer = NoteSigner::new("zhisu.example.cn/log", [7; 32]);
        let root = crate::tree_hash(&[crate::leaf_hash(b"a"), crate::leaf_hash(b"b")]);
        let note = signer.sign(&checkpoint_body("zhisu.example.cn/log", 2, &root));
        let verifier = NoteVerifier::parse(&signer.verifier_key()).unwrap();
        let (origin, size, parsed_root) = parse_checkpoint(verifier.open(&note).unwrap()).unwrap();
        assert_eq!(
            (origin.as_str(), size, parsed_root),
            ("zhisu.example.cn/log", 2, root)
        );
        let other =
            NoteVerifier::parse(&NoteSigner::new("zhisu.example.cn/log", [8; 32]).verifier_key())
                .unwrap();
        assert!(other.open(&note).is_err(), "another key does not verify it");
        assert!(NoteVerifier::parse("name+00000000+ARpc").is_err());
    }
}
