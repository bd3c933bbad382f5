//! `POST /v1/actors/{class}/{key}/{method}`: one message to one actor.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use microlith_core::ActorId;
use microlith_protocol::v1::ErrorCode;

use crate::AppState;
use crate::error::ApiError;

/// Whether the request declares (or defaults to) a JSON body.
fn is_json(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(ct) => {
            let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

pub(crate) fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::PayloadTooLarge, "the request body is larger than allowed")
    } else {
        ApiError::new(ErrorCode::BadRequest, rejection.body_text())
    }
}

/// Delivers the body to the actor and answers its reply.
pub async fn call(
    State(state): State<AppState>,
    Path((class, key, method)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_error)?;
    let actor = ActorId::parse(&class, &key)?;
    let json = is_json(&headers);
    if json && !body.is_empty() && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
        let detail =
            serde_json::from_slice::<serde::de::IgnoredAny>(&body).err().map(|e| e.to_string()).unwrap_or_default();
        return Err(ApiError::new(ErrorCode::InvalidJson, format!("the body is not valid JSON: {detail}")));
    }
    let principal = state.auth.principal(crate::auth::bearer(&headers))?;
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::new(ErrorCode::BadRequest, "Idempotency-Key must be visible ASCII"))?
                .to_string(),
        ),
    };
    let options = microlith_runtime::CallOptions { principal, idempotency_key };
    let reply = state.runtime.call_with(&actor, &method, body.to_vec(), options).await?;
    let content_type = if json { "application/json" } else { "application/octet-stream" };
    Ok(([(header::CONTENT_TYPE, content_type)], reply).into_response())
}
