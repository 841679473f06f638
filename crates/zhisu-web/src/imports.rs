//! Import templates on the pages (issue 19.3, 工具包导入): the list of
//! products, batches or flows offers the templates of what a clerk fills
//! in there, as XLSX or CSV — the same files as the API and `zhisu
//! template`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zhisu_domain::imports::ImportKind;
use zhisu_domain::RecordKind;
use zhisu_service::{ServiceError, TemplateFormat};

use crate::{SignedIn, WebState};

/// A template link on a list page: its kind's name and where each format is.
#[derive(serde::Serialize)]
pub(crate) struct TemplateLink {
    name: &'static str,
    pub(crate) xlsx: String,
    pub(crate) csv: String,
    /// The import page, this kind chosen.
    upload: String,
}

/// The templates a list of `kind` offers.
pub(crate) fn template_links(kind: RecordKind) -> Vec<TemplateLink> {
    let kinds: &[&str] = match kind {
        RecordKind::Product => &["products"],
        RecordKind::Batch => &["batches", "quantities"],
        RecordKind::Flow => &["sales", "purchases"],
        _ => &[],
    };
    kinds
        .iter()
        .filter_map(|k| zhisu_domain::imports::kind(k))
        .map(template_link)
        .collect()
}

/// Where a kind's templates are, and its import page.
pub(crate) fn template_link(k: &'static ImportKind) -> TemplateLink {
    TemplateLink {
        name: k.zh.as_str(),
        xlsx: format!("/imports/templates/{}", k.kind),
        csv: format!("/imports/templates/{}?format=csv", k.kind),
        upload: format!("/imports?kind={}", k.kind),
    }
}

#[derive(Deserialize)]
pub struct TemplateQuery {
    format: Option<String>,
}

pub async fn template(
    State(state): State<WebState>,
    SignedIn(page, _s): SignedIn,
    Path(kind): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> Response {
    let format = match q.format.as_deref().map(TemplateFormat::parse) {
        None => TemplateFormat::Xlsx,
        Some(Some(format)) => format,
        Some(None) => {
            return state.error_page(
                &page,
                ServiceError::BadRequest(format!(
                    "模板格式只能是 XLSX 或 CSV（收到 {}）(the format must be xlsx or csv)",
                    q.format.as_deref().unwrap_or_default()
                )),
            )
        }
    };
    match zhisu_service::import_template(&kind, format) {
        Ok(bytes) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            let file = format!("attachment; filename=\"{}\"", format.file_name(&kind));
            if let Ok(v) = HeaderValue::from_str(&file) {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Err(e) => state.error_page(&page, e),
    }
}
