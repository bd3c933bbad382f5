//! The admin API: deploy, list classes and actors, inspect state.
//! Guarded by the admin bearer token when one is configured.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use microlith_core::{ActorId, ClassName};
use microlith_protocol::v1::{
    ActorList, ClassInfo, ClassList, DeployResponse, ErrorCode, StateDump, StateEntry, VersionInfo,
};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::routes::actors::body_error;

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.admin_token.as_deref() else { return Ok(()) };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    // Constant-time comparison: the token is a secret.
    let ok = given.is_some_and(|g| {
        g.len() == expected.len() && g.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Unauthorized, "the admin API needs `Authorization: Bearer <admin token>`"))
    }
}

/// `PUT /v1/classes/{class}`: deploys the body as the class's new version.
pub async fn deploy(
    State(state): State<AppState>,
    Path(class): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DeployResponse>, ApiError> {
    authorize(&state, &headers)?;
    let body = body.map_err(body_error)?;
    if body.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidComponent, "the body is empty; send the component's bytes"));
    }
    let out = state.runtime.deploy(&class, body.to_vec()).await?;
    Ok(Json(DeployResponse {
        class: out.class.to_string(),
        version: out.version.to_string(),
        created: out.created,
        from_cache: out.from_cache,
        compile_ms: out.compile_time.as_millis() as u64,
    }))
}

/// `GET /v1/classes`.
pub async fn list_classes(State(state): State<AppState>) -> Result<Json<ClassList>, ApiError> {
    let classes = state.runtime.classes().await?;
    let classes = classes
        .into_iter()
        .map(|c| ClassInfo {
            name: c.name.to_string(),
            current: c.current.to_string(),
            versions: c
                .versions
                .into_iter()
                .map(|v| VersionInfo { id: v.id.to_string(), deployed_at_ms: v.deployed_at_ms, size: v.size })
                .collect(),
        })
        .collect();
    Ok(Json(ClassList { classes }))
}

/// Paging parameters.
#[derive(Debug, Deserialize)]
pub struct Page {
    after: Option<String>,
    prefix: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/classes/{class}/actors?after=&limit=`.
pub async fn list_actors(
    State(state): State<AppState>,
    Path(class): Path<String>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Json<ActorList>, ApiError> {
    authorize(&state, &headers)?;
    let class = ClassName::new(class)?;
    if !state.runtime.has_class(&class) {
        return Err(ApiError::new(ErrorCode::UnknownClass, format!("unknown class {:?}", class.as_str())));
    }
    let actors = state.runtime.actors(&class, page.after.as_deref(), page.limit.unwrap_or(100)).await?;
    Ok(Json(ActorList { actors }))
}

/// `GET /v1/actors/{class}/{key}/state?prefix=&after=&limit=`.
pub async fn state(
    State(state): State<AppState>,
    Path((class, key)): Path<(String, String)>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Json<StateDump>, ApiError> {
    authorize(&state, &headers)?;
    let actor = ActorId::parse(&class, &key)?;
    let prefix = page.prefix.unwrap_or_default();
    let entries = state.runtime.state(&actor, &prefix, page.after.as_deref(), page.limit.unwrap_or(100)).await?;
    let entries = entries
        .into_iter()
        .map(|e| StateEntry { key: e.key, bytes: e.value.len(), value: String::from_utf8_lossy(&e.value).into_owned() })
        .collect();
    Ok(Json(StateDump { entries }))
}
