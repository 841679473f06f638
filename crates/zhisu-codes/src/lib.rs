//! Identifiers of the traceability world, parsed once at the edge into types.
//!
//! This crate is pure: no I/O, no async, no storage. Every parser returns a
//! typed value or an error that says which rule failed and, for check
//! characters, what the character should have been.

pub mod code_input;
pub mod gs1;
pub mod identify;
pub mod licence;
pub mod region;
pub mod scheme;
pub mod serial;
pub mod uscc;

pub use identify::{identify, IdCheck, IdKind};
pub use licence::{CccCertNo, LicenceError, ProductionLicenceNo};
pub use region::{province_name, RegionCode, RegionError};
pub use uscc::{Uscc, UsccError};
