//! GS1 element strings: a list of (AI, value) pairs, written bracketed
//! `(01)09520123456788(21)ABC` or raw with FNC1 `^0109520123456788^21ABC`
//! (`^` or ASCII GS 0x1D as the separator).

use std::fmt;

use super::dictionary::{dictionary, matches_pattern, AiEntry};
use super::lint::lint;

/// Why an element string (or an AI value) is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElementError {
    #[error("空的元素串 (the element string is empty)")]
    Empty,
    #[error("未知的应用标识符 AI ({0}) (unknown Application Identifier at '{0}')")]
    UnknownAi(String),
    #[error("AI ({ai}) 的值“{value}”长度应为 {min}-{max} (AI ({ai}): '{value}' should have {min} to {max} characters)")]
    Length {
        ai: String,
        value: String,
        min: usize,
        max: usize,
    },
    #[error("AI ({ai}) 的值“{value}”第 {position} 位字符“{found}”不允许 (AI ({ai}): character {position} '{found}' is not allowed)")]
    Character {
        ai: String,
        value: String,
        position: usize,
        found: char,
    },
    #[error("AI ({ai}): {message}")]
    Check { ai: String, message: String },
    #[error("AI ({0}) 重复出现且值不同 (AI ({0}) appears twice with different values)")]
    Duplicate(String),
    #[error("AI ({ai}) 须与 {needs} 同时出现 (AI ({ai}) requires one of: {needs})")]
    Requires { ai: String, needs: String },
    #[error("AI ({ai}) 不能与 AI ({other}) 同时出现 (AI ({ai}) may not appear with AI ({other}))")]
    Excludes { ai: String, other: String },
    #[error("元素串格式错误：{0} (malformed element string: {0})")]
    Syntax(String),
}

/// Checks one AI's value against the dictionary: length, character set of
/// each component, and each component's check routines.
pub fn validate_value(entry: &AiEntry, value: &str) -> Result<(), ElementError> {
    let ai = &entry.ai;
    // Every AI character set is ASCII, so byte positions are character positions.
    if let Some((i, c)) = value.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Err(ElementError::Character {
            ai: ai.clone(),
            value: value.into(),
            position: i + 1,
            found: c,
        });
    }
    let len = value.len();
    let (min, max) = entry.length_range();
    if len < min || len > max {
        return Err(ElementError::Length {
            ai: ai.clone(),
            value: value.into(),
            min,
            max,
        });
    }
    let mut pos = 0;
    for component in &entry.components {
        if pos == len && component.optional {
            break;
        }
        let take = if component.min == component.max {
            component.max
        } else {
            len - pos
        };
        if pos + take > len || take < component.min || take > component.max {
            return Err(ElementError::Length {
                ai: ai.clone(),
                value: value.into(),
                min,
                max,
            });
        }
        let part = &value[pos..pos + take];
        if let Some((i, c)) = part
            .char_indices()
            .find(|(_, c)| !component.charset.allows(*c))
        {
            return Err(ElementError::Character {
                ai: ai.clone(),
                value: value.into(),
                position: pos + i + 1,
                found: c,
            });
        }
        for linter in &component.linters {
            lint(linter, part).map_err(|message| ElementError::Check {
                ai: ai.clone(),
                message,
            })?;
        }
        pos += take;
    }
    if pos != len {
        return Err(ElementError::Length {
            ai: ai.clone(),
            value: value.into(),
            min,
            max,
        });
    }
    Ok(())
}

/// Checks the dictionary's pairing rules (`req=`, `ex=`) over a whole set of AIs.
pub fn check_associations(ais: &[(String, String)]) -> Result<(), ElementError> {
    let present = |pattern: &str, except: &str| {
        ais.iter()
            .any(|(a, _)| a != except && matches_pattern(pattern, a))
    };
    for (ai, _) in ais {
        let Some(entry) = dictionary().get(ai) else {
            continue;
        };
        for group in &entry.requires {
            let satisfied = group
                .iter()
                .any(|alternative| alternative.iter().all(|p| present(p, "")));
            if !satisfied {
                let needs = group
                    .iter()
                    .map(|alt| {
                        alt.iter()
                            .map(|a| format!("({a})"))
                            .collect::<Vec<_>>()
                            .join("+")
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ElementError::Requires {
                    ai: ai.clone(),
                    needs,
                });
            }
        }
        for pattern in &entry.excludes {
            if let Some((other, _)) = ais
                .iter()
                .find(|(a, _)| a != ai && matches_pattern(pattern, a))
            {
                return Err(ElementError::Excludes {
                    ai: ai.clone(),
                    other: other.clone(),
                });
            }
        }
    }
    Ok(())
}

/// A validated list of AIs in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementString {
    ais: Vec<(String, String)>,
}

const FNC1: char = '^';
const GS: char = '\u{1d}';

impl ElementString {
    /// Builds from (AI, value) pairs, validating values and pairings.
    pub fn new(ais: Vec<(String, String)>) -> Result<Self, ElementError> {
        if ais.is_empty() {
            return Err(ElementError::Empty);
        }
        let mut seen: Vec<(String, String)> = Vec::new();
        for (ai, value) in ais {
            let entry = dictionary()
                .get(&ai)
                .ok_or_else(|| ElementError::UnknownAi(ai.clone()))?;
            validate_value(entry, &value)?;
            match seen.iter().find(|(a, _)| *a == ai) {
                Some((_, v)) if *v != value => return Err(ElementError::Duplicate(ai)),
                Some(_) => {}
                None => seen.push((ai, value)),
            }
        }
        check_associations(&seen)?;
        Ok(ElementString { ais: seen })
    }

