//! Unguessable 一物一码 serials that need no row per code.
//!
//! A serial is a keyed pseudo-random permutation of `(batch, index)`:
//! an 8-round balanced Feistel network over 80 bits (two 40-bit halves,
//! AES-128 as the round function; Luby–Rackoff: four rounds of a PRF
//! already give a strong PRP), written as 16 Crockford base-32 characters,
//! after one character naming the key version. 17 characters fit GS1 AI
//! (21) (X..20), use only CSET 82 and need no URL escaping.
//!
//! - Issuing is computing: the i-th code of batch b is `encode(b, i)`.
//! - Verifying is inverting: `decode(serial)` gives `(b, i)`, valid only if
//!   batch b is active and i is below its quantity.
//! - Guessing is hopeless: of 2^80 serials at most the codes issued are
//!   valid; even 10^12 issued codes leave a random guess a chance below
//!   10^-12, and knowing any number of serials reveals nothing of others
//!   without the key.
//! - Keys rotate: a new key gets the next version character; old serials
//!   still decode with their own key.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;

/// Crockford base 32: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const HALF_BITS: u32 = 40;
const HALF_MASK: u64 = (1 << HALF_BITS) - 1;
const ROUNDS: u8 = 8;

/// The largest batch ID and index a serial can carry.
pub const MAX_FIELD: u64 = HALF_MASK;

/// Length of a serial: version character + 16 characters.
pub const SERIAL_LEN: usize = 17;

/// One serial key and the version character serials made with it carry.
#[derive(Clone)]
pub struct SerialKey {
    version: u8,
    cipher: Aes128,
}

impl std::fmt::Debug for SerialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SerialKey(version {}, key redacted)",
            ALPHABET[self.version as usize] as char
        )
    }
}

impl SerialKey {
    /// `version` is 0..32; `key` is 16 secret random bytes.
    pub fn new(version: u8, key: [u8; 16]) -> Option<Self> {
        (version < 32).then(|| SerialKey {
            version,
            cipher: Aes128::new(&key.into()),
        })
    }

    pub fn version_char(&self) -> char {
        ALPHABET[self.version as usize] as char
    }

    /// The round function: AES_K(round ‖ half) truncated to 40 bits.
    fn round(&self, round: u8, half: u64) -> u64 {
        let mut block = [0u8; 16];
        block[0] = round;
        block[8..].copy_from_slice(&half.to_be_bytes());
        let mut block = block.into();
        self.cipher.encrypt_block(&mut block);
        u64::from_be_bytes(block[..8].try_into().expect("8 bytes")) & HALF_MASK
    }

    fn permute(&self, left: u64, right: u64) -> (u64, u64) {
        let (mut l, mut r) = (left, right);
        for i in 0..ROUNDS {
            (l, r) = (r, l ^ self.round(i, r));
        }
        (l, r)
    }

    fn invert(&self, left: u64, right: u64) -> (u64, u64) {
        let (mut l, mut r) = (left, right);
        for i in (0..ROUNDS).rev() {
            (l, r) = (r ^ self.round(i, l), l);
        }
        (l, r)
    }
}

/// Serials under a deployment's keys: the newest issues, all verify.
#[derive(Clone, Debug)]
pub struct SerialCodec {
    keys: Vec<SerialKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("没有序列号密钥 (no serial key is configured)")]
    NoKey,
    #[error("批次号或序号超出范围 (batch or index out of range: at most {MAX_FIELD})")]
    Range,
}

impl SerialCodec {
    /// `keys` in any order; the highest version issues new serials.
    pub fn new(mut keys: Vec<SerialKey>) -> Result<Self, SerialError> {
        if keys.is_empty() {
            return Err(SerialError::NoKey);
        }
        keys.sort_by_key(|k| k.version);
        Ok(SerialCodec { keys })
    }

    fn current(&self) -> &SerialKey {
        self.keys.last().expect("at least one key")
    }

    /// The serial of item `index` of batch `batch`.
    pub fn encode(&self, batch: u64, index: u64) -> Result<String, SerialError> {
        let mut out = String::with_capacity(SERIAL_LEN);
        self.encode_into(batch, index, &mut out)?;
        Ok(out)
    }

