//! Fuzzes the GS1 Digital Link parser: no input may panic it, and whatever
//! it accepts with the default options formats back to a link that parses
//! to the same AIs. (The permissive options may accept AIs unknown to the
//! dictionary, which `format` rightly refuses to emit; those inputs are
//! checked for panics only.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhisu_codes::gs1::{DigitalLink, DlOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(link) = DigitalLink::parse(text, DlOptions::default()) {
        let elements = link.element_string().expect("an accepted link has a valid element string");
        let uri = DigitalLink::format("https://f.example", &elements).expect("an accepted link formats");
        let again = DigitalLink::parse(&uri, DlOptions::default()).expect("a formatted link parses");
        assert_eq!(again.element_string().expect("valid"), elements);
    }
    let permissive = DlOptions { permit_zero_suppressed_gtin: true, permit_convenience_alphas: true, permit_unknown_attributes: true };
    if let Ok(link) = DigitalLink::parse(text, permissive) {
        let _ = link.element_string();
    }
    let _ = zhisu_codes::gs1::digital_link::canonical_item(text, "https://f.example");
});
