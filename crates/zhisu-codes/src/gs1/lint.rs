//! The check routines ("linters") the GS1 syntax dictionary names,
//! applied to one component of an AI value.
//!
//! Routines that need an external registry (country, currency, media and
//! package-type code lists, GS1 Company Prefix lengths, coupon formats) are
//! listed in [`UNCHECKED`] and accept any value of the right format.

/// Linters accepted without a content check in this build.
pub const UNCHECKED: &[&str] = &[
    "gcppos1",
    "gcppos2",
    "iso3166",
    "iso3166999",
    "iso3166alpha2",
    "iso4217",
    "mediatype",
    "packagetype",
    "importeridx",
    "couponcode",
    "couponposoffer",
];

/// GS1 General Specifications §7.9.1: the mod-10 check digit of `digits`
/// (without its check digit), weights 3 and 1 from the right.
pub fn mod10_check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum += (c - b'0') as u32 * weight;
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether the last digit of `digits` is its mod-10 check digit.
pub fn has_valid_check_digit(digits: &str) -> bool {
    match digits.len() {
        0 | 1 => false,
        n => mod10_check_digit(&digits[..n - 1])
            .is_some_and(|d| digits.as_bytes()[n - 1] == b'0' + d),
    }
}

/// CSET 82 in the order GS1 numbers it for check character pairs.
const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const PRIMES: [u32; 24] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
];

/// GS1 General Specifications §7.9.5: the check character pair of an
/// alphanumeric value (weights are primes from the right, sum mod 1021).
pub fn check_character_pair(value: &str) -> Option<[char; 2]> {
    let n = value.chars().count();
    if n > PRIMES.len() {
        return None;
    }
    let mut sum = 0u32;
    for (i, c) in value.chars().enumerate() {
        let v = CSET82.find(c)? as u32;
        sum += v * PRIMES[n - 1 - i];
    }
    let sum = sum % 1021;
    Some([
        CSET32[(sum / 32) as usize] as char,
        CSET32[(sum % 32) as usize] as char,
    ])
}

fn two(s: &str, at: usize) -> u32 {
    s[at..at + 2].parse().unwrap_or(99)
}

