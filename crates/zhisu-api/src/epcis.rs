//! The EPCIS 2.0 REST binding (`../shared/conformance/epcis/epcis-rest-openapi.yaml`):
//! capture, capture status, events with the SimpleEventQuery parameters,
//! one event, and the events of one EPC. Every call needs an API key (G9.3).

use crate::error::ApiPath as Path;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhisu_epcis::canonical_identifier;
use zhisu_store::EventQuery;

use crate::auth::Auth;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;

/// `POST /epcis/capture`: 202 with the capture's location.
pub async fn capture(
    State(state): State<AppState>,
    Auth(by): Auth,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let body = read_capture(&state, &headers, body).await?;
    let digest = headers.get("digest").and_then(|v| v.to_str().ok());
    let signature = headers
        .get(zhisu_service::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let (body, room) = body;
    let row = state
        .service
        .epcis_capture(&by, &body, digest, signature)
        .await?;
    drop(room);
    let location = format!("/epcis/capture/{}", row.capture_id);
    Ok(located(
        StatusCode::ACCEPTED,
        serde_json::json!({
            "captureID": row.capture_id, "events": row.events, "duplicates": row.duplicates,
            "signedWith": row.signed_with,
        }),
        &location,
    ))
}

/// Streams a capture's body to its spool file within the deployment's
/// budget (issue 16.9): room for a declared length is reserved before a
/// byte is read (a length past the limit is refused unread), a chunked
/// body reserves as it grows. The room is held until the capture is
/// stored or refused.
async fn read_capture(
    state: &AppState,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(zhisu_service::CaptureBody, zhisu_service::CaptureRoom)> {
    use futures_util::StreamExt as _;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut spool = state.service.spool_capture(declared).await?;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                "bad-request",
                format!("请求体读取失败 (the body could not be read: {e})"),
            )
        })?;
        spool.push(&chunk).await?;
    }
    Ok(spool.finish().await?)
}

/// A JSON answer with a `Location` header.
fn located(status: StatusCode, body: impl serde::Serialize, location: &str) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// `GET /epcis/capture/{captureID}`: captures are all-or-nothing, so a
/// stored capture has finished and succeeded.
pub async fn capture_status(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let row = state.service.epcis_capture_status(&by, &id).await?;
    Ok(Json(serde_json::json!({
        "captureID": row.capture_id, "createdAt": row.created_at, "running": false, "success": true,
        "captureErrorBehaviour": "rollback", "errors": [], "events": row.events, "duplicates": row.duplicates,
        "signedWith": row.signed_with,
    })))
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The SimpleEventQuery parameters this repository answers, from a URL's
/// query string: each a comma-separated list, plus the paging parameters.
fn parse_query(raw: Option<&str>) -> Result<EventQuery, ApiError> {
    let mut q = EventQuery::default();
    for (k, v) in query_pairs(raw)? {
        if !page_parameter(&mut q, &k, &v)? {
            zhisu_service::query_parameter(&mut q, &k, list(&v))?;
        }
    }
    Ok(q)
}

/// A URL's query string as (name, decoded value) pairs, in order.
fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = urlencoding::decode(&v.replace('+', " "))
                .map_err(|_| {
                    ApiError::new(
                        "bad-request",
                        format!("参数 {k} 不是 UTF-8 ({k} is not UTF-8)"),
                    )
                })?
                .into_owned();
            Ok((k.to_string(), v))
        })
        .collect()
}

/// `perPage` or `nextPageToken` into `q`; false for any other parameter.
fn page_parameter(q: &mut EventQuery, k: &str, v: &str) -> Result<bool, ApiError> {
    match k {
        "perPage" => {
            q.limit = v
                .parse()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    ApiError::new(
                        "bad-request",
                        "perPage 须在 1 到 1000 之间 (perPage must be 1 to 1000)",
                    )
                })?
        }
        "nextPageToken" => {
            q.after = v.parse().map_err(|_| {
                ApiError::new("bad-request", "nextPageToken 无效 (unknown nextPageToken)")
            })?
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `path?` with the request's parameters but its page token, ready for
/// the next page's `nextPageToken=…`.
fn page_base(path: &str, raw: Option<&str>) -> String {
    let kept: Vec<&str> = raw
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("nextPageToken="))
        .collect();
    format!(
        "{path}?{}{}",
        kept.join("&"),
        if kept.is_empty() { "" } else { "&" }
    )
}

