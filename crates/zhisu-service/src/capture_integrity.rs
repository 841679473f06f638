//! A capture's integrity (G9.2), checked as its body is read a piece at a
//! time (issue 16.9): an RFC 3230 `Digest` header and a detached JWS
//! signature (RFC 7515 appendix F, Ed25519 per RFC 8037, RFC 7797's
//! unencoded payload). Neither needs the whole body in memory: SHA-256
//! and Ed25519's SHA-512 both hash as they go, and base64url encodes
//! three bytes at a time.

use std::io::Read;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine as _;
use sha2::Digest as _;
use zhisu_domain::enterprise::SigningKey;

use crate::{ServiceError, ServiceResult};

/// The request header a capture's detached signature comes in: a JWS in
/// compact form with its payload detached (`header..signature`, RFC 7515
/// appendix F), the same convention as Open Banking's `x-jws-signature`.
pub const SIGNATURE_HEADER: &str = "x-jws-signature";

/// Bytes read from the body at a time.
const READ_PIECE: usize = 1 << 20;

/// Reads `body` once, checking the `digest` header and the `signature`
/// that came with it; the answer is the signing key's `kid`, if signed.
pub(crate) fn check_integrity(
    mut body: impl Read,
    digest: Option<&str>,
    signature: Option<&str>,
    keys: &[SigningKey],
) -> ServiceResult<Option<String>> {
    let mut digest = digest.map(DigestCheck::new).transpose()?;
    let mut signature = signature
        .map(|jws| SignatureCheck::new(jws, keys))
        .transpose()?;
    if digest.is_none() && signature.is_none() {
        return Ok(None);
    }
    let mut piece = vec![0u8; READ_PIECE];
    loop {
        let n = match body.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ServiceError::Internal(format!("capture body: {e}"))),
        };
        if let Some(d) = &mut digest {
            d.hasher.update(&piece[..n]);
        }
        if let Some(s) = &mut signature {
            s.update(&piece[..n]);
        }
    }
    if let Some(d) = digest {
        d.finish()?;
    }
    signature.map(SignatureCheck::finish).transpose()
}

/// An RFC 3230 `Digest: SHA-256=base64` (or `sha-256=`) header.
struct DigestCheck {
    expected: String,
    hasher: sha2::Sha256,
}

impl DigestCheck {
    fn new(header: &str) -> ServiceResult<Self> {
        for part in header.split(',') {
            if let Some((alg, value)) = part.trim().split_once('=') {
                if alg.eq_ignore_ascii_case("sha-256") {
                    return Ok(DigestCheck {
                        expected: value.trim().to_string(),
                        hasher: sha2::Sha256::new(),
                    });
                }
            }
        }
        Err(ServiceError::BadRequest(
            "Digest 头只支持 SHA-256 (only SHA-256 digests are checked)".into(),
        ))
    }

    fn finish(self) -> ServiceResult<()> {
        if STANDARD.encode(self.hasher.finalize()) == self.expected {
            Ok(())
        } else {
            Err(ServiceError::BadRequest(
                "Digest 与请求体不符：文档在传输中被改动 (the Digest header does not match the body: the document changed in transit)".into(),
            ))
        }
    }
}

fn bad_signature(why: &str) -> ServiceError {
    ServiceError::BadRequest(format!(
        "签名无效 (the {SIGNATURE_HEADER} signature does not hold): {why}"
    ))
}

/// A detached JWS over the body: `alg` EdDSA (Ed25519, RFC 8037), `kid`
/// one of the enterprise's keys; the payload is the body base64url-encoded,
/// or as it is when the header says `"b64": false` (RFC 7797, with
/// `"crit": ["b64"]`).
struct SignatureCheck {
    kid: String,
    verifier: ed25519_dalek::StreamVerifier,
    /// Base64url-encode the payload (RFC 7515), or take it as it is.
    encoded: bool,
    /// Up to two bytes waiting for a third, when encoding.
    carry: Vec<u8>,
}

