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
/// What a browser asks the sign-in pages' origin for on its own (as it does of
/// `login.microsoftonline.com`, which has one): without it, every sign-in put a 404 in the console.
pub const ROUTE_FAVICON: &str = "/favicon.ico";
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
        .route(ROUTE_FAVICON, get(favicon))
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

/// A grey square with a white "E": the emulator's, not Microsoft's.
const FAVICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#5f6b7a\"/><path d=\"M5 4h6v1.6H6.8v1.6H10.5v1.6H6.8v1.6H11V12H5z\" fill=\"#fff\"/></svg>";

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_SVG,
    )
        .into_response()
}

async fn health(State(state): State<AppState>) -> Response {
    Json(json!({ "status": "ok", "now": state.clock.now() })).into_response()
}