async fn answer(
    state: &AppState,
    by: &zhisu_domain::Principal,
    q: EventQuery,
    base: &str,
) -> ApiResult<Response> {
    let page = state.service.epcis_query(by, q).await?;
    let mut response = (
        [(header::CONTENT_TYPE, "application/ld+json")],
        page.document.to_string(),
    )
        .into_response();
    if let Some(token) = page.next_page_token {
        if let Ok(link) =
            HeaderValue::from_str(&format!("<{base}nextPageToken={token}>; rel=\"next\""))
        {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    Ok(response)
}

/// `GET /epcis/events?…`: the SimpleEventQuery as query parameters.
pub async fn events(
    State(state): State<AppState>,
    Auth(by): Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = parse_query(raw.as_deref())?;
    answer(&state, &by, q, &page_base("/epcis/events", raw.as_deref())).await
}

/// `GET /epcis/events/{eventID}`
pub async fn event(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let q = EventQuery {
        event_ids: vec![id.clone()],
        limit: 1,
        ..Default::default()
    };
    let page = state.service.epcis_query(&by, q).await?;
    let event = page.document["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0].clone();
    if event.is_null() {
        return Err(ApiError::new(
            "not-found",
            format!("没有事件 {id} (no event {id})"),
        ));
    }
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        event.to_string(),
    )
        .into_response())
}

/// `GET /epcis/epcs/{epc}/events`: every event naming the EPC (as a URN or
/// a Digital Link URI of any domain).
pub async fn epc_events(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(epc): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut q = parse_query(raw.as_deref())?;
    q.epcs = vec![canonical_identifier(&epc)];
    let path = format!("/epcis/epcs/{}/events", urlencoding::encode(&epc));
    answer(&state, &by, q, &page_base(&path, raw.as_deref())).await
}

/// `GET /epcis/queries`: the caller's named queries.
pub async fn queries(
    State(state): State<AppState>,
    Auth(by): Auth,
) -> ApiResult<Json<Vec<zhisu_service::NamedQuery>>> {
    Ok(Json(state.service.epcis_queries(&by).await?))
}

/// `POST /epcis/queries` with `{"name": …, "query": {…}}`: 201 with the
/// query's location; 409 when the name is taken.
pub async fn create_query(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let name = body["name"].as_str().ok_or_else(|| {
        ApiError::new(
            "bad-request",
            "缺少查询名 name (name is required, a string)",
        )
    })?;
    zhisu_service::definition_query(&body["query"])?;
    let named = state
        .service
        .epcis_create_query(&by, name, body["query"].clone())
        .await?;
    let location = format!("/epcis/queries/{}", urlencoding::encode(&named.name));
    Ok(located(StatusCode::CREATED, &named, &location))
}

/// `GET /epcis/queries/{queryName}`: its definition.
pub async fn named_query(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<zhisu_service::NamedQuery>> {
    Ok(Json(state.service.epcis_named_query(&by, &name).await?))
}

/// `DELETE /epcis/queries/{queryName}`
pub async fn delete_query(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state.service.epcis_delete_query(&by, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /epcis/queries/{queryName}/events`: the query's results, paged
/// like `/epcis/events` (only `perPage` and `nextPageToken` are taken).
/// With `Upgrade: websocket`, a subscription for as long as the socket is
/// open: `?stream=true`, or a schedule (`?minute=5&hour=1`).
pub async fn named_query_events(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    if let Ok(upgrade) = upgrade {
        return watch(state, by, &name, raw.as_deref(), upgrade).await;
    }
    let named = state.service.epcis_named_query(&by, &name).await?;
    let mut q = zhisu_service::definition_query(&named.query)?;
    let mut per_page = None;
    for (k, v) in query_pairs(raw.as_deref())? {
        if !page_parameter(&mut q, &k, &v)? {
            return Err(ApiError::new(
                "bad-request",
                format!("命名查询只取 perPage 与 nextPageToken ({k}: a named query takes only perPage and nextPageToken)"),
            ));
        }
        if k == "perPage" {
            per_page = Some(v);
        }
    }
    let base = format!(
        "/epcis/queries/{}/events?{}",
        urlencoding::encode(&name),
        per_page
            .map(|p| format!("perPage={p}&"))
            .unwrap_or_default()
    );
    answer(&state, &by, q, &base).await
}

/// `POST /epcis/queries/{queryName}/subscriptions`: 201 with the
/// subscription's location. Reports go to `dest` as EPCISQueryDocuments,
/// signed with `signatureToken` in `GS1-Signature` when one is given.
pub async fn subscribe(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let subscription = state.service.epcis_subscribe(&by, &name, &body).await?;
    let location = format!(
        "/epcis/queries/{}/subscriptions/{}",
        urlencoding::encode(&name),
        subscription.subscription_id
    );
    Ok(located(StatusCode::CREATED, &subscription, &location))
}

/// `GET /epcis/queries/{queryName}/subscriptions`
pub async fn subscriptions(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<zhisu_service::Subscription>>> {
    Ok(Json(state.service.epcis_subscriptions(&by, &name).await?))
}

/// `GET /epcis/queries/{queryName}/subscriptions/{subscriptionID}`
pub async fn subscription(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<Json<zhisu_service::Subscription>> {
    Ok(Json(
        state.service.epcis_subscription(&by, &name, &id).await?,
    ))
}

/// `DELETE /epcis/queries/{queryName}/subscriptions/{subscriptionID}`
pub async fn unsubscribe(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.service.epcis_unsubscribe(&by, &name, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Opens a WebSocket subscription: the parameters are checked (and a
/// problem answered) before the upgrade.
async fn watch(
    state: AppState,
    by: zhisu_domain::Principal,
    name: &str,
    raw: Option<&str>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    let (initial, trigger) = zhisu_domain::subscription::socket_request(&query_pairs(raw)?)
        .map_err(zhisu_service::ServiceError::from)?;
    let watch = state
        .service
        .epcis_watch(&by, name, initial, trigger)
        .await?;
    let service = state.service.clone();
    Ok(upgrade.on_upgrade(move |socket| send_reports(socket, service, watch)))
}

/// Sends a WebSocket subscription's reports as text messages until the
/// client goes away.
async fn send_reports(
    socket: WebSocket,
    service: zhisu_service::Service,
    mut watch: zhisu_service::Watch,
) {
    use futures_util::{SinkExt as _, StreamExt as _};
    let (mut out, mut incoming) = socket.split();
    // Reading only to notice the end (pings are answered underneath).
    let closed = async move {
        while let Some(Ok(message)) = incoming.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let reports = async {
        loop {
            match service.watch_next(&mut watch).await {
                Ok(body) => {
                    if out.send(Message::Text(body.into())).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, subscription = watch.id(), "WebSocket subscription ended");
                    let _ = out
                        .send(Message::Close(Some(axum::extract::ws::CloseFrame {
                            code: 1011,
                            reason: "the query could not be run".into(),
                        })))
                        .await;
                    break;
                }
            }
        }
    };
    tokio::select! {
        _ = closed => {}
        _ = reports => {}
    }
}
