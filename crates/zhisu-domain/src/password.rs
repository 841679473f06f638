//! The password policy (issue 16.5, 等保 level 3 / GB/T 22239 identity
//! authentication: passwords of sufficient complexity): 10 to 128
//! characters; at least three kinds of character (lower case, upper case,
//! digits, symbols, 汉字), or, for a pass phrase of 16 or more, two; not
//! the log-in name nor containing it; not one of the common passwords in
//! `data/common-passwords.txt`.

use crate::validation::FieldError;

pub const MIN_CHARS: usize = 10;
/// Bounded, so hashing a password costs the same for everyone.
pub const MAX_CHARS: usize = 128;
/// From this length a pass phrase needs only two kinds of character.
pub const PHRASE_CHARS: usize = 16;

const COMMON: &str = include_str!("../data/common-passwords.txt");

fn common() -> impl Iterator<Item = &'static str> {
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// How many kinds of character `password` uses: lower case, upper case,
/// digits, symbols, and letters without case (汉字 and the like).
fn classes(password: &str) -> usize {
    let kinds = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
        password
            .chars()
            .any(|c| c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase()),
    ];
    kinds.iter().filter(|k| **k).count()
}

/// The first rule `password` breaks for the account `login`, as a finding
/// on the field `password`.
pub fn check(login: &str, password: &str) -> Result<(), FieldError> {
    let bad = |code: &str, zh: &str, en: &str| {
        Err(FieldError::new("password", code, format!("{zh} ({en})")))
    };
    let count = password.chars().count();
    if password.trim().is_empty() || count < MIN_CHARS {
        return bad(
            "too-short",
            &format!("密码至少{MIN_CHARS}位，且不能全是空格"),
            &format!("the password needs at least {MIN_CHARS} characters, not only spaces"),
        );
    }
    if count > MAX_CHARS {
        return bad(
            "too-long",
            &format!("密码最多{MAX_CHARS}位"),
            &format!("the password has at most {MAX_CHARS} characters"),
        );
    }
    let needed = if count >= PHRASE_CHARS { 2 } else { 3 };
    if classes(password) < needed {
        return bad(
            "too-simple",
            &format!("密码须包含大写字母、小写字母、数字、符号、汉字中的至少{needed}种（16位及以上的口令句至少2种）"),
            &format!("use at least {needed} of upper case, lower case, digits, symbols and Chinese characters (2 for a pass phrase of 16 or more)"),
        );
    }
    let lower = password.to_lowercase();
    let login = login.trim().to_lowercase();
    if !login.is_empty() && lower.contains(&login) {
        return bad(
            "contains-login",
            "密码不能包含登录名",
            "the password must not contain the log-in name",
        );
    }
    if common().any(|c| c.to_lowercase() == lower) {
        return bad(
            "common",
            "这是常见密码，容易被猜中，请换一个",
            "a common password, easily guessed: choose another",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(login: &str, password: &str) -> Option<String> {
        check(login, password).err().map(|e| e.code)
    }

    #[test]
    fn the_issues_passwords_are_refused() {
        assert_eq!(code("wang", "aaaaaaaaaa").as_deref(), Some("too-simple"));
        assert_eq!(code("wang", "1234567890").as_deref(), Some("too-simple"));
        assert_eq!(code("wang", "          ").as_deref(), Some("too-short"));
        assert_eq!(
            code("wang", &"aA1!".repeat(25_000)).as_deref(),
            Some("too-long")
        );
        assert_eq!(
            code("cable-admin", "Cable-Admin2026").as_deref(),
            Some("contains-login")
        );
        assert_eq!(code("wang", "P@ssw0rd123").as_deref(), Some("common"));
        assert_eq!(code("wang", "short1A!").as_deref(), Some("too-short"));
    }

    #[test]
    fn good_passwords_and_pass_phrases_are_taken() {
        for ok in [
            "Gx7-wq2Lm9",
            "correct-horse-battery",
            "安燃燃气具-2026-质检",
            "mQ4vT8zK1pR6",
        ] {
            assert_eq!(code("wang", ok), None, "{ok}");
        }
    }

    /// Keeps the data file and the code in step: every listed password
    /// is refused, and the list has no duplicates.
    #[test]
    fn every_common_password_is_refused() {
        let mut seen = std::collections::HashSet::new();
        for p in common() {
            assert!(seen.insert(p.to_lowercase()), "listed twice: {p}");
            assert!(check("someone", p).is_err(), "{p} is listed but taken");
            let shouty: String = p.to_uppercase();
            assert!(check("someone", &shouty).is_err(), "{shouty}");
        }
        assert!(seen.len() >= 40);
    }
}
