//! Health, metrics and the JSON 404.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use microlith_protocol::v1::{ErrorCode, Health};

use crate::AppState;
use crate::error::ApiError;

/// `GET /healthz`.
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        classes: state.runtime.class_count(),
        active_actors: state.runtime.active_actors(),
    })
}

/// `GET /metrics` in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let s = state.runtime.stats();
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, v: u64, kind: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
    };
    counter("microlith_turns_total", "Turns started.", s.turns.load(Ordering::Relaxed), "counter");
    counter("microlith_traps_total", "Turns that trapped.", s.traps.load(Ordering::Relaxed), "counter");
    counter("microlith_activations_total", "Actor activations.", s.activations.load(Ordering::Relaxed), "counter");
    counter(
        "microlith_handoffs_total",
        "Calls to idle actors run on the caller's task.",
        s.handoffs.load(Ordering::Relaxed),
        "counter",
    );
    counter("microlith_passivations_total", "Actor passivations.", s.passivations.load(Ordering::Relaxed), "counter");
    counter("microlith_active_actors", "Actors currently active.", state.runtime.active_actors() as u64, "gauge");
    counter("microlith_classes", "Deployed classes.", state.runtime.class_count() as u64, "gauge");
    counter(
        "microlith_memory_guard_pages",
        "1 when guest memories sit in guard-page reservations (no bounds checks in guest code), 0 when \
         guest code checks bounds explicitly (a pool too large for the address space, or `ulimit -v`).",
        u64::from(state.runtime.memory_layout() == microlith_runtime::MemoryLayout::GuardPages),
        "gauge",
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// Any other route.
pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see docs/http-api.md")
}
