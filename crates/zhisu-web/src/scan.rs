//! The GS1 Digital Link resolver (P6.6): `/01/{gtin}[/10/{lot}][/21/{serial}]`,
//! `/00/{sscc}`, and `/c/{code}[/10/{lot}][/21/{serial}]` for the Ecode,
//! digital identity and CCC schemes. A phone gets the scan page; `Accept:
//! application/json` gets [`ScanView`] as JSON; `?linkType=all` (or `Accept:
//! application/linkset+json`) gets an RFC 9264 linkset the way GS1
//! resolvers answer; `?linkType=gs1:…` redirects to that one link.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use zhisu_api::error::ApiError;
use zhisu_domain::scan::Place;
use zhisu_service::{client_kind, ScanContext, ScanView, ServiceError, VerifyStatus};

use crate::{cookie, Lang, Page, WebState, CSRF_COOKIE, LANG_COOKIE};

/// The query parameters the resolver itself reads; any others (GS1 data
/// attributes like `17=…`) are part of the code and ignored here.
#[derive(Debug, Default, Deserialize)]
struct ResolverParams {
    #[serde(rename = "linkType")]
    link_type: Option<String>,
    lat: Option<String>,
    lon: Option<String>,
    /// GB/T 2260 region code of where the phone is.
    region: Option<String>,
    /// A public file of this code (business licence, instructions, report).
    file: Option<String>,
    /// `zh` or `en`: switch the page's language (kept in a cookie); the
    /// reload is not another scan.
    lang: Option<String>,
}

fn params(query: Option<&str>) -> Result<ResolverParams, String> {
    let mut p = ResolverParams::default();
    for pair in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = urlencoding::decode(v)
            .map_err(|_| format!("查询参数 {k} 不是有效的 UTF-8 (parameter {k} is not UTF-8)"))?
            .into_owned();
        match k {
            "linkType" => p.link_type = Some(v),
            "lat" => p.lat = Some(v),
            "lon" => p.lon = Some(v),
            "region" => p.region = Some(v),
            "file" => p.file = Some(v),
            "lang" => p.lang = Some(v),
            _ => {}
        }
    }
    Ok(p)
}

fn place(p: &ResolverParams) -> Result<Option<Place>, String> {
    match (&p.lat, &p.lon) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon)) => {
            let parse = |name: &str, v: &str| {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{name} 不是数字 ({name} is not a number: '{v}')"))
            };
            Place::coarse(parse("lat", lat)?, parse("lon", lon)?).map(Some)
        }
        _ => Err("lat 与 lon 须同时给出 (give both lat and lon, or neither)".into()),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Wants {
    Html,
    Json,
    Linkset,
}

fn wants(headers: &HeaderMap, link_type: Option<&str>) -> Wants {
    if link_type == Some("all") {
        return Wants::Linkset;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/linkset+json") {
        Wants::Linkset
    } else if accept.contains("application/json") && !accept.contains("text/html") {
        Wants::Json
    } else {
        Wants::Html
    }
}

/// The link types this resolver offers, with their GS1 Web Vocabulary names.
const LINK_TYPES: &[(&str, &str, &str)] = &[
    (
        "gs1:defaultLink",
        "追溯信息 (trace information)",
        "text/html",
    ),
    ("gs1:pip", "产品信息 (product information)", "text/html"),
    (
        "gs1:verificationService",
        "真伪验证 (verification)",
        "application/json",
    ),
    (
        "gs1:recallStatus",
        "召回状态 (recall status)",
        "application/json",
    ),
    (
        "gs1:certificationInfo",
        "许可与认证 (licences and certificates)",
        "application/json",
    ),
];

fn linkset(view: &ScanView) -> serde_json::Value {
    let mut set = serde_json::Map::new();
    set.insert("anchor".into(), json!(view.code));
    for (name, title, media) in LINK_TYPES {
        let suffix = name.trim_start_matches("gs1:");
        let href = if *media == "text/html" {
            view.code.clone()
        } else {
            format!("{}?linkType={}", view.code, name)
        };
        set.insert(
            format!("https://gs1.org/voc/{suffix}"),
            json!([{ "href": href, "title": title, "type": media, "hreflang": ["zh-CN", "en"] }]),
        );
    }
    json!({ "linkset": [set] })
}

