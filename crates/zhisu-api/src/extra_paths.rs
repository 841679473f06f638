//! The routes the OpenAPI document describes though no typed handler of
//! this crate serves them with utoipa's help (issue 15.5): the EPCIS 2.0
//! REST binding (its handlers read raw query strings and bodies, as the
//! binding's own document specifies them) and the GS1 Digital Link
//! resolver (served by `zhisu-web` in front of the router). Each function
//! here exists only to carry its `#[utoipa::path]`; none is routed.
#![allow(dead_code)]

use utoipa::OpenApi;

use crate::error::Problem;

/// The routes of this file, merged into the document by [`crate::openapi`].
#[derive(OpenApi)]
#[openapi(paths(
    capture,
    capture_status,
    events,
    event,
    epc_events,
    queries,
    create_query,
    named_query,
    delete_query,
    named_query_events,
    subscriptions,
    subscribe,
    subscription,
    unsubscribe,
    resolve_product,
    resolve_lot,
    resolve_item,
    resolve_package,
    resolve_scheme_product,
    resolve_scheme_lot,
    resolve_scheme_item,
))]
pub struct ExtraPaths;

/// Capture an EPCIS 2.0 JSON-LD document (`EPCISDocument`): every event is
/// checked against the official schema and stored, or none is.
#[utoipa::path(post, path = "/epcis/capture", tag = "epcis",
    request_body(content = serde_json::Value, content_type = "application/ld+json", description = "EPCISDocument"),
    responses((status = 202, description = "captured; Location names the capture"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn capture() {}

/// A capture's status: captures are all-or-nothing, so a stored one succeeded.
#[utoipa::path(get, path = "/epcis/capture/{captureID}", tag = "epcis",
    params(("captureID" = String, Path)),
    responses((status = 200, description = "the capture job"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn capture_status() {}

/// Events by the SimpleEventQuery parameters (`eventType`, `GE_eventTime`,
/// `LT_eventTime`, `GE_recordTime`, `LT_recordTime`, `EQ_bizStep`,
/// `EQ_disposition`, `MATCH_epc`, `MATCH_anyEPC`, …, comma-separated lists),
/// paged by `perPage` and `nextPageToken` (RFC 8288 `Link: rel="next"`).
#[utoipa::path(get, path = "/epcis/events", tag = "epcis",
    params(
        ("eventType" = Option<String>, Query, description = "ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent"),
        ("GE_eventTime" = Option<String>, Query),
        ("LT_eventTime" = Option<String>, Query),
        ("GE_recordTime" = Option<String>, Query),
        ("LT_recordTime" = Option<String>, Query),
        ("EQ_bizStep" = Option<String>, Query),
        ("EQ_disposition" = Option<String>, Query),
        ("EQ_action" = Option<String>, Query),
        ("EQ_readPoint" = Option<String>, Query),
        ("EQ_bizLocation" = Option<String>, Query),
        ("MATCH_epc" = Option<String>, Query),
        ("MATCH_anyEPC" = Option<String>, Query),
        ("perPage" = Option<u32>, Query),
        ("nextPageToken" = Option<String>, Query),
    ),
    responses((status = 200, description = "EPCISQueryDocument"), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn events() {}

/// One event by its `eventID`.
#[utoipa::path(get, path = "/epcis/events/{eventID}", tag = "epcis",
    params(("eventID" = String, Path)),
    responses((status = 200, description = "the event"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn event() {}

/// Every event naming an EPC (a URN or a Digital Link URI of any domain).
#[utoipa::path(get, path = "/epcis/epcs/{epc}/events", tag = "epcis",
    params(("epc" = String, Path), ("perPage" = Option<u32>, Query), ("nextPageToken" = Option<String>, Query)),
    responses((status = 200, description = "EPCISQueryDocument"), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn epc_events() {}

/// The caller's named queries.
#[utoipa::path(get, path = "/epcis/queries", tag = "epcis",
    responses((status = 200, description = "the named queries")),
    security(("api_key" = [])))]
fn queries() {}

/// Names a query: `{"name": …, "query": {…}}`.
#[utoipa::path(post, path = "/epcis/queries", tag = "epcis",
    request_body(content = serde_json::Value, description = "{\"name\": …, \"query\": {…}}"),
    responses((status = 201, description = "created; Location names it"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn create_query() {}

/// A named query's definition.
#[utoipa::path(get, path = "/epcis/queries/{queryName}", tag = "epcis",
    params(("queryName" = String, Path)),
    responses((status = 200, description = "the definition"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn named_query() {}

/// Deletes a named query and its subscriptions.
#[utoipa::path(delete, path = "/epcis/queries/{queryName}", tag = "epcis",
    params(("queryName" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn delete_query() {}

/// A named query's results, paged; with `Upgrade: websocket`, a
/// subscription for as long as the socket is open (`stream=true`, or a
/// schedule: `second`, `minute`, `hour`, `dayOfMonth`, `month`, `dayOfWeek`).
#[utoipa::path(get, path = "/epcis/queries/{queryName}/events", tag = "epcis",
    params(
        ("queryName" = String, Path),
        ("perPage" = Option<u32>, Query),
        ("nextPageToken" = Option<String>, Query),
        ("stream" = Option<bool>, Query),
        ("second" = Option<String>, Query),
        ("minute" = Option<String>, Query),
        ("hour" = Option<String>, Query),
        ("dayOfMonth" = Option<String>, Query),
        ("month" = Option<String>, Query),
        ("dayOfWeek" = Option<String>, Query),
        ("reportIfEmpty" = Option<bool>, Query),
        ("initialRecordTime" = Option<String>, Query),
    ),
    responses((status = 200, description = "EPCISQueryDocument"), (status = 101, description = "WebSocket subscription"),
              (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn named_query_events() {}

/// A named query's webhook subscriptions.
#[utoipa::path(get, path = "/epcis/queries/{queryName}/subscriptions", tag = "epcis",
    params(("queryName" = String, Path)),
    responses((status = 200, description = "the subscriptions")),
    security(("api_key" = [])))]
fn subscriptions() {}

/// Subscribes `dest` to a named query: `{"dest", "signatureToken"?,
/// "stream": true | "schedule": {…}, "reportIfEmpty"?, "initialRecordTime"?}`.
#[utoipa::path(post, path = "/epcis/queries/{queryName}/subscriptions", tag = "epcis",
    params(("queryName" = String, Path)),
    request_body(content = serde_json::Value),
    responses((status = 201, description = "subscribed; Location names it"),
              (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn subscribe() {}

/// One subscription.
#[utoipa::path(get, path = "/epcis/queries/{queryName}/subscriptions/{subscriptionID}", tag = "epcis",
    params(("queryName" = String, Path), ("subscriptionID" = String, Path)),
    responses((status = 200, description = "the subscription"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn subscription() {}

/// Ends a subscription.
#[utoipa::path(delete, path = "/epcis/queries/{queryName}/subscriptions/{subscriptionID}", tag = "epcis",
    params(("queryName" = String, Path), ("subscriptionID" = String, Path)),
    responses((status = 204, description = "ended"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
fn unsubscribe() {}

/// The resolver's answer for a product code (一品一码): the scan page for
/// a phone, `ScanView` JSON with `Accept: application/json`, an RFC 9264
/// linkset with `linkType=all` or `Accept: application/linkset+json`.
#[utoipa::path(get, path = "/01/{gtin}", tag = "resolver",
    params(("gtin" = String, Path, description = "GTIN-14"),
           ("linkType" = Option<String>, Query, description = "all, or one gs1: link type to be redirected to"),
           ("lang" = Option<String>, Query, description = "zh or en")),
    responses((status = 200, description = "scan page (text/html), ScanView (application/json) or linkset"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
fn resolve_product() {}

/// A lot code (一批一码).
#[utoipa::path(get, path = "/01/{gtin}/10/{lot}", tag = "resolver",
    params(("gtin" = String, Path), ("lot" = String, Path),
           ("linkType" = Option<String>, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "scan page, ScanView or linkset"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
fn resolve_lot() {}

/// An item code (一物一码); a scan is logged and counted, and a code
/// scanned more often than one item explains is flagged.
#[utoipa::path(get, path = "/01/{gtin}/21/{serial}", tag = "resolver",
    params(("gtin" = String, Path), ("serial" = String, Path),
           ("linkType" = Option<String>, Query), ("lang" = Option<String>, Query),
           ("lat" = Option<f64>, Query), ("lon" = Option<f64>, Query),
           ("region" = Option<String>, Query, description = "GB/T 2260 code of where the phone is")),
    responses((status = 200, description = "scan page, ScanView or linkset"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
fn resolve_item() {}

/// A transport package by its SSCC: what it holds.
#[utoipa::path(get, path = "/00/{sscc}", tag = "resolver",
    params(("sscc" = String, Path), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "scan page or ScanView"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
fn resolve_package() {}

/// A product code of the Ecode, digital identity or CCC scheme.
#[utoipa::path(get, path = "/c/{code}", tag = "resolver",
    params(("code" = String, Path, description = "the scheme's code, a / written %2F"), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "scan page or ScanView"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
fn resolve_scheme_product() {}

/// A lot code under `/c/`.
#[utoipa::path(get, path = "/c/{code}/10/{lot}", tag = "resolver",
    params(("code" = String, Path), ("lot" = String, Path), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "scan page or ScanView"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
fn resolve_scheme_lot() {}

/// An item code under `/c/`.
#[utoipa::path(get, path = "/c/{code}/21/{serial}", tag = "resolver",
    params(("code" = String, Path), ("serial" = String, Path), ("lang" = Option<String>, Query)),
    responses((status = 200, description = "scan page or ScanView"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
fn resolve_scheme_item() {}
