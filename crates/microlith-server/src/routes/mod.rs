//! HTTP routes: actor calls, the WebSocket protocol, the admin API, health
//! and metrics, and (under `dev`) dev tokens and the demo web app.

mod actors;
mod admin;
mod demo;
mod deploys;
mod ops;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::AppState;

/// Builds the router over `state`.
pub fn router(state: AppState) -> Router {
    let payload_limit = state.limits.max_payload_len.saturating_add(1024);
    let component_limit = state.limits.max_component_size.saturating_add(1024);
    Router::new()
        .route("/v1/actors/{class}/{key}/{method}", post(actors::call).layer(DefaultBodyLimit::max(payload_limit)))
        .route("/v1/actors/{class}/{key}/state", get(admin::state))
        .route("/v1/classes", get(admin::list_classes))
        .route("/v1/classes/{class}", put(deploys::deploy).layer(DefaultBodyLimit::max(component_limit)))
        .route("/v1/classes/{class}/deploy", get(deploys::status))
        .route("/v1/classes/{class}/promote", post(deploys::promote))
        .route("/v1/classes/{class}/rollback", post(deploys::rollback))
        .route("/v1/classes/{class}/dry-run", post(deploys::dry_run).layer(DefaultBodyLimit::max(component_limit)))
        .route("/v1/classes/{class}/actors", get(admin::list_actors))
        .route("/v1/ws", get(crate::ws::upgrade))
        .route("/v1/dev/token", post(demo::token))
        .route("/", get(demo::index))
        .route("/app.js", get(demo::app_js))
        .route("/client.js", get(demo::client_js))
        .route("/style.css", get(demo::style_css))
        .route("/healthz", get(ops::health))
        .route("/metrics", get(ops::metrics))
        .fallback(ops::not_found)
        .with_state(state)
}
