//! The findings as a spreadsheet (V7, issue 17.7): a CSV of what the
//! asker may see under its filters, opening with who exported it and when
//! (Asia/Shanghai), in UTF-8 with a byte-order mark so Excel in China
//! opens it as it reads; each export in the audit log.

use chrono::Utc;
use zhisu_domain::verification::{catalogue, Axis, ResultClass, Severity};
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::{format_time, AuditEntry};

use crate::records::audit;
use crate::{FindingFilter, Service, ServiceError, ServiceResult};

/// The most rows one export holds.
pub const MAX_EXPORT_ROWS: i64 = 50_000;

fn local(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

fn class_zh(class: &str) -> &'static str {
    ResultClass::parse(class).map_or("", ResultClass::label_zh)
}

impl Service {
    /// The findings `by` may see under `filter` (its paging ignored), as
    /// `(file name, CSV bytes)`.
    pub async fn export_findings(
        &self,
        by: &Principal,
        mut filter: FindingFilter,
        ip: Option<String>,
    ) -> ServiceResult<(String, Vec<u8>)> {
        let exporter = self
            .actor_name(&by.actor)
            .await
            .unwrap_or_else(|_| by.actor.clone());
        let now = Utc::now();
        let mut out = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        let write = |out: &mut csv::Writer<Vec<u8>>, row: &[&str]| {
            out.write_record(row)
                .map_err(|e| ServiceError::Internal(format!("findings export: {e}")))
        };
        write(&mut out, &["导出人", &exporter])?;
        write(
            &mut out,
            &["导出时间", &local(&format_time(now)), "北京时间"],
        )?;
        write(&mut out, &["规则目录版本", &catalogue().version])?;
        write(
            &mut out,
            &[
                "编号",
                "规则",
                "规则说明",
                "维度",
                "严重程度",
                "建议结论",
                "记录类型",
                "记录编号",
                "企业",
                "地区",
                "字段",
                "依据",
                "状态",
                "首次发现",
                "消除时间",
                "人工结论",
            ],
        )?;
        let c = catalogue();
        let (mut rows, mut names) = (0i64, std::collections::HashMap::new());
        filter.limit = 500;
        filter.offset = 0;
        loop {
            let page = self.list_findings(by, filter.clone()).await?;
            for f in &page.items {
                if rows >= MAX_EXPORT_ROWS {
                    break;
                }
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    names.entry(f.enterprise_id)
                {
                    slot.insert(
                        self.record_name(RecordKind::Enterprise, f.enterprise_id)
                            .await?
                            .unwrap_or_default(),
                    );
                }
                let rule = c.rule(&f.rule);
                write(
                    &mut out,
                    &[
                        &f.id.to_string(),
                        &f.rule,
                        rule.map_or("", |r| r.zh.as_str()),
                        Axis::parse(&f.axis).map_or("", Axis::label_zh),
                        Severity::parse(&f.severity).map_or("", Severity::label_zh),
                        class_zh(&f.class),
                        f.kind.label_zh(),
                        &f.record_id.to_string(),
                        &names[&f.enterprise_id],
                        &f.region_code,
                        &f.field,
                        &f.evidence,
                        if f.status == "open" {
                            "待处理"
                        } else {
                            "已消除"
                        },
                        &local(&f.opened_at),
                        &f.resolved_at.as_deref().map(local).unwrap_or_default(),
                        f.decided_class.as_deref().map_or("", class_zh),
                    ],
                )?;
                rows += 1;
            }
            if page.items.len() < 500 || rows >= MAX_EXPORT_ROWS {
                break;
            }
            filter.offset += 500;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ServiceError::Internal(format!("findings export: {e}")))?;
        self.store
            .append_audit(AuditEntry {
                detail: Some(format!("{rows} rows")),
                ..audit(by, "findings.export", ip)
            })
            .await?;
        let name = format!(
            "findings-{}.csv",
            now.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                .format("%Y%m%d-%H%M%S")
        );
        Ok((name, bytes))
    }
}
