//! Server-rendered pages for manufacturers, sellers, regulators and admins.
//!
//! Pages call the service layer, never the JSON handlers. Every asset is
//! embedded in the binary (offline-first: no CDN). Chinese by default,
//! English by a cookie set from the language switch.

mod actor_names;
mod admin_pages;
mod batch_steps;
mod change_requests;
mod channels;
mod charts;
mod copying;
mod csv;
mod flow_lines;
mod forms;
mod i18n;
mod i18n_imports;
mod i18n_reporting;
mod i18n_statistics;
mod i18n_supplements;
mod identity_checks;
mod import_pages;
mod imports;
mod labels;
mod packing;
mod pages;
mod password_pages;
mod production_days;
mod recall_names;
mod record_detail;
mod record_form;
mod record_list;
mod reporting_pages;
mod scan;
mod scan_page;
mod session_pages;
mod supplement_pages;

pub use scan::Resolver;
mod case_detail;
mod case_pages;
mod finding_pages;
mod review_pages;
mod statistics_anomalies;
mod statistics_composition;
mod statistics_dashboard;
mod statistics_market;
mod statistics_pages;
mod statistics_reports;
mod sweep_pages;
mod trade;
mod two_factor_pages;
mod verification_pages;
mod view;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Environment;
use serde::Serialize;
use zhisu_domain::Principal;
use zhisu_service::{Service, ServiceError};

pub use i18n::Lang;

pub const SESSION_COOKIE: &str = "zhisu_session";
pub const CSRF_COOKIE: &str = "zhisu_csrf";
pub const LANG_COOKIE: &str = "zhisu_lang";

/// Page settings.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security` (the server speaks TLS itself):
    /// the resolver's fast path answers outside the router's layers.
    pub hsts: bool,
}

/// RFC 6797: browsers keep to HTTPS for a year (issue 16.15).
pub const HSTS: &str = "max-age=31536000";

#[derive(Clone)]
pub struct WebState {
    pub service: Service,
    pub settings: WebSettings,
    templates: std::sync::Arc<Environment<'static>>,
}

/// The signed-in person behind a page request, if any.
#[derive(Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf: String,
    /// Someone else set the password: every page but the change form
    /// sends the person there first (issue 16.5).
    pub must_change_password: bool,
    /// Whether the session still owes a one-time code (issue 16.16).
    pub second_factor: zhisu_service::SecondFactor,
}

impl Session {
    /// The one page a session must visit before any other, if it owes
    /// one: a new password first (issue 16.5), then its one-time code
    /// (issue 16.16). One decision, so the two never send a person back
    /// and forth between them.
    pub(crate) fn owed_page(&self) -> Option<&'static str> {
        if self.must_change_password {
            return Some("/password");
        }
        match self.second_factor {
            zhisu_service::SecondFactor::Done => None,
            zhisu_service::SecondFactor::Needed => Some("/totp/verify"),
            zhisu_service::SecondFactor::Enroll => Some("/totp/setup"),
        }
    }
}

/// Everything a page handler knows about the request.
pub struct Page {
    pub session: Option<Session>,
    pub lang: Lang,
    pub ip: Option<String>,
    pub path: String,
    /// The anonymous double-submit CSRF cookie (for log-in and registration).
    pub csrf_cookie: Option<String>,
}

/// A signed-in page request; anonymous visitors are sent to the log-in page.
pub struct SignedIn(pub Page, pub Session);

/// Headers every response carries (G11: attack resistance).
pub fn security_headers(headers: &mut HeaderMap) {
    use axum::http::HeaderValue;
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    );
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<WebState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Page {
            session: parts.extensions.get::<Option<Session>>().cloned().flatten(),
            lang: Lang::from_cookie(cookie(&parts.headers, LANG_COOKIE).as_deref()),
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "/".into()),
            csrf_cookie: cookie(&parts.headers, CSRF_COOKIE),
        })
    }
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let page = Page::from_request_parts(parts, state)
            .await
            .expect("infallible");
        match page.session.clone() {
            Some(session) => Ok(SignedIn(page, session)),
            None => Err(
                Redirect::to(&format!("/login?next={}", urlencoding::encode(&page.path)))
                    .into_response(),
            ),
        }
    }
}

