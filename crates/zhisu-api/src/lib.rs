//! The JSON API (`/api/v1`), `/healthz`, `/openapi.json` and its
//! browsable reference, and the RFC 9457 problem pages.
//!
//! Handlers parse and authenticate, call the service, and shape the
//! answer. They decide nothing about access or validity.

pub mod accounts;
pub mod auth;
pub mod cases;
pub mod change_requests;
pub mod codes;
pub mod copying;
mod doc_errors;
pub mod docs;
pub mod epcis;
pub mod error;
mod extra_paths;
pub mod flow;
pub mod identity_checks;
pub mod import_jobs;
pub mod imports;
mod json_body;
pub mod production_days;
pub use json_body::refuse_nul_in_uri;
pub use run_to_end::run_to_end;
pub mod ledger;
pub mod misc;
pub mod privacy;
pub mod records;
pub mod registers;
pub mod reporting;
pub mod reviews;
mod run_to_end;
pub mod statistics;
pub mod sweeps;
pub mod verification;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zhisu_service::Service;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zhisu 质溯 API",
        description = "Quality-safety traceability of important industrial products (重点工业产品质量安全追溯). \
            Authenticate with `Authorization: Bearer KEY`; every error is RFC 9457 `application/problem+json`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "enterprises", description = "Producers and sellers (G5.1-basic, G5.2-basic)"),
        (name = "products", description = "Products (G5.1-product, P5.2)"),
        (name = "batches", description = "Batches (G5.1-product, P5.3.3.3)"),
        (name = "files", description = "Licences, reports and instructions (G8.2)"),
        (name = "scans", description = "The public scan's alerts (G6.1.3, P6.5); the scan itself is the resolver at /01/…, /00/…, /c/…"),
        (name = "flows", description = "Sales and purchases (G5.1-flow, G5.2-flow) and recalls (P6.4)"),
        (name = "identifiers", description = "USCC, GS1, CCC and licence numbers"),
        (name = "accounts", description = "API keys, users and the audit log (G9.3, G8.4)"),
        (name = "ledger", description = "Tamper evidence: signed checkpoints and RFC 9162 proofs (G8.3, G9.2)"),
        (name = "platform", description = "Health"),
        (name = "epcis", description = "The EPCIS 2.0 REST binding: capture, queries, subscriptions (G6.2)"),
        (name = "resolver", description = "The GS1 Digital Link resolver: what a scan of a printed code answers (P6.6)"),
        (name = "verification", description = "Data verification: the rules, sweeps and findings (V4, V5-auto), and cases followed to closure (V6)"),
        (name = "inbox", description = "The inbox (站内消息): reminders of quantity reports missed (P5.3.3.3) and, for regulators, runs of misses in their jurisdiction"),
        (name = "imports", description = "Imports (工具包导入, P5.3.2): the templates of products, batches, sales, purchases and daily quantities"),
        (name = "statistics", description = "Statistics: the indicators, each defined once, a period's summary, an indicator's series with its anomalies, and monthly or quarterly reports as PDF or XLSX (G10.2, P6.7)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(
            records::list_enterprises,
            records::create_enterprise
        ))
        .routes(routes!(records::get_enterprise, records::patch_enterprise))
        .routes(routes!(records::enterprise_history))
        .routes(routes!(identity_checks::check_identity))
        .routes(routes!(records::list_products, records::create_product))
        .routes(routes!(records::get_product, records::patch_product))
        .routes(routes!(records::product_history))
        .routes(routes!(copying::copy_product))
        .routes(routes!(records::list_batches, records::create_batch))
        .routes(routes!(records::get_batch, records::patch_batch))
        .routes(routes!(records::batch_history))
        .routes(routes!(copying::copy_batch))
        .routes(routes!(production_days::report_day))
        .routes(routes!(
            reporting::product_reporting,
            reporting::report_quantity
        ))
        .routes(routes!(reporting::inbox))
        .routes(routes!(reporting::read_message))
        .routes(routes!(codes::submit))
        .routes(routes!(codes::review))
        .routes(routes!(codes::activate))
        .routes(routes!(codes::dispose))
        .routes(routes!(codes::export))
        .routes(routes!(codes::verify))
        .routes(routes!(codes::life))
        .routes(routes!(codes::qr))
        .routes(routes!(codes::labels))
        .routes(routes!(codes::create_package))
        .routes(routes!(codes::get_package))
        .routes(routes!(codes::links))
        .routes(routes!(codes::alerts))
        .routes(routes!(flow::create_flow, flow::list_flows))
        .routes(routes!(flow::get_flow))
        .routes(routes!(flow::open_recall, flow::list_recalls))
        .routes(routes!(flow::get_recall))
        .routes(routes!(flow::recall_notices))
        .routes(routes!(flow::recall_progress))
        .routes(routes!(flow::supply))
        .routes(routes!(flow::recall_trace))
        .routes(routes!(flow::send_feedback, flow::list_feedback))
        .routes(routes!(flow::get_feedback))
        .routes(routes!(flow::answer_feedback))
        .routes(routes!(change_requests::request_change))
        .routes(routes!(change_requests::list_change_requests))
        .routes(routes!(change_requests::get_change_request))
        .routes(routes!(change_requests::decide_change))
        .routes(routes!(ledger::checkpoint))
        .routes(routes!(ledger::key))
        .routes(routes!(ledger::inclusion))
        .routes(routes!(ledger::consistency))
        .routes(routes!(ledger::receipt))
        .routes(routes!(misc::identifier))
        .routes(routes!(misc::upload))
        .routes(routes!(misc::download))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::create_key, accounts::list_keys))
        .routes(routes!(accounts::revoke_key))
        .routes(routes!(accounts::create_user))
        .routes(routes!(accounts::audit))
        .routes(routes!(verification::rules))
        .routes(routes!(verification::sweep, sweeps::list_sweeps))
        .routes(routes!(sweeps::get_sweep))
        .routes(routes!(verification::findings))
        .routes(routes!(verification::export_findings))
        .routes(routes!(verification::finding))
        .routes(routes!(statistics::indicators))
        .routes(routes!(statistics::statistics_summary))
        .routes(routes!(statistics::statistics_series))
        .routes(routes!(statistics::statistics_market))
        .routes(routes!(statistics::statistics_breakdown))
        .routes(routes!(statistics::statistics_composition))
        .routes(routes!(statistics::statistics_report))
        .routes(routes!(statistics::statistics_anomalies))
        .routes(routes!(statistics::scheduled_reports))
        .routes(routes!(statistics::scheduled_report))
        .routes(routes!(reviews::queue))
        .routes(routes!(reviews::claim))
        .routes(routes!(reviews::assign))
        .routes(routes!(reviews::release))
        .routes(routes!(reviews::decide))
        .routes(routes!(reviews::get_review))
        .routes(routes!(privacy::reveal_flow))
        .routes(routes!(privacy::reveal_feedback))
        .routes(routes!(registers::import, registers::list))
        .routes(routes!(cases::open_case, cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::abnormal))
        .routes(routes!(cases::case_file))
        .routes(routes!(cases::answer_case))
        .routes(routes!(cases::recheck_case))
        .routes(routes!(cases::close_case))
        .routes(routes!(imports::template))
        .routes(routes!(import_jobs::get_import))
        .routes(routes!(import_jobs::import_rows))
        .routes(routes!(import_jobs::commit_import))
}

