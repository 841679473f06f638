//! Personal data shown masked (V7, issue 17.7): a buyer's or a feedback
//! sender's contact reaches a regulator's eyes as `138****5678` unless
//! the regulator reveals it with a reason, which the audit log keeps.

/// Longest reason a reveal may give.
pub const MAX_REVEAL_REASON_CHARS: usize = 200;

/// A contact with its middle hidden: of eight characters or more the
/// first three and the last four shown (`138****5678`), of three to seven
/// the first and the last, of fewer none; an e-mail address keeps its
/// domain.
pub fn mask_contact(plain: &str) -> String {
    if let Some((local, domain)) = plain.split_once('@') {
        return format!("{}@{domain}", mask_contact(local));
    }
    let chars: Vec<char> = plain.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0..=2 => (0, 0),
        3..=7 => (1, 1),
        _ => (3, 4),
    };
    format!(
        "{}{}{}",
        chars[..head].iter().collect::<String>(),
        "*".repeat(n - head - tail),
        chars[n - tail..].iter().collect::<String>()
    )
}

/// The reason a reveal gives, trimmed, or what is wrong with it.
pub fn reveal_reason(reason: &str) -> Result<String, crate::Invalid> {
    let reason = reason.trim();
    let error = if reason.is_empty() {
        crate::FieldError::required("reason", "查看理由", "V7")
    } else if reason.chars().count() > MAX_REVEAL_REASON_CHARS {
        crate::FieldError::new(
            "reason",
            "too-long",
            format!(
                "查看理由不能超过 {MAX_REVEAL_REASON_CHARS} 字 (a reason is at most {MAX_REVEAL_REASON_CHARS} characters)"
            ),
        )
        .clause("V7")
    } else {
        return Ok(reason.to_string());
    };
    Err(crate::Invalid(vec![error]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_keeps_its_ends_only() {
        assert_eq!(mask_contact("13812345678"), "138****5678");
        assert_eq!(mask_contact("0755-2788 6612"), "075*******6612");
        assert_eq!(mask_contact("wang.wu@example.com"), "w*****u@example.com");
        assert_eq!(mask_contact("王五"), "**");
        assert_eq!(mask_contact("abc"), "a*c");
        assert!(!mask_contact("13812345678").contains("1234"));
    }

    #[test]
    fn a_reveal_needs_a_reason() {
        assert_eq!(reveal_reason("  核查销售去向 ").unwrap(), "核查销售去向");
        assert_eq!(reveal_reason(" ").unwrap_err().0[0].field, "reason");
        assert_eq!(
            reveal_reason(&"查".repeat(201)).unwrap_err().0[0].code,
            "too-long"
        );
    }
}
