//! The service-wide routes (index, health) and the shared state. Identity (`crate::identity`),
//! ARM (`crate::arm`) and ADT (`crate::adt`) each have a module of their own beside this one.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;

use std::sync::Arc;

use crate::adt::Adt;
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
    /// The Azure Digital Twins instances (data plane) and the subscriptions ARM lists.
    pub adt: Arc<Adt>,
}

impl AppState {
    pub fn new(base_url: String, clock: Clock, identity: Identity, adt: Adt) -> Self {
        Self {
            base_url,
            clock,
            identity: Arc::new(identity),
            adt: Arc::new(adt),
        }
    }

    /// The data plane, for tests: instances, throttles.
    pub fn adt(&self) -> &Adt {
        &self.adt
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
        .route(ROUTE_ADT, any(crate::adt::handle))
        .merge(crate::identity::routes())
        .merge(crate::arm::routes())
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
