//! The tamper-evident ledger, in public (G8.3, G9.2): the signed C2SP
//! checkpoint, the key that verifies it, and RFC 9162 proofs.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zhisu_service::ProofView;

use crate::error::{ApiQuery, ApiResult, Problem};
use crate::AppState;

/// The latest checkpoint: a C2SP `tlog-checkpoint` signed note
/// (origin, tree size, base64 root) with this deployment's Ed25519 signature.
#[utoipa::path(get, path = "/ledger/checkpoint", tag = "ledger", responses((status = 200, description = "text/plain signed note")))]
pub async fn checkpoint(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.service.checkpoint().await?,
    ))
}

/// The verifier key of this deployment's checkpoints (`name+hash+key`).
#[utoipa::path(get, path = "/ledger/key", tag = "ledger", responses((status = 200, description = "text/plain verifier key")))]
pub async fn key(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", state.service.ledger_verifier_key()),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionParams {
    /// The leaf (a record's `leaf_index`).
    pub index: u64,
    /// The tree size of the checkpoint to prove against.
    pub tree_size: u64,
}

/// RFC 9162 inclusion proof of a leaf in a tree size.
#[utoipa::path(get, path = "/ledger/proof/inclusion", tag = "ledger", params(InclusionParams),
    responses((status = 200, body = ProofView), (status = 400, body = Problem)))]
pub async fn inclusion(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<InclusionParams>,
) -> ApiResult<Json<ProofView>> {
    Ok(Json(
        state.service.inclusion_proof(p.index, p.tree_size).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    pub first: u64,
    pub second: u64,
}

/// RFC 9162 consistency proof between two tree sizes: the later tree extends the earlier.
#[utoipa::path(get, path = "/ledger/proof/consistency", tag = "ledger", params(ConsistencyParams),
    responses((status = 200, body = ProofView), (status = 400, body = Problem)))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ConsistencyParams>,
) -> ApiResult<Json<ProofView>> {
    Ok(Json(
        state.service.consistency_proof(p.first, p.second).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiptParams {
    /// `enterprise`, `product`, `batch`, `package`, `flow`, `recall`, `feedback`.
    pub kind: String,
    pub id: i64,
}

/// A receipt for a record's current version: its canonical JSON, its leaf,
/// a signed checkpoint and the inclusion proof, to check offline with
/// `zhisu ledger verify-proof` and the public key (docs/ledger.md).
#[utoipa::path(get, path = "/api/v1/ledger/receipt", tag = "ledger", params(ReceiptParams),
    responses((status = 200, body = zhisu_service::LedgerReceipt), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn receipt(
    State(state): State<AppState>,
    crate::auth::Auth(by): crate::auth::Auth,
    ApiQuery(p): ApiQuery<ReceiptParams>,
) -> ApiResult<Json<zhisu_service::LedgerReceipt>> {
    let kind = zhisu_domain::RecordKind::parse(&p.kind).ok_or_else(|| {
        crate::error::ApiError::new("bad-request", format!("unknown kind {:?}", p.kind))
    })?;
    Ok(Json(state.service.ledger_receipt(&by, kind, p.id).await?))
}
