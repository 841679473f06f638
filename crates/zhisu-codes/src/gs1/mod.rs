//! GS1 Application Identifiers, driven by the GS1 Barcode Syntax
//! Dictionary read as data (`data/gs1-syntax-dictionary.txt`, the same
//! release as `../shared/conformance/gs1/`), not by a hand-typed table.
//!
//! - [`dictionary`]: every AI's format, linters, pairing rules and Digital
//!   Link role.
//! - [`lint`]: the check routines the dictionary names (mod-10 check digit,
//!   dates, …).
//! - [`element`]: element strings, bracketed `(01)…(21)…` and raw with FNC1.
//! - [`digital_link`]: GS1 Digital Link URIs, both ways.
//! - [`keys`]: GTIN, SSCC and GLN as types.

pub mod dictionary;
pub mod digital_link;
pub mod element;
pub mod keys;
pub mod lint;

pub use dictionary::{dictionary, AiEntry, Charset, Component};
pub use digital_link::{DigitalLink, DlError, DlOptions};
pub use element::{ElementError, ElementString};
pub use keys::{Gln, Gtin, KeyError, Sscc};
