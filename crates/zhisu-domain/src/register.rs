//! The issuing authorities' registers (issue 17.3): a snapshot of the
//! production licences (生产许可证) or CCC certificates an authority has
//! issued — number, holder, USCC, scope, validity and status — that a
//! regulator imports from the authority's CSV or spreadsheet. Rules check
//! filed licence and certificate numbers against the latest snapshot.
//! Pure: the service decodes the file into rows; this reads the rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Invalid};

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RegisterKind {
    /// 工业产品生产许可证
    ProductionLicence,
    /// 强制性产品认证（CCC）证书
    Ccc,
}

impl RegisterKind {
    pub const ALL: [RegisterKind; 2] = [RegisterKind::ProductionLicence, RegisterKind::Ccc];

    pub fn as_str(self) -> &'static str {
        match self {
            RegisterKind::ProductionLicence => "production-licence",
            RegisterKind::Ccc => "ccc",
        }
    }

    pub fn parse(s: &str) -> Option<RegisterKind> {
        RegisterKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RegisterKind::ProductionLicence => "工业产品生产许可证",
            RegisterKind::Ccc => "CCC 认证证书",
        }
    }

    /// The product field whose number this register issues.
    pub fn product_field(self) -> &'static str {
        match self {
            RegisterKind::ProductionLicence => "production_licence_no",
            RegisterKind::Ccc => "ccc_cert_no",
        }
    }
}

/// A certificate's standing in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CertStatus {
    /// 有效
    Valid,
    /// 暂停
    Suspended,
    /// 撤销、注销
    Revoked,
    /// 过期、失效
    Expired,
}

impl CertStatus {
    fn parse(s: &str) -> Option<CertStatus> {
        Some(match s.trim().to_lowercase().as_str() {
            "有效" | "valid" | "正常" => CertStatus::Valid,
            "暂停" | "suspended" => CertStatus::Suspended,
            "撤销" | "注销" | "revoked" | "withdrawn" | "cancelled" => CertStatus::Revoked,
            "过期" | "失效" | "expired" => CertStatus::Expired,
            _ => return None,
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CertStatus::Valid => "有效",
            CertStatus::Suspended => "暂停",
            CertStatus::Revoked => "撤销",
            CertStatus::Expired => "过期",
        }
    }
}

/// One certificate of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterEntry {
    pub number: String,
    pub holder_name: String,
    pub uscc: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// `YYYY-MM-DD`
    pub valid_from: String,
    /// `YYYY-MM-DD`
    pub valid_to: String,
    pub status: CertStatus,
}

impl RegisterEntry {
    /// Whether the certificate holds on `day`: valid in the register and
    /// within its dates.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.status == CertStatus::Valid
            && read_day(&self.valid_from).is_none_or(|from| from <= day)
            && read_day(&self.valid_to).is_some_and(|to| to >= day)
    }
}

/// A stored register snapshot: a version of the `register` record of its
/// kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Register {
    pub kind: RegisterKind,
    /// The file it was read from.
    pub source: String,
    pub entries: Vec<RegisterEntry>,
}

impl Register {
    /// Entries by number, for lookups.
    pub fn by_number(&self) -> HashMap<&str, &RegisterEntry> {
        self.entries
            .iter()
            .map(|e| (e.number.as_str(), e))
            .collect()
    }
}

/// The columns, each by the headings an authority's export uses.
const COLUMNS: &[(&str, &str, &[&str], bool)] = &[
    (
        "number",
        "证书编号",
        &[
            "证书编号",
            "许可证编号",
            "证书号",
            "编号",
            "number",
            "certificate_no",
            "licence_no",
        ],
        true,
    ),
    (
        "holder_name",
        "持证人",
        &[
            "持证人",
            "持证企业",
            "企业名称",
            "获证企业",
            "holder",
            "holder_name",
        ],
        true,
    ),
    (
        "uscc",
        "统一社会信用代码",
        &["统一社会信用代码", "社会信用代码", "uscc"],
        true,
    ),
    (
        "scope",
        "产品范围",
        &["产品范围", "产品名称", "许可范围", "认证范围", "scope"],
        false,
    ),
    (
        "valid_from",
        "发证日期",
        &["发证日期", "有效期起", "有效期自", "valid_from"],
        true,
    ),
    (
        "valid_to",
        "有效期至",
        &["有效期至", "有效期止", "截止日期", "到期日期", "valid_to"],
        true,
    ),
    ("status", "证书状态", &["证书状态", "状态", "status"], true),
];

/// At most this many rows per file.
pub const MAX_ROWS: usize = 200_000;

/// Reads a date as authorities write it: `2026-01-31`, `2026/1/31`,
/// `2026.01.31` or `2026年1月31日`.
pub fn read_day(s: &str) -> Option<NaiveDate> {
    let t = s
        .trim()
        .replace(['/', '.', '年', '月'], "-")
        .replace('日', "");
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
}

