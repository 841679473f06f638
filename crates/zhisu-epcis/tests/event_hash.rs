//! The official event-hash vectors (`../shared/conformance/epcis/event-hash/`):
//! for each reference document, the pre-hash string and the hash of every
//! event must be exactly the published ones.

use std::path::PathBuf;

use zhisu_epcis::{event_hash, prehash, Namespaces};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/epcis/event-hash")
}

#[test]
fn every_reference_vector_matches() {
    let mut checked = 0;
    for entry in std::fs::read_dir(dir()).expect("../shared/conformance beside the repository") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonld") {
            continue;
        }
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let ns = Namespaces::from_context(doc.get("@context"));
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        let prehashes = std::fs::read_to_string(path.with_extension("prehashes")).unwrap();
        let hashes = std::fs::read_to_string(path.with_extension("hashes")).unwrap();
        let prehashes: Vec<&str> = prehashes.lines().filter(|l| !l.is_empty()).collect();
        let hashes: Vec<&str> = hashes.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(events.len(), hashes.len(), "{}", path.display());
        for (i, event) in events.iter().enumerate() {
            assert_eq!(
                prehash(event, &ns),
                prehashes[i],
                "{} event {i}: pre-hash",
                path.display()
            );
            assert_eq!(
                event_hash(event, &ns),
                hashes[i],
                "{} event {i}: hash",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} vectors found");
}

/// Every event of the 47 official EPCIS 2.0 examples gets a well-formed
/// hash, and the hash does not depend on the order of list items.
#[test]
fn every_official_example_event_hashes() {
    let examples = dir().join("../examples");
    let mut events = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ns = Namespaces::from_context(doc.get("@context"));
        let list = doc["epcisBody"]["eventList"]
            .as_array()
            .or_else(|| doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"].as_array());
        for event in list.into_iter().flatten() {
            let hash = event_hash(event, &ns);
            assert!(
                hash.starts_with("ni:///sha-256;")
                    && hash.ends_with("?ver=CBV2.0")
                    && hash.len() == 89,
                "{hash}"
            );
            // The same event with every list reversed.
            let mut reversed = event.clone();
            for (_, v) in reversed.as_object_mut().unwrap().iter_mut() {
                if let Some(items) = v.as_array_mut() {
                    items.reverse();
                }
            }
            assert_eq!(event_hash(&reversed, &ns), hash, "{}", path.display());
            events += 1;
        }
    }
    assert!(events > 47, "{events} events");
}

/// Every official example is valid against the schema we validate with.
#[test]
fn every_official_example_is_valid() {
    for entry in std::fs::read_dir(dir().join("../examples")).unwrap() {
        let path = entry.unwrap().path();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Err(errors) = zhisu_epcis::validate(&doc) {
            panic!("{}: {errors:?}", path.display());
        }
    }
}
