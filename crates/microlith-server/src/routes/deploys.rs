//! The deploy API: deploy (to every actor or as a canary), promote,
//! rollback, status, and dry runs of a migration. Guarded by the admin
//! token like the rest of the admin API.
//!
//! * `PUT /v1/classes/{class}?canary=<n>%|keys&keys=a,b&max_failures=<n>`
//! * `GET /v1/classes/{class}/deploy`
//! * `POST /v1/classes/{class}/promote`
//! * `POST /v1/classes/{class}/rollback?reason=…`
//! * `POST /v1/classes/{class}/dry-run?sample=<n>` (body: the component)

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use microlith_core::ClassName;
use microlith_protocol::v1::{
    CanaryInfo, DeployEventInfo, DeployResponse, DeployStatusResponse, DryRunFailureInfo, DryRunResponse, ErrorCode,
    RolloutInfo,
};
use microlith_runtime::{DeployOptions, DeployStatus, Phase, Rollout, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::routes::actors::body_error;
use crate::routes::admin::authorize;

/// Query of a deploy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployQuery {
    /// `<n>` or `<n>%` (a percentage of actors), or `keys` (the `keys` list).
    canary: Option<String>,
    /// Comma-separated actor keys, for `canary=keys` (or alone).
    keys: Option<String>,
    /// Failed migrations after which the deploy rolls back by itself.
    max_failures: Option<u64>,
}

fn scope(q: &DeployQuery) -> Result<Option<Scope>, ApiError> {
    let bad = |m: String| ApiError::new(ErrorCode::BadRequest, m);
    let keys = || -> Result<Scope, ApiError> {
        let list: std::collections::BTreeSet<String> = q
            .keys
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(String::from)
            .collect();
        if list.is_empty() {
            return Err(bad("a key-list canary needs `keys=a,b,…`".into()));
        }
        for k in &list {
            microlith_core::ActorKey::new(k.clone())?;
        }
        Ok(Scope::Keys(list))
    };
    match q.canary.as_deref() {
        None if q.keys.is_some() => keys().map(Some),
        None => Ok(None),
        Some("keys") => keys().map(Some),
        Some(p) => {
            let n: u8 = p
                .trim_end_matches('%')
                .parse()
                .ok()
                .filter(|n| *n <= 100)
                .ok_or_else(|| bad(format!("canary must be a percentage 0–100 or `keys`, not {p:?}")))?;
            Ok(Some(if n == 100 { Scope::All } else { Scope::Percent(n) }))
        }
    }
}

/// `PUT /v1/classes/{class}`: validates the body and rolls it out.
pub async fn deploy(
    State(state): State<AppState>,
    Path(class): Path<String>,
    Query(query): Query<DeployQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DeployResponse>, ApiError> {
    authorize(&state, &headers)?;
    let body = component(body)?;
    let options = DeployOptions { canary: scope(&query)?, max_failures: query.max_failures };
    let out = state.runtime.deploy_with(&class, body.to_vec(), options).await?;
    Ok(Json(DeployResponse {
        class: out.class.to_string(),
        version: out.version.to_string(),
        created: out.created,
        from_cache: out.from_cache,
        compile_ms: out.compile_time.as_millis() as u64,
        schema: out.schema,
        rollout: rollout_info(&out.rollout),
    }))
}

/// `GET /v1/classes/{class}/deploy`.
pub async fn status(
    State(state): State<AppState>,
    Path(class): Path<String>,
    headers: HeaderMap,
) -> Result<Json<DeployStatusResponse>, ApiError> {
    authorize(&state, &headers)?;
    let class = ClassName::new(class)?;
    current_status(&state, &class).map(Json)
}

/// `POST /v1/classes/{class}/promote`: the canary becomes the version of
/// every actor.
pub async fn promote(
    State(state): State<AppState>,
    Path(class): Path<String>,
    headers: HeaderMap,
) -> Result<Json<DeployStatusResponse>, ApiError> {
    authorize(&state, &headers)?;
    let class = ClassName::new(class)?;
    state.runtime.promote(&class).await?;
    current_status(&state, &class).map(Json)
}

/// Query of a rollback.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackQuery {
    reason: Option<String>,
}

