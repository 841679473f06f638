//! The font labels print with: WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0),
//! shipped in the binary (`fonts/`, with its licence and how the subset was
//! made) so that every PDF embeds the glyphs it uses and prints the same
//! on any viewer or printer, and ZPL can carry Chinese as a graphic (issue
//! 15.9: a viewer without a CJK font printed "mm²" as "mm⊠").

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef};

/// The TrueType file: Latin, Greek, Cyrillic, symbols, CJK punctuation,
/// kana, the CJK Unified Ideographs (20,902) and full-width forms.
pub(crate) static FONT: &[u8] = include_bytes!("../fonts/WenQuanYiMicroHei-zhisu.ttf");

/// The parsed font, for measuring and rasterizing.
pub(crate) fn font() -> &'static FontRef<'static> {
    static PARSED: OnceLock<FontRef<'static>> = OnceLock::new();
    PARSED.get_or_init(|| FontRef::try_from_slice(FONT).expect("the shipped font parses"))
}

/// A character's advance in ems (1.0 for a character the font lacks: it
/// prints as the font's blank box, one em wide).
pub(crate) fn advance_em(c: char) -> f32 {
    let font = font();
    let id = font.glyph_id(c);
    if id.0 == 0 {
        return 1.0;
    }
    let upem = font.units_per_em().unwrap_or(1000.0);
    font.h_advance_unscaled(id) / upem
}

/// Whether the font draws `c` (a label's text is checked, not guessed).
pub fn has_glyph(c: char) -> bool {
    c.is_whitespace() || font().glyph_id(c).0 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_covers_what_labels_print() {
        for c in "家用燃气灶电线电缆堃喆犇mm²BV-2.5·（）、：—×±℃Ωμ0123456789ABCxyz".chars()
        {
            assert!(has_glyph(c), "{c} (U+{:04X})", c as u32);
        }
        assert!(
            (advance_em('中') - 1.0).abs() < 0.01,
            "{}",
            advance_em('中')
        );
        assert!(advance_em('i') < 0.5, "{}", advance_em('i'));
    }
}