/// Resolves the session cookie once per request and logs what signed-in
/// people do (G8.4).
async fn sessions(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let token = cookie(request.headers(), SESSION_COOKIE);
    let session = match token {
        Some(t) => match state.service.session_principal(&t).await {
            Ok(found) => found.map(|s| Session {
                principal: s.principal,
                csrf: s.csrf,
                must_change_password: s.must_change_password,
                second_factor: s.second_factor,
            }),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        },
        None => None,
    };
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let action = format!("page {} {}", request.method(), request.uri().path());
    let is_asset = request.uri().path().starts_with("/assets/");
    let is_write =
        request.method() != axum::http::Method::GET && request.method() != axum::http::Method::HEAD;
    if let Some(owed) = session.as_ref().and_then(Session::owed_page) {
        let path = request.uri().path();
        let passes = path == owed
            || path == "/logout"
            || path.starts_with("/assets/")
            || path.starts_with("/lang/");
        if !passes {
            return Redirect::to(owed).into_response();
        }
    }
    request.extensions_mut().insert(session.clone());
    let (mut parts, body) = request.into_parts();
    let page = Page::from_request_parts(&mut parts, &state)
        .await
        .expect("infallible");
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if session.is_some() && !is_asset {
        // A signed-in page is someone's data: no cache keeps it, and the
        // back button after log-out does not show it (issue 16.15).
        response
            .headers_mut()
            .entry(axum::http::header::CACHE_CONTROL)
            .or_insert(axum::http::HeaderValue::from_static("no-store"));
    }
    if let Some(s) = session.filter(|_| !is_asset) {
        let status = response.status();
        let outcome = if status.is_success() || status.is_redirection() {
            "ok".to_string()
        } else {
            format!("http {}", status.as_u16())
        };
        let audited = state
            .service
            .audit_access(Some(&s.principal), action, None, ip, outcome)
            .await;
        if let Err(e) = audited {
            // As on the API: a done write has its own entry; nothing else
            // is served unaudited.
            if is_write && (status.is_success() || status.is_redirection()) {
                tracing::error!(error = %e, "access entry not written; the write's own entry stands");
            } else {
                return state.error_page(&page, e);
            }
        }
    }
    response
}

impl WebState {
    pub fn new(service: Service, settings: WebSettings) -> Self {
        let mut env = Environment::new();
        for (name, source) in view::TEMPLATES {
            env.add_template(name, source).expect("templates parse");
        }
        env.add_filter("local_time", view::local_time);
        WebState {
            service,
            settings,
            templates: std::sync::Arc::new(env),
        }
    }

    /// Renders a template with the common context (texts, user, CSRF token).
    pub fn render(&self, page: &Page, template: &str, ctx: impl Serialize) -> Response {
        #[derive(Serialize)]
        struct User<'a> {
            name: &'a str,
            role: &'a str,
            role_label: &'static str,
            enterprise_id: Option<i64>,
            /// The system administrator (三员: `zhisu_domain::duties`).
            admin: bool,
            /// The security administrator: accounts and keys only.
            security: bool,
            /// The audit administrator: the audit log only.
            auditor: bool,
            regulator: bool,
            files_products: bool,
        }
        let user = page.session.as_ref().map(|s| User {
            name: &s.principal.display_name,
            role: s.principal.role.as_str(),
            role_label: view::role_label(page.lang, s.principal.role),
            enterprise_id: s.principal.enterprise_id,
            admin: s.principal.is_admin(),
            security: s.principal.role == zhisu_domain::Role::SecurityAdmin,
            auditor: s.principal.role == zhisu_domain::Role::AuditAdmin,
            regulator: s.principal.role == zhisu_domain::Role::Regulator,
            files_products: matches!(
                s.principal.role,
                zhisu_domain::Role::ManufacturerAdmin | zhisu_domain::Role::ManufacturerOperator
            ),
        });
        let csrf = page
            .session
            .as_ref()
            .map(|s| s.csrf.clone())
            .or_else(|| page.csrf_cookie.clone())
            .unwrap_or_default();
        // Those who print labels are told while codes would carry an
        // address no phone can open (issue 15.10).
        let prints = page.session.as_ref().is_some_and(|s| {
            matches!(
                s.principal.role,
                zhisu_domain::Role::PlatformAdmin
                    | zhisu_domain::Role::ManufacturerAdmin
                    | zhisu_domain::Role::ManufacturerOperator
            )
        });
        let public_url_warning = if prints {
            self.service.unscannable_public_url()
        } else {
            None
        };
        let common = minijinja::context! {
            public_url_warning => public_url_warning,
            tr => page.lang.table_value(),
            lang => page.lang.code(),
            user => user,
            csrf => csrf,
            path => page.path.clone(),
        };
        let ctx = minijinja::context! { ..minijinja::Value::from_serialize(&ctx), ..common };
        match self
            .templates
            .get_template(template)
            .and_then(|t| t.render(ctx))
        {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!(error = %e, template, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
            }
        }
    }

    /// A readable error page for a failed use case.
    pub fn error_page(&self, page: &Page, error: ServiceError) -> Response {
        let (status, title_key) = match &error {
            ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServiceError::Unauthenticated => return Redirect::to("/login").into_response(),
            ServiceError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ServiceError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ServiceError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "error")
            }
            _ => (StatusCode::BAD_REQUEST, "error"),
        };
        let message = match &error {
            ServiceError::Internal(_) => String::new(),
            ServiceError::NotFound(_) => String::new(),
            ServiceError::Busy(_) => page.lang.text("busy_message").to_string(),
            ServiceError::Unavailable(_) => page.lang.text("unavailable_message").to_string(),
            other => other.to_string(),
        };
        let mut response = self.render(
            page,
            "error.html",
            minijinja::context! { title => page.lang.text(title_key), message => message },
        );
        *response.status_mut() = status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

