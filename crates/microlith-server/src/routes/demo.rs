//! Development conveniences: minting client tokens and the demo web app
//! (`web/demo/`, embedded in the binary), both off unless configured
//! (`microlith dev` turns them on).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use microlith_protocol::v1::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::ApiError;

/// Body of `POST /v1/dev/token`.
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    sub: String,
    #[serde(default)]
    ttl_s: Option<u64>,
}

/// Reply of `POST /v1/dev/token`.
#[derive(Debug, Serialize)]
pub struct TokenReply {
    token: String,
}

/// `POST /v1/dev/token {"sub": …}`: a signed token for any subject (dev only).
pub async fn token(
    State(state): State<AppState>,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TokenReply>, ApiError> {
    let Json(req) = body.map_err(|e| ApiError::new(ErrorCode::BadRequest, e.body_text()))?;
    let token = state.auth.mint(&req.sub, req.ttl_s.unwrap_or(24 * 3600))?;
    Ok(Json(TokenReply { token }))
}

fn asset(state: &AppState, content_type: &'static str, body: &'static str) -> Response {
    if !state.demo {
        return ApiError::new(ErrorCode::NotFound, "no such route; see docs/http-api.md").into_response();
    }
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// `GET /`.
pub async fn index(State(state): State<AppState>) -> Response {
    asset(&state, "text/html; charset=utf-8", include_str!("../../../../web/demo/index.html"))
}

/// `GET /app.js`.
pub async fn app_js(State(state): State<AppState>) -> Response {
    asset(&state, "text/javascript; charset=utf-8", include_str!("../../../../web/demo/app.js"))
}

/// `GET /client.js`: the TypeScript client, bundled.
pub async fn client_js(State(state): State<AppState>) -> Response {
    asset(&state, "text/javascript; charset=utf-8", include_str!("../../../../web/demo/client.js"))
}

/// `GET /style.css`.
pub async fn style_css(State(state): State<AppState>) -> Response {
    asset(&state, "text/css; charset=utf-8", include_str!("../../../../web/demo/style.css"))
}