fn status_code(view: &ScanView) -> StatusCode {
    match view.status {
        VerifyStatus::Unknown => StatusCode::NOT_FOUND,
        VerifyStatus::Invalid => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// `GET /01/…`, `/00/…`, `/c/…` for a signed-in user (routed; see
/// [`Resolver`] for everyone else).
pub async fn resolve(State(state): State<WebState>, request: axum::extract::Request) -> Response {
    // A signed-in user looking at a code (a preview from the batch page) is
    // not a scan from the field: it is answered but not counted.
    let signed_in = request
        .extensions()
        .get::<Option<crate::Session>>()
        .is_some_and(Option::is_some);
    answer(&state, request, signed_in).await
}

/// Is this a path the resolver answers?
fn resolver_path(path: &str) -> bool {
    path.starts_with("/01/") || path.starts_with("/00/") || path.starts_with("/c/")
}

/// The public scan's fast path, in front of the router: a `GET` of a
/// resolver path without a session cookie (a phone scanning a code) is
/// answered here, without routing, the session middleware or copying the
/// service state. Everything else goes on to `inner`.
#[derive(Clone)]
pub struct Resolver<S> {
    state: WebState,
    inner: S,
}

impl<S> Resolver<S> {
    pub fn new(state: WebState, inner: S) -> Self {
        Resolver { state, inner }
    }
}

impl<S> tower::Service<axum::extract::Request> for Resolver<S>
where
    S: tower::Service<
            axum::extract::Request,
            Response = Response,
            Error = std::convert::Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future =
        futures_util::future::BoxFuture<'static, Result<Response, std::convert::Infallible>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let fast = request.method() == axum::http::Method::GET
            && resolver_path(request.uri().path())
            && cookie(request.headers(), crate::SESSION_COOKIE).is_none();
        if !fast {
            return Box::pin(self.inner.call(request));
        }
        let state = self.state.clone();
        Box::pin(async move {
            let mut response = answer(&state, request, false).await;
            crate::security_headers(response.headers_mut());
            if state.settings.hsts {
                response.headers_mut().insert(
                    header::STRICT_TRANSPORT_SECURITY,
                    axum::http::HeaderValue::from_static(crate::HSTS),
                );
            }
            Ok(response)
        })
    }
}

