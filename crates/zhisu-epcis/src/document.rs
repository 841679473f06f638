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
    compile(&schema)
});

/// The same schema, rooted at what an event list holds
/// (`#/definitions/EPCIS-Document-Event`): an event checked alone gets the
/// same verdict and messages as inside its document.
pub(crate) static EVENT_VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let mut schema: Value = serde_json::from_str(SCHEMA).expect("the EPCIS schema is JSON");
    if let Some(root) = schema.as_object_mut() {
        root.retain(|k, _| matches!(k.as_str(), "$id" | "$schema" | "definitions"));
        root.insert("$ref".into(), json!("#/definitions/EPCIS-Document-Event"));
    }
    compile(&schema)
});

fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the EPCIS schema compiles")
}

/// Compiles the schema now rather than at the first capture (a second or so).
pub fn prepare() {
    LazyLock::force(&VALIDATOR);
    LazyLock::force(&EVENT_VALIDATOR);
}

/// The largest number of schema errors reported for one document.
pub const MAX_ERRORS: usize = 20;

/// Each error of `validator` on `instance` as `path: message`, its path
/// under `at`.
pub(crate) fn errors_of(
    validator: &jsonschema::Validator,
    instance: &Value,
    at: &str,
) -> Vec<String> {
    if validator.is_valid(instance) {
        return Vec::new();
    }
    validator
        .iter_errors(instance)
        .take(MAX_ERRORS)
        .map(|e| {
            let path = format!("{at}{}", e.instance_path);
            format!("{}: {e}", if path.is_empty() { "/" } else { &path })
        })
        .collect()
}

/// Checks a document against the EPCIS 2.0 schema and CBV; each problem as
/// `path: message`.
pub fn validate(doc: &Value) -> Result<(), Vec<String>> {
    let errors = errors_of(&VALIDATOR, doc, "");
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
    /// The event as exported, in JSON: with its `eventID`, `recordTime` and
    /// the document's `@context`.
    pub body: String,
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

/// The events of a document: an EPCISDocument's `eventList`, or the
/// results of an EPCISQueryDocument.
pub fn event_list(doc: &Value) -> &[Value] {
    doc["epcisBody"]["eventList"]
        .as_array()
        .or_else(|| doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"].as_array())
        .map_or(&[], Vec::as_slice)
}

/// What the events of one document share: its `@context` and the JSON-LD
/// prefixes it declares, read once for all of them.
pub struct Shared<'a> {
    context: Option<&'a Value>,
    namespaces: Namespaces,
    record_time: &'a str,
}

impl<'a> Shared<'a> {
    /// `record_time` is when the repository received the document.
    pub fn of(doc: &'a Value, record_time: &'a str) -> Self {
        let context = doc.get("@context");
        Shared {
            context,
            namespaces: Namespaces::from_context(context),
            record_time,
        }
    }

    /// One event of the document, with its identity and the fields queries
    /// filter on. An event's own `@context` replaces the document's.
    pub fn event(&self, event: &Value) -> CapturedEvent {
        let event_id = match event["eventID"].as_str() {
            Some(id) => id.to_string(),
            None => match event.get("@context") {
                Some(own) => event_hash(event, &Namespaces::from_context(Some(own))),
                None => event_hash(event, &self.namespaces),
            },
        };
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
        let mut body = Vec::with_capacity(1024);
        serde_json::to_writer(
            &mut body,
            &Exported {
                event,
                event_id: &event_id,
                record_time: self.record_time,
                context: self.context,
            },
        )
        .expect("a JSON value writes to memory");
        let body = String::from_utf8(body).expect("serde_json writes UTF-8");
        CapturedEvent {
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
            event_id,
            body,
        }
    }
}

/// An event as exported: its own fields, with `eventID` set, and
/// `recordTime` and the document's `@context` where the event has none;
/// keys in order, as a `serde_json` object writes them. Written straight
/// from the captured document, without a copy of the event.
struct Exported<'a> {
    event: &'a Value,
    event_id: &'a str,
    record_time: &'a str,
    context: Option<&'a Value>,
}

