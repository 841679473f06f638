//! Flow (流向) records: a producer's sales (G5.1-flow) and a seller's
//! purchases and sales (G5.2-flow, P5.3.3.4). The counterparty's contact
//! is private: the service seals it before it is stored.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{optional_text, FieldError, Findings, Invalid};

/// The most lines (codes) one flow record may hold.
pub const MAX_LINES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    /// Goods leave the recorder (销售).
    Sale,
    /// Goods reach the recorder (进货).
    Purchase,
    /// Goods go back to their producer (退回), e.g. under a recall (P6.4):
    /// the one way a recalled code may still move.
    Return,
}

impl FlowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Sale => "sale",
            FlowKind::Purchase => "purchase",
            FlowKind::Return => "return",
        }
    }

    /// The movement in a Chinese sentence, e.g. "销售给 广州五金机电商行"
    /// (alerts and pages say what happened, not an enum word).
    pub fn movement_zh(self, counterparty: &str) -> String {
        match self {
            FlowKind::Sale => format!("销售给 {counterparty}"),
            FlowKind::Purchase => format!("从 {counterparty} 进货"),
            FlowKind::Return => format!("退回 {counterparty}"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowLineInput {
    /// A trace code: 一物一码 item, 一批一码 lot code, or a package's SSCC
    /// (`/00/…`, which stands for everything packed in it); as its Digital
    /// Link URI, its key (`(01)…(21)…`, `(c)…(21)…`) or its GS1 element string.
    pub code: String,
    /// How many items the code stands for (lot codes); 1 for item codes.
    pub quantity: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowInput {
    /// The recorder; enterprise users may leave it out.
    pub enterprise_id: Option<i64>,
    pub kind: FlowKind,
    /// When: `YYYY-MM-DD` or RFC 3339. Not in the future.
    #[serde(default)]
    pub at: String,
    /// The buyer (sale) or supplier (purchase) when it is on the platform;
    /// its name, address and contact are taken from its record.
    pub counterparty_id: Option<i64>,
    /// 购货方/供货方名称
    pub counterparty_name: Option<String>,
    /// 购货方地址
    pub counterparty_address: Option<String>,
    /// 购货方联系方式: private, sealed at rest.
    pub counterparty_contact: Option<String>,
    #[serde(default)]
    pub lines: Vec<FlowLineInput>,
}

/// One resolved line: the code's key, its batch and the quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlowLine {
    /// `(01)…(21)…`, `(01)…(10)…`
    pub code: String,
    pub batch_id: i64,
    pub quantity: u64,
}

/// A stored flow record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Flow {
    pub enterprise_id: i64,
    pub kind: FlowKind,
    /// RFC 3339 or `YYYY-MM-DD`, as given.
    pub at: String,
    pub counterparty_id: Option<i64>,
    pub counterparty_name: String,
    pub counterparty_address: Option<String>,
    /// Sealed (AES-256-GCM, base64) in the store; opened for the owner and
    /// the competent regulator only, else left out.
    pub counterparty_contact: Option<String>,
    pub lines: Vec<FlowLine>,
    /// Purchases: whether every code matches an upstream sale to the recorder.
    #[serde(default)]
    pub matched: Option<bool>,
    /// Purchases: the codes no upstream sale to the recorder covers.
    #[serde(default)]
    pub unmatched: Vec<String>,
}

/// What the input says before the service resolves its codes and its
/// counterparty.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowDraft {
    pub kind: FlowKind,
    pub at: String,
    pub counterparty_id: Option<i64>,
    pub counterparty_name: Option<String>,
    pub counterparty_address: Option<String>,
    pub counterparty_contact: Option<String>,
    pub lines: Vec<(String, u64)>,
}

/// Parses `YYYY-MM-DD` or RFC 3339; refuses the future (beyond `now`
/// plus ten minutes of clock skew).
pub fn parse_when(value: &str, now: DateTime<Utc>) -> Result<String, String> {
    let value = value.trim();
    let instant = if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_local_timezone(FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .single()
            .expect("fixed offset")
            .with_timezone(&Utc)
    } else if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        t.with_timezone(&Utc)
    } else {
        return Err(format!(
            "时间格式应为 YYYY-MM-DD 或 RFC 3339：“{value}” (not a date or RFC 3339 time: '{value}')"
        ));
    };
    if instant > now + chrono::Duration::minutes(10) {
        return Err(format!(
            "时间不能在将来：{value} (the time is in the future)"
        ));
    }
    Ok(value.to_string())
}

