//! EPCIS 2.0 documents: validated against the official JSON schema (which
//! also carries the CBV vocabularies: bizStep, disposition, action, …),
//! split into events with their identity and the fields queries filter on,
//! and put back together as query results.

use std::sync::LazyLock;

use serde_json::{json, Value};

use crate::epc::canonical_identifier;
use crate::hash::{event_hash, Namespaces};

/// The EPCIS 2.0 JSON schema (GS1), carried with the crate; a test pins it
/// to the copy in `../shared/conformance/epcis/`.
pub const SCHEMA: &str = include_str!("../data/EPCIS-JSON-Schema.json");

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the EPCIS schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the EPCIS schema compiles")
});

/// The largest number of schema errors reported for one document.
const MAX_ERRORS: usize = 20;

/// Checks a document against the EPCIS 2.0 schema and CBV; each problem as
/// `path: message`.
pub fn validate(doc: &Value) -> Result<(), Vec<String>> {
    let errors: Vec<String> = VALIDATOR
        .iter_errors(doc)
        .take(MAX_ERRORS)
        .map(|e| {
            let path = e.instance_path.to_string();
            format!("{}: {e}", if path.is_empty() { "/" } else { &path })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One event of a captured document, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedEvent {
    /// `eventID` as sent, or the CBV 2.0 event hash.
    pub event_id: String,
    pub event_type: String,
    /// UTC with milliseconds, for range queries.
    pub event_time: String,
    pub biz_step: Option<String>,
    pub action: Option<String>,
    pub disposition: Option<String>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
    /// Every EPC and class the event names, as canonical Digital Link.
    pub epcs: Vec<String>,
    /// The event as exported: with its `eventID`, `recordTime` and the
    /// document's `@context`.
    pub body: Value,
}

/// A CBV value as its full URI (`departing` → `https://ref.gs1.org/cbv/BizStep-departing`).
pub fn cbv_uri(prefix: &str, value: &str) -> String {
    if value.contains(':') {
        value.to_string()
    } else {
        format!("https://ref.gs1.org/cbv/{prefix}-{value}")
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The events of a document (EPCISDocument, or the results of an
/// EPCISQueryDocument), each with its identity. `record_time` is when the
/// repository received it.
pub fn events_of(doc: &Value, record_time: &str) -> Vec<CapturedEvent> {
    let context = doc.get("@context").cloned();
    let list = doc["epcisBody"]["eventList"]
        .as_array()
        .or_else(|| doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"].as_array());
    let mut out = Vec::new();
    for event in list.into_iter().flatten() {
        let ns = Namespaces::from_context(event.get("@context").or(context.as_ref()));
        let event_id = event["eventID"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| event_hash(event, &ns));
        let mut body = event.clone();
        if let Some(map) = body.as_object_mut() {
            map.insert("eventID".into(), json!(event_id));
            map.entry("recordTime").or_insert(json!(record_time));
            if let Some(c) = &context {
                map.entry("@context").or_insert(c.clone());
            }
        }
        let mut epcs = Vec::new();
        for field in ["epcList", "childEPCs", "inputEPCList", "outputEPCList"] {
            for epc in event[field].as_array().into_iter().flatten() {
                epcs.extend(epc.as_str().map(canonical_identifier));
            }
        }
        if let Some(parent) = event["parentID"].as_str() {
            epcs.push(canonical_identifier(parent));
        }
        for field in [
            "quantityList",
            "childQuantityList",
            "inputQuantityList",
            "outputQuantityList",
        ] {
            for q in event[field].as_array().into_iter().flatten() {
                epcs.extend(q["epcClass"].as_str().map(canonical_identifier));
            }
        }
        epcs.sort();
        epcs.dedup();
        out.push(CapturedEvent {
            event_id,
            event_type: text(&event["type"]).unwrap_or_default(),
            event_time: crate::hash::utc_millis(event["eventTime"].as_str().unwrap_or("")),
            biz_step: event["bizStep"].as_str().map(|s| cbv_uri("BizStep", s)),
            action: text(&event["action"]),
            disposition: event["disposition"].as_str().map(|s| cbv_uri("Disp", s)),
            read_point: event["readPoint"]["id"].as_str().map(canonical_identifier),
            biz_location: event["bizLocation"]["id"]
                .as_str()
                .map(canonical_identifier),
            epcs,
            body,
        });
    }
    out
}

/// An EPCISQueryDocument holding `events` (EPCIS 2.0 REST binding).
pub fn query_document(events: Vec<Value>, created: &str) -> Value {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": { "eventList": events }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_carried_byte_for_byte() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/conformance/epcis/EPCIS-JSON-Schema.json");
        assert_eq!(std::fs::read_to_string(shared).unwrap(), SCHEMA);
    }

    #[test]
    fn cbv_words_become_uris() {
        assert_eq!(
            cbv_uri("BizStep", "shipping"),
            "https://ref.gs1.org/cbv/BizStep-shipping"
        );
        assert_eq!(
            cbv_uri("Disp", "https://ref.gs1.org/cbv/Disp-active"),
            "https://ref.gs1.org/cbv/Disp-active"
        );
    }

    #[test]
    fn schema_and_vocabulary_violations_are_named() {
        let doc = json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-11-23T00:00:00Z",
            "epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "yesterday", "eventTimeZoneOffset": "+08:00",
                "epcList": ["urn:epc:id:sgtin:4012345.011111.1"], "action": "SHOUT", "bizStep": "dancing"}]}
        });
        let errors = validate(&doc).unwrap_err();
        let all = errors.join("\n");
        assert!(all.contains("/epcisBody/eventList/0"), "{all}");
        assert!(all.contains("SHOUT") || all.contains("action"), "{all}");
    }
}
