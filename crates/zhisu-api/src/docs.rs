//! A browsable API reference rendered on the server from the OpenAPI
//! document (no CDN, no script), and pages explaining each problem type.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::error::PROBLEM_TYPES;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("array of {}", schema_name(items));
    }
    match schema.get("type") {
        Some(Value::String(t)) => escape(t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => ["oneOf", "anyOf", "allOf"]
            .iter()
            .find_map(|k| schema.get(*k).and_then(Value::as_array))
            .map(|parts| {
                parts
                    .iter()
                    .map(schema_name)
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .unwrap_or_else(|| "object".into()),
    }
}

/// Renders the reference page once, at start-up.
pub fn reference_page(api: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(api).expect("OpenAPI serialises");
    let mut html = String::from(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>zhisu API 参考</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body class=\"doc\"><main>",
    );
    html.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p>OpenAPI {} · <a href=\"/openapi.json\">/openapi.json</a></p>",
        escape(doc["info"]["title"].as_str().unwrap_or("API")),
        escape(doc["info"]["description"].as_str().unwrap_or("")),
        escape(doc["openapi"].as_str().unwrap_or(""))
    ));
    html.push_str("<h2>接口 Endpoints</h2>");
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "put", "delete"] {
                let Some(op) = item.get(method) else { continue };
                html.push_str(&format!(
                    "<section class=\"op\"><h3><span class=\"method {m}\">{M}</span> <code>{p}</code></h3>",
                    m = method,
                    M = method.to_uppercase(),
                    p = escape(path)
                ));
                for key in ["summary", "description"] {
                    if let Some(text) = op.get(key).and_then(Value::as_str) {
                        html.push_str(&format!("<p>{}</p>", escape(text)));
                    }
                }
                if let Some(params) = op.get("parameters").and_then(Value::as_array) {
                    html.push_str("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>");
                    for p in params {
                        html.push_str(&format!(
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            escape(p["name"].as_str().unwrap_or("")),
                            escape(p["in"].as_str().unwrap_or("")),
                            schema_name(&p["schema"]),
                            escape(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                    html.push_str("</table>");
                }
                if let Some(body) = op.pointer("/requestBody/content") {
                    if let Some((ct, media)) = body.as_object().and_then(|m| m.iter().next()) {
                        html.push_str(&format!(
                            "<p>Request body ({}): {}</p>",
                            escape(ct),
                            schema_name(&media["schema"])
                        ));
                    }
                }
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    html.push_str("<ul>");
                    for (status, r) in responses {
                        let schema = r
                            .pointer("/content")
                            .and_then(Value::as_object)
                            .and_then(|m| m.values().next())
                            .map(|m| schema_name(&m["schema"]));
                        html.push_str(&format!(
                            "<li><b>{}</b> {}</li>",
                            escape(status),
                            schema.unwrap_or_default()
                        ));
                    }
                    html.push_str("</ul>");
                }
                html.push_str("</section>");
            }
        }
    }
    html.push_str("<h2>数据结构 Schemas</h2>");
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            html.push_str(&format!(
                "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>",
                escape(name)
            ));
            if let Some(desc) = schema.get("description").and_then(Value::as_str) {
                html.push_str(&format!("<p>{}</p>", escape(desc)));
            }
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                let list: Vec<String> = values
                    .iter()
                    .map(|v| format!("<code>{}</code>", escape(&v.to_string())))
                    .collect();
                html.push_str(&format!("<p>one of {}</p>", list.join(", ")));
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                html.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
                for (field, s) in props {
                    html.push_str(&format!(
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(field),
                        if required.contains(&field.as_str()) {
                            " *"
                        } else {
                            ""
                        },
                        schema_name(s),
                        escape(s["description"].as_str().unwrap_or(""))
                    ));
                }
                html.push_str("</table>");
            }
            html.push_str("</section>");
        }
    }
    html.push_str("</main></body></html>");
    html
}

/// `GET /problems/{slug}`: what a problem `type` means.
pub async fn problem_page(Path(slug): Path<String>) -> Response {
    match PROBLEM_TYPES.iter().find(|(s, _, _)| *s == slug) {
        Some((s, status, title)) => Html(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head>\
             <body class=\"doc\"><main><h1>{title}</h1><p>Problem type <code>/problems/{s}</code>, HTTP status {status}. \
             The <code>detail</code> member says what went wrong; for validation problems <code>errors</code> lists each field with \
             its rule (<code>code</code>) and the requirement it comes from (<code>clause</code>).</p></main></body></html>"
        ))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "no such problem type").into_response(),
    }
}