/// Reads a register's table: `header` names the columns (Chinese or
/// English headings, in any order); `rows` are the data rows in file
/// order. Every problem is reported at once, naming the column or the
/// spreadsheet row (the header is row 1).
pub fn read_table(header: &[String], rows: &[Vec<String>]) -> Result<Vec<RegisterEntry>, Invalid> {
    let mut at = HashMap::new();
    let mut missing = Vec::new();
    for (name, zh, headings, required) in COLUMNS {
        let found = header.iter().position(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            headings.iter().any(|x| x.to_lowercase() == h)
        });
        match found {
            Some(i) => {
                at.insert(*name, i);
            }
            None if *required => missing.push(format!("{zh}（{name}）")),
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(Invalid(vec![FieldError::new(
            "file",
            "columns",
            format!(
                "登记表缺少列：{} (the register lacks columns: {})",
                missing.join("、"),
                missing.join(", ")
            ),
        )]));
    }
    if rows.len() > MAX_ROWS {
        return Err(Invalid(vec![FieldError::new(
            "file",
            "too-many",
            format!("登记表最多 {MAX_ROWS} 行 (at most {MAX_ROWS} rows)"),
        )]));
    }
    let cell = |row: &Vec<String>, name: &str| {
        at.get(name)
            .and_then(|i| row.get(*i))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut bad = |what: String| {
            errors.push(FieldError::new(
                "file",
                "row",
                format!("第 {line} 行：{what}"),
            ));
        };
        let number = cell(row, "number");
        if number.is_empty() {
            bad("证书编号为空 (no number)".into());
            continue;
        }
        if let Some(first) = first_row.insert(number.clone(), line) {
            bad(format!(
                "证书编号 {number} 与第 {first} 行重复 (number {number} is also on row {first})"
            ));
            continue;
        }
        let uscc = cell(row, "uscc").to_uppercase();
        if zhisu_codes::uscc::Uscc::parse(&uscc).is_err() {
            bad(format!(
                "统一社会信用代码“{uscc}”无效 (USCC '{uscc}' is not valid)"
            ));
        }
        let mut day = |name: &str, zh: &str| {
            let v = cell(row, name);
            match read_day(&v) {
                Some(d) => d.to_string(),
                None => {
                    errors.push(FieldError::new(
                        "file",
                        "row",
                        format!("第 {line} 行：{zh}“{v}”不是日期，应如 2026-01-31 ({name} '{v}' is not a date)"),
                    ));
                    String::new()
                }
            }
        };
        let (valid_from, valid_to) = (day("valid_from", "发证日期"), day("valid_to", "有效期至"));
        let status_text = cell(row, "status");
        let Some(status) = CertStatus::parse(&status_text) else {
            errors.push(FieldError::new(
                "file",
                "row",
                format!("第 {line} 行：证书状态“{status_text}”应为 有效、暂停、撤销 或 过期 (status '{status_text}': valid, suspended, revoked or expired)"),
            ));
            continue;
        };
        entries.push(RegisterEntry {
            number,
            holder_name: cell(row, "holder_name"),
            uscc,
            scope: cell(row, "scope"),
            valid_from,
            valid_to,
            status,
        });
    }
    if !errors.is_empty() {
        errors.truncate(50);
        return Err(Invalid(errors));
    }
    if entries.is_empty() {
        return Err(Invalid(vec![FieldError::new(
            "file",
            "empty",
            "登记表没有数据行 (the register has no rows)",
        )]));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn uscc() -> String {
        zhisu_codes::uscc::Uscc::from_prefix16("91440300MA5FA1B2")
            .expect("a valid prefix")
            .as_str()
            .to_string()
    }

    #[test]
    fn a_register_reads_in_any_column_order_with_chinese_headings() {
        let header = strings(&[
            "有效期至",
            "证书编号",
            "持证人",
            "统一社会信用代码",
            "发证日期",
            "证书状态",
            "产品范围",
        ]);
        let rows = vec![
            strings(&[
                "2027/6/30",
                "2021010101123456",
                "浙江安燃燃气具有限公司",
                &uscc(),
                "2021年7月1日",
                "有效",
                "家用燃气灶",
            ]),
            strings(&["", "", "", "", "", "", ""]),
            strings(&[
                "2025-12-31",
                "2021010101999999",
                "某厂",
                &uscc(),
                "2020-01-01",
                "过期",
                "",
            ]),
        ];
        let entries = read_table(&header, &rows).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].valid_to, "2027-06-30");
        assert_eq!(entries[0].valid_from, "2021-07-01");
        assert!(entries[0].holds_on(read_day("2026-12-06").unwrap()));
        assert!(
            !entries[0].holds_on(read_day("2027-07-01").unwrap()),
            "after its date"
        );
        assert!(
            !entries[1].holds_on(read_day("2025-06-01").unwrap()),
            "expired in the register"
        );
    }

    #[test]
    fn missing_columns_duplicates_and_bad_cells_are_named() {
        let r = read_table(&strings(&["number", "holder_name", "valid_to"]), &[]).unwrap_err();
        assert_eq!(r.0.len(), 1);
        for col in ["统一社会信用代码", "发证日期", "证书状态"] {
            assert!(r.0[0].message.contains(col), "{}", r.0[0].message);
        }
        let header = strings(&[
            "number",
            "holder_name",
            "uscc",
            "valid_from",
            "valid_to",
            "status",
        ]);
        let rows = vec![
            strings(&["A1", "甲", &uscc(), "2020-01-01", "2030-01-01", "valid"]),
            strings(&["A1", "乙", &uscc(), "2020-01-01", "2030-01-01", "valid"]),
            strings(&["A2", "丙", "not-a-uscc", "someday", "2030-01-01", "maybe"]),
        ];
        let messages: Vec<String> = read_table(&header, &rows)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("第 3 行") && m.contains("与第 2 行重复")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("第 4 行") && m.contains("统一社会信用代码")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("第 4 行") && m.contains("发证日期")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("第 4 行") && m.contains("证书状态")),
            "{messages:?}"
        );
        // A header alone: no rows.
        assert_eq!(read_table(&header, &[]).unwrap_err().0[0].code, "empty");
    }
}
