//! A reference to an uploaded file (licence, report, instructions) kept in
//! the content-addressed blob store.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlobRef {
    /// SHA-256 of the content, lowercase hex: also its address in the store.
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default)]
    pub name: String,
}

/// G8.2: the file types accepted for licences, reports and instructions.
pub const ACCEPTED_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg", "image/webp"];

/// The largest upload accepted, in bytes.
pub const MAX_BLOB_BYTES: usize = 10 * 1024 * 1024;

/// Tells the real type of a file from its first bytes; the client's claim
/// is not trusted.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff_content_type(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(
            sniff_content_type(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(sniff_content_type(b"MZ\x90\x00 an exe"), None);
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
    }
}