async fn answer(state: &WebState, request: axum::extract::Request, signed_in: bool) -> Response {
    // The request's parts, taken apart rather than copied (the hot path).
    let (parts, _) = request.into_parts();
    let (headers, uri) = (parts.headers, parts.uri);
    let lang = Lang::from_cookie(cookie(&headers, LANG_COOKIE).as_deref());
    let p = match params(uri.query()) {
        Ok(p) => p,
        Err(e) => return bad_request(state, &headers, lang, e),
    };
    let switched = p
        .lang
        .as_deref()
        .map(|l| if l == "en" { "en" } else { "zh" });
    let lang = switched.map_or(lang, |l| Lang::from_cookie(Some(l)));
    let want = wants(&headers, p.link_type.as_deref());
    let place = match place(&p) {
        Ok(place) => place,
        Err(e) => return bad_request(state, &headers, lang, e),
    };
    let path = uri.path();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Following a link of the linkset, or fetching a file, is not a scan.
    let log = p.link_type.is_none() && p.file.is_none() && switched.is_none() && !signed_in;
    let region = match &p.region {
        None => None,
        Some(r) => match zhisu_codes::region::RegionCode::parse(r.trim()) {
            Ok(code) => Some(code.as_str().to_string()),
            Err(e) => return bad_request(state, &headers, lang, e.to_string()),
        },
    };
    let ctx = ScanContext {
        place,
        region,
        client: client_kind(user_agent, want != Wants::Html).to_string(),
        log,
    };
    let code = format!("{}{}", state.service.settings.public_url, path);
    let view = match state.service.scan(&code, &ctx).await {
        Ok(v) => v,
        Err(e) => return service_error(state, &headers, lang, e, want),
    };
    if want != Wants::Html {
        match view.status {
            VerifyStatus::Invalid => {
                return ApiError::new("bad-request", view.message).into_response()
            }
            VerifyStatus::Unknown => {
                return ApiError::new("unknown-code", view.message).into_response()
            }
            _ => {}
        }
    }
    if let Some(sha) = &p.file {
        return public_file(state, &view, sha).await;
    }
    match p.link_type.as_deref() {
        None | Some("all") => {}
        Some(t) => {
            return match LINK_TYPES.iter().find(|(name, _, _)| *name == t) {
                Some((_, _, "text/html")) => Redirect::temporary(&view.code).into_response(),
                Some(_) => (status_code(&view), axum::Json(&view)).into_response(),
                // GS1 resolvers answer an unknown link type with the default link.
                None => Redirect::temporary(&view.code).into_response(),
            };
        }
    }
    match want {
        Wants::Json => (status_code(&view), axum::Json(&view)).into_response(),
        Wants::Linkset => (
            status_code(&view),
            [(header::CONTENT_TYPE, "application/linkset+json")],
            linkset(&view).to_string(),
        )
            .into_response(),
        Wants::Html => {
            let mut response = scan_page(lang, &view);
            if let Some(l) = switched {
                if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
                    "{LANG_COOKIE}={l}; Path=/; SameSite=Lax; Max-Age=31536000"
                )) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            response
        }
    }
}

fn scan_page(lang: Lang, view: &ScanView) -> Response {
    let tone = match view.status {
        VerifyStatus::Genuine if view.warnings.is_empty() => "ok",
        VerifyStatus::Genuine | VerifyStatus::Unverified => "warn",
        VerifyStatus::NotActive | VerifyStatus::Unknown => "unknown",
        _ => "bad",
    };
    let status = match view.status {
        VerifyStatus::Genuine => "genuine",
        VerifyStatus::Unverified => "unverified",
        VerifyStatus::Unknown => "unknown",
        VerifyStatus::Suspect => "suspect",
        VerifyStatus::NotActive => "not-active",
        VerifyStatus::Frozen => "frozen",
        VerifyStatus::Voided => "voided",
        VerifyStatus::Recalled => "recalled",
        VerifyStatus::Invalid => "invalid",
    };
    let path = view
        .code
        .split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
        .unwrap_or_default();
    let html = crate::scan_page::ScanPage {
        lang,
        view,
        status,
        tone,
        path,
    }
    .render();
    (status_code(view), axum::response::Html(html)).into_response()
}

fn bad_request(state: &WebState, headers: &HeaderMap, lang: Lang, message: String) -> Response {
    service_error(
        state,
        headers,
        lang,
        ServiceError::BadRequest(message),
        wants(headers, None),
    )
}

fn service_error(
    state: &WebState,
    headers: &HeaderMap,
    lang: Lang,
    error: ServiceError,
    want: Wants,
) -> Response {
    if want == Wants::Html {
        let page = Page {
            session: None,
            lang,
            ip: None,
            path: String::new(),
            csrf_cookie: cookie(headers, CSRF_COOKIE),
        };
        state.error_page(&page, error)
    } else {
        ApiError::from(error).into_response()
    }
}

async fn public_file(state: &WebState, view: &ScanView, sha256: &str) -> Response {
    if !zhisu_service::Service::public_file_allowed(view, sha256) {
        return ApiError::new(
            "not-found",
            "此码没有这个公开文件 (no such public file for this code)",
        )
        .into_response();
    }
    match state.service.read_public_blob(sha256).await {
        Ok((blob, bytes)) => (
            [
                (header::CONTENT_TYPE, blob.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
