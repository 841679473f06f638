//! C2SP signed notes (`signed-note`) with Ed25519 or SM2, and the
//! `tlog-checkpoint` body they carry: `origin\nsize\nbase64(root)\n`.
//!
//! A verifier key is `name+hex(key hash)+base64(alg ‖ public key)`; the key
//! hash is the first 4 bytes of HASH(name ‖ "\n" ‖ alg ‖ public key); a
//! signature line is `— name base64(key hash ‖ signature)`. Ed25519 is
//! C2SP's algorithm 0x01 with SHA-256 key hashes. SM2 (GB/T 32918, the
//! default distinguishing ID `1234567812345678`, a 33-byte compressed
//! SEC1 public key, a 64-byte r ‖ s signature) is not in C2SP's registry:
//! zhisu names it 0x53 and hashes its keys with SM3 (issue 16.17).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signer, Verifier};

use crate::{Hash, Suite};

const ALG_ED25519: u8 = 0x01;
const ALG_SM2: u8 = 0x53;
/// GM/T 0009's default user ID, which SM2 signers use unless agreed otherwise.
const SM2_DIST_ID: &str = "1234567812345678";

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

/// A public key with its algorithm byte first: what a verifier key
/// encodes after its name and key hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(Vec<u8>);

impl PublicKey {
    /// The suite this key belongs to (SM2 keys: SM3 hashing).
    pub fn suite(&self) -> Suite {
        match self.0.first() {
            Some(&ALG_SM2) => Suite::Sm,
            _ => Suite::Standard,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// An Ed25519 key's 32 bytes (the form `keys/ledger.pub` kept before SM2).
    pub fn ed25519(public: [u8; 32]) -> Self {
        let mut bytes = vec![ALG_ED25519];
        bytes.extend_from_slice(&public);
        PublicKey(bytes)
    }

    fn key_hash(&self, name: &str) -> [u8; 4] {
        self.suite().digest(&[name.as_bytes(), b"\n", &self.0])[..4]
            .try_into()
            .expect("4 bytes")
    }
}

enum SignKey {
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// A note signer: a name and an Ed25519 or SM2 private key.
pub struct NoteSigner {
    name: String,
    key: SignKey,
}

impl NoteSigner {
    /// An Ed25519 signer.
    pub fn new(name: &str, secret: [u8; 32]) -> Self {
        NoteSigner {
            name: name.to_string(),
            key: SignKey::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(&secret))),
        }
    }

    /// An SM2 signer; `secret` is the private scalar (big-endian), which
    /// must be in 1..n.
    pub fn sm2(name: &str, secret: [u8; 32]) -> Result<Self, NoteError> {
        let secret = sm2::SecretKey::from_slice(&secret).map_err(|_| NoteError::Key)?;
        let key = sm2::dsa::SigningKey::new(SM2_DIST_ID, &secret).map_err(|_| NoteError::Key)?;
        Ok(NoteSigner {
            name: name.to_string(),
            key: SignKey::Sm2(Box::new(key)),
        })
    }

    /// The suite of this signer's key.
    pub fn suite(&self) -> Suite {
        self.public_key().suite()
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

    /// The public key, the part of a verifier key that is not its name.
    pub fn public_key(&self) -> PublicKey {
        match &self.key {
            SignKey::Ed25519(k) => PublicKey::ed25519(k.verifying_key().to_bytes()),
            SignKey::Sm2(k) => {
                let mut bytes = vec![ALG_SM2];
                use sm2::elliptic_curve::sec1::ToEncodedPoint;
                let point = k.verifying_key().as_affine().to_encoded_point(true);
                bytes.extend_from_slice(point.as_bytes());
                PublicKey(bytes)
            }
        }
    }

    /// `text` (ending in a newline) followed by a blank line and this signature.
    pub fn sign(&self, text: &str) -> String {
        let signature: Vec<u8> = match &self.key {
            SignKey::Ed25519(k) => k.sign(text.as_bytes()).to_bytes().to_vec(),
            SignKey::Sm2(k) => {
                let signature: sm2::dsa::Signature = k.sign(text.as_bytes());
                signature.to_bytes().to_vec()
            }
        };
        let mut blob = self.public_key().key_hash(&self.name).to_vec();
        blob.extend_from_slice(&signature);
        format!("{text}\n— {} {}\n", self.name, STANDARD.encode(blob))
    }
}

/// The verifier key `name+hex(key hash)+base64(alg ‖ public)`: what checks
/// a signer's notes under `name`, made from its public key alone (a backup
/// carries only that).
pub fn verifier_key(name: &str, public: &PublicKey) -> String {
    format!(
        "{}+{}+{}",
        name,
        hex::encode(public.key_hash(name)),
        STANDARD.encode(&public.0)
    )
}

enum VerifyKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Sm2(Box<sm2::dsa::VerifyingKey>),
}

/// A parsed verifier key.
pub struct NoteVerifier {
    name: String,
    hash: [u8; 4],
    public: PublicKey,
    key: VerifyKey,
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
        let public = PublicKey(STANDARD.decode(key).map_err(|_| NoteError::Key)?);
        let key = match public.0.split_first() {
            Some((&ALG_ED25519, bytes)) if bytes.len() == 32 => VerifyKey::Ed25519(
                ed25519_dalek::VerifyingKey::from_bytes(bytes.try_into().expect("32 bytes"))
                    .map_err(|_| NoteError::Key)?,
            ),
            Some((&ALG_SM2, bytes)) if bytes.len() == 33 => VerifyKey::Sm2(Box::new(
                sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DIST_ID, bytes)
                    .map_err(|_| NoteError::Key)?,
            )),
            _ => return Err(NoteError::Key),
        };
        if public.key_hash(name) != hash {
            return Err(NoteError::Key);
        }
        Ok(NoteVerifier {
            name: name.to_string(),
            hash,
            public,
            key,
        })
    }

    /// The public key this verifier checks against.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// The suite of this verifier's key.
    pub fn suite(&self) -> Suite {
        self.public.suite()
    }

    fn verifies(&self, text: &str, signature: &[u8]) -> bool {
        let Ok(signature): Result<[u8; 64], _> = signature.try_into() else {
            return false;
        };
        match &self.key {
            VerifyKey::Ed25519(k) => k
                .verify(
                    text.as_bytes(),
                    &ed25519_dalek::Signature::from_bytes(&signature),
                )
                .is_ok(),
            VerifyKey::Sm2(k) => sm2::dsa::Signature::from_bytes(&signature)
                .is_ok_and(|s| k.verify(text.as_bytes(), &s).is_ok()),
        }
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
            if self.verifies(text, &blob[4..]) {
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
        let s = Suite::Standard;
        let root = crate::tree_hash(s, &[s.leaf_hash(b"a"), s.leaf_hash(b"b")]);
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

    #[test]
    fn sm2_signs_checkpoints_that_verify_and_names_its_suite() {
        let signer = NoteSigner::sm2("trace.example.gov.cn/ledger/sm", [7; 32]).unwrap();
        assert_eq!(signer.suite(), Suite::Sm);
        let s = Suite::Sm;
        let root = crate::tree_hash(s, &[s.leaf_hash(b"a"), s.leaf_hash(b"b")]);
        let note = signer.sign(&checkpoint_body("trace.example.gov.cn/ledger/sm", 2, &root));
        let vkey = signer.verifier_key();
        let verifier = NoteVerifier::parse(&vkey).unwrap();
        assert_eq!(verifier.suite(), Suite::Sm);
        assert_eq!(verifier.public_key(), signer.public_key());
        let (origin, size, parsed) = parse_checkpoint(verifier.open(&note).unwrap()).unwrap();
        assert_eq!(
            (Suite::of_origin(&origin), size, parsed),
            (Suite::Sm, 2, root)
        );
        // A changed note, another SM2 key, an Ed25519 key of the same name:
        // none verifies.
        assert!(verifier.open(&note.replace("\n2\n", "\n3\n")).is_err());
        let other = NoteSigner::sm2("trace.example.gov.cn/ledger/sm", [8; 32]).unwrap();
        assert!(NoteVerifier::parse(&other.verifier_key())
            .unwrap()
            .open(&note)
            .is_err());
        let ed = NoteSigner::new("trace.example.gov.cn/ledger/sm", [7; 32]);
        assert!(NoteVerifier::parse(&ed.verifier_key())
            .unwrap()
            .open(&note)
            .is_err());
        // The scalar 0 is no key.
        assert!(NoteSigner::sm2("x", [0; 32]).is_err());
    }
}
