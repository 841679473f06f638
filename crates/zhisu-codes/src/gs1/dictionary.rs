//! The GS1 Barcode Syntax Dictionary, parsed once at first use.
//!
//! Line syntax (from the file's own header): `AIs [Flags] Specification
//! [Attributes…] [# Title]`, where `*` marks a predefined-length AI that
//! needs no FNC1 separator and `?` one permitted as a Digital Link data
//! attribute; each specification component is `Type[,linter…]` with types
//! N (digits), X (CSET 82), Y (CSET 39), Z (base64url); `[…]` marks an
//! optional component; attributes are `req=`, `ex=` and `dlpkey[=…]`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The dictionary text this build carries.
pub const DICTIONARY_TEXT: &str = include_str!("../../data/gs1-syntax-dictionary.txt");

/// The character set of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Digits.
    N,
    /// GS1 AI encodable character set 82.
    X,
    /// GS1 AI encodable character set 39.
    Y,
    /// base64url.
    Z,
}

impl Charset {
    pub fn allows(self, c: char) -> bool {
        match self {
            Charset::N => c.is_ascii_digit(),
            Charset::X => c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c),
            Charset::Y => c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c),
            Charset::Z => c.is_ascii_alphanumeric() || "-_=".contains(c),
        }
    }
}

/// One part of an AI's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub charset: Charset,
    pub min: usize,
    pub max: usize,
    pub optional: bool,
    pub linters: Vec<String>,
}

/// One AI as the dictionary describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiEntry {
    pub ai: String,
    /// `*`: predefined length, no FNC1 separator needed after it.
    pub predefined_length: bool,
    /// `?`: permitted as a Digital Link data attribute (query parameter).
    pub dl_attribute: bool,
    pub components: Vec<Component>,
    /// Each `req=` attribute: alternatives, each a list of AIs or patterns
    /// (`n` matches any digit) that must all be present.
    pub requires: Vec<Vec<Vec<String>>>,
    /// `ex=`: AIs or patterns that must not appear with this one.
    pub excludes: Vec<String>,
    /// `dlpkey`: a Digital Link primary key, with its alternative ordered
    /// qualifier sequences (`dlpkey=22,10,21|235`); empty for no qualifiers.
    pub dl_primary_key: Option<Vec<Vec<String>>>,
    pub title: String,
}

impl AiEntry {
    /// The value's length range.
    pub fn length_range(&self) -> (usize, usize) {
        let min = self
            .components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| c.min)
            .sum();
        let max = self.components.iter().map(|c| c.max).sum();
        (min, max)
    }
}

/// Whether `ai` matches a dictionary pattern such as `31nn` or `392n`.
pub fn matches_pattern(pattern: &str, ai: &str) -> bool {
    pattern.len() == ai.len()
        && pattern
            .chars()
            .zip(ai.chars())
            .all(|(p, a)| p == a || (p == 'n' && a.is_ascii_digit()))
}

fn parse_component(token: &str) -> Result<Component, String> {
    let optional = token.starts_with('[');
    let cleaned: String = token.chars().filter(|c| *c != '[' && *c != ']').collect();
    let mut parts = cleaned.split(',');
    let format = parts.next().unwrap_or("");
    let mut chars = format.chars();
    let charset = match chars.next() {
        Some('N') => Charset::N,
        Some('X') => Charset::X,
        Some('Y') => Charset::Y,
        Some('Z') => Charset::Z,
        _ => return Err(format!("unknown component type in {token}")),
    };
    let length = chars.as_str();
    let (min, max) = match length.strip_prefix("..") {
        Some(max) => (
            1,
            max.parse().map_err(|_| format!("bad length in {token}"))?,
        ),
        None => {
            let n = length
                .parse()
                .map_err(|_| format!("bad length in {token}"))?;
            (n, n)
        }
    };
    Ok(Component {
        charset,
        min,
        max,
        optional,
        linters: parts.map(str::to_string).collect(),
    })
}

fn expand_range(ais: &str) -> Result<Vec<String>, String> {
    match ais.split_once('-') {
        None => Ok(vec![ais.to_string()]),
        Some((from, to)) => {
            let (a, b): (u32, u32) = (
                from.parse().map_err(|_| ais.to_string())?,
                to.parse().map_err(|_| ais.to_string())?,
            );
            Ok((a..=b)
                .map(|n| format!("{n:0width$}", width = from.len()))
                .collect())
        }
    }
}

