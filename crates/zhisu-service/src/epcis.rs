//! EPCIS 2.0 capture and query (G7, G9.2, G9.3, G10.1): documents are
//! validated against the EPCIS 2.0 schema and CBV, their integrity checked
//! when a `Digest` header comes with them, and each event stored once under
//! its `eventID` or CBV 2.0 event hash.

use chrono::Utc;
use serde::Serialize;
use zhisu_domain::auth::ListScope;
use zhisu_domain::{FieldError, Invalid, Principal};
use zhisu_epcis::{canonical_identifier, cbv_uri, normalize_time};
use zhisu_store::{format_time, pieces_of, CaptureRow, EventQuery, NewEvent};

use crate::{Service, ServiceError, ServiceResult};

/// A page of query results and the token of the next page.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    pub document: serde_json::Value,
    pub next_page_token: Option<String>,
}

/// A named EPCIS query: a definition (the SimpleEventQuery parameters as
/// a JSON object, `{"EQ_bizStep": ["shipping"], …}`) kept under a name.
#[derive(Debug, Clone, Serialize)]
pub struct NamedQuery {
    pub name: String,
    pub query: serde_json::Value,
}

impl NamedQuery {
    fn stored(name: String, definition: &str) -> ServiceResult<Self> {
        let query = serde_json::from_str(definition)
            .map_err(|e| ServiceError::Internal(format!("stored query {name}: {e}")))?;
        Ok(NamedQuery { name, query })
    }
}

/// Limits `query` to the events `scope` may read: an enterprise's own
/// captures, the captures of the enterprises in a regulator's regions, or
/// all (issue 16.7: events are scoped like records).
pub(crate) fn scope_events(query: &mut EventQuery, scope: &ListScope) {
    (query.owner, query.regions) = match scope {
        ListScope::Enterprise(e) => (Some(*e), None),
        ListScope::Regions(prefixes) => (None, Some(prefixes.clone())),
        ListScope::All => (None, None),
    };
}

/// Whose named queries a caller sees: its enterprise's, or (None) the
/// platform's, shared by regulators and the operator.
pub(crate) fn query_namespace(by: &Principal) -> Option<i64> {
    match by.list_scope() {
        ListScope::Enterprise(e) => Some(e),
        _ => None,
    }
}

/// An event as the store takes it.
pub(crate) fn new_event(e: zhisu_epcis::CapturedEvent, record_time: &str) -> NewEvent {
    NewEvent {
        body: e.body,
        event_id: e.event_id,
        event_type: e.event_type,
        event_time: e.event_time,
        record_time: record_time.to_string(),
        biz_step: e.biz_step,
        action: e.action,
        disposition: e.disposition,
        read_point: e.read_point,
        biz_location: e.biz_location,
        epcs: e.epcs,
    }
}

/// A record time as the store keeps them (UTC, microseconds).
fn record_time(value: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| format_time(t.with_timezone(&Utc)))
}

/// One filter parameter of a SimpleEventQuery, with its values, into `q`.
pub fn query_parameter(q: &mut EventQuery, k: &str, values: Vec<String>) -> ServiceResult<()> {
    let time = |values: &[String], normal: fn(&str) -> Option<String>| match values {
        [v] => normal(v).ok_or_else(|| {
            ServiceError::BadRequest(format!(
                "{k} 应为 RFC 3339 时间 ({k} must be an RFC 3339 time, got {v:?})"
            ))
        }),
        _ => Err(ServiceError::BadRequest(format!(
            "{k} 只取一个时间 ({k} takes one time)"
        ))),
    };
    match k {
        "eventType" => q.event_types = values,
        "GE_eventTime" => q.ge_event_time = Some(time(&values, normalize_time)?),
        "LT_eventTime" => q.lt_event_time = Some(time(&values, normalize_time)?),
        // Record times are stored to the microsecond.
        "GE_recordTime" => q.ge_record_time = Some(time(&values, record_time)?),
        "LT_recordTime" => q.lt_record_time = Some(time(&values, record_time)?),
        "EQ_bizStep" => q.biz_steps = values.iter().map(|s| cbv_uri("BizStep", s)).collect(),
        "EQ_disposition" => q.dispositions = values.iter().map(|s| cbv_uri("Disp", s)).collect(),
        "EQ_action" => q.actions = values,
        "EQ_readPoint" => q.read_points = values.iter().map(|s| canonical_identifier(s)).collect(),
        "EQ_bizLocation" => q.biz_locations = values.iter().map(|s| canonical_identifier(s)).collect(),
        "MATCH_epc" | "MATCH_anyEPC" | "MATCH_parentID" | "MATCH_inputEPC" | "MATCH_outputEPC" | "MATCH_epcClass"
        | "MATCH_anyEPCClass" => q.epcs.extend(values.iter().map(|s| canonical_identifier(s))),
        "EQ_eventID" => q.event_ids = values,
        other => {
            return Err(ServiceError::BadRequest(format!("不支持的查询参数 {other} (this repository does not answer the query parameter {other})"),
            ))
        }
    }
    Ok(())
}

