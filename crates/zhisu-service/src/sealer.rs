//! Private contact data sealed at rest (buyers', feedback senders',
//! subscribers' tokens) with the deployment's key, kept outside the
//! database like the serial keys: AES-256-GCM, or SM4-GCM (GB/T 32907 in
//! GCM mode) where the deployment chose 商用密码 (issue 16.17). A sealed
//! value names its cipher, so a key of the other kind opens nothing.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, AesGcm, Nonce};
use base64::Engine as _;
use rand::RngCore;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// The deployment's sealing key.
#[derive(Clone, Copy)]
pub enum ContactKey {
    Aes256([u8; 32]),
    Sm4([u8; 16]),
}

pub struct Sealer(Cipher);

enum Cipher {
    Aes(Box<Aes256Gcm>),
    Sm4(Box<Sm4Gcm>),
}

const AES_PREFIX: &str = "sealed:v1:";
const SM4_PREFIX: &str = "sealed:sm4:";

impl Sealer {
    pub fn new(key: ContactKey) -> Self {
        Sealer(match key {
            ContactKey::Aes256(key) => Cipher::Aes(Box::new(Aes256Gcm::new(&key.into()))),
            ContactKey::Sm4(key) => Cipher::Sm4(Box::new(Sm4Gcm::new(&key.into()))),
        })
    }

    fn prefix(&self) -> &'static str {
        match self.0 {
            Cipher::Aes(_) => AES_PREFIX,
            Cipher::Sm4(_) => SM4_PREFIX,
        }
    }

    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let nonce_ref = Nonce::from_slice(&nonce);
        let sealed = match &self.0 {
            Cipher::Aes(c) => c.encrypt(nonce_ref, plain.as_bytes()),
            Cipher::Sm4(c) => c.encrypt(nonce_ref, plain.as_bytes()),
        }
        .expect("GCM encryption does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!(
            "{}{}",
            self.prefix(),
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed.strip_prefix(self.prefix())?)
            .ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce = Nonce::from_slice(nonce);
        let plain = match &self.0 {
            Cipher::Aes(c) => c.decrypt(nonce, body),
            Cipher::Sm4(c) => c.decrypt(nonce, body),
        }
        .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_contacts_open_only_with_the_key() {
        for (key, other, prefix) in [
            (
                ContactKey::Aes256([7; 32]),
                ContactKey::Aes256([8; 32]),
                AES_PREFIX,
            ),
            (
                ContactKey::Sm4([7; 16]),
                ContactKey::Sm4([8; 16]),
                SM4_PREFIX,
            ),
        ] {
            let sealer = Sealer::new(key);
            let sealed = sealer.seal("020-12345678");
            assert!(sealed.starts_with(prefix));
            assert!(!sealed.contains("12345678"));
            assert_ne!(
                sealed,
                sealer.seal("020-12345678"),
                "a fresh nonce each time"
            );
            assert_eq!(sealer.open(&sealed).as_deref(), Some("020-12345678"));
            assert_eq!(Sealer::new(other).open(&sealed), None);
            let mut tampered = sealed.clone();
            tampered.pop();
            tampered.push('A');
            assert_eq!(sealer.open(&tampered), None);
            assert_eq!(sealer.open("plain"), None);
        }
        let aes = Sealer::new(ContactKey::Aes256([7; 32])).seal("x");
        assert_eq!(Sealer::new(ContactKey::Sm4([7; 16])).open(&aes), None);
    }

    /// GB/T 32907-2016 appendix A, example 1: SM4 of its own key.
    #[test]
    fn sm4_matches_the_standards_example() {
        use aes_gcm::aead::generic_array::GenericArray;
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = GenericArray::clone_from_slice(&key);
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }
}
