//! A captured document read from a stream, never whole (issue 16.9): a
//! first pass keeps the document around its events (its outline) and
//! counts them, a second hands each event on as its own JSON text. A
//! capture spooled to a file is read twice from the file and held in
//! memory an event at a time, however large it is.
//!
//! Written with serde's `DeserializeSeed`s over `serde_json`'s reader
//! rather than with a streaming JSON crate: the events must come out as
//! `serde_json` raw values, byte for byte as sent, for the schema check and
//! the event hash.

use std::fmt;
use std::io::Read;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Where the events of an EPCISDocument are.
pub const DOCUMENT_LIST: &str = "/epcisBody/eventList";
/// Where the events of an EPCISQueryDocument's results are.
pub const QUERY_LIST: &str = "/epcisBody/queryResults/resultsBody/eventList";

/// A document with its event list emptied, and how many events it had.
#[derive(Debug)]
pub struct Outline {
    /// The document with its event list emptied (the whole document when
    /// it has no event list to empty).
    pub skeleton: Value,
    /// How many events the list held.
    pub events: usize,
    /// Where the events were, as a JSON pointer; empty when none.
    pub list_path: &'static str,
}

impl Outline {
    /// Checks the document around its events against the schema.
    pub fn check_skeleton(&self) -> Result<(), Vec<String>> {
        crate::document::validate(&self.skeleton)
    }

    /// Reads event `index` (its text `raw`) and checks it as an item of the
    /// event list; the errors name its place in the document.
    pub fn read_event(&self, index: usize, raw: &RawValue) -> Result<Value, Vec<String>> {
        let at = format!("{}/{index}", self.list_path);
        let event: Value =
            serde_json::from_str(raw.get()).map_err(|e| vec![format!("{at}: {e}")])?;
        let errors = crate::document::errors_of(&crate::document::EVENT_VALIDATOR, &event, &at);
        if errors.is_empty() {
            Ok(event)
        } else {
            Err(errors)
        }
    }
}

/// Why an outline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OutlineError {
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// Events both in `epcisBody.eventList` and in query results: which
    /// are the document's is not for the platform to guess.
    #[error(
        "a document carries its events in one list, not both {DOCUMENT_LIST} and {QUERY_LIST}"
    )]
    TwoLists,
}

/// The levels of a document the walk knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Body,
    Results,
    ResultsBody,
}

impl Level {
    /// The level below `key`, or the list `key` names, at this level.
    fn below(self, key: &str) -> Option<Below> {
        match (self, key) {
            (Level::Top, "epcisBody") => Some(Below::Level(Level::Body)),
            (Level::Body, "eventList") => Some(Below::List(DOCUMENT_LIST)),
            (Level::Body, "queryResults") => Some(Below::Level(Level::Results)),
            (Level::Results, "resultsBody") => Some(Below::Level(Level::ResultsBody)),
            (Level::ResultsBody, "eventList") => Some(Below::List(QUERY_LIST)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Below {
    Level(Level),
    List(&'static str),
}

/// Event lists found by the first pass, by where they were.
#[derive(Debug, Default)]
struct Counts {
    document: Option<usize>,
    query: Option<usize>,
}

/// Reads the outline of the document `reader` holds. Fails when it is not
/// JSON (or has events in both lists).
pub fn outline(reader: impl Read) -> Result<Outline, OutlineError> {
    let mut counts = Counts::default();
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, reader));
    let skeleton = OutlineSeed {
        level: Level::Top,
        counts: &mut counts,
    }
    .deserialize(&mut de)?;
    de.end()?;
    let (events, list_path) = match counts {
        Counts {
            document: Some(_),
            query: Some(_),
        } => return Err(OutlineError::TwoLists),
        Counts {
            document: Some(n), ..
        } => (n, DOCUMENT_LIST),
        Counts { query: Some(n), .. } => (n, QUERY_LIST),
        _ => (0, ""),
    };
    Ok(Outline {
        skeleton,
        events,
        list_path,
    })
}

/// Hands each event of the list at `list_path` in the document `reader`
/// holds to `each`, in order, as its text; `each` answers false to stop
/// early (the document is then not read to its end).
pub fn each_event(
    reader: impl Read,
    list_path: &str,
    mut each: impl FnMut(Box<RawValue>) -> bool,
) -> Result<(), serde_json::Error> {
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, reader));
    let mut stopped = false;
    let walked = EventSeed {
        level: Level::Top,
        list_path,
        each: &mut each,
        stopped: &mut stopped,
    }
    .deserialize(&mut de);
    match walked {
        Err(_) if stopped => Ok(()),
        Err(e) => Err(e),
        Ok(()) => de.end(),
    }
}

/// The first pass: a value as `serde_json` reads it, except that event
/// lists (at the places only) are counted, not kept.
struct OutlineSeed<'c> {
    level: Level,
    counts: &'c mut Counts,
}

