//! The CBV 2.0 event hash (GS1 CBV 2.0 §8.9, "event ID as a hash"): an
//! event's identity when it has no `eventID`. The event is written as a
//! pre-hash string — its fields in a fixed order, identifiers as canonical
//! Digital Link URIs, CBV values as full URIs, times in UTC with
//! milliseconds, list items and extension fields sorted — and hashed with
//! SHA-256 into `ni:///sha-256;{hex}?ver=CBV2.0`.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::epc::canonical_identifier;

/// How a leaf value is normalised.
#[derive(Clone, Copy)]
enum Leaf {
    Plain,
    Time,
    Id,
    /// A CBV vocabulary with its URI prefix (a bare word gets it).
    Cbv(&'static str),
}

/// The shape of a standard field.
enum Shape {
    Leaf(Leaf),
    /// An object: its standard children in order, then its extensions.
    Object(&'static [(&'static str, Shape)]),
    /// A list: each item (named `item` in the pre-hash when `Some`).
    List(Option<&'static str>, &'static Shape),
}

use Shape::{Leaf as L, List, Object};

const QUANTITY: Shape = Object(&[
    ("epcClass", L(Leaf::Id)),
    ("quantity", L(Leaf::Plain)),
    ("uom", L(Leaf::Plain)),
]);

const SENSOR_METADATA: Shape = Object(&[
    ("time", L(Leaf::Time)),
    ("startTime", L(Leaf::Time)),
    ("endTime", L(Leaf::Time)),
    ("deviceID", L(Leaf::Id)),
    ("deviceMetadata", L(Leaf::Id)),
    ("rawData", L(Leaf::Id)),
    ("dataProcessingMethod", L(Leaf::Id)),
    ("bizRules", L(Leaf::Id)),
]);

const SENSOR_REPORT: Shape = Object(&[
    ("type", L(Leaf::Cbv("https://gs1.org/voc/"))),
    (
        "exception",
        L(Leaf::Cbv("https://gs1.org/voc/SensorAlertType-")),
    ),
    ("deviceID", L(Leaf::Id)),
    ("deviceMetadata", L(Leaf::Id)),
    ("rawData", L(Leaf::Id)),
    ("dataProcessingMethod", L(Leaf::Id)),
    ("time", L(Leaf::Time)),
    ("microorganism", L(Leaf::Id)),
    ("chemicalSubstance", L(Leaf::Id)),
    ("value", L(Leaf::Plain)),
    ("component", L(Leaf::Cbv("https://gs1.org/voc/"))),
    ("stringValue", L(Leaf::Plain)),
    ("booleanValue", L(Leaf::Plain)),
    ("hexBinaryValue", L(Leaf::Plain)),
    ("uriValue", L(Leaf::Plain)),
    ("minValue", L(Leaf::Plain)),
    ("maxValue", L(Leaf::Plain)),
    ("meanValue", L(Leaf::Plain)),
    ("sDev", L(Leaf::Plain)),
    ("percRank", L(Leaf::Plain)),
    ("percValue", L(Leaf::Plain)),
    ("uom", L(Leaf::Plain)),
    ("coordinateReferenceSystem", L(Leaf::Plain)),
]);

const SENSOR_ELEMENT: Shape = Object(&[
    ("sensorMetadata", SENSOR_METADATA),
    ("sensorReport", List(Some("sensorReport"), &SENSOR_REPORT)),
]);

const EPC: Shape = L(Leaf::Id);