impl serde::Serialize for Exported<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Some(fields) = self.event.as_object() else {
            return self.event.serialize(serializer);
        };
        let event_id = Value::String(self.event_id.to_string());
        let record_time = Value::String(self.record_time.to_string());
        let mut entries: Vec<(&str, &Value)> = fields
            .iter()
            .filter(|(k, _)| k.as_str() != "eventID")
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        entries.push(("eventID", &event_id));
        if !fields.contains_key("recordTime") {
            entries.push(("recordTime", &record_time));
        }
        if let (Some(c), false) = (self.context, fields.contains_key("@context")) {
            entries.push(("@context", c));
        }
        entries.sort_unstable_by_key(|(k, _)| *k);
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The events of a document (EPCISDocument, or the results of an
/// EPCISQueryDocument), each with its identity, one after the other.
/// `record_time` is when the repository received it.
pub fn events_of(doc: &Value, record_time: &str) -> Vec<CapturedEvent> {
    let shared = Shared::of(doc, record_time);
    event_list(doc).iter().map(|e| shared.event(e)).collect()
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

    fn official_examples() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/conformance/epcis/examples");
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    /// A document's outline and its events, as a capture reads them.
    fn read(text: &str) -> (crate::Outline, Vec<Box<serde_json::value::RawValue>>) {
        let outline = crate::outline(text.as_bytes()).unwrap();
        let mut events = Vec::new();
        crate::each_event(text.as_bytes(), outline.list_path, |e| {
            events.push(e);
            true
        })
        .unwrap();
        assert_eq!(events.len(), outline.events);
        (outline, events)
    }

    /// Every error of a document read in outline: around the events, then
    /// each event's.
    fn outline_errors(text: &str) -> Vec<String> {
        let (outline, events) = read(text);
        let mut errors = outline.check_skeleton().err().unwrap_or_default();
        for (i, raw) in events.iter().enumerate() {
            errors.extend(outline.read_event(i, raw).err().unwrap_or_default());
        }
        errors.sort();
        errors
    }

    #[test]
    fn a_document_read_in_outline_checks_as_the_whole() {
        let examples = official_examples();
        assert_eq!(examples.len(), 47);
        let mut query_documents = 0;
        for (name, text) in &examples {
            let whole: Value = serde_json::from_str(text).unwrap();
            let (outline, events) = read(text);
            assert_eq!(events.len(), event_list(&whole).len(), "{name}");
            query_documents += usize::from(outline.list_path.contains("queryResults"));
            assert_eq!(outline_errors(text), Vec::<String>::new(), "{name}");
            let shared = Shared::of(&outline.skeleton, "2026-11-23T00:00:00.000Z");
            let one_by_one: Vec<CapturedEvent> = events
                .iter()
                .enumerate()
                .map(|(i, raw)| shared.event(&outline.read_event(i, raw).unwrap()))
                .collect();
            assert_eq!(
                one_by_one,
                events_of(&whole, "2026-11-23T00:00:00.000Z"),
                "{name}"
            );
        }
        assert!(query_documents > 0, "an EPCISQueryDocument is among them");

        // Broken copies: the same errors, at the same places, as the whole.
        let (_, text) = examples
            .iter()
            .find(|(n, _)| n == "Example_9.6.1-ObjectEvent.jsonld")
            .unwrap();
        let good: Value = serde_json::from_str(text).unwrap();
        let breakages: [&dyn Fn(&mut Value); 5] = [
            &|d| d["epcisBody"]["eventList"][0]["action"] = "SHOUT".into(),
            &|d| d["epcisBody"]["eventList"][1]["eventTime"] = "yesterday".into(),
            &|d| d["epcisBody"]["eventList"][1]["type"] = json!(7),
            &|d| {
                d.as_object_mut().unwrap().remove("schemaVersion");
            },
            &|d| d["epcisBody"]["eventList"] = json!("not a list"),
        ];
        for (i, breakage) in breakages.iter().enumerate() {
            let mut doc = good.clone();
            breakage(&mut doc);
            let text = doc.to_string();
            let mut whole = validate(&doc).unwrap_err();
            whole.sort();
            assert_eq!(outline_errors(&text), whole, "breakage {i}");
        }
        assert!(crate::outline(&b"{"[..]).is_err());
        assert!(crate::outline(&b"{} {}"[..]).is_err(), "one document");
        assert_eq!(crate::outline(&b"[1]"[..]).unwrap().skeleton, json!([1]));
        // The events come after the rest of the document or before it.
        let late =
            r#"{"epcisBody": {"eventList": [{"a": 1}, {"b": [2]}]}, "type": "EPCISDocument"}"#;
        let (outline, events) = read(late);
        assert_eq!(
            outline.skeleton,
            json!({"epcisBody": {"eventList": []}, "type": "EPCISDocument"})
        );
        assert_eq!(
            events.iter().map(|e| e.get()).collect::<Vec<_>>(),
            [r#"{"a": 1}"#, r#"{"b": [2]}"#]
        );
        // Events in two lists at once are refused, not guessed at.
        let both = r#"{"epcisBody": {"eventList": [], "queryResults": {"resultsBody": {"eventList": []}}}}"#;
        assert!(matches!(
            crate::outline(both.as_bytes()),
            Err(crate::OutlineError::TwoLists)
        ));
        // A stop stops the reading: the broken tail is never read.
        let mut seen = 0;
        crate::each_event(
            &br#"{"epcisBody": {"eventList": [1, 2, !"#[..],
            crate::outline::DOCUMENT_LIST,
            |_| {
                seen += 1;
                seen < 2
            },
        )
        .unwrap();
        assert_eq!(seen, 2);
    }
}
