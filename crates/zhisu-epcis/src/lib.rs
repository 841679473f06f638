//! EPCIS 2.0 for zhisu (G7, G9, G10.1): EPC URNs as GS1 Digital Link and
//! the CBV 2.0 event hash that identifies events without an `eventID`.
//!
//! Pure: JSON values in, strings out; no I/O.

pub mod epc;
pub mod hash;

pub use epc::{canonical_identifier, urn_to_digital_link};
pub use hash::{event_hash, prehash, Namespaces};
