//! Templates, assets and the shapes pages are drawn from.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use zhisu_domain::Role;

use crate::Lang;

pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("form.html", include_str!("../templates/form.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("detail.html", include_str!("../templates/detail.html")),
    ("history.html", include_str!("../templates/history.html")),
    ("keys.html", include_str!("../templates/keys.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    ("password.html", include_str!("../templates/password.html")),
    ("totp.html", include_str!("../templates/totp.html")),
    (
        "flow_form.html",
        include_str!("../templates/flow_form.html"),
    ),
    (
        "recall_form.html",
        include_str!("../templates/recall_form.html"),
    ),
    ("alerts.html", include_str!("../templates/alerts.html")),
    (
        "verification.html",
        include_str!("../templates/verification.html"),
    ),
    ("sweeps.html", include_str!("../templates/sweeps.html")),
    ("imports.html", include_str!("../templates/imports.html")),
    ("import.html", include_str!("../templates/import.html")),
    ("inbox.html", include_str!("../templates/inbox.html")),
    (
        "indicators.html",
        include_str!("../templates/indicators.html"),
    ),
    (
        "statistics.html",
        include_str!("../templates/statistics.html"),
    ),
    (
        "statistics_anomalies.html",
        include_str!("../templates/statistics_anomalies.html"),
    ),
    ("finding.html", include_str!("../templates/finding.html")),
    ("sweep.html", include_str!("../templates/sweep.html")),
    ("cases.html", include_str!("../templates/cases.html")),
    ("abnormal.html", include_str!("../templates/abnormal.html")),
    ("case_new.html", include_str!("../templates/case_new.html")),
    ("case.html", include_str!("../templates/case.html")),
    (
        "review_queue.html",
        include_str!("../templates/review_queue.html"),
    ),
    ("labels.html", include_str!("../templates/labels.html")),
    ("channels.html", include_str!("../templates/channels.html")),
    (
        "package_form.html",
        include_str!("../templates/package_form.html"),
    ),
    (
        "code_life.html",
        include_str!("../templates/code_life.html"),
    ),
    ("supply.html", include_str!("../templates/supply.html")),
    (
        "feedback_form.html",
        include_str!("../templates/feedback_form.html"),
    ),
];

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
    (
        "labels.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/labels.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../assets/favicon.svg"),
    ),
];

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// The day of an RFC 3339 time in Asia/Shanghai.
pub fn china_date(value: &str) -> Option<chrono::NaiveDate> {
    DateTime::parse_from_rfc3339(value).ok().map(|t| {
        t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .date_naive()
    })
}

/// RFC 3339 UTC on the wire; Asia/Shanghai (UTC+8, no DST) in pages.
pub fn local_time(value: String) -> String {
    use chrono::{Datelike, Timelike};
    match DateTime::parse_from_rfc3339(&value) {
        Ok(t) => {
            let t = t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
            // Written out rather than through a strftime pattern: the scan
            // page shows one on every scan.
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        Err(_) => value,
    }
}

pub fn role_label(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Seller => lang.text("v_seller-role"),
        other => lang.text(&format!("v_{}", other.as_str())),
    }
}

/// One labelled value on a detail page; `link` makes it a link.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    pub value: String,
    pub link: Option<String>,
}

/// A table of related records on a detail or list page.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
    pub action: Option<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRow {
    pub link: String,
    pub cells: Vec<String>,
}