/// The pages' routes. Resolver paths are routed here too (for signed-in
/// users); put [`Resolver`] in front of the whole app for everyone else.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/lang/{code}", get(pages::set_lang))
        .route("/assets/{file}", get(view::asset))
        .route(
            "/login",
            get(session_pages::login_form).post(session_pages::login),
        )
        .route("/logout", post(session_pages::logout))
        .route(
            "/password",
            get(password_pages::form).post(password_pages::change),
        )
        .route(
            "/totp/setup",
            get(two_factor_pages::setup).post(two_factor_pages::confirm),
        )
        .route(
            "/totp/verify",
            get(two_factor_pages::verify).post(two_factor_pages::check),
        )
        .route(
            "/register",
            get(session_pages::register_form).post(session_pages::register),
        )
        .route("/dashboard", get(record_list::dashboard))
        .route("/enterprises", get(record_list::enterprise_list))
        .route(
            "/products/{id}/change-request",
            get(change_requests::change_request_form).post(change_requests::change_request_submit),
        )
        .route(
            "/change-requests",
            get(change_requests::change_request_list),
        )
        .route(
            "/change-requests/{id}",
            get(change_requests::change_request_detail),
        )
        .route(
            "/change-requests/{id}/decision",
            post(change_requests::change_request_decide),
        )
        .route("/enterprises/{id}", get(record_detail::enterprise_detail))
        .route(
            "/enterprises/{id}/edit",
            get(record_form::enterprise_edit_form).post(record_form::enterprise_edit),
        )
        .route(
            "/enterprises/{id}/history",
            get(record_detail::enterprise_history),
        )
        .route("/products", get(record_list::product_list))
        .route(
            "/products/new",
            get(record_form::product_new_form).post(record_form::product_new),
        )
        .route("/products/{id}", get(record_detail::product_detail))
        .route("/products/{id}/reports", post(reporting_pages::report))
        .route("/products/{id}/supplements", post(supplement_pages::change))
        .route("/inbox", get(reporting_pages::inbox))
        .route("/inbox/{id}/read", post(reporting_pages::read))
        .route(
            "/products/{id}/edit",
            get(record_form::product_edit_form).post(record_form::product_edit),
        )
        .route(
            "/products/{id}/history",
            get(record_detail::product_history),
        )
        .route("/batches", get(record_list::batch_list))
        .route(
            "/batches/new",
            get(record_form::batch_new_form).post(record_form::batch_new),
        )
        .route("/batches/{id}", get(record_detail::batch_detail))
        .route(
            "/batches/{id}/edit",
            get(record_form::batch_edit_form).post(record_form::batch_edit),
        )
        .route("/batches/{id}/history", get(record_detail::batch_history))
        .route("/batches/{id}/submit", post(batch_steps::batch_submit))
        .route("/batches/{id}/review", post(batch_steps::batch_review))
        .route("/batches/{id}/activate", post(batch_steps::batch_activate))
        .route("/batches/{id}/dispose", post(batch_steps::batch_dispose))
        .route("/batches/{id}/days", post(batch_steps::batch_day))
        .route(
            "/enterprises/{id}/identity-check",
            post(identity_checks::check),
        )
        .route(
            "/batches/{id}/codes.{format}",
            get(batch_steps::batch_codes),
        )
        .route("/batches/{id}/labels", get(labels::labels))
        .route("/batches/{id}/qr", get(labels::qr))
        .route("/packages", get(record_list::package_list))
        .route(
            "/enterprises/{id}/channels",
            get(channels::channels).post(channels::save_channels),
        )
        .route(
            "/packages/new",
            get(packing::new_package).post(packing::create_package),
        )
        .route("/packages/{id}", get(record_detail::package_detail))
        .route("/flows", get(record_list::flow_list))
        .route("/flows/new", get(trade::new_flow).post(trade::create_flow))
        .route("/flows/{id}", get(record_detail::flow_detail))
        .route("/flows/{id}/reveal", post(record_detail::reveal_flow))
        .route("/recalls", get(record_list::recall_list))
        .route(
            "/recalls/new",
            get(trade::new_recall).post(trade::create_recall),
        )
        .route("/recalls/{id}/progress", post(trade::recall_progress))
        .route("/recalls/{id}/trace.xlsx", get(trade::recall_xlsx))
        .route("/imports/templates/{kind}", get(imports::template))
        // Issue 19.3: a sheet may be larger than any other upload.
        .route(
            "/imports",
            get(import_pages::list).merge(post(import_pages::upload).layer(DefaultBodyLimit::max(
                zhisu_service::MAX_SHEET_BYTES + 1024 * 1024,
            ))),
        )
        .route("/imports/{id}", get(import_pages::detail))
        .route("/imports/{id}/commit", post(import_pages::commit))
        .route("/alerts", get(trade::alerts))
        .route("/verification", get(verification_pages::findings))
        .route(
            "/verification/sweeps",
            get(sweep_pages::list).post(verification_pages::sweep),
        )
        .route("/verification/sweeps/{id}", get(sweep_pages::detail))
        .route("/verification/findings/{id}", get(finding_pages::detail))
        .route("/statistics/indicators", get(statistics_pages::indicators))
        .route("/statistics", get(statistics_dashboard::dashboard))
        .route("/statistics/report", get(statistics_reports::report))
        .route(
            "/statistics/anomalies",
            get(statistics_anomalies::anomalies),
        )
        .route("/statistics/reports/{id}", get(statistics_reports::kept))
        .route(
            "/statistics/series.csv",
            get(statistics_dashboard::series_csv),
        )
        .route("/statistics/market.csv", get(statistics_market::market_csv))
        .route(
            "/statistics/composition.csv",
            get(statistics_composition::composition_csv),
        )
        .route("/verification/queue", get(review_pages::queue))
        .route(
            "/verification/findings.csv",
            get(verification_pages::export),
        )
        .route("/verification/queue/{id}/{action}", post(review_pages::act))
        .route(
            "/verification/registers",
            post(verification_pages::import_register),
        )
        .route("/cases", get(case_pages::list).post(case_pages::create))
        .route("/cases/new", get(case_pages::new))
        .route("/abnormal", get(case_pages::abnormal))
        .route("/cases/{id}", get(case_pages::detail))
        .route("/cases/{id}/history", get(case_pages::history))
        .route("/cases/{id}/file", get(case_pages::case_file))
        .route("/cases/{id}/answer", post(case_pages::answer))
        .route("/cases/{id}/recheck", post(case_pages::recheck))
        .route("/cases/{id}/close", post(case_pages::close))
        .route("/codes/life", get(trade::code_life))
        .route("/supply", get(trade::supply))
        .route("/feedback", get(record_list::feedback_list))
        .route(
            "/feedback/new",
            get(trade::new_feedback).post(trade::send_feedback),
        )
        .route("/feedback/{id}", get(record_detail::feedback_detail))
        .route("/feedback/{id}/answer", post(trade::answer_feedback))
        .route("/recalls/{id}", get(record_detail::recall_detail))
        .route(
            "/keys",
            get(admin_pages::keys).post(admin_pages::create_key),
        )
        .route("/keys/{id}/revoke", post(admin_pages::revoke_key))
        .route(
            "/users",
            get(admin_pages::users).post(admin_pages::create_user),
        )
        .route("/audit", get(admin_pages::audit))
        .route("/audit.csv", get(admin_pages::audit_csv))
        .route("/files/{sha256}", get(pages::file))
        .route("/receipt/{kind}/{id}", get(record_detail::receipt))
        .route("/01/{*rest}", get(scan::resolve))
        .route("/00/{*rest}", get(scan::resolve))
        .route("/c/{*rest}", get(scan::resolve))
        .layer(DefaultBodyLimit::max(
            zhisu_domain::blob::MAX_BLOB_BYTES * 2 + 64 * 1024,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            sessions,
        ))
        .with_state(state)
}
