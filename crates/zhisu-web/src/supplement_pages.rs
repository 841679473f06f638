//! 补充信息 on the product's page (issue 19.6, P5.3.4): every item with
//! its evidence, supplier (the true name: the page is the owner's or a
//! regulator's) and public/private choice; for those who file for the
//! maker, a form to add one (its files uploaded with it) and one to
//! remove one. Each change is a new version of the product (P5.7).

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use zhisu_domain::supplements::{kinds, Supplement};
use zhisu_domain::FieldError;
use zhisu_service::{RecordView, ServiceError};

use crate::pages::{checked_form, invalid_page};
use crate::view::{Table, TableRow};
use crate::{Lang, SignedIn, WebState};

fn kind_label(lang: Lang, kind: &str) -> String {
    match lang.text(&format!("sk_{kind}")) {
        "" => kind.to_string(),
        text => text.to_string(),
    }
}

/// The product page's 补充信息 table, and its forms for those who file.
pub(crate) fn product_parts(
    lang: Lang,
    record: &RecordView,
    files: bool,
    workflow: &mut Vec<minijinja::Value>,
    tables: &mut Vec<Table>,
) {
    let id = record.id;
    let items: Vec<Supplement> =
        serde_json::from_value(record.body["supplements"].clone()).unwrap_or_default();
    let rows: Vec<TableRow> = items
        .iter()
        .map(|s| {
            let mut supplier = s.supplier.clone().unwrap_or_else(|| "—".into());
            if s.supplier_masked {
                supplier = format!("{supplier}（{}）", lang.text("sp_masked_yes"));
            }
            let numbers: Vec<&str> = [&s.production_licence_no, &s.ccc_cert_no]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            let files: Vec<&str> = s
                .evidence
                .iter()
                .chain(s.commitment.as_ref())
                .map(|f| f.name.as_str())
                .collect();
            TableRow {
                link: format!("/products/{id}#supplements"),
                cells: vec![
                    kind_label(lang, &s.kind),
                    s.name.clone(),
                    s.value.clone().unwrap_or_else(|| "—".into()),
                    supplier,
                    if numbers.is_empty() {
                        "—".into()
                    } else {
                        numbers.join("；")
                    },
                    files.join("；"),
                    lang.text(if s.public {
                        "sp_public_yes"
                    } else {
                        "sp_public_no"
                    })
                    .into(),
                ],
            }
        })
        .collect();
    if files {
        let choices: Vec<(String, String)> = kinds()
            .iter()
            .map(|k| (k.kind.clone(), kind_label(lang, &k.kind)))
            .collect();
        let present: Vec<(usize, String)> = items
            .iter()
            .enumerate()
            .map(|(i, s)| (i, format!("{} · {}", kind_label(lang, &s.kind), s.name)))
            .collect();
        workflow.push(minijinja::context! {
            kind => "supplement",
            url => format!("/products/{id}/supplements"),
            choices,
            present,
        });
    }
    tables.push(Table {
        title: lang.text("s_supplements").into(),
        columns: [
            "sp_kind",
            "sp_name",
            "sp_value",
            "s_supplier",
            "sp_licence",
            "sp_evidence",
            "sp_public",
        ]
        .iter()
        .map(|k| lang.text(k).to_string())
        .collect(),
        rows,
        action: None,
    });
}

/// `POST /products/{id}/supplements`: an item added (`remove` set: the
/// item at that place removed), as a new version of the product.
pub async fn change(
    State(state): State<WebState>,
    SignedIn(page, s): SignedIn,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let form = match checked_form(&state, &page, multipart, &s.csrf).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let back = format!("/products/{id}#supplements");
    let by = &s.principal;
    let record = match state
        .service
        .read_record(by, zhisu_domain::RecordKind::Product, id)
        .await
    {
        Ok(r) => r,
        Err(e) => return state.error_page(&page, e),
    };
    let mut items = record.body["supplements"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let remove = form.text("remove");
    if !remove.is_empty() {
        match remove.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
            }
            _ => return state.error_page(&page, ServiceError::NotFound("item".into())),
        }
    } else {
        let mut findings = Vec::new();
        let evidence =
            crate::forms::upload(&state.service, Some(by), &form, "evidence", &mut findings).await;
        let commitment =
            crate::forms::upload(&state.service, Some(by), &form, "commitment", &mut findings)
                .await;
        if !findings.is_empty() {
            return invalid_page(&state, &page, &findings, back);
        }
        let text = |name: &str| {
            let v = form.text(name);
            (!v.trim().is_empty()).then_some(v)
        };
        items.push(serde_json::json!({
            "kind": form.text("kind"),
            "name": form.text("name"),
            "value": text("value"),
            "supplier": text("supplier"),
            "supplier_masked": form.checked("supplier_masked"),
            "production_licence_no": text("production_licence_no"),
            "ccc_cert_no": text("ccc_cert_no"),
            "evidence": evidence.into_iter().collect::<Vec<_>>(),
            "commitment": commitment,
            "public": form.checked("public"),
        }));
    }
    let patch = serde_json::json!({ "supplements": items });
    match state
        .service
        .update_product(by, id, &patch, Some(record.version), page.ip.clone())
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(ServiceError::Invalid(invalid)) => {
            invalid_page(&state, &page, &form_fields(invalid.0), back)
        }
        Err(e) => state.error_page(&page, e),
    }
}

/// The API's `supplements[3].evidence[0]` as the form's field label key
/// (`sp_evidence`), so the page names the field in its language.
fn form_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some(rest) = e.field.strip_prefix("supplements[") {
                let field = rest.split_once("].").map(|(_, f)| f).unwrap_or("");
                let field = field.split('[').next().unwrap_or(field);
                e.field = match field {
                    "production_licence_no" => "sp_licence".into(),
                    "ccc_cert_no" => "sp_ccc".into(),
                    "" => "s_supplements".into(),
                    other => format!("sp_{other}"),
                };
            }
            e
        })
        .collect()
}
