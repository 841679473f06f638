//! Middleware: every request runs to its end on a task of its own, so a
//! client that hangs up (a phone losing signal, a killed cron job) does
//! not cancel its handler halfway through a write. sqlx's BEGIN is not
//! safe to cancel — a connection handed back to the pool inside a
//! transaction refuses every later write ("non-zero transaction depth") —
//! and a write half done is never what its sender meant either.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub async fn run_to_end(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!("a request's task ended abnormally: {e}");
            ApiError::new(
                "internal",
                "服务器内部错误，已记录 (an internal error occurred and was logged)",
            )
            .into_response()
        }
    }
}