impl FlowInput {
    /// Checks what can be checked without the store: the time, the
    /// counterparty's mandatory fields (G5.1-flow / G5.2-flow: a), the lines.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<FlowDraft, Invalid> {
        let mut findings = Findings::default();
        let clause = match self.kind {
            FlowKind::Sale => "G5.1-flow",
            FlowKind::Purchase => "G5.2-flow",
            FlowKind::Return => "P6.4",
        };
        if self.kind == FlowKind::Return && self.counterparty_id.is_none() {
            findings.push(
                FieldError::new(
                    "counterparty_id",
                    "required",
                    "退回须指明平台上的生产企业 (a return names its producer on the platform)",
                )
                .clause(clause),
            );
        }
        let at = if self.at.trim().is_empty() {
            findings.push(FieldError::required("at", "时间", clause));
            String::new()
        } else {
            match parse_when(&self.at, now) {
                Ok(at) => at,
                Err(e) => {
                    findings.push(FieldError::new("at", "format", e).clause(clause));
                    String::new()
                }
            }
        };
        let name = optional_text(&self.counterparty_name);
        let address = optional_text(&self.counterparty_address);
        let contact = optional_text(&self.counterparty_contact);
        if self.counterparty_id.is_none() {
            if name.is_none() {
                findings.push(FieldError::required(
                    "counterparty_name",
                    match self.kind {
                        FlowKind::Sale => "购货方名称",
                        FlowKind::Purchase | FlowKind::Return => "供货方名称",
                    },
                    clause,
                ));
            }
            if self.kind == FlowKind::Sale {
                if address.is_none() {
                    findings.push(FieldError::required(
                        "counterparty_address",
                        "购货方地址",
                        clause,
                    ));
                }
                if contact.is_none() {
                    findings.push(FieldError::required(
                        "counterparty_contact",
                        "购货方联系方式",
                        clause,
                    ));
                }
            }
        }
        for (field, value) in [
            ("counterparty_name", &name),
            ("counterparty_address", &address),
            ("counterparty_contact", &contact),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 500) {
                findings.push(FieldError::new(
                    field,
                    "too-long",
                    format!("{field} 不能超过500字 ({field} is longer than 500 characters)"),
                ));
            }
        }
        if self.lines.is_empty() {
            findings.push(
                FieldError::new(
                    "lines",
                    "required",
                    "至少要有一个追溯码 (at least one trace code)",
                )
                .clause(clause),
            );
        } else if self.lines.len() > MAX_LINES {
            findings.push(FieldError::new(
                "lines",
                "too-many",
                format!(
                    "一次最多 {MAX_LINES} 个码，收到 {} 个 (at most {MAX_LINES} codes per record)",
                    self.lines.len()
                ),
            ));
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            let quantity = line.quantity.unwrap_or(1);
            if !(1..=crate::batch::MAX_BATCH_QUANTITY).contains(&quantity) {
                findings.push(FieldError::new(
                    &format!("lines[{i}].quantity"),
                    "range",
                    format!(
                        "数量须在 1 到 {} 之间 (quantity must be 1 to {})",
                        crate::batch::MAX_BATCH_QUANTITY,
                        crate::batch::MAX_BATCH_QUANTITY
                    ),
                ));
            }
            if line.code.trim().is_empty() {
                findings.push(FieldError::required(
                    &format!("lines[{i}].code"),
                    "追溯码",
                    clause,
                ));
            }
            lines.push((line.code.trim().to_string(), quantity));
        }
        findings.finish(FlowDraft {
            kind: self.kind,
            at,
            counterparty_id: self.counterparty_id,
            counterparty_name: name,
            counterparty_address: address,
            counterparty_contact: contact,
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-23T08:00:00Z".parse().unwrap()
    }

    fn sale() -> FlowInput {
        FlowInput {
            enterprise_id: None,
            kind: FlowKind::Sale,
            at: "2026-11-20".into(),
            counterparty_id: None,
            counterparty_name: Some(" 广州五金 ".into()),
            counterparty_address: Some("广州市".into()),
            counterparty_contact: Some("020-1234567".into()),
            lines: vec![FlowLineInput {
                code: "https://x/01/06901234567892/21/A".into(),
                quantity: None,
            }],
        }
    }

    fn fields(e: Invalid) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_sale_needs_buyer_name_address_and_contact() {
        let draft = sale().validate(now()).unwrap();
        assert_eq!(draft.counterparty_name.as_deref(), Some("广州五金"));
        assert_eq!(
            draft.lines,
            [("https://x/01/06901234567892/21/A".to_string(), 1)]
        );
        let bare = FlowInput {
            counterparty_name: None,
            counterparty_address: Some(" ".into()),
            counterparty_contact: None,
            ..sale()
        };
        assert_eq!(
            fields(bare.validate(now()).unwrap_err()),
            [
                "counterparty_name",
                "counterparty_address",
                "counterparty_contact"
            ]
        );
        // A buyer on the platform brings its own.
        let on_platform = FlowInput {
            counterparty_id: Some(4),
            counterparty_name: None,
            counterparty_address: None,
            counterparty_contact: None,
            ..sale()
        };
        assert!(on_platform.validate(now()).is_ok());
    }

    #[test]
    fn a_purchase_needs_only_the_supplier_name() {
        let purchase = FlowInput {
            kind: FlowKind::Purchase,
            counterparty_address: None,
            counterparty_contact: None,
            ..sale()
        };
        assert!(purchase.validate(now()).is_ok());
    }

    #[test]
    fn times_are_real_and_not_in_the_future() {
        for bad in [
            "2026-02-30",
            "yesterday",
            "2026-11-25",
            "2026-11-23T09:00:00Z",
        ] {
            let input = FlowInput {
                at: bad.into(),
                ..sale()
            };
            assert_eq!(fields(input.validate(now()).unwrap_err()), ["at"], "{bad}");
        }
        let input = FlowInput {
            at: "2026-11-23T08:05:00+00:00".into(),
            ..sale()
        };
        assert!(input.validate(now()).is_ok(), "within the clock skew");
    }

    #[test]
    fn lines_are_required_and_quantities_bounded() {
        let none = FlowInput {
            lines: vec![],
            ..sale()
        };
        assert_eq!(fields(none.validate(now()).unwrap_err()), ["lines"]);
        let zero = FlowInput {
            lines: vec![FlowLineInput {
                code: "c".into(),
                quantity: Some(0),
            }],
            ..sale()
        };
        assert_eq!(
            fields(zero.validate(now()).unwrap_err()),
            ["lines[0].quantity"]
        );
        let huge = FlowInput {
            lines: vec![FlowLineInput {
                code: "c".into(),
                quantity: Some(1_000_000_000_000),
            }],
            ..sale()
        };
        assert_eq!(
            fields(huge.validate(now()).unwrap_err()),
            ["lines[0].quantity"]
        );
    }
}