    /// Appends the serial of item `index` of batch `batch` to `out`
    /// without allocating (the export path writes millions).
    pub fn encode_into(&self, batch: u64, index: u64, out: &mut String) -> Result<(), SerialError> {
        if batch > MAX_FIELD || index > MAX_FIELD {
            return Err(SerialError::Range);
        }
        let key = self.current();
        let (l, r) = key.permute(batch, index);
        out.push(key.version_char());
        let value = ((l as u128) << HALF_BITS) | r as u128;
        for i in (0..16).rev() {
            out.push(ALPHABET[((value >> (5 * i)) & 31) as usize] as char);
        }
        Ok(())
    }

    /// The `(batch, index)` a serial stands for, or None when it is not a
    /// serial of any of this deployment's keys. Lower case is accepted.
    pub fn decode(&self, serial: &str) -> Option<(u64, u64)> {
        let bytes = serial.as_bytes();
        if bytes.len() != SERIAL_LEN {
            return None;
        }
        let digit = |b: u8| {
            ALPHABET
                .iter()
                .position(|&a| a == b.to_ascii_uppercase())
                .map(|v| v as u128)
        };
        let version = digit(bytes[0])? as u8;
        let key = self.keys.iter().find(|k| k.version == version)?;
        let mut value = 0u128;
        for &b in &bytes[1..] {
            value = (value << 5) | digit(b)?;
        }
        let (l, r) = (
            (value >> HALF_BITS) as u64 & HALF_MASK,
            value as u64 & HALF_MASK,
        );
        Some(key.invert(l, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(versions: &[(u8, u8)]) -> SerialCodec {
        SerialCodec::new(
            versions
                .iter()
                .map(|(v, seed)| SerialKey::new(*v, [*seed; 16]).unwrap())
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn encodes_and_inverts() {
        let c = codec(&[(0, 7)]);
        for (batch, index) in [
            (0, 0),
            (1, 0),
            (1, 1),
            (42, 9_999_999),
            (MAX_FIELD, MAX_FIELD),
        ] {
            let serial = c.encode(batch, index).unwrap();
            assert_eq!(serial.len(), SERIAL_LEN);
            assert!(serial.starts_with('0'));
            assert_eq!(c.decode(&serial), Some((batch, index)), "{serial}");
            assert_eq!(c.decode(&serial.to_lowercase()), Some((batch, index)));
        }
        assert_eq!(c.encode(MAX_FIELD + 1, 0), Err(SerialError::Range));
    }

    #[test]
    fn neighbours_look_unrelated() {
        let c = codec(&[(0, 7)]);
        let a = c.encode(5, 1000).unwrap();
        let b = c.encode(5, 1001).unwrap();
        let shared_prefix = a
            .chars()
            .zip(b.chars())
            .skip(1)
            .take_while(|(x, y)| x == y)
            .count();
        assert!(shared_prefix < 4, "{a} {b}");
        let mut seen = std::collections::HashSet::new();
        for i in 0..20_000 {
            assert!(
                seen.insert(c.encode(5, i).unwrap()),
                "a serial was issued twice"
            );
        }
    }

    #[test]
    fn guesses_do_not_land_on_issued_codes() {
        // A batch of a million items; random serials almost never decode
        // into it (the true rate is 10^6 / 2^80).
        let c = codec(&[(0, 7)]);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut hits = 0;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let guess: String = std::iter::once('0')
                .chain((0..16).map(|i| ALPHABET[((state >> (i * 4)) & 31) as usize] as char))
                .collect();
            if let Some((batch, index)) = c.decode(&guess) {
                if batch == 5 && index < 1_000_000 {
                    hits += 1;
                }
            }
        }
        assert_eq!(hits, 0);
    }

    #[test]
    fn rotation_keeps_old_serials_valid() {
        let old = codec(&[(0, 1)]);
        let serial = old.encode(3, 4).unwrap();
        let rotated = codec(&[(0, 1), (1, 2)]);
        let fresh = rotated.encode(3, 4).unwrap();
        assert!(fresh.starts_with('1') && fresh != serial);
        assert_eq!(rotated.decode(&serial), Some((3, 4)));
        assert_eq!(rotated.decode(&fresh), Some((3, 4)));
        let other_deployment = codec(&[(0, 9)]);
        assert_ne!(
            other_deployment.decode(&serial),
            Some((3, 4)),
            "another key does not verify it"
        );
        assert_eq!(
            rotated.decode("Z0000000000000000"),
            None,
            "unknown key version"
        );
        assert_eq!(rotated.decode("0000000000000000I"), None, "not base 32");
        assert_eq!(rotated.decode("000"), None);
        assert!(format!("{:?}", rotated.keys[0]).contains("redacted"));
    }
}
