//! GS1 identification keys with the mod-10 check digit: GTIN (8, 12, 13,
//! 14 digits, carried as GTIN-14), SSCC (18) and GLN (13).

use std::fmt;

use super::lint::mod10_check_digit;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("{kind} 应为 {expected} 位数字，实际为 {found} 位 ({kind} has {expected} digits, found {found})")]
    Length {
        kind: &'static str,
        expected: &'static str,
        found: usize,
    },
    #[error("{kind} 第 {position} 位“{found}”不是数字 ({kind}: character {position} '{found}' is not a digit)")]
    NotDigit {
        kind: &'static str,
        position: usize,
        found: char,
    },
    #[error("{kind} 校验位错误：应为 {expected}，实际为 {found} ({kind} check digit should be {expected}, found {found})")]
    CheckDigit {
        kind: &'static str,
        expected: u8,
        found: char,
    },
}

fn check(
    kind: &'static str,
    input: &str,
    lengths: &[usize],
    expected: &'static str,
) -> Result<String, KeyError> {
    let s = input.trim();
    if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(KeyError::NotDigit {
            kind,
            position: i + 1,
            found: c,
        });
    }
    if !lengths.contains(&s.len()) {
        return Err(KeyError::Length {
            kind,
            expected,
            found: s.len(),
        });
    }
    let digit = mod10_check_digit(&s[..s.len() - 1]).expect("digits");
    let found = s.as_bytes()[s.len() - 1] as char;
    if found as u8 != b'0' + digit {
        return Err(KeyError::CheckDigit {
            kind,
            expected: digit,
            found,
        });
    }
    Ok(s.to_string())
}

/// A GTIN, normalised to 14 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Accepts GTIN-8, -12, -13 and -14 and pads to 14 digits.
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        let s = check("GTIN", input, &[8, 12, 13, 14], "8/12/13/14")?;
        Ok(Gtin(format!("{s:0>14}")))
    }

    /// Accepts exactly 14 digits (no zero suppression).
    pub fn parse_14(input: &str) -> Result<Self, KeyError> {
        check("GTIN", input, &[14], "14").map(Gtin)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Serial Shipping Container Code: a transport package (G6.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sscc(String);

impl Sscc {
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        check("SSCC", input, &[18], "18").map(Sscc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Global Location Number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gln(String);

impl Gln {
    pub fn parse(input: &str) -> Result<Self, KeyError> {
        check("GLN", input, &[13], "13").map(Gln)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
display!(Gtin, Sscc, Gln);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(
            Gtin::parse("9520123456788").unwrap().as_str(),
            "09520123456788"
        );
        assert_eq!(Gtin::parse("02345673").unwrap().as_str(), "00000002345673");
        assert!(Gtin::parse_14("9520123456788").is_err());
        assert_eq!(
            Gtin::parse("09520123456789"),
            Err(KeyError::CheckDigit {
                kind: "GTIN",
                expected: 8,
                found: '9'
            })
        );
        assert_eq!(
            Gtin::parse("0952012345678A"),
            Err(KeyError::NotDigit {
                kind: "GTIN",
                position: 14,
                found: 'A'
            })
        );
        assert!(Sscc::parse("123456789012345675").is_ok());
        assert!(Gln::parse("9520123456788").is_ok());
        assert!(Gln::parse("952012345678").is_err());
    }
}
