//! The deployment's cryptographic suite (issue 16.17, 商用密码): chosen
//! once, when a deployment is created. `Standard` hashes with SHA-256 and
//! signs checkpoints with Ed25519 (RFC 9162, C2SP signed notes); `Sm`
//! hashes with SM3 (GB/T 32905) and signs with SM2 (GB/T 32918), as
//! government deployments' 密评 asks, in the same tree shapes and note
//! format. A checkpoint's origin ends in `/sm` under `Sm`, and the
//! verifier key says which signature it is, so an offline verifier knows
//! the suite from what it is given.

use sha2::{Digest, Sha256};
use sm3::Sm3;

use crate::Hash;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Suite {
    /// SHA-256 and Ed25519.
    #[default]
    Standard,
    /// SM3 and SM2 (and SM4 where the platform seals data).
    Sm,
}

impl Suite {
    pub fn parse(name: &str) -> Option<Suite> {
        match name.trim() {
            "standard" => Some(Suite::Standard),
            "sm" => Some(Suite::Sm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Standard => "standard",
            Suite::Sm => "sm",
        }
    }

    /// The suffix the checkpoint origin carries under this suite.
    pub fn origin_suffix(self) -> &'static str {
        match self {
            Suite::Standard => "",
            Suite::Sm => "/sm",
        }
    }

    /// The suite a checkpoint origin names.
    pub fn of_origin(origin: &str) -> Suite {
        if origin.ends_with("/sm") {
            Suite::Sm
        } else {
            Suite::Standard
        }
    }

    /// A digest computed a piece at a time, for inputs too large to hold.
    pub fn hasher(self) -> SuiteHasher {
        match self {
            Suite::Standard => SuiteHasher::Standard(Sha256::new()),
            Suite::Sm => SuiteHasher::Sm(Sm3::new()),
        }
    }

    /// The digest of `parts`, concatenated.
    pub fn digest(self, parts: &[&[u8]]) -> Hash {
        match self {
            Suite::Standard => {
                let mut h = Sha256::new();
                for part in parts {
                    h.update(part);
                }
                h.finalize().into()
            }
            Suite::Sm => {
                let mut h = Sm3::new();
                for part in parts {
                    h.update(part);
                }
                h.finalize().into()
            }
        }
    }

    /// RFC 9162 §2.1.1: `MTH({d(0)}) = HASH(0x00 || d(0))`.
    pub fn leaf_hash(self, leaf: &[u8]) -> Hash {
        self.digest(&[&[0x00], leaf])
    }

    /// RFC 9162 §2.1.1: an interior node is `HASH(0x01 || left || right)`.
    pub fn node_hash(self, left: &Hash, right: &Hash) -> Hash {
        // One contiguous input: cheaper than three updates (this runs once
        // per leaf on average when the tree grows).
        let mut input = [0u8; 65];
        input[0] = 0x01;
        input[1..33].copy_from_slice(left);
        input[33..].copy_from_slice(right);
        self.digest(&[&input])
    }

    /// `MTH({}) = HASH()`.
    pub fn empty_root(self) -> Hash {
        self.digest(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GB/T 32905-2016 appendix A, example 1: SM3("abc").
    #[test]
    fn sm3_matches_the_standards_example() {
        assert_eq!(
            hex::encode(Suite::Sm.digest(&[b"abc"])),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            hex::encode(Suite::Standard.digest(&[b"abc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_origin_names_the_suite() {
        for suite in [Suite::Standard, Suite::Sm] {
            let origin = format!("trace.example.gov.cn/ledger{}", suite.origin_suffix());
            assert_eq!(Suite::of_origin(&origin), suite);
            assert_eq!(Suite::parse(suite.as_str()), Some(suite));
        }
        assert_eq!(Suite::parse("sha1"), None);
    }
}

/// [`Suite::digest`] fed one piece at a time.
#[derive(Debug, Clone)]
pub enum SuiteHasher {
    Standard(Sha256),
    Sm(Sm3),
}

impl SuiteHasher {
    pub fn update(&mut self, part: &[u8]) {
        match self {
            SuiteHasher::Standard(h) => h.update(part),
            SuiteHasher::Sm(h) => h.update(part),
        }
    }

    pub fn finalize(self) -> Hash {
        match self {
            SuiteHasher::Standard(h) => h.finalize().into(),
            SuiteHasher::Sm(h) => h.finalize().into(),
        }
    }
}