/// `POST /v1/classes/{class}/rollback`: aborts the canary, or returns to
/// the previous version.
pub async fn rollback(
    State(state): State<AppState>,
    Path(class): Path<String>,
    Query(query): Query<RollbackQuery>,
    headers: HeaderMap,
) -> Result<Json<DeployStatusResponse>, ApiError> {
    authorize(&state, &headers)?;
    let class = ClassName::new(class)?;
    let reason = query.reason.unwrap_or_else(|| "requested".into());
    state.runtime.rollback(&class, &reason).await?;
    current_status(&state, &class).map(Json)
}

/// Query of a dry run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DryRunQuery {
    sample: Option<usize>,
}

/// Largest sample of a dry run.
const MAX_SAMPLE: usize = 10_000;

/// `POST /v1/classes/{class}/dry-run?sample=<n>`: runs the body's
/// migration against copies of up to `n` (default 100) actors' state.
pub async fn dry_run(
    State(state): State<AppState>,
    Path(class): Path<String>,
    Query(query): Query<DryRunQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DryRunResponse>, ApiError> {
    authorize(&state, &headers)?;
    let body = component(body)?;
    let sample = query.sample.unwrap_or(100);
    if sample == 0 || sample > MAX_SAMPLE {
        return Err(ApiError::new(ErrorCode::BadRequest, format!("sample must be 1 to {MAX_SAMPLE}, not {sample}")));
    }
    let r = state.runtime.dry_run(&class, body.to_vec(), sample).await?;
    Ok(Json(DryRunResponse {
        version: r.version.to_string(),
        schema: r.schema,
        sampled: r.sampled,
        up_to_date: r.up_to_date,
        migrated: r.migrated,
        writes: r.writes,
        failed: r.failed.into_iter().map(|f| DryRunFailureInfo { key: f.key, from: f.from, error: f.error }).collect(),
    }))
}

/// The component a deploy or dry run uploads: the non-empty body.
fn component(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let body = body.map_err(body_error)?;
    if body.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidComponent, "the body is empty; send the component's bytes"));
    }
    Ok(body)
}

fn current_status(state: &AppState, class: &ClassName) -> Result<DeployStatusResponse, ApiError> {
    let s: DeployStatus = state
        .runtime
        .deploy_status(class)
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownClass, format!("unknown class {:?}", class.as_str())))?;
    Ok(DeployStatusResponse {
        class: s.class.to_string(),
        rollout: rollout_info(&s.rollout),
        loaded: s.loaded.iter().map(ToString::to_string).collect(),
        pinned: s.pinned,
        migrated: s.migrated,
        failed: s.failed,
        last_error: s.last_error,
    })
}

fn rollout_info(r: &Rollout) -> RolloutInfo {
    RolloutInfo {
        stable: r.stable.to_string(),
        previous: r.previous.map(|v| v.to_string()),
        canary: r.canary.as_ref().map(|c| {
            let (scope, keys) = match &c.scope {
                Scope::All => ("all".to_string(), Vec::new()),
                Scope::Percent(p) => (format!("{p}%"), Vec::new()),
                Scope::Keys(k) => ("keys".to_string(), k.iter().cloned().collect()),
            };
            CanaryInfo { version: c.version.to_string(), scope, keys }
        }),
        max_failures: r.max_failures,
        last: r.last.as_ref().map(|e| DeployEventInfo {
            version: e.version.to_string(),
            from: e.from.map(|v| v.to_string()),
            phase: match e.phase {
                Phase::Live => "live",
                Phase::Canary => "canary",
                Phase::Promoted => "promoted",
                Phase::Aborted => "aborted",
                Phase::RolledBack => "rolled_back",
            }
            .to_string(),
            reason: e.reason.clone(),
            at_ms: e.at_ms,
        }),
    }
}