impl<'de> DeserializeSeed<'de> for OutlineSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A value is kept as it is unless it is an object at a level the walk
/// knows by name.
macro_rules! keep_scalars {
    () => {
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Value>()? {
                items.push(item);
            }
            Ok(Value::Array(items))
        }
    };
}

impl<'de> Visitor<'de> for OutlineSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    keep_scalars!();
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match self.level.below(&key) {
                Some(Below::Level(level)) => map.next_value_seed(OutlineSeed {
                    level,
                    counts: &mut *self.counts,
                })?,
                Some(Below::List(path)) => {
                    let (value, count) = map.next_value_seed(ListCount)?;
                    if let Some(n) = count {
                        *if path == DOCUMENT_LIST {
                            &mut self.counts.document
                        } else {
                            &mut self.counts.query
                        } = Some(n);
                    }
                    value
                }
                None => map.next_value::<Value>()?,
            };
            // The last of repeated keys wins, as `serde_json` reads them.
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// An event list's place: a list is counted (and left empty), anything
/// else kept for the schema to name.
struct ListCount;

impl<'de> DeserializeSeed<'de> for ListCount {
    type Value = (Value, Option<usize>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListCount {
    type Value = (Value, Option<usize>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok((Value::Array(Vec::new()), Some(n)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = Map::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            object.insert(k, v);
        }
        Ok((Value::Object(object), None))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok((Value::Bool(v), None))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok((Value::from(v), None))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok((Value::from(v), None))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok((Value::from(v), None))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((Value::String(v.to_string()), None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, None))
    }
}

/// The second pass: everything skipped but the events of one list.
struct EventSeed<'a, F> {
    level: Level,
    list_path: &'a str,
    each: &'a mut F,
    stopped: &'a mut bool,
}

impl<'de, F: FnMut(Box<RawValue>) -> bool> DeserializeSeed<'de> for EventSeed<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(Box<RawValue>) -> bool> Visitor<'de> for EventSeed<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match self.level.below(&key) {
                Some(Below::Level(level)) => map.next_value_seed(EventSeed {
                    level,
                    list_path: self.list_path,
                    each: &mut *self.each,
                    stopped: &mut *self.stopped,
                })?,
                Some(Below::List(path)) if path == self.list_path => {
                    map.next_value_seed(EventList {
                        each: &mut *self.each,
                        stopped: &mut *self.stopped,
                    })?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The list whose events are handed on.
struct EventList<'a, F> {
    each: &'a mut F,
    stopped: &'a mut bool,
}

impl<'de, F: FnMut(Box<RawValue>) -> bool> DeserializeSeed<'de> for EventList<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Box<RawValue>) -> bool> Visitor<'de> for EventList<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        while let Some(event) = seq.next_element::<Box<RawValue>>()? {
            if !(self.each)(event) {
                *self.stopped = true;
                return Err(A::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}