/// The event's standard fields, in pre-hash order.
const EVENT: &[(&str, Shape)] = &[
    ("eventTime", L(Leaf::Time)),
    ("eventTimeZoneOffset", L(Leaf::Plain)),
    ("certificationInfo", L(Leaf::Id)),
    ("parentID", L(Leaf::Id)),
    ("epcList", List(Some("epc"), &EPC)),
    ("inputEPCList", List(Some("epc"), &EPC)),
    ("childEPCs", List(Some("epc"), &EPC)),
    ("quantityList", List(Some("quantityElement"), &QUANTITY)),
    (
        "childQuantityList",
        List(Some("quantityElement"), &QUANTITY),
    ),
    (
        "inputQuantityList",
        List(Some("quantityElement"), &QUANTITY),
    ),
    ("outputEPCList", List(Some("epc"), &EPC)),
    (
        "outputQuantityList",
        List(Some("quantityElement"), &QUANTITY),
    ),
    ("action", L(Leaf::Plain)),
    ("transformationID", L(Leaf::Id)),
    ("bizStep", L(Leaf::Cbv("https://ref.gs1.org/cbv/BizStep-"))),
    ("disposition", L(Leaf::Cbv("https://ref.gs1.org/cbv/Disp-"))),
    (
        "persistentDisposition",
        Object(&[
            (
                "set",
                List(Some("set"), &L(Leaf::Cbv("https://ref.gs1.org/cbv/Disp-"))),
            ),
            (
                "unset",
                List(
                    Some("unset"),
                    &L(Leaf::Cbv("https://ref.gs1.org/cbv/Disp-")),
                ),
            ),
        ]),
    ),
    ("readPoint", Object(&[("id", L(Leaf::Id))])),
    ("bizLocation", Object(&[("id", L(Leaf::Id))])),
    (
        "bizTransactionList",
        List(
            None,
            &Object(&[
                ("type", L(Leaf::Cbv("https://ref.gs1.org/cbv/BTT-"))),
                ("bizTransaction", L(Leaf::Id)),
            ]),
        ),
    ),
    (
        "destinationList",
        List(
            None,
            &Object(&[
                ("type", L(Leaf::Cbv("https://ref.gs1.org/cbv/SDT-"))),
                ("destination", L(Leaf::Id)),
            ]),
        ),
    ),
    (
        "sourceList",
        List(
            None,
            &Object(&[
                ("type", L(Leaf::Cbv("https://ref.gs1.org/cbv/SDT-"))),
                ("source", L(Leaf::Id)),
            ]),
        ),
    ),
    (
        "sensorElementList",
        List(Some("sensorElement"), &SENSOR_ELEMENT),
    ),
    ("ilmd", Object(&[])),
];

/// Top-level fields that are not part of an event's identity.
const NOT_HASHED: &[&str] = &[
    "type",
    "eventID",
    "recordTime",
    "errorDeclaration",
    "@context",
];

/// The JSON-LD prefixes a document declares (`"example": "https://…/"`),
/// used to write extension fields as `{namespace}localName`.
#[derive(Debug, Clone, Default)]
pub struct Namespaces(BTreeMap<String, String>);

impl Namespaces {
    /// The prefixes of a document's (or an event's) `@context`.
    pub fn from_context(context: Option<&Value>) -> Self {
        let mut map = BTreeMap::new();
        map.insert("gs1".to_string(), "https://gs1.org/voc/".to_string());
        map.insert("cbv".to_string(), "https://ref.gs1.org/cbv/".to_string());
        let mut add = |v: &Value| {
            if let Some(o) = v.as_object() {
                for (k, iri) in o {
                    if let Some(iri) = iri.as_str() {
                        map.insert(k.clone(), iri.to_string());
                    }
                }
            }
        };
        match context {
            Some(Value::Array(items)) => items.iter().for_each(&mut add),
            Some(other) => add(other),
            None => {}
        }
        Namespaces(map)
    }

    /// `example:myField` → `{https://ns.example.com/epcis/}myField`.
    fn expand_name(&self, name: &str) -> Option<String> {
        let (prefix, local) = name.split_once(':')?;
        let iri = self.0.get(prefix)?;
        Some(format!("{{{iri}}}{local}"))
    }

