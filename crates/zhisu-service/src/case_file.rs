//! 移交执法（案卷）(V6-dispose, V7): a case's file for enforcement, as one
//! ZIP a regulator of the enterprise's region downloads: a note of who
//! exported it and when, the case and every step, the findings as CSV,
//! the history of every record concerned, a ledger receipt of each one's
//! current version (checked offline by `zhisu ledger verify-proof`), and
//! the evidence the enterprise attached. The export is in the audit log.

use std::io::{Cursor, Write};

use chrono::Utc;
use zhisu_domain::cases::Case;
use zhisu_domain::{Principal, RecordKind};
use zhisu_store::format_time;

use crate::{Service, ServiceError, ServiceResult};

/// A CSV cell: quoted when it must be (RFC 4180).
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Service {
    /// The case file of case `id`: its file name and the ZIP's bytes.
    pub async fn case_file(
        &self,
        by: &Principal,
        id: i64,
        ip: Option<String>,
    ) -> ServiceResult<(String, Vec<u8>)> {
        let case: Case = self.regulated_case(by, id).await?;
        let enterprise = self
            .record_name(RecordKind::Enterprise, case.enterprise_id)
            .await?
            .unwrap_or_default();
        let exporter = self
            .actor_name(&by.actor)
            .await
            .unwrap_or_else(|_| by.actor.clone());
        let now = format_time(Utc::now());
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();

        let mut note = format!(
            "案卷 案件 {id}\n被处置企业：{enterprise}\n处置结论：{}\n处置措施：{}\n整改期限：{}\n状态：{}\n导出人：{exporter}\n导出时间（UTC）：{now}\n\n处置经过：\n",
            case.class.label_zh(),
            case.measures.iter().map(|m| m.label_zh()).collect::<Vec<_>>().join("、"),
            case.deadline,
            case.status.label_zh(),
        );
        for s in &case.steps {
            let who = self
                .actor_name(&s.by)
                .await
                .unwrap_or_else(|_| s.by.clone());
            note.push_str(&format!(
                "- {} {} {}：{}\n",
                s.at,
                s.action.label_zh(),
                who,
                s.note
            ));
        }
        note.push_str(
            "\n内容：case-history.json 案件各版本；findings.csv 核查问题；records/ 涉及记录的历史版本；receipts/ 各记录当前版本的账本凭证（zhisu ledger verify-proof 可离线核验）；evidence/ 企业提交的证明材料。\n",
        );
        files.push(("案卷说明.txt".into(), note.into_bytes()));

        let history = self.history(by, RecordKind::Case, id).await?;
        let history: Vec<serde_json::Value> = history.iter().map(|v| v.to_json()).collect();
        files.push((
            "case-history.json".into(),
            serde_json::to_vec_pretty(&history)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
        ));

        let mut csv =
            String::from("规则 rule,记录类型 kind,记录 record_id,字段 field,依据 evidence\r\n");
        for f in &case.findings {
            csv.push_str(&format!(
                "{},{},{},{},{}\r\n",
                cell(&f.rule),
                cell(&f.kind),
                f.record_id,
                cell(&f.field),
                cell(&f.evidence)
            ));
        }
        files.push(("findings.csv".into(), csv.into_bytes()));

        let mut records: Vec<(RecordKind, i64)> = vec![
            (RecordKind::Case, id),
            (RecordKind::Enterprise, case.enterprise_id),
        ];
        for f in &case.findings {
            if let Some(kind) = RecordKind::parse(&f.kind) {
                if !records.contains(&(kind, f.record_id)) {
                    records.push((kind, f.record_id));
                }
            }
        }
        for (kind, record) in records {
            let name = format!("{}-{record}", kind.as_str());
            // A record deleted by retention since is simply not in the file.
            let Ok(versions) = self.history(by, kind, record).await else {
                continue;
            };
            let versions: Vec<serde_json::Value> = versions.iter().map(|v| v.to_json()).collect();
            files.push((
                format!("records/{name}.json"),
                serde_json::to_vec_pretty(&versions)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?,
            ));
            let receipt = self.ledger_receipt(by, kind, record).await?;
            files.push((
                format!("receipts/{name}.json"),
                serde_json::to_vec_pretty(&receipt)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?,
            ));
        }
        for step in &case.steps {
            for sha in &step.files {
                let (blob, bytes) = self.read_public_blob(sha).await?;
                let short = &sha[..12.min(sha.len())];
                files.push((format!("evidence/{short}-{}", blob.name), bytes));
            }
        }

        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
            let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, bytes) in files {
                zip.start_file(name, options).map_err(|e| e.to_string())?;
                zip.write_all(&bytes).map_err(|e| e.to_string())?;
            }
            Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("case file: {e}")))?
        .map_err(|e| ServiceError::Internal(format!("case file: {e}")))?;
        // V7: every export is in the access log, with who made it.
        self.audit_access(
            Some(by),
            "case.export".into(),
            Some(format!("case/{id}")),
            ip,
            "ok".into(),
        )
        .await?;
        Ok((format!("case-{id}.zip"), bytes))
    }
}
