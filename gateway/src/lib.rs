//! The twinscope gateway: serves the built SPA from one origin with strict headers, and
//! forwards `/adt/{instance-host}/…` to Azure Digital Twins (which has no CORS).
//!
//! Static files:
//! - `index.html` (and every SPA route, which falls back to it) is never cached;
//! - Trunk's content-hashed assets (`name-<16 hex>.ext`) are cached for a year, immutable;
//! - other files (`config.json`, the favicon when unhashed) are revalidated on every load;
//! - precompressed `.br`/`.gz` siblings are served when the browser accepts them (except for
//!   `index.html`, which is rewritten, see below);
//! - every response carries the CSP, `nosniff`, `no-referrer`, frame denial and COOP.
//!
//! `config.json` can come from a file outside the bundle (`--config-json`), so one build
//! serves many deployments. It is read once at start: its `authority` and `armEndpoint`
//! origins go into the policy's `connect-src` ([`csp`]), sent as a header and written into
//! `index.html`'s CSP meta, so the two always agree. A missing or unusable `config.json`
//! stops start with an error naming the file; changing it needs a restart.
//!
//! The ADT pass-through ([`adt`], when [`GatewayConfig::adt`] is set; otherwise `/adt/…` is a
//! plain 404, never the SPA):
//! - only hosts under an allowed suffix (`.digitaltwins.azure.net` by default), validated
//!   from the raw request target together with the path; anything refused is a 400
//!   `GatewayRefused` and opens no connection;
//! - `https://{host}/{path}?{query}` with the path and query exactly as received, or, in
//!   emulator mode, `{base}/adt/{host}/{path}?{query}` over plain http;
//! - allow-listed headers both ways: `Authorization` goes up untouched (and is never logged),
//!   cookies never go up, `Set-Cookie` never comes back; redirects are never followed;
//! - the request body is bounded in size and read time before the upstream is contacted; the
//!   response is streamed; the exchange is bounded in time (502/504 with a JSON error).
//!
//! The server (hyper HTTP/1.1) bounds the request line plus headers in size (431) and in
//! read time (the connection is closed): see [`ServerLimits`].

pub mod adt;
pub mod csp;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

pub use adt::{AdtPassThrough, Upstream};
pub use csp::{ConnectSources, content_security_policy};
pub use inline_csp::InlineHashes;

pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const CACHE_NEVER: &str = "no-store";
pub const CACHE_REVALIDATE: &str = "no-cache";

pub const ROUTE_ADT: &str = "/adt/{*rest}";
/// `/adt` and `/adt/` name no host; they are refused by the pass-through, never the SPA.
pub const ROUTE_ADT_BARE: &str = "/adt";
pub const ROUTE_ADT_SLASH: &str = "/adt/";
pub const ROUTE_CONFIG: &str = "/config.json";

/// A client must send its request line and headers within this time (slow-loris bound).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The most a client may send as request line plus headers; more is a 431.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// Open connections get this long to finish when the gateway stops.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Bounds on what a client may make the server wait for or hold.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub header_read_timeout: Duration,
    /// hyper's read buffer; at least 8192 (smaller values are raised to it).
    pub max_header_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
        }
    }
}

/// What to serve.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The Trunk output directory (`index.html` and assets).
    pub dist: PathBuf,
    /// Serve `/config.json` from this file instead of the one in `dist`.
    pub config_json: Option<PathBuf>,
    pub addr: SocketAddr,
    /// The ADT pass-through; `None` answers `/adt/…` with a 404.
    pub adt: Option<AdtPassThrough>,
    pub limits: ServerLimits,
}

impl GatewayConfig {
    /// Static files only (no pass-through), on a free loopback port, default limits.
    pub fn new(dist: impl Into<PathBuf>) -> Self {
        Self {
            dist: dist.into(),
            config_json: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            adt: None,
            limits: ServerLimits::default(),
        }
    }