    /// Parses the bracketed (`(01)…`) or raw (`^01…`, GS separators) form.
    pub fn parse(input: &str) -> Result<Self, ElementError> {
        let input = input.trim();
        if input.starts_with('(') {
            Self::parse_bracketed(input)
        } else {
            Self::parse_raw(input)
        }
    }

    fn parse_bracketed(input: &str) -> Result<Self, ElementError> {
        let mut ais = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let after = rest
                .strip_prefix('(')
                .ok_or_else(|| ElementError::Syntax(format!("expected '(' at '{rest}'")))?;
            let (ai, tail) = after
                .split_once(')')
                .ok_or_else(|| ElementError::Syntax("unclosed '('".into()))?;
            if !(2..=4).contains(&ai.len()) || !ai.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ElementError::Syntax(format!("'({ai})' is not an AI")));
            }
            let mut value = String::new();
            let mut chars = tail.char_indices().peekable();
            let mut end = tail.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if chars.peek().is_some_and(|(_, n)| *n == '(') => {
                        value.push('(');
                        chars.next();
                    }
                    '(' => {
                        end = i;
                        break;
                    }
                    other => value.push(other),
                }
            }
            ais.push((ai.to_string(), value));
            rest = &tail[end..];
        }
        Self::new(ais)
    }

    fn parse_raw(input: &str) -> Result<Self, ElementError> {
        let data = input
            .strip_prefix(FNC1)
            .or_else(|| input.strip_prefix(GS))
            .unwrap_or(input);
        let mut ais = Vec::new();
        let mut rest = data;
        while !rest.is_empty() {
            let entry = dictionary()
                .prefix_of(rest)
                .ok_or_else(|| ElementError::UnknownAi(rest.chars().take(4).collect()))?;
            rest = &rest[entry.ai.len()..];
            let value: String = if entry.predefined_length {
                let n = entry.length_range().1;
                let v: String = rest.chars().take(n).collect();
                rest = &rest[v.len()..];
                v
            } else {
                let end = rest.find([FNC1, GS]).unwrap_or(rest.len());
                let v = rest[..end].to_string();
                rest = &rest[end..];
                v
            };
            rest = rest.strip_prefix([FNC1, GS]).unwrap_or(rest);
            ais.push((entry.ai.clone(), value));
        }
        Self::new(ais)
    }

    /// A list taken as it is, for AIs the dictionary does not know
    /// (only where an option explicitly allows them).
    pub(crate) fn unchecked(ais: Vec<(String, String)>) -> Self {
        ElementString { ais }
    }

    pub fn ais(&self) -> &[(String, String)] {
        &self.ais
    }

    pub fn get(&self, ai: &str) -> Option<&str> {
        self.ais
            .iter()
            .find(|(a, _)| a == ai)
            .map(|(_, v)| v.as_str())
    }

    /// `^0109520123456788^21ABC`: FNC1 first, and after every AI that is not
    /// of predefined length unless it is last.
    pub fn to_raw(&self) -> String {
        let mut out = String::from(FNC1);
        for (i, (ai, value)) in self.ais.iter().enumerate() {
            out.push_str(ai);
            out.push_str(value);
            let predefined = dictionary().get(ai).is_some_and(|e| e.predefined_length);
            if !predefined && i + 1 < self.ais.len() {
                out.push(FNC1);
            }
        }
        out
    }

    /// `(01)09520123456788(21)ABC`, with `(` in values escaped as `\(`.
    pub fn to_bracketed(&self) -> String {
        self.ais
            .iter()
            .map(|(ai, value)| format!("({ai}){}", value.replace('(', "\\(")))
            .collect()
    }
}

impl fmt::Display for ElementString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_bracketed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_parse_to_the_same_list() {
        let a = ElementString::parse("(01)09520123456788(10)ABC123(21)XYZ(17)251231").unwrap();
        let b = ElementString::parse("^010952012345678810ABC123^21XYZ^17251231").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_raw(), "^010952012345678810ABC123^21XYZ^17251231");
        assert_eq!(
            a.to_bracketed(),
            "(01)09520123456788(10)ABC123(21)XYZ(17)251231"
        );
        assert_eq!(
            ElementString::parse("\u{1d}0109520123456788\u{1d}21XYZ")
                .unwrap()
                .get("21"),
            Some("XYZ")
        );
        let escaped = ElementString::parse("(01)09520123456788(21)A\\(B").unwrap();
        assert_eq!(escaped.get("21"), Some("A(B"));
        assert_eq!(escaped.to_bracketed(), "(01)09520123456788(21)A\\(B");
    }

    #[test]
    fn refuses_what_the_dictionary_refuses() {
        use ElementError::*;
        let err = |s: &str| ElementString::parse(s).unwrap_err();
        assert!(
            matches!(err("(01)09520123456789"), Check { .. }),
            "check digit"
        );
        assert!(matches!(err("(01)0952012345678"), Length { .. }));
        assert!(
            matches!(err("(01)09520123456788(17)250231"), Check { .. }),
            "31 February"
        );
        assert!(matches!(
            err("(01)09520123456788(10)ABC DEF"),
            Character { position: 4, .. }
        ));
        assert!(matches!(
            err("(01)09520123456788(10)ABCDEFGHIJKLMNOPQRSTU"),
            Length { max: 20, .. }
        ));
        assert!(
            matches!(err("(21)XYZ"), Requires { .. }),
            "a serial needs a GTIN"
        );
        assert!(
            matches!(err("(01)09520123456788(37)10"), Excludes { .. }),
            "a trade item does not carry a count"
        );
        assert!(matches!(err("(01)09520123456788(10)A(10)B"), Duplicate(_)));
        assert!(matches!(err("(99"), Syntax(_)));
        assert!(matches!(err("^2312345"), UnknownAi(_)));
    }
}