/// A named query's definition (`{"EQ_bizStep": ["shipping"], …}`, each
/// value a string or a list of strings) as the query it stands for.
pub fn definition_query(definition: &serde_json::Value) -> ServiceResult<EventQuery> {
    let fields = definition.as_object().ok_or_else(|| {
        ServiceError::BadRequest("query 应为 JSON 对象 (query must be a JSON object)".into())
    })?;
    let mut q = EventQuery::default();
    for (k, v) in fields {
        let not_text = || {
            ServiceError::BadRequest(format!(
                "{k} 应为字符串或字符串列表 ({k} must be a string or a list of strings)"
            ))
        };
        let values: Vec<String> = match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string).ok_or_else(not_text))
                .collect::<Result<_, _>>()?,
            _ => return Err(not_text()),
        };
        if k == "perPage" || k == "nextPageToken" {
            return Err(ServiceError::BadRequest(format!(
                "{k} 属于分页，不属于查询定义 ({k} pages results; it is not part of a definition)"
            )));
        }
        query_parameter(&mut q, k, values)?;
    }
    Ok(q)
}

impl Service {
    /// One capture's outcome; only its own enterprise, a regulator
    /// overseeing it, or the operator may ask.
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
        // Whoever may read the capturing enterprise's record reads its
        // captures (issue 16.7): its own people, the regulators overseeing
        // it, the operator; the platform's own captures, the operator.
        let readable = match (row.owner, by.list_scope()) {
            (_, ListScope::All) => true,
            (Some(owner), _) => match self
                .read_record(by, zhisu_domain::RecordKind::Enterprise, owner)
                .await
            {
                Ok(_) => true,
                Err(ServiceError::NotFound(_)) => false,
                Err(e) => return Err(e),
            },
            (None, _) => false,
        };
        if readable {
            Ok(row)
        } else {
            Err(ServiceError::NotFound(format!("capture {id}")))
        }
    }

    /// Keeps a named query (EPCIS 2.0 `/queries`) in the caller's namespace:
    /// its enterprise's, or the platform's for regulators and the operator.
    /// `query` is the definition, already checked by the caller to be one
    /// this repository answers.
    pub async fn epcis_create_query(
        &self,
        by: &Principal,
        name: &str,
        query: serde_json::Value,
    ) -> ServiceResult<NamedQuery> {
        let name_ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !name_ok {
            return Err(Invalid(vec![FieldError::new(
                "name",
                "format",
                "查询名须为 1–64 个字母、数字或 . _ - (a query name is 1–64 of A–Z a–z 0–9 . _ -)",
            )
            .clause("G10.1")])
            .into());
        }
        if !query.is_object() {
            return Err(Invalid(vec![FieldError::new(
                "query",
                "format",
                "查询定义应为 JSON 对象 (a query definition is a JSON object)",
            )
            .clause("G10.1")])
            .into());
        }
        let created = self
            .store
            .create_named_query(query_namespace(by), name, &query.to_string(), &by.actor)
            .await?;
        if !created {
            return Err(ServiceError::Conflict(format!(
                "已有名为 {name} 的查询 (a query named {name} exists)"
            )));
        }
        Ok(NamedQuery {
            name: name.to_string(),
            query,
        })
    }

    /// The named queries of the caller's namespace, by name.
    pub async fn epcis_queries(&self, by: &Principal) -> ServiceResult<Vec<NamedQuery>> {
        self.store
            .named_queries(query_namespace(by))
            .await?
            .into_iter()
            .map(|(name, definition)| NamedQuery::stored(name, &definition))
            .collect()
    }

    /// One named query of the caller's namespace.
    pub async fn epcis_named_query(&self, by: &Principal, name: &str) -> ServiceResult<NamedQuery> {
        let definition = self
            .store
            .named_query(query_namespace(by), name)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("query {name}")))?;
        NamedQuery::stored(name.to_string(), &definition)
    }

    /// Deletes a named query of the caller's namespace.
    pub async fn epcis_delete_query(&self, by: &Principal, name: &str) -> ServiceResult<()> {
        if self
            .store
            .delete_named_query(query_namespace(by), name)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("query {name}")))
        }
    }

    /// A SimpleEventQuery. Enterprises see the events they captured,
    /// regulators those of the enterprises they oversee (issue 16.7), the
    /// operator all.
    pub async fn epcis_query(
        &self,
        by: &Principal,
        mut query: EventQuery,
    ) -> ServiceResult<EventPage> {
        scope_events(&mut query, &by.list_scope());
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
        let rows: Vec<NewEvent> = zhisu_epcis::events_of(&doc, &now)
            .into_iter()
            .map(|e| new_event(e, &now))
            .collect();
        let capture_id = format!("own-{}", crate::random_token(12));
        match self
            .store
            .capture_events(&capture_id, &by.actor, Some(owner), None, pieces_of(rows))
            .await
        {
            Ok(_) => self.wake_deliverer(),
            Err(e) => tracing::error!(error = %e, "storing the platform's own EPCIS event failed"),
        }
    }
}
