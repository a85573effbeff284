//! The twinscope gateway: serves the built SPA from one origin with strict headers.
//!
//! - `index.html` (and every SPA route, which falls back to it) is never cached;
//! - Trunk's content-hashed assets (`name-<16 hex>.ext`) are cached for a year, immutable;
//! - other files (`boot.js`, `config.json`) are revalidated on every load;
//! - precompressed `.br`/`.gz` siblings are served when the browser accepts them;
//! - every response carries the CSP, `nosniff`, `no-referrer`, frame denial and COOP.
//!
//! `config.json` can come from a file outside the bundle (`--config-json`), so one build
//! serves many deployments. The ADT pass-through (`/adt/{host}/…`) is the next piece; until
//! it is configured the gateway answers those paths with a plain 404 instead of the SPA.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// The Content-Security-Policy every response carries: our origin only, plus what
/// WebAssembly needs. Matches the `<meta>` in `index.html`, and adds `frame-ancestors`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const CACHE_NEVER: &str = "no-store";
pub const CACHE_REVALIDATE: &str = "no-cache";

pub const ROUTE_ADT: &str = "/adt/{*rest}";
pub const ROUTE_CONFIG: &str = "/config.json";

/// What to serve.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The Trunk output directory (`index.html` and assets).
    pub dist: PathBuf,
    /// Serve `/config.json` from this file instead of the one in `dist`.
    pub config_json: Option<PathBuf>,
    pub addr: SocketAddr,
}

impl GatewayConfig {
    pub fn new(dist: impl Into<PathBuf>) -> Self {
        Self {
            dist: dist.into(),
            config_json: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("`{0}` has no index.html; build the SPA first (`trunk build --release`)")]
    NoIndex(PathBuf),
    #[error("the config file `{0}` does not exist")]
    NoConfigFile(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone)]
struct Files {
    dist: PathBuf,
    config_json: Option<PathBuf>,
}

/// The gateway's routes, for embedding or testing without a socket.
pub fn router(config: &GatewayConfig) -> Router {
    let files = Files {
        dist: config.dist.clone(),
        config_json: config.config_json.clone(),
    };
    Router::new()
        .route(ROUTE_ADT, any(adt_not_configured))
        .route(ROUTE_CONFIG, any(serve_config))
        .fallback(serve_static)
        .with_state(files)
        .layer(middleware::from_fn(security_headers))
}

async fn adt_not_configured() -> Response {
    (
        StatusCode::NOT_FOUND,
        "The Azure Digital Twins pass-through is not enabled on this gateway.\n",
    )
        .into_response()
}

fn only_get_or_head(method: &Method) -> Option<Response> {
    (method != Method::GET && method != Method::HEAD).then(|| {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "Only GET and HEAD are served here.\n",
        )
            .into_response()
    })
}

async fn serve_config(State(files): State<Files>, request: Request) -> Response {
    if let Some(refused) = only_get_or_head(request.method()) {
        return refused;
    }
    let path = files
        .config_json
        .clone()
        .unwrap_or_else(|| files.dist.join("config.json"));
    let mut response = serve_file(ServeFile::new(path), request).await;
    set_cache(response.headers_mut(), CACHE_REVALIDATE);
    response
}

async fn serve_static(State(files): State<Files>, request: Request) -> Response {
    if let Some(refused) = only_get_or_head(request.method()) {
        return refused;
    }
    let path = request.uri().path().to_owned();
    if is_suspicious_path(&path) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CACHE_CONTROL, CACHE_NEVER)],
            "Bad path\n",
        )
            .into_response();
    }
    let is_index = path == "/" || path == "/index.html";
    if !is_index {
        let dir = ServeDir::new(&files.dist)
            .precompressed_br()
            .precompressed_gzip();
        let response = dir.oneshot(request).await.map(IntoResponse::into_response);
        let mut response = response.unwrap_or_else(|e| match e {});
        if response.status() != StatusCode::NOT_FOUND {
            let policy = if is_content_hashed(&path) {
                CACHE_IMMUTABLE
            } else {
                CACHE_REVALIDATE
            };
            set_cache(response.headers_mut(), policy);
            return response;
        }
        if looks_like_a_file(&path) {
            // A missing asset is a 404, not the SPA: a stale bundle must fail loudly.
            return (
                StatusCode::NOT_FOUND,
                [(header::CACHE_CONTROL, CACHE_NEVER)],
                "Not found\n",
            )
                .into_response();
        }
        return serve_index(&files, Request::new(Body::empty())).await;
    }
    serve_index(&files, request).await
}

/// `index.html`, for `/` and for every client-side route.
async fn serve_index(files: &Files, request: Request) -> Response {
    let mut response = serve_file(
        ServeFile::new(files.dist.join("index.html"))
            .precompressed_br()
            .precompressed_gzip(),
        request,
    )
    .await;
    set_cache(response.headers_mut(), CACHE_NEVER);
    response
}

async fn serve_file(file: ServeFile, request: Request) -> Response {
    file.oneshot(request)
        .await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| match e {})
}

fn set_cache(headers: &mut HeaderMap, policy: &'static str) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
}

/// Trunk names hashed assets `stem-<hash>[_bg].ext`, the hash a u64 in hex without leading
/// zeros (so usually 16, occasionally fewer digits).
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => {
            (10..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// Dot segments, encoded dots or separators, and backslashes never name one of our files.
fn is_suspicious_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains('\\')
        || lower
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
}

fn looks_like_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    response
}

/// A running gateway. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningGateway {
    base_url: String,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningGateway {
    /// `http://127.0.0.1:{port}`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Checks the configuration, binds `config.addr` and serves in the background.
pub async fn start(config: GatewayConfig) -> Result<RunningGateway, StartError> {
    if !config.dist.join("index.html").is_file() {
        return Err(StartError::NoIndex(config.dist));
    }
    if let Some(path) = config.config_json.as_ref().filter(|p| !p.is_file()) {
        return Err(StartError::NoConfigFile(path.clone()));
    }
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let app = router(&config);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = served.await {
            tracing::error!("gateway stopped with an error: {e}");
        }
    });
    Ok(RunningGateway {
        base_url: format!("http://{addr}"),
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_content_hashed("/twinscope-3f9a1c2b4d5e6f70.js"));
        assert!(is_content_hashed("/twinscope-3f9a1c2b4d5e6f70_bg.wasm"));
        assert!(is_content_hashed("/main-0123456789abcdef.css"));
        assert!(!is_content_hashed("/boot.js"));
        assert!(!is_content_hashed("/config.json"));
        assert!(is_content_hashed("/twinscope-898330ffb121f65_bg.wasm"));
        assert!(!is_content_hashed("/twinscope-3f9a1c2b.js"));
        assert!(!is_content_hashed("/twinscope-3f9a1c2b4d5e6f7081.js"));
        assert!(!is_content_hashed("/twinscope-3f9a1c2b4d5e6fzz.js"));
    }
}
