//! Fuzzes the GS1 Digital Link parser: no input may panic it, and whatever
//! it accepts must format back to a link that parses to the same AIs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhisu_codes::gs1::{DigitalLink, DlOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for options in [DlOptions::default(), DlOptions { permit_zero_suppressed_gtin: true, permit_convenience_alphas: true, permit_unknown_attributes: true }] {
        let Ok(link) = DigitalLink::parse(text, options) else { continue };
        let Ok(elements) = link.element_string() else { continue };
        let uri = DigitalLink::format("https://f.example", &elements).expect("an accepted link formats");
        let again = DigitalLink::parse(&uri, DlOptions::default()).expect("a formatted link parses");
        assert_eq!(again.element_string().expect("valid"), elements);
    }
    let _ = zhisu_codes::gs1::digital_link::canonical_item(text, "https://f.example");
});
