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

/// Every file a record body references (issue 16.8): the `sha256` of each
/// object in it that names one, in order, once each. Read by the store to
/// keep `record_files`, which says who may read a file.
pub fn referenced_files(body: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(sha)) = map.get("sha256") {
                    if is_sha256_hex(sha) && !out.contains(sha) {
                        out.push(sha.clone());
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, &mut out);
    out
}

/// The name a record body gives the file `sha256` (each upload keeps its
/// own name: issue 16.8), if it references it by a named reference.
pub fn file_name_in(body: &serde_json::Value, sha256: &str) -> Option<String> {
    match body {
        serde_json::Value::Object(map) => {
            if map.get("sha256").and_then(|s| s.as_str()) == Some(sha256) {
                if let Some(name) = map.get("name").and_then(|n| n.as_str()) {
                    return Some(name.to_string());
                }
            }
            map.values().find_map(|v| file_name_in(v, sha256))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|v| file_name_in(v, sha256)),
        _ => None,
    }
}

/// An uploaded file's name as it is kept: no control characters or path
/// separators, at most 200 characters.
pub fn clean_file_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_names_the_files_it_references() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let body = serde_json::json!({
            "business_licence": {"sha256": a, "name": "执照.pdf", "size": 1, "content_type": "application/pdf"},
            "nested": [{"inspection_report": {"sha256": b, "name": "报告.pdf"}}, {"sha256": a}],
            "not_a_file": {"sha256": "short"},
        });
        assert_eq!(referenced_files(&body), [a.clone(), b.clone()]);
        assert_eq!(file_name_in(&body, &b).as_deref(), Some("报告.pdf"));
        assert_eq!(file_name_in(&body, &a).as_deref(), Some("执照.pdf"));
        assert_eq!(file_name_in(&body, &"c".repeat(64)), None);
        assert_eq!(clean_file_name("../a\\b\u{0}.pdf"), "..ab.pdf");
    }

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
