//! The admin API: list classes and actors, inspect state (deploys are in
//! `deploys`).
//! Guarded by the admin bearer token when one is configured.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use microlith_core::{ActorId, ClassName};
use microlith_protocol::v1::{ActorList, ClassInfo, ClassList, ErrorCode, StateDump, StateEntry, VersionInfo};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;

pub(super) fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
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
