//! 统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.
//!
//! Eighteen characters: registration authority (1), organisation type (1),
//! administrative region (6), organisation code per GB 11714 (8 + its own
//! mod-11 check character), and a final mod-31 check character.

use std::fmt;

/// GB 32100 §4.2: the 31 characters a USCC may use (no I, O, S, V, Z), in
/// the order that gives each its value 0..=30.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100 §5: weight of position i (1-based) is 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 §5: weights of the eight body characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// GB 32100 table 1: registration-authority codes in use.
const AUTHORITIES: &[u8] = b"123456789ANY";

/// A USCC whose format and both check characters were verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// Why a string is not a valid USCC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码应为18位，实际为{0}位 (a USCC has 18 characters, this has {0})")]
    Length(usize),
    #[error("第{position}位字符“{found}”不允许 (character {position} '{found}' is not allowed: GB 32100 uses 0-9 and A-Y without I, O, S, V, Z)")]
    IllegalCharacter { position: usize, found: char },
    #[error("第1位登记管理部门代码“{0}”无效 (registration authority code '{0}' is not one of 1-9, A, N, Y)")]
    Authority(char),
    #[error("第3-8位行政区划码“{0}”应为6位数字 (characters 3-8 must be a 6-digit region code, found '{0}')")]
    Region(String),
    #[error("组织机构代码校验位错误：应为“{expected}”，实际为“{found}” (organisation code check (GB 11714 mod 11) failed: character 17 should be '{expected}', found '{found}')")]
    OrgCodeCheck { expected: char, found: char },
    #[error("校验码错误：应为“{expected}”，实际为“{found}” (check character (GB 32100 mod 31) failed: character 18 should be '{expected}', found '{found}')")]
    CheckCharacter { expected: char, found: char },
}

impl UsccError {
    /// A stable machine name for the failed rule.
    pub fn code(&self) -> &'static str {
        match self {
            UsccError::Length(_) => "length",
            UsccError::IllegalCharacter { .. } => "illegal-character",
            UsccError::Authority(_) => "registration-authority",
            UsccError::Region(_) => "region-code",
            UsccError::OrgCodeCheck { .. } => "org-code-check",
            UsccError::CheckCharacter { .. } => "check-character",
        }
    }
}

fn charset_value(byte: u8) -> Option<u32> {
    CHARSET.iter().position(|&c| c == byte).map(|v| v as u32)
}

/// GB 11714: digits are their value, letters A..Z are 10..35.
fn org_value(byte: u8) -> u32 {
    match byte {
        b'0'..=b'9' => (byte - b'0') as u32,
        _ => (byte - b'A') as u32 + 10,
    }
}

/// GB 32100 §5: the check character for the first seventeen characters.
/// Precondition: every byte is in [`CHARSET`].
fn check_character(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| charset_value(b).expect("charset checked") * w)
        .sum();
    CHARSET[((31 - sum % 31) % 31) as usize] as char
}

/// GB 11714 §5: the organisation code's own check character.
fn org_check_character(body8: &[u8]) -> char {
    let sum: u32 = body8
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&b, w)| org_value(b) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).expect("single digit"),
    }
}

impl Uscc {
    /// Parses a USCC. Lowercase letters and surrounding spaces are accepted
    /// and normalised; every other deviation is an error naming the rule.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let normalized = input.trim().to_ascii_uppercase();
        let n_chars = normalized.chars().count();
        if n_chars != 18 {
            return Err(UsccError::Length(n_chars));
        }
        let bytes = normalized.as_bytes();
        for (idx, &b) in bytes.iter().enumerate() {
            if charset_value(b).is_none() {
                return Err(UsccError::IllegalCharacter {
                    position: idx + 1,
                    found: b as char,
                });
            }
        }
        if !AUTHORITIES.contains(&bytes[0]) {
            return Err(UsccError::Authority(bytes[0] as char));
        }
        let region = &normalized[2..8];
        if !region.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UsccError::Region(region.to_string()));
        }
        let org_expected = org_check_character(&bytes[8..16]);
        if bytes[16] as char != org_expected {
            return Err(UsccError::OrgCodeCheck {
                expected: org_expected,
                found: bytes[16] as char,
            });
        }
        let expected = check_character(&bytes[..17]);
        if bytes[17] as char != expected {
            return Err(UsccError::CheckCharacter {
                expected,
                found: bytes[17] as char,
            });
        }
        Ok(Uscc(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters 3-8: the administrative region where the code was issued.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Builds a valid USCC from the first sixteen characters, computing both
    /// check characters. Used by the demo and by tests to make fresh codes.
    pub fn from_prefix16(prefix16: &str) -> Result<Self, UsccError> {
        let upper = prefix16.to_ascii_uppercase();
        if upper.len() != 16 || !upper.bytes().all(|b| charset_value(b).is_some()) {
            return Err(UsccError::Length(upper.chars().count() + 2));
        }
        let mut s = upper;
        s.push(org_check_character(&s.as_bytes()[8..16]));
        let check = check_character(s.as_bytes());
        s.push(check);
        Uscc::parse(&s)
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real, published codes (business-licence notices).
    const VALID: &[&str] = &[
        "91350100M000100Y43",
        "91110000600037341L",
        "91440300708461136T",
    ];

    #[test]
    fn accepts_published_codes() {
        for code in VALID {
            assert_eq!(Uscc::parse(code).unwrap().as_str(), *code);
        }
        assert_eq!(
            Uscc::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn names_the_failed_check_and_the_expected_character() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Z43"),
            Err(UsccError::IllegalCharacter {
                position: 16,
                found: 'Z'
            })
        );
        // Change a body digit of the organisation code: its own check fails first.
        assert_eq!(
            Uscc::parse("91350100M000200Y43"),
            Err(UsccError::OrgCodeCheck {
                expected: 'X',
                found: '4'
            })
        );
        assert_eq!(Uscc::parse("9135"), Err(UsccError::Length(4)));
        assert_eq!(
            Uscc::parse("B1350100M000100Y43"),
            Err(UsccError::Authority('B'))
        );
        assert_eq!(
            Uscc::parse("9135A100M000100Y43").unwrap_err().code(),
            "region-code"
        );
        let message = Uscc::parse("91350100M000100Y44").unwrap_err().to_string();
        assert!(message.contains("should be '3'"), "{message}");
    }

    #[test]
    fn builds_codes_from_a_prefix() {
        let built = Uscc::from_prefix16("91350100M000100Y").unwrap();
        assert_eq!(built.as_str(), "91350100M000100Y43");
        assert_eq!(built.region_code(), "350100");
    }

    proptest::proptest! {
        #[test]
        fn any_single_substitution_is_caught(idx in 0usize..18, replacement in 0usize..31) {
            let original = VALID[0].as_bytes();
            let new_byte = CHARSET[replacement];
            proptest::prop_assume!(original[idx] != new_byte);
            let mut mutated = original.to_vec();
            mutated[idx] = new_byte;
            let mutated = String::from_utf8(mutated).unwrap();
            proptest::prop_assert!(Uscc::parse(&mutated).is_err(), "{} accepted", mutated);
        }
    }
}