    /// The `config.json` that is served (and read for the CSP).
    pub fn config_json_path(&self) -> PathBuf {
        self.config_json
            .clone()
            .unwrap_or_else(|| self.dist.join("config.json"))
    }
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("`{0}` has no index.html; build the SPA first (`trunk build --release`)")]
    NoIndex(PathBuf),
    #[error("the config file `{0}` does not exist")]
    NoConfigFile(PathBuf),
    #[error(transparent)]
    Config(#[from] csp::ConfigJsonError),
    #[error("the ADT pass-through cannot be set up: {0}")]
    PassThrough(#[from] adt::SetupError),
    #[error("the computed Content-Security-Policy is not a valid header value: {0}")]
    Policy(String),
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
    connect: Arc<ConnectSources>,
}

/// What the header middleware sets: the policy computed at start.
#[derive(Debug, Clone)]
struct Policy(HeaderValue);

/// Everything [`router`] needs that is computed (and checked) from a [`GatewayConfig`].
#[derive(Debug)]
pub struct Prepared {
    connect: ConnectSources,
    policy: HeaderValue,
    adt: Option<Arc<adt::PassThrough>>,
}

impl Prepared {
    /// Checks `dist`, reads `config.json` for the policy, builds the pass-through's client.
    pub fn new(config: &GatewayConfig) -> Result<Self, StartError> {
        if !config.dist.join("index.html").is_file() {
            return Err(StartError::NoIndex(config.dist.clone()));
        }
        let config_path = config.config_json_path();
        if !config_path.is_file() {
            return Err(StartError::NoConfigFile(config_path));
        }
        let connect = csp::connect_sources_from_file(&config_path)?;
        let policy = HeaderValue::from_str(&content_security_policy(
            &connect,
            &inline_csp::InlineHashes::default(),
        ))
        .map_err(|e| StartError::Policy(e.to_string()))?;
        let adt = match &config.adt {
            Some(adt) => Some(Arc::new(adt::PassThrough::new(adt.clone())?)),
            None => None,
        };
        Ok(Self {
            connect,
            policy,
            adt,
        })
    }

    /// The `connect-src` sources from `config.json`.
    pub fn connect_sources(&self) -> &ConnectSources {
        &self.connect
    }
}

/// The gateway's routes, for embedding or testing without a socket.
pub fn router(config: &GatewayConfig, prepared: &Prepared) -> Router {
    let files = Files {
        dist: config.dist.clone(),
        config_json: config.config_json.clone(),
        connect: Arc::new(prepared.connect.clone()),
    };
    let adt_routes = match &prepared.adt {
        Some(pass) => any(adt::handle).with_state(Arc::clone(pass)),
        None => any(adt_not_configured),
    };
    Router::new()
        .route(ROUTE_ADT, adt_routes.clone())
        .route(ROUTE_ADT_BARE, adt_routes.clone())
        .route(ROUTE_ADT_SLASH, adt_routes)
        .route(ROUTE_CONFIG, any(serve_config))
        .fallback(serve_static)
        .with_state(files)
        .layer(middleware::from_fn_with_state(
            Policy(prepared.policy.clone()),
            security_headers,
        ))
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

/// `index.html`, for `/` and for every client-side route, with its CSP meta's `connect-src`
/// set to this deployment's and its header and meta policies allowing its own inline loader
/// and stylesheet by hash (see [`csp`]). Read on every request, so a rebuilt `dist` is
/// served at once; never from a precompressed sibling, which would carry the build's meta.
async fn serve_index(files: &Files, request: Request) -> Response {
    let path = files.dist.join("index.html");
    let html = match tokio::fs::read_to_string(&path).await {
        Ok(html) => html,
        Err(e) => {
            tracing::error!("cannot read {}: {e}", path.display());
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, CACHE_NEVER)],
                "index.html is missing or unreadable on the server\n",
            )
                .into_response();
        }
    };
    let (html, policy) = csp::served_index(&html, &files.connect);
    let body = if request.method() == Method::HEAD {
        Body::empty()
    } else {
        Body::from(html.clone())
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(html.len()));
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    set_cache(headers, CACHE_NEVER);
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

async fn security_headers(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // `index.html` brings its own: the same policy plus its inline elements' hashes.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(policy.0);
    for (name, value) in [
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

/// Checks the configuration (see [`Prepared::new`]), binds `config.addr` and serves in the
/// background with hyper's HTTP/1.1 server and `config.limits`.
pub async fn start(config: GatewayConfig) -> Result<RunningGateway, StartError> {
    let prepared = Prepared::new(&config)?;
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
    let app = router(&config, &prepared);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, config.limits, rx));
    Ok(RunningGateway {
        base_url: format!("http://{addr}"),
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// Accepts until `stop` fires, then gives open connections [`SHUTDOWN_GRACE`] to finish.
async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    mut stop: oneshot::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; stopping anyway");
    }
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