impl SignatureCheck {
    fn new(jws: &str, keys: &[SigningKey]) -> ServiceResult<Self> {
        let mut parts = jws.trim().split('.');
        let (Some(protected), Some(""), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad_signature(
                "应为 header..signature，载荷分离 (expected header..signature, the payload detached)",
            ));
        };
        let header: serde_json::Value = B64
            .decode(protected)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or_else(|| bad_signature("header is not base64url JSON"))?;
        if header["alg"] != "EdDSA" {
            return Err(bad_signature("only alg EdDSA (Ed25519) is accepted"));
        }
        let encoded = match &header["b64"] {
            serde_json::Value::Null | serde_json::Value::Bool(true) => true,
            serde_json::Value::Bool(false)
                if header["crit"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|v| v == "b64")) =>
            {
                false
            }
            _ => {
                return Err(bad_signature(
                    "b64 must be a boolean, and false only with crit [\"b64\"]",
                ))
            }
        };
        let kid = header["kid"]
            .as_str()
            .ok_or_else(|| bad_signature("the header names no kid"))?;
        let key = keys
            .iter()
            .find(|k| k.kid == kid)
            .and_then(|k| k.verifying_key())
            .ok_or_else(|| {
                bad_signature(&format!(
                    "企业未登记密钥 {kid} (no signing key {kid} is registered for the capturing enterprise)"
                ))
            })?;
        let signature = B64
            .decode(signature)
            .ok()
            .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
            .ok_or_else(|| bad_signature("the signature is not 64 base64url bytes"))?;
        let mismatch = || bad_signature(MISMATCH);
        // What `verify_strict` refuses beyond the equation, checked here
        // since the streaming verifier does not: a weak key, or an R of
        // small order (malleable signatures).
        let r_small = curve25519_dalek::edwards::CompressedEdwardsY(*signature.r_bytes())
            .decompress()
            .is_none_or(|r| r.is_small_order());
        if key.is_weak() || r_small {
            return Err(mismatch());
        }
        let mut verifier = key.verify_stream(&signature).map_err(|_| mismatch())?;
        verifier.update(protected.as_bytes());
        verifier.update(b".");
        Ok(SignatureCheck {
            kid: kid.to_string(),
            verifier,
            encoded,
            carry: Vec::with_capacity(2),
        })
    }

    fn update(&mut self, piece: &[u8]) {
        if !self.encoded {
            self.verifier.update(piece);
            return;
        }
        // Base64url in whole groups of three bytes; the rest waits.
        let mut piece = piece;
        if !self.carry.is_empty() {
            let wanted = (3 - self.carry.len()).min(piece.len());
            self.carry.extend_from_slice(&piece[..wanted]);
            piece = &piece[wanted..];
            if self.carry.len() < 3 {
                return;
            }
            self.verifier.update(B64.encode(&self.carry));
            self.carry.clear();
        }
        let whole = piece.len() / 3 * 3;
        self.verifier.update(B64.encode(&piece[..whole]));
        self.carry.extend_from_slice(&piece[whole..]);
    }

    fn finish(mut self) -> ServiceResult<String> {
        if self.encoded && !self.carry.is_empty() {
            self.verifier.update(B64.encode(&self.carry));
        }
        self.verifier
            .finalize_and_verify()
            .map_err(|_| bad_signature(MISMATCH))?;
        Ok(self.kid)
    }
}

const MISMATCH: &str =
    "文档与签名不符：文档被改动或密钥不对 (the document does not match: it changed, or another key signed it)";

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;

    #[test]
    fn digests_are_checked() {
        let body = b"{}";
        let good = STANDARD.encode(sha2::Sha256::digest(body));
        let check = |header: &str, body: &[u8]| check_integrity(body, Some(header), None, &[]);
        assert!(check(&format!("SHA-256={good}"), body).is_ok());
        assert!(check(&format!("md5=x, sha-256={good}"), body).is_ok());
        assert!(check(&format!("SHA-256={good}"), b"{ }").is_err());
        assert!(check("MD5=abc", body).is_err());
    }

    /// A reader that hands out `n` bytes at a time, so pieces split the
    /// body's base64 groups everywhere they can.
    struct Dribble<'a>(&'a [u8], usize);

    impl Read for Dribble<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A signature made over the whole payload verifies when the body
    /// comes a few bytes at a time, encoded or not; a changed byte, another
    /// key or a wrong kid does not.
    #[test]
    fn a_signature_is_verified_as_the_body_streams() {
        let secret = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let keys = [SigningKey {
            kid: "k1".into(),
            x: B64.encode(secret.verifying_key().as_bytes()),
        }];
        let body = br#"{"type": "EPCISDocument", "epcisBody": {"eventList": [1, 22, 333]}}"#;
        for (header, payload) in [
            (
                r#"{"alg":"EdDSA","kid":"k1"}"#,
                B64.encode(body).into_bytes(),
            ),
            (
                r#"{"alg":"EdDSA","kid":"k1","b64":false,"crit":["b64"]}"#,
                body.to_vec(),
            ),
        ] {
            let protected = B64.encode(header);
            let mut input = format!("{protected}.").into_bytes();
            input.extend_from_slice(&payload);
            let jws = format!(
                "{protected}..{}",
                B64.encode(secret.sign(&input).to_bytes())
            );
            for step in [1, 2, 3, 4, 5, 7, body.len()] {
                let kid = check_integrity(Dribble(body, step), None, Some(&jws), &keys);
                assert_eq!(kid.unwrap().as_deref(), Some("k1"), "{header} in {step}s");
            }
            let mut changed = body.to_vec();
            changed[30] ^= 1;
            assert!(check_integrity(&changed[..], None, Some(&jws), &keys).is_err());
            let other = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
            let other_keys = [SigningKey {
                x: B64.encode(other.verifying_key().as_bytes()),
                ..keys[0].clone()
            }];
            assert!(check_integrity(&body[..], None, Some(&jws), &other_keys).is_err());
            let unknown = [SigningKey {
                kid: "k2".into(),
                ..keys[0].clone()
            }];
            let refused = check_integrity(&body[..], None, Some(&jws), &unknown).unwrap_err();
            assert!(refused.to_string().contains("k1"), "{refused}");
        }
    }
}
