//! Line breaking for label text (issue 15.9): Chinese may break between any
//! two characters, but a model number, a quantity with its unit or a Latin
//! word never breaks inside ("BV-2.5mm²", "48V", "JZT-2B01"), and closing
//! punctuation never starts a line (a simple form of 禁则, GB/T 15834's
//! rule that "，。、）" do not begin a line).
//!
//! Written by hand: the line-breaking crates implement UAX #14 in full,
//! which allows breaks after hyphens and inside "2.5mm" where a label must
//! not, and they measure nothing; this is the few rules labels need.

/// Characters that stay with what precedes them.
fn closes(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '”'
            | '’'
            | ','
            | '.'
            | ';'
            | ':'
            | ')'
            | ']'
            | '%'
            | '·'
    )
}

/// Ideographs, kana and full-width forms: each is a unit of its own.
fn breaks_around(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x303F | 0x3040..=0x30FF | 0x3100..=0x312F | 0x3200..=0x33FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// The unbreakable units of `text`, spaces kept as units of their own.
fn units(text: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, units: &mut Vec<String>| {
        if !word.is_empty() {
            units.push(std::mem::take(word));
        }
    };
    for c in text.chars() {
        if closes(c) && word.is_empty() {
            match units.last_mut() {
                Some(last) if !last.trim().is_empty() => last.push(c),
                _ => units.push(c.to_string()),
            }
        } else if c.is_whitespace() {
            flush(&mut word, &mut units);
            units.push(" ".into());
        } else if breaks_around(c) {
            flush(&mut word, &mut units);
            units.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut units);
    units
}

/// Splits `text` into lines no wider than `max` as measured by `width`
/// (of one character, in the same unit as `max`). A unit wider than a
/// whole line is cut between characters: nothing is ever dropped.
pub fn wrap(text: &str, max: f32, width: impl Fn(char) -> f32) -> Vec<String> {
    let measure = |s: &str| s.chars().map(&width).sum::<f32>();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for unit in units(text) {
        let w = measure(&unit);
        if unit == " " {
            if !line.is_empty() {
                line.push(' ');
                used += w;
            }
            continue;
        }
        if used + w > max && !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
            used = 0.0;
        }
        if w > max {
            for c in unit.chars() {
                let cw = width(c);
                if used + cw > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                }
                line.push(c);
                used += cw;
            }
        } else {
            line.push_str(&unit);
            used += w;
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CJK one em, the rest half.
    fn em(c: char) -> f32 {
        if breaks_around(c) {
            1.0
        } else {
            0.5
        }
    }

    #[test]
    fn chinese_breaks_anywhere_numbers_and_models_nowhere() {
        assert_eq!(
            wrap("电动自行车用锂离子蓄电池 48V", 6.0, em),
            ["电动自行车用", "锂离子蓄电池", "48V"]
        );
        assert_eq!(
            wrap("聚氯乙烯绝缘电线 BV-2.5mm²", 6.0, em),
            ["聚氯乙烯绝缘", "电线", "BV-2.5mm²"]
        );
        assert_eq!(
            wrap("家用燃气灶 JZT-2B01", 8.0, em),
            ["家用燃气灶", "JZT-2B01"]
        );
        assert_eq!(wrap("批次 B1 · 7", 8.0, em), ["批次 B1 · 7"]);
    }

    #[test]
    fn closing_punctuation_stays_on_its_line() {
        let lines = wrap("勿超载使用，定期检查。", 5.0, em);
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with('，') && !l.starts_with('。')),
            "{lines:?}"
        );
        assert_eq!(lines.concat(), "勿超载使用，定期检查。");
    }

    #[test]
    fn a_unit_longer_than_a_line_is_cut_and_nothing_is_lost() {
        let serial = "0ABCDEFGHJKMNPQRS";
        let lines = wrap(serial, 6.0, em);
        assert_eq!(lines, ["0ABCDEFGHJKM", "NPQRS"]);
        assert_eq!(lines.concat(), serial);
        assert_eq!(wrap("", 6.0, em), [""]);
    }
}
