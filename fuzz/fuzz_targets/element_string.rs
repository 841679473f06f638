//! Fuzzes the element-string parser (bracketed and raw with FNC1): no input
//! may panic it, and whatever it accepts round-trips through both forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhisu_codes::gs1::ElementString;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(elements) = ElementString::parse(text) else { return };
    assert_eq!(ElementString::parse(&elements.to_bracketed()).expect("bracketed form parses"), elements);
    assert_eq!(ElementString::parse(&elements.to_raw()).expect("raw form parses"), elements);
    let _ = zhisu_codes::identify(text);
});
