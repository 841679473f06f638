//! Cases (立案处置, V6-dispose): a regulator opens one on open findings of
//! an enterprise; the enterprise answers; the regulator re-checks and
//! closes it. Each step is a version of the case, with its actor.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use zhisu_domain::cases::{Case, CaseAnswer, CloseCase, OpenCaseInput};

use crate::auth::{Auth, ClientIp};
use crate::error::ApiPath as Path;
use crate::error::{ApiJson, ApiQuery, ApiResult, Problem};
use crate::records::ListParams;
use crate::AppState;

/// A case as the API answers it: the record, and whether it is overdue
/// today (Asia/Shanghai).
fn case_json(view: zhisu_service::RecordView) -> serde_json::Value {
    let overdue = view
        .typed::<Case>()
        .is_ok_and(|c| c.is_overdue(zhisu_service::today_in_shanghai()));
    let mut json = view.to_json();
    json["overdue"] = overdue.into();
    json
}

/// Open a case on open findings of one enterprise of the caller's
/// jurisdiction (regulators only). The class defaults to the most serious
/// the findings propose; another needs `class_reason`. The deadline
/// defaults to the class's days; one given must be after today.
#[utoipa::path(post, path = "/api/v1/cases", tag = "verification", request_body = OpenCaseInput,
    responses((status = 201, body = Case), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "a finding the caller cannot see"),
        (status = 409, body = Problem, description = "a finding resolved, or already in an open case"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn open_case(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<OpenCaseInput>,
) -> ApiResult<Response> {
    let view = state.service.open_case(&by, input, ip).await?;
    let mut response = crate::records::created(view.clone(), "cases");
    *response.body_mut() = axum::body::Body::from(case_json(view).to_string());
    Ok(response)
}

/// Cases the caller may see: an enterprise its own (its 整改 inbox), a
/// regulator its region's; `status` is `notified`, `answered` or `closed`.
#[utoipa::path(get, path = "/api/v1/cases", tag = "verification", params(ListParams),
    responses((status = 200, description = "a page of cases"), (status = 400, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_cases(
    State(state): State<AppState>,
    Auth(by): Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let page = state
        .service
        .list(&by, zhisu_domain::RecordKind::Case, &params.into())
        .await?;
    Ok(crate::records::page(page))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "verification", params(("id" = i64, Path)),
    responses((status = 200, body = Case), (status = 404, body = Problem)), security(("api_key" = [])))]
pub async fn get_case(
    State(state): State<AppState>,
    Auth(by): Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state
        .service
        .read_record(&by, zhisu_domain::RecordKind::Case, id)
        .await?;
    Ok(Json(case_json(view)))
}

/// The enterprise concerned answers: what it corrected, with evidence
/// files uploaded first (`POST /api/v1/files`).
#[utoipa::path(post, path = "/api/v1/cases/{id}/answer", tag = "verification",
    params(("id" = i64, Path)), request_body = CaseAnswer,
    responses((status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the case awaits no answer"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn answer_case(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(answer): ApiJson<CaseAnswer>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state.service.answer_case(&by, id, answer, ip).await?;
    Ok(Json(case_json(view)))
}

/// A regulator of the enterprise's region has the rules re-run: passed,
/// the case may be closed; failed, it goes back to the enterprise with
/// the findings that still stand.
#[utoipa::path(post, path = "/api/v1/cases/{id}/recheck", tag = "verification",
    params(("id" = i64, Path)),
    responses((status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the enterprise has not answered")),
    security(("api_key" = [])))]
pub async fn recheck_case(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state.service.recheck_case(&by, id, ip).await?;
    Ok(Json(case_json(view)))
}

/// A regulator closes the case. The rules re-run first; while one of the
/// case's findings still stands, 409 names it and nothing changes. With
/// `accept_standing` and a `note`, findings a person settles (a late
/// filing stays late) may stand: the close lists them as accepted.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "verification",
    params(("id" = i64, Path)), request_body = CloseCase,
    responses((status = 200, body = Case), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not answered, or a finding still stands"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn close_case(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    ApiJson(close): ApiJson<CloseCase>,
) -> ApiResult<Json<serde_json::Value>> {
    let view = state.service.close_case(&by, id, close, ip).await?;
    Ok(Json(case_json(view)))
}

/// 经营异常名录: the enterprises an open serious case lists, newest first.
/// Public, as China's enterprise credit publicity lists them.
#[utoipa::path(get, path = "/api/v1/abnormal", tag = "verification",
    responses((status = 200, body = [zhisu_service::AbnormalEntry])))]
pub async fn abnormal(
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<zhisu_service::AbnormalEntry>>> {
    Ok(Json(state.service.abnormal_list().await?))
}

/// The case file for enforcement (移交执法案卷), for a regulator of the
/// enterprise's region: a ZIP of the case and its steps, the findings
/// (CSV), the history and a ledger receipt of every record concerned, and
/// the enterprise's evidence, with who exported it and when. Logged.
#[utoipa::path(get, path = "/api/v1/cases/{id}/file", tag = "verification", params(("id" = i64, Path)),
    responses((status = 200, description = "application/zip: the case file"),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn case_file(
    State(state): State<AppState>,
    Auth(by): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (name, bytes) = state.service.case_file(&by, id, ip).await?;
    Ok(crate::misc::private_download(
        "application/zip",
        &name,
        bytes,
    ))
}
