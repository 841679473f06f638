//! EPCIS 2.0 capture and query (G7, G9.2, G9.3, G10.1): documents are
//! validated against the EPCIS 2.0 schema and CBV, their integrity checked
//! when a `Digest` header comes with them, and each event stored once under
//! its `eventID` or CBV 2.0 event hash.

use base64::Engine as _;
use chrono::Utc;
use serde::Serialize;
use sha2::Digest as _;
use zhisu_domain::auth::ListScope;
use zhisu_domain::{FieldError, Invalid, Principal};
use zhisu_store::{format_time, CaptureRow, EventQuery, NewEvent};

use crate::{Service, ServiceError, ServiceResult};

/// The largest document accepted by `POST /epcis/capture`.
pub const MAX_CAPTURE_BYTES: usize = 256 * 1024 * 1024;
/// The most events one document may carry.
pub const MAX_CAPTURE_EVENTS: usize = 500_000;

/// A page of query results and the token of the next page.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    pub document: serde_json::Value,
    pub next_page_token: Option<String>,
}

/// Checks an RFC 3230 `Digest: SHA-256=base64` (or `sha-256=`) header.
fn check_digest(header: &str, body: &[u8]) -> ServiceResult<()> {
    let digest = sha2::Sha256::digest(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(digest);
    for part in header.split(',') {
        if let Some((alg, value)) = part.trim().split_once('=') {
            if alg.eq_ignore_ascii_case("sha-256") {
                return if value.trim() == expected {
                    Ok(())
                } else {
                    Err(ServiceError::BadRequest(
                        "Digest 与请求体不符：文档在传输中被改动 (the Digest header does not match the body: the document changed in transit)".into(),
                    ))
                };
            }
        }
    }
    Err(ServiceError::BadRequest(
        "Digest 头只支持 SHA-256 (only SHA-256 digests are checked)".into(),
    ))
}

/// A document's events as the store takes them, received at `now`.
fn new_events(events: Vec<zhisu_epcis::CapturedEvent>, now: &str) -> Vec<NewEvent> {
    events
        .into_iter()
        .map(|e| NewEvent {
            body: e.body.to_string(),
            event_id: e.event_id,
            event_type: e.event_type,
            event_time: e.event_time,
            record_time: now.to_string(),
            biz_step: e.biz_step,
            action: e.action,
            disposition: e.disposition,
            read_point: e.read_point,
            biz_location: e.biz_location,
            epcs: e.epcs,
        })
        .collect()
}

impl Service {
    /// Captures an EPCIS document: all its events or none.
    pub async fn epcis_capture(
        &self,
        by: &Principal,
        body: &[u8],
        digest: Option<&str>,
    ) -> ServiceResult<CaptureRow> {
        if body.len() > MAX_CAPTURE_BYTES {
            return Err(ServiceError::TooLarge(format!(
                "EPCIS 文档不能超过 {} MiB (documents are at most {} MiB)",
                MAX_CAPTURE_BYTES >> 20,
                MAX_CAPTURE_BYTES >> 20
            )));
        }
        if let Some(d) = digest {
            check_digest(d, body)?;
        }
        let doc: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| ServiceError::BadRequest(format!("不是合法的 JSON (not JSON): {e}")))?;
        if doc["type"] != "EPCISDocument" && doc["type"] != "EPCISQueryDocument" {
            return Err(Invalid(vec![FieldError::new(
                "type",
                "epcis",
                "只接收 EPCISDocument 或 EPCISQueryDocument 的结果 (capture takes an EPCISDocument, or the results of an EPCISQueryDocument)",
            )
            .clause("G10.1")])
            .into());
        }
        zhisu_epcis::validate(&doc).map_err(|errors| {
            Invalid(
                errors
                    .into_iter()
                    .map(|e| {
                        let (path, message) = e.split_once(": ").unwrap_or(("/", &e));
                        FieldError::new(path, "epcis-schema", message).clause("G10.1")
                    })
                    .collect(),
            )
        })?;
        let now = format_time(Utc::now());
        let events = zhisu_epcis::events_of(&doc, &now);
        if events.is_empty() {
            return Err(Invalid(vec![FieldError::required(
                "epcisBody.eventList",
                "事件",
                "G10.1",
            )])
            .into());
        }
        if events.len() > MAX_CAPTURE_EVENTS {
            return Err(ServiceError::TooLarge(format!(
                "一个文档最多 {MAX_CAPTURE_EVENTS} 个事件 (at most {MAX_CAPTURE_EVENTS} events per document)"
            )));
        }
        let rows = new_events(events, &now);
        let capture_id = crate::random_token(12);
        Ok(self
            .store
            .capture_events(&capture_id, &by.actor, by.enterprise_id, &rows)
            .await?)
    }

    /// One capture's outcome; only its own enterprise (or a regulator or
    /// the operator) may ask.
    pub async fn epcis_capture_status(
        &self,
        by: &Principal,
        id: &str,
    ) -> ServiceResult<CaptureRow> {
        let row = self
            .store
            .capture(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("capture {id}")))?;
        match by.list_scope() {
            ListScope::Enterprise(e) if row.owner != Some(e) => {
                Err(ServiceError::NotFound(format!("capture {id}")))
            }
            _ => Ok(row),
        }
    }

    /// A SimpleEventQuery. Enterprises see the events they captured;
    /// regulators and the operator see all.
    pub async fn epcis_query(
        &self,
        by: &Principal,
        mut query: EventQuery,
    ) -> ServiceResult<EventPage> {
        query.owner = match by.list_scope() {
            ListScope::Enterprise(e) => Some(e),
            _ => None,
        };
        let limit = if query.limit <= 0 {
            100
        } else {
            query.limit.min(1000)
        };
        query.limit = limit + 1;
        let mut rows = self.store.query_events(&query).await?;
        let next_page_token = (rows.len() as i64 > limit).then(|| {
            rows.truncate(limit as usize);
            rows.last()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default()
        });
        let events = rows
            .into_iter()
            .map(|(_, body)| {
                serde_json::from_str(&body)
                    .map_err(|e| ServiceError::Internal(format!("stored event: {e}")))
            })
            .collect::<ServiceResult<Vec<_>>>()?;
        Ok(EventPage {
            document: zhisu_epcis::query_document(events, &format_time(Utc::now())),
            next_page_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked() {
        let body = b"{}";
        let good = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body));
        assert!(check_digest(&format!("SHA-256={good}"), body).is_ok());
        assert!(check_digest(&format!("md5=x, sha-256={good}"), body).is_ok());
        assert!(check_digest(&format!("SHA-256={good}"), b"{ }").is_err());
        assert!(check_digest("MD5=abc", body).is_err());
    }
}