/// The OpenAPI 3.1 document, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = api_routes().split_for_parts();
    let (_, health) = OpenApiRouter::<AppState>::new()
        .routes(routes!(misc::healthz))
        .split_for_parts();
    api.merge(health);
    // Routed in `router` with their own body limit.
    let (_, imports) = OpenApiRouter::<AppState>::new()
        .routes(routes!(
            import_jobs::create_import,
            import_jobs::list_imports
        ))
        .split_for_parts();
    api.merge(imports);
    api.merge(extra_paths::ExtraPaths::openapi());
    doc_errors::complete(api)
}

/// The API router, ready to merge into the server.
/// API answers are a tenant's data: no shared cache or browser keeps
/// them (issue 16.15), unless a handler said otherwise.
async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response
        .headers_mut()
        .entry(axum::http::header::CACHE_CONTROL)
        .or_insert(axum::http::HeaderValue::from_static("no-store"));
    response
}

pub fn router(service: Service) -> Router {
    let state = AppState { service };
    let (api, _) = api_routes().split_for_parts();
    let document = openapi();
    let json = serde_json::to_string_pretty(&document).expect("OpenAPI serialises");
    let reference = docs::reference_page(&document);
    // The EPCIS 2.0 REST binding: specified by GS1's own OpenAPI document
    // (epcis-rest-openapi.yaml), so not repeated in ours.
    let api = api
        .route(
            "/epcis/capture",
            axum::routing::post(epcis::capture)
                .layer(DefaultBodyLimit::max(zhisu_service::MAX_CAPTURE_BYTES)),
        )
        .route("/epcis/capture/{id}", get(epcis::capture_status))
        // Issue 19.3: a sheet may be larger than any other upload.
        .route(
            "/api/v1/imports",
            axum::routing::post(import_jobs::create_import)
                .layer(DefaultBodyLimit::max(import_jobs::MAX_IMPORT_BODY))
                .get(import_jobs::list_imports),
        )
        .route("/epcis/events", get(epcis::events))
        .route("/epcis/events/{id}", get(epcis::event))
        .route("/epcis/epcs/{epc}/events", get(epcis::epc_events))
        .route(
            "/epcis/queries",
            get(epcis::queries).post(epcis::create_query),
        )
        .route(
            "/epcis/queries/{name}",
            get(epcis::named_query).delete(epcis::delete_query),
        )
        .route(
            "/epcis/queries/{name}/events",
            get(epcis::named_query_events),
        )
        .route(
            "/epcis/queries/{name}/subscriptions",
            get(epcis::subscriptions).post(epcis::subscribe),
        )
        .route(
            "/epcis/queries/{name}/subscriptions/{id}",
            get(epcis::subscription).delete(epcis::unsubscribe),
        )
        // Behind the key middleware: an admin's key shows the counts.
        .route("/healthz", get(misc::healthz))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(
            zhisu_domain::blob::MAX_BLOB_BYTES + 64 * 1024,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::map_response(no_store));
    Router::new()
        .merge(api)
        .route(
            "/openapi.json",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    json,
                )
            }),
        )
        .route(
            "/api/docs",
            get(move || async move { axum::response::Html(reference) }),
        )
        .route("/problems/{slug}", get(docs::problem_page))
        .with_state(state)
}