    /// A compact IRI value (`gs1:Temperature`) in full.
    fn expand_value(&self, value: &str) -> Option<String> {
        let (prefix, local) = value.split_once(':')?;
        self.0.get(prefix).map(|iri| format!("{iri}{local}"))
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// UTC with milliseconds: `2020-03-04T10:00:30.000Z`.
pub(crate) fn utc_millis(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        Err(_) => s.to_string(),
    }
}

fn leaf(kind: Leaf, v: &Value, ns: &Namespaces) -> String {
    let text = scalar(v);
    match kind {
        Leaf::Plain => text,
        Leaf::Time => utc_millis(&text),
        Leaf::Id => canonical_identifier(&text),
        Leaf::Cbv(prefix) => {
            if text.starts_with("http://")
                || text.starts_with("https://")
                || text.starts_with("urn:")
            {
                text
            } else if let Some(full) = ns.expand_value(&text) {
                full
            } else {
                format!("{prefix}{text}")
            }
        }
    }
}

/// One field (standard, by its shape) as pre-hash text.
fn field(name: &str, shape: &Shape, v: &Value, ns: &Namespaces) -> String {
    match shape {
        Shape::Leaf(kind) => match v {
            // A leaf given as a list (certificationInfo): each value, sorted.
            Value::Array(items) => {
                let mut parts: Vec<String> = items
                    .iter()
                    .map(|i| format!("{name}={}", leaf(*kind, i, ns)))
                    .collect();
                parts.sort();
                parts.concat()
            }
            _ => format!("{name}={}", leaf(*kind, v, ns)),
        },
        Shape::Object(children) => format!("{name}{}", object(children, v, ns)),
        Shape::List(item_name, item) => {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            let mut parts: Vec<String> = items
                .iter()
                .map(|i| match (item_name, item) {
                    (Some(n), Shape::Leaf(_)) => field(n, item, i, ns),
                    (Some(n), _) => format!("{n}{}", body(item, i, ns)),
                    (None, _) => body(item, i, ns),
                })
                .collect();
            parts.sort();
            // `sensorReport` names each item but the list has no header of its own.
            if *item_name == Some(name) {
                parts.concat()
            } else {
                format!("{name}{}", parts.concat())
            }
        }
    }
}

/// The contents of a value of a shape, without its name.
fn body(shape: &Shape, v: &Value, ns: &Namespaces) -> String {
    match shape {
        Shape::Object(children) => object(children, v, ns),
        Shape::Leaf(kind) => leaf(*kind, v, ns),
        Shape::List(..) => field("", shape, v, ns),
    }
}

/// An object's standard children in order, then its extensions sorted.
fn object(children: &[(&str, Shape)], v: &Value, ns: &Namespaces) -> String {
    let Some(map) = v.as_object() else {
        return String::new();
    };
    let mut out = String::new();
    for (name, shape) in children {
        if let Some(value) = map.get(*name) {
            out.push_str(&field(name, shape, value, ns));
        }
    }
    out.push_str(&extensions(
        map.iter()
            .filter(|(k, _)| !children.iter().any(|(c, _)| c == k)),
        ns,
    ));
    out
}

/// Extension fields (`prefix:name`), each as `{namespace}name…`, sorted.
fn extensions<'a>(
    fields: impl Iterator<Item = (&'a String, &'a Value)>,
    ns: &Namespaces,
) -> String {
    let mut parts = Vec::new();
    for (k, v) in fields {
        if let Some(name) = ns.expand_name(k) {
            extension(&name, v, ns, &mut parts);
        }
    }
    parts.sort();
    parts.concat()
}

fn extension(name: &str, v: &Value, ns: &Namespaces, parts: &mut Vec<String>) {
    match v {
        Value::Object(map) => parts.push(format!("{name}{}", extensions(map.iter(), ns))),
        Value::Array(items) => {
            for item in items {
                extension(name, item, ns, parts);
            }
        }
        other => parts.push(format!("{name}={}", scalar(other))),
    }
}

/// An event's pre-hash string.
pub fn prehash(event: &Value, ns: &Namespaces) -> String {
    let mut out = format!("eventType={}", scalar(&event["type"]));
    let Some(map) = event.as_object() else {
        return out;
    };
    for (name, shape) in EVENT {
        if let Some(v) = map.get(*name) {
            out.push_str(&field(name, shape, v, ns));
        }
    }
    out.push_str(&extensions(
        map.iter().filter(|(k, _)| {
            !NOT_HASHED.contains(&k.as_str()) && !EVENT.iter().any(|(n, _)| n == k)
        }),
        ns,
    ));
    out
}

/// `ni:///sha-256;{hex}?ver=CBV2.0`
pub fn event_hash(event: &Value, ns: &Namespaces) -> String {
    let digest = Sha256::digest(prehash(event, ns).as_bytes());
    format!("ni:///sha-256;{}?ver=CBV2.0", hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_with_milliseconds() {
        assert_eq!(
            utc_millis("2020-03-04T11:00:30+01:00"),
            "2020-03-04T10:00:30.000Z"
        );
        assert_eq!(
            utc_millis("2020-03-04T11:00:30.5-02:30"),
            "2020-03-04T13:30:30.500Z"
        );
    }

    #[test]
    fn the_hash_ignores_record_time_and_event_id_but_not_the_event() {
        let ns = Namespaces::default();
        let a = serde_json::json!({"type": "ObjectEvent", "eventTime": "2020-01-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
            "epcList": ["urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2"], "action": "OBSERVE"});
        let mut b = a.clone();
        b["recordTime"] = "2021-01-01T00:00:00Z".into();
        b["eventID"] = "urn:uuid:1".into();
        b["epcList"] = serde_json::json!([
            "urn:epc:id:sgtin:4012345.011111.2",
            "https://example.com/01/04012345111118/21/1"
        ]);
        assert_eq!(
            event_hash(&a, &ns),
            event_hash(&b, &ns),
            "same event, other record time and order"
        );
        let mut c = a.clone();
        c["action"] = "ADD".into();
        assert_ne!(event_hash(&a, &ns), event_hash(&c, &ns));
    }
}
