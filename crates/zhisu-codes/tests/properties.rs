//! Property tests: every GS1 form round-trips, and no input panics the
//! parsers (the fuzzing this project runs on stable Rust).

use proptest::prelude::*;
use zhisu_codes::gs1::digital_link::canonical_item;
use zhisu_codes::gs1::lint::mod10_check_digit;
use zhisu_codes::gs1::{DigitalLink, DlOptions, ElementString};
use zhisu_codes::serial::{SerialCodec, SerialKey};

/// A valid GTIN-14 from 13 random digits.
fn gtin() -> impl Strategy<Value = String> {
    "[0-9]{13}".prop_map(|body| format!("{body}{}", mod10_check_digit(&body).unwrap()))
}

/// A value in GS1 CSET 82, 1 to 20 characters (AIs 10 and 21).
fn cset82() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('A', 'Z'),
            proptest::char::range('a', 'z'),
            proptest::char::range('0', '9'),
            proptest::sample::select(vec![
                '!', '"', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', ':', ';', '<',
                '=', '>', '?', '_'
            ]),
        ],
        1..=20,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A valid expiry date YYMMDD.
fn date() -> impl Strategy<Value = String> {
    (0u32..100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn element_strings_round_trip(gtin in gtin(), lot in cset82(), serial in cset82(), expiry in date()) {
        let ais = vec![("01".to_string(), gtin.clone()), ("10".into(), lot), ("21".into(), serial), ("17".into(), expiry)];
        let elements = ElementString::new(ais).unwrap();
        prop_assert_eq!(ElementString::parse(&elements.to_bracketed()).unwrap(), elements.clone());
        prop_assert_eq!(ElementString::parse(&elements.to_raw()).unwrap(), elements.clone());
        let uri = DigitalLink::format("https://trace.example.cn", &elements).unwrap();
        let back = DigitalLink::parse(&uri, DlOptions::default()).unwrap();
        prop_assert_eq!(back.element_string().unwrap(), elements);
        prop_assert_eq!(back.prefix, "https://trace.example.cn");
    }

    #[test]
    fn serial_codes_round_trip_through_the_canonical_form(gtin in gtin(), batch in 0u64..1 << 40, index in 0u64..1 << 40) {
        let codec = SerialCodec::new(vec![SerialKey::new(3, [9; 16]).unwrap()]).unwrap();
        let serial = codec.encode(batch, index).unwrap();
        let uri = format!("https://t.cn/01/{gtin}/21/{serial}");
        prop_assert_eq!(canonical_item(&uri, "https://t.cn"), Some((gtin.as_str(), serial.as_str())));
        let parsed = DigitalLink::parse(&uri, DlOptions::default()).unwrap();
        prop_assert_eq!(&parsed.path()[1].1, &serial);
        prop_assert_eq!(codec.decode(&serial), Some((batch, index)));
    }

    #[test]
    fn parsers_never_panic(input in ".{0,120}") {
        let _ = ElementString::parse(&input);
        let _ = DigitalLink::parse(&input, DlOptions::default());
        let _ = DigitalLink::parse(&format!("https://a/01/{input}"), DlOptions { permit_zero_suppressed_gtin: true, permit_convenience_alphas: true, permit_unknown_attributes: true });
        let _ = canonical_item(&input, "https://a");
        let _ = zhisu_codes::identify(&input);
    }

    #[test]
    fn near_misses_never_panic(prefix in prop_oneof![Just("(01)"), Just("^01"), Just("https://a/01/"), Just("https://a/00/"), Just("(10)"), Just("https://a/01/09520123456788/21/")], rest in "[0-9A-Za-z%()^/?&=+#]{0,40}") {
        let input = format!("{prefix}{rest}");
        let _ = ElementString::parse(&input);
        let _ = DigitalLink::parse(&input, DlOptions::default());
        let _ = zhisu_codes::identify(&input);
    }
}
