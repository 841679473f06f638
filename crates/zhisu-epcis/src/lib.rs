//! EPCIS 2.0 for zhisu (G7, G9, G10.1): EPC URNs as GS1 Digital Link and
//! the CBV 2.0 event hash that identifies events without an `eventID`.
//!
//! Pure: JSON values (or a reader of a document) in, strings out; no
//! I/O of its own.

pub mod document;
pub mod epc;
pub mod hash;
pub mod outline;

pub use document::{
    cbv_uri, event_list, events_of, prepare, query_document, validate, CapturedEvent, Shared,
    MAX_ERRORS,
};
pub use epc::{canonical_identifier, urn_to_digital_link};
pub use hash::{event_hash, prehash, Namespaces};
pub use outline::{each_event, outline, Outline, OutlineError};

/// A query's time parameter as stored: UTC with milliseconds, or None when
/// it is not an RFC 3339 time.
pub fn normalize_time(value: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|_| hash::utc_millis(value))
}