/// The platform's own trace events as EPCIS 2.0 (G10.1, P5.2.3): an
/// activation, a packing, a sale, a receipt or a recall is also written as
/// an EPCIS event of its enterprise, so another platform (the provincial or
/// national one) can mirror it through `/epcis/events`.
pub(crate) mod own {
    use serde_json::{json, Value};

    /// An enterprise as an EPCIS party: its page on this deployment.
    pub fn party(base: &str, enterprise_id: i64) -> String {
        format!("{base}/enterprises/{enterprise_id}")
    }

    fn time() -> (String, String) {
        let now = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
        (
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            "+08:00".into(),
        )
    }

    /// A batch's codes came to exist: commissioning, as a class and a quantity.
    pub fn commissioning(lot_class: &str, quantity: u64) -> Value {
        let (t, tz) = time();
        json!({"type": "ObjectEvent", "eventTime": t, "eventTimeZoneOffset": tz, "epcList": [],
            "quantityList": [{"epcClass": lot_class, "quantity": quantity}],
            "action": "ADD", "bizStep": "commissioning", "disposition": "active"})
    }

    /// Codes packed into a package (组合多码, G6.1.2).
    pub fn packing(parent: &str, children: &[String]) -> Value {
        let (t, tz) = time();
        json!({"type": "AggregationEvent", "eventTime": t, "eventTimeZoneOffset": tz, "parentID": parent,
            "childEPCs": children, "action": "ADD", "bizStep": "packing", "disposition": "in_progress"})
    }

    /// Goods leaving (`shipping`) or reaching (`receiving`) an enterprise.
    pub fn movement(
        shipping: bool,
        codes: &[String],
        source: Option<String>,
        destination: Option<String>,
    ) -> Value {
        let (t, tz) = time();
        let mut event = json!({"type": "ObjectEvent", "eventTime": t, "eventTimeZoneOffset": tz, "epcList": codes,
            "action": "OBSERVE",
            "bizStep": if shipping { "shipping" } else { "receiving" },
            "disposition": if shipping { "in_transit" } else { "in_progress" }});
        if let Some(s) = source {
            event["sourceList"] = json!([{"type": "owning_party", "source": s}]);
        }
        if let Some(d) = destination {
            event["destinationList"] = json!([{"type": "owning_party", "destination": d}]);
        }
        event
    }

    /// A recall: the covered lots and codes are `recalled`.
    pub fn recall(classes: &[String], codes: &[String]) -> Value {
        let (t, tz) = time();
        json!({"type": "ObjectEvent", "eventTime": t, "eventTimeZoneOffset": tz, "epcList": codes,
            "quantityList": classes.iter().map(|c| json!({"epcClass": c})).collect::<Vec<_>>(),
            "action": "OBSERVE", "bizStep": "holding", "disposition": "recalled"})
    }
}

impl Service {
    /// Records one of the platform's own events for `owner`. The record it
    /// mirrors is already stored; a failure here is logged, not returned.
    pub(crate) async fn emit_event(&self, by: &Principal, owner: i64, event: serde_json::Value) {
        let now = format_time(Utc::now());
        let doc = serde_json::json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": now,
            "epcisBody": {"eventList": [event]},
        });
        if let Err(errors) = zhisu_epcis::validate(&doc) {
            tracing::error!(
                ?errors,
                "the platform's own EPCIS event is invalid; not stored"
            );
            return;
        }
        let rows = new_events(zhisu_epcis::events_of(&doc, &now), &now);
        let capture_id = format!("own-{}", crate::random_token(12));
        if let Err(e) = self
            .store
            .capture_events(&capture_id, &by.actor, Some(owner), &rows)
            .await
        {
            tracing::error!(error = %e, "storing the platform's own EPCIS event failed");
        }
    }
}
