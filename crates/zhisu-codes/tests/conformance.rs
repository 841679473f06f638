//! The official GS1 vectors in `../shared/conformance/gs1`, read in place.

use std::path::PathBuf;

use zhisu_codes::gs1::{DigitalLink, DlOptions, Gtin, Sscc};

fn shared(file: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/gs1")
        .join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            assert!(
                std::env::var("CI").is_err(),
                "CI runs with ../shared beside the repository: {} missing",
                path.display()
            );
            eprintln!("skipping: {} not found", path.display());
            None
        }
    }
}

fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| (n + 1, l.split('\t').collect()))
}

#[test]
fn check_digit_vectors() {
    let Some(text) = shared("check-digit-vectors.tsv") else {
        return;
    };
    let mut n = 0;
    for (line, cols) in rows(&text) {
        let (key, valid) = (cols[0], cols[1] == "true");
        let ok = if key.len() == 18 {
            Sscc::parse(key).is_ok()
        } else {
            Gtin::parse(key).is_ok()
        };
        assert_eq!(
            ok,
            valid,
            "line {line}: {key} ({})",
            cols.get(2).unwrap_or(&"")
        );
        n += 1;
    }
    assert_eq!(n, 11);
}

/// The TSV flattens two options that the GS1 Barcode Syntax Engine's own
/// tests switch on for a few cases (its `test_dl_parseDLuri`): convenience
/// alphas (`/gtin/`, `/ser/`, `/sscc/`), off by default and on for the three
/// accepting rows that use them; and unknown AIs as data attributes, on for
/// the one accepting row with `89=`. Each such row follows its
/// default-options twin, which must be rejected.
fn upstream_options(expect_ok: bool, uri: &str) -> DlOptions {
    let alphas = expect_ok
        && ["/gtin/", "/ser/", "/sscc/"]
            .iter()
            .any(|a| uri.contains(a));
    let unknown = expect_ok && uri.contains("89=ABC123");
    DlOptions {
        permit_convenience_alphas: alphas,
        permit_unknown_attributes: unknown,
        ..Default::default()
    }
}

#[test]
fn digital_link_vectors() {
    let Some(text) = shared("digital-link-vectors.tsv") else {
        return;
    };
    let (mut n, mut with_upstream_options) = (0, 0);
    for (line, cols) in rows(&text) {
        let expect_ok = cols[0] == "true";
        let uri = cols.get(2).copied().unwrap_or("");
        let expected = cols.get(3).copied().unwrap_or("");
        let mut options = upstream_options(expect_ok, uri);
        if options != DlOptions::default() {
            with_upstream_options += 1;
        }
        options.permit_zero_suppressed_gtin = cols[1] == "true";
        let result = DigitalLink::parse(uri, options);
        match (&result, expect_ok) {
            (Ok(dl), true) => assert_eq!(dl.to_raw(), expected, "line {line}: {uri}"),
            (Err(_), false) => {}
            (Ok(dl), false) => panic!(
                "line {line}: {uri} should be rejected, parsed as {}",
                dl.to_raw()
            ),
            (Err(e), true) => panic!("line {line}: {uri} should parse to {expected}: {e}"),
        }
        n += 1;
    }
    assert_eq!(n, 91, "every vector ran");
    assert_eq!(with_upstream_options, 4);
}