/// Parses the dictionary text.
pub fn parse(text: &str) -> Result<Vec<AiEntry>, String> {
    let mut entries = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (body, title) = match line.split_once('#') {
            Some((b, t)) => (b, t.trim().to_string()),
            None => (line, String::new()),
        };
        let mut tokens = body.split_whitespace().peekable();
        let ais = tokens
            .next()
            .ok_or_else(|| format!("line {}: empty", n + 1))?;
        let mut predefined_length = false;
        let mut dl_attribute = false;
        if let Some(flags) = tokens
            .peek()
            .filter(|t| !t.starts_with(['N', 'X', 'Y', 'Z', '[']))
        {
            predefined_length = flags.contains('*');
            dl_attribute = flags.contains('?');
            tokens.next();
        }
        let mut components = Vec::new();
        let mut requires = Vec::new();
        let mut excludes = Vec::new();
        let mut dl_primary_key = None;
        for token in tokens {
            if let Some(value) = token.strip_prefix("req=") {
                requires.push(
                    value
                        .split(',')
                        .map(|alt| alt.split('+').map(str::to_string).collect())
                        .collect(),
                );
            } else if let Some(value) = token.strip_prefix("ex=") {
                excludes.extend(value.split(',').map(str::to_string));
            } else if token == "dlpkey" {
                dl_primary_key = Some(vec![]);
            } else if let Some(value) = token.strip_prefix("dlpkey=") {
                dl_primary_key = Some(
                    value
                        .split('|')
                        .map(|seq| seq.split(',').map(str::to_string).collect())
                        .collect(),
                );
            } else if token.contains('=') {
                // An attribute this build does not use.
            } else {
                components
                    .push(parse_component(token).map_err(|e| format!("line {}: {e}", n + 1))?);
            }
        }
        for ai in expand_range(ais).map_err(|e| format!("line {}: bad AI range {e}", n + 1))? {
            entries.push(AiEntry {
                ai,
                predefined_length,
                dl_attribute,
                components: components.clone(),
                requires: requires.clone(),
                excludes: excludes.clone(),
                dl_primary_key: dl_primary_key.clone(),
                title: title.clone(),
            });
        }
    }
    Ok(entries)
}

/// The AI table, by AI.
pub struct Dictionary {
    entries: HashMap<String, AiEntry>,
}

impl Dictionary {
    pub fn get(&self, ai: &str) -> Option<&AiEntry> {
        self.entries.get(ai)
    }

    /// The AI at the start of `data` (AIs are prefix-free: 2 to 4 digits).
    pub fn prefix_of(&self, data: &str) -> Option<&AiEntry> {
        (2..=4)
            .filter_map(|n| data.get(..n))
            .find_map(|p| self.entries.get(p))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The dictionary this build carries, parsed on first use.
pub fn dictionary() -> &'static Dictionary {
    static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
    DICTIONARY.get_or_init(|| {
        let entries = parse(DICTIONARY_TEXT).expect("the embedded GS1 syntax dictionary parses");
        Dictionary {
            entries: entries.into_iter().map(|e| (e.ai.clone(), e)).collect(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_dictionary_as_data() {
        let d = dictionary();
        assert!(d.len() > 500, "{} AIs", d.len());
        let gtin = d.get("01").unwrap();
        assert!(gtin.predefined_length && gtin.dl_attribute);
        assert_eq!(
            gtin.components,
            [Component {
                charset: Charset::N,
                min: 14,
                max: 14,
                optional: false,
                linters: vec!["csum".into(), "gcppos2".into()]
            }]
        );
        assert_eq!(
            gtin.dl_primary_key,
            Some(vec![
                vec!["22".to_string(), "10".into(), "21".into()],
                vec!["235".into()]
            ])
        );
        let serial = d.get("21").unwrap();
        assert!(!serial.predefined_length && !serial.dl_attribute);
        assert_eq!(serial.length_range(), (1, 20));
        assert_eq!(
            serial.requires,
            [vec![
                vec!["01".to_string()],
                vec!["03".into()],
                vec!["8006".into()]
            ]]
        );
        let gdti = d.get("253").unwrap();
        assert_eq!(gdti.length_range(), (13, 30));
        assert!(
            d.get("3105").is_some() && d.get("3106").is_none(),
            "ranges expand"
        );
        assert_eq!(d.prefix_of("3103000195").unwrap().ai, "3103");
        assert_eq!(d.prefix_of("10ABC").unwrap().ai, "10");
        assert!(matches_pattern("31nn", "3103") && !matches_pattern("31nn", "3203"));
    }

    /// The copy this crate carries is the conformance release, byte for byte.
    #[test]
    fn carried_copy_matches_the_conformance_data() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/conformance/gs1/gs1-syntax-dictionary.txt"
        );
        match std::fs::read_to_string(shared) {
            Ok(text) => assert_eq!(
                text, DICTIONARY_TEXT,
                "data/gs1-syntax-dictionary.txt drifted from {shared}"
            ),
            Err(_) => assert!(
                std::env::var("CI").is_err(),
                "CI runs with ../shared beside the repository"
            ),
        }
    }
}