fn check_date(s: &str, day_zero_allowed: bool) -> bool {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (yy, mm, dd) = (two(s, 0), two(s, 2), two(s, 4));
    if !(1..=12).contains(&mm) {
        return false;
    }
    if dd == 0 {
        return day_zero_allowed;
    }
    // GS1 General Specifications §7.12: the century is the one that puts
    // the year nearest to now; leap years only matter for February.
    let year = 2000 + yy;
    let days = match mm {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    dd <= days
}

/// Applies the named linter to a component's value.
pub fn lint(name: &str, value: &str) -> Result<(), String> {
    let ok = match name {
        "csum" => has_valid_check_digit(value),
        "csumalpha" => {
            let n = value.chars().count();
            n > 2
                && check_character_pair(&value[..n - 2])
                    .is_some_and(|pair| value.ends_with(&pair.iter().collect::<String>()))
        }
        "yymmd0" => check_date(value, true),
        "yymmdd" => check_date(value, false),
        "yyyymmdd" => {
            value.len() == 8 && check_date(&value[2..], false) && value[..2].parse::<u32>().is_ok()
        }
        "hhmi" => value.len() == 4 && two(value, 0) < 24 && two(value, 2) < 60,
        "hh" => value.len() == 2 && two(value, 0) < 24,
        "mi" | "ss" => value.len() == 2 && two(value, 0) < 60,
        "nonzero" => value.bytes().any(|b| b != b'0'),
        "zero" => value == "0",
        "yesno" => value == "0" || value == "1",
        "winding" => matches!(value, "0" | "1" | "9"),
        "iso5218" => matches!(value, "0" | "1" | "2" | "9"),
        "hyphen" => value.chars().all(|c| c == '-'),
        "hasnondigit" => value.bytes().any(|b| !b.is_ascii_digit()),
        "nozeroprefix" => value == "0" || !value.starts_with('0'),
        "pieceoftotal" => {
            let half = value.len() / 2;
            let (piece, total) = (
                value[..half].parse::<u32>().unwrap_or(0),
                value[half..].parse::<u32>().unwrap_or(0),
            );
            value.len().is_multiple_of(2) && piece >= 1 && total >= 1 && piece <= total
        }
        "posinseqslash" => match value.split_once('/') {
            Some((p, t)) => {
                matches!((p.parse::<u32>(), t.parse::<u32>()), (Ok(p), Ok(t)) if p >= 1 && p <= t)
                    && !p.starts_with('0')
                    && !t.starts_with('0')
            }
            None => false,
        },
        "latitude" => value.parse::<u64>().is_ok_and(|v| v <= 1_800_000_000),
        "longitude" => value.parse::<u64>().is_ok_and(|v| v <= 3_600_000_000),
        "pcenc" => {
            let bytes = value.as_bytes();
            let mut i = 0;
            let mut ok = true;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    ok &= bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                        && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
                    i += 3;
                } else {
                    i += 1;
                }
            }
            ok
        }
        "iban" => {
            // ISO 13616: move the first four characters to the end, letters to
            // numbers (A = 10), and the whole must be 1 mod 97.
            value.len() >= 5
                && value
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                && {
                    let rotated = format!("{}{}", &value[4..], &value[..4]);
                    let mut rem = 0u32;
                    for c in rotated.chars() {
                        let v = c.to_digit(36).unwrap_or(0);
                        rem = if v >= 10 {
                            (rem * 100 + v) % 97
                        } else {
                            (rem * 10 + v) % 97
                        };
                    }
                    rem == 1
                }
        }
        unchecked if UNCHECKED.contains(&unchecked) => true,
        unknown => return Err(format!("unknown check routine '{unknown}'")),
    };
    if ok {
        Ok(())
    } else {
        Err(match name {
            "csum" => {
                let n = value.len();
                let expected = mod10_check_digit(&value[..n.saturating_sub(1)])
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "?".into());
                format!("校验位错误，应为 {expected} (wrong check digit: it should be {expected})")
            }
            "yymmd0" | "yymmdd" | "yyyymmdd" => {
                format!("“{value}”不是有效日期 ('{value}' is not a valid date)")
            }
            _ => format!("“{value}”未通过 {name} 校验 ('{value}' fails the {name} check)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert_eq!(mod10_check_digit("0952012345678"), Some(8));
        assert!(has_valid_check_digit("09520123456788"));
        assert!(!has_valid_check_digit("09520123456789"));
        assert_eq!(
            lint("csum", "09520123456789").unwrap_err(),
            "校验位错误，应为 8 (wrong check digit: it should be 8)"
        );
    }

    #[test]
    fn check_character_pairs() {
        // GS1 General Specifications §7.9.5 worked example.
        assert_eq!(
            check_character_pair("1987654Ad4X4bL5ttr2310c"),
            Some(['2', 'K'])
        );
        assert!(lint("csumalpha", "1987654Ad4X4bL5ttr2310c2K").is_ok());
        assert!(lint("csumalpha", "1987654Ad4X4bL5ttr2310c2L").is_err());
    }

    #[test]
    fn dates_and_other_routines() {
        assert!(lint("yymmd0", "250200").is_ok());
        assert!(lint("yymmdd", "250200").is_err());
        assert!(lint("yymmd0", "250231").is_err(), "31 February");
        assert!(lint("yymmdd", "240229").is_ok() && lint("yymmdd", "250229").is_err());
        assert!(lint("hhmi", "2359").is_ok() && lint("hhmi", "2460").is_err());
        assert!(lint("pieceoftotal", "0102").is_ok() && lint("pieceoftotal", "0301").is_err());
        assert!(
            lint("iban", "GB82WEST12345698765432").is_ok()
                && lint("iban", "GB82WEST12345698765433").is_err()
        );
        assert!(lint("pcenc", "a%2Fb").is_ok() && lint("pcenc", "a%2").is_err());
        assert!(lint("posinseqslash", "1/3").is_ok() && lint("posinseqslash", "4/3").is_err());
        assert!(lint("nonsense", "x").is_err());
    }
}
