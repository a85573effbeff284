//! The service-wide routes (index, health) and the shared state. Identity (`crate::identity`),
//! ARM and ADT each get a module of their own beside this one as they are built.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;

use std::sync::Arc;

use crate::clock::Clock;
use crate::identity::Identity;

pub const ROUTE_INDEX: &str = "/";
pub const ROUTE_HEALTH: &str = "/healthz";
/// The same-origin ADT path the SPA's gateway (or Trunk's proxy) forwards here.
pub const ROUTE_ADT: &str = "/adt/{host}/{*path}";

/// State shared by every request.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The public URL (issuer host), no trailing slash.
    pub base_url: String,
    pub clock: Clock,
    /// The emulated Microsoft identity platform: directory, keys, grants and test hooks.
    pub identity: Arc<Identity>,
}

impl AppState {
    pub fn new(base_url: String, clock: Clock, identity: Identity) -> Self {
        Self {
            base_url,
            clock,
            identity: Arc::new(identity),
        }
    }

    /// The identity platform, for tests: `rotate_keys()`, `revoke_sessions(upn)`, the directory.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(ROUTE_INDEX, get(index))
        .route(ROUTE_HEALTH, get(health))
        .route(ROUTE_ADT, any(adt_unknown_instance))
        .merge(crate::identity::routes())
        .with_state(state)
}

async fn index(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        crate::banner(&state.base_url),
    )
        .into_response()
}

async fn health(State(state): State<AppState>) -> Response {
    Json(json!({ "status": "ok", "now": state.clock.now() })).into_response()
}

/// No instance is seeded yet, so every ADT host is unknown. The reply has ADT's error shape.
async fn adt_unknown_instance(Path((host, _path)): Path<(String, String)>) -> Response {
    let body = json!({
        "error": {
            "code": "InstanceNotFound",
            "message": format!("No Azure Digital Twins instance named '{host}' exists in this emulator."),
        }
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}