/// Shows a field's value as a person reads it: enum values translated,
/// lists joined, booleans as yes/no, files by name.
pub fn display_value(lang: Lang, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::Bool(b) => lang.text(if *b { "yes" } else { "no" }).into(),
        serde_json::Value::String(s) if zhisu_domain::ProductCategory::find(s).is_some() => {
            let c = zhisu_domain::ProductCategory::find(s).expect("checked");
            if lang == Lang::Zh {
                c.name_zh.into()
            } else {
                c.name_en.into()
            }
        }
        // Timestamps are UTC on the wire and Asia/Shanghai in pages, nested
        // ones too (a batch's review time in its history).
        serde_json::Value::String(s) if DateTime::parse_from_rfc3339(s).is_ok() => {
            local_time(s.clone())
        }
        serde_json::Value::String(s) => {
            let translated = lang.text(&format!("v_{s}"));
            if translated.is_empty() {
                s.clone()
            } else {
                translated.into()
            }
        }
        serde_json::Value::Array(items) if items.is_empty() => "—".into(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| display_value(lang, i))
            .collect::<Vec<_>>()
            .join("；"),
        serde_json::Value::Object(map) if map.contains_key("sha256") => {
            let name = map
                .get("name")
                .and_then(|n| n.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or("file");
            format!(
                "{name} ({} KB)",
                map.get("size")
                    .and_then(|s| s.as_u64())
                    .unwrap_or(0)
                    .div_ceil(1024)
            )
        }
        // A registration with a traceability platform (P5.2.3): the
        // platform's name, not its ID, and the number it gave.
        serde_json::Value::Object(map)
            if map.contains_key("platform") && map.contains_key("number") =>
        {
            match serde_json::from_value::<zhisu_domain::platforms::Registration>(value.clone()) {
                Ok(r) => format!(
                    "{}（{}：{}）",
                    r.platform_in(lang == Lang::Zh),
                    lang.text("registration_no"),
                    r.number
                ),
                Err(_) => "—".into(),
            }
        }
        // A nested record (a review decision, a flow line): its fields by
        // label, times in Asia/Shanghai, never JSON (issue 15.8).
        serde_json::Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let shown = match v.as_str() {
                    Some(t) if k == "at" || k.ends_with("_at") => local_time(t.to_string()),
                    _ => display_value(lang, v),
                };
                format!("{}：{shown}", label(lang, k))
            })
            .collect::<Vec<_>>()
            .join("，"),
        other => other.to_string(),
    }
}

/// The label of a field, or the field name when no label exists.
pub fn label(lang: Lang, field: &str) -> String {
    match lang.text(field) {
        "" => field.to_string(),
        text => text.to_string(),
    }
}

/// Rows for the given fields of a record body, in order.
pub fn rows(lang: Lang, body: &serde_json::Value, fields: &[&str]) -> Vec<Row> {
    fields
        .iter()
        .map(|f| {
            let value = body.get(*f).cloned().unwrap_or(serde_json::Value::Null);
            let link = value
                .get("sha256")
                .and_then(|s| s.as_str())
                .filter(|s| !s.is_empty())
                .map(|s| format!("/files/{s}"));
            let shown = match value.as_str() {
                // Timestamps are UTC on the wire and Asia/Shanghai in pages.
                Some(t) if f.ends_with("_at") => local_time(t.to_string()),
                _ => display_value(lang, &value),
            };
            Row {
                label: label(lang, f),
                value: shown,
                link,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_served() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        let mut served: Vec<String> = TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        served.sort();
        assert_eq!(served, files, "add new templates to TEMPLATES");
        for (name, source) in TEMPLATES {
            let on_disk = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
            assert_eq!(*source, on_disk, "{name} is served from its own file");
        }
    }

    #[test]
    fn shows_values_for_people() {
        assert_eq!(
            local_time("2026-11-23T00:54:19.000000Z".into()),
            "2026-11-23 08:54:19"
        );
        assert_eq!(
            display_value(Lang::Zh, &serde_json::json!("per-item")),
            "一物一码"
        );
        assert_eq!(
            display_value(Lang::En, &serde_json::json!(["GB 1", "GB 2"])),
            "GB 1；GB 2"
        );
        assert_eq!(
            display_value(
                Lang::Zh,
                &serde_json::json!({"sha256": "ab", "name": "l.pdf", "size": 2048})
            ),
            "l.pdf (2 KB)"
        );
        let shown = rows(
            Lang::Zh,
            &serde_json::json!({"activated_at": "2026-11-23T02:06:44.451407Z"}),
            &["activated_at"],
        );
        assert_eq!(shown[0].value, "2026-11-23 10:06:44");
        // Nested objects read as labelled fields, never as JSON.
        let review = display_value(
            Lang::Zh,
            &serde_json::json!({"approved": true, "at": "2026-11-23T00:54:19Z", "by": "system", "reason": null}),
        );
        assert!(!review.contains('{') && !review.contains('"'), "{review}");
        assert!(review.contains("2026-11-23 08:54:19"), "{review}");
        let line = display_value(
            Lang::Zh,
            &serde_json::json!([{"batch_id": 9, "code": "(01)06970000001021(21)X", "quantity": 1}]),
        );
        assert!(
            !line.contains('{') && line.contains("(01)06970000001021(21)X"),
            "{line}"
        );
    }
}
