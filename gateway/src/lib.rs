//! The twinscope gateway: serves the built SPA from one origin with strict headers, and
//! forwards `/adt/{instance-host}/…` to Azure Digital Twins (which has no CORS).
//!
//! Static files:
//! - `index.html` (and every SPA route, which falls back to it) is never cached;
//! - Trunk's content-hashed assets (`name-<16 hex>.ext`) are cached for a year, immutable;
//! - other files (`config.json`, the favicon when unhashed) are revalidated on every load;
//! - precompressed `.br`/`.gz` siblings are served when the browser accepts them (except for
//!   `index.html`, which is rewritten, see below);
//! - every response carries the CSP, `nosniff`, `no-referrer`, frame denial and COOP, and
//!   with [`GatewayConfig::hsts`] (`--hsts`, only behind TLS) `Strict-Transport-Security`;
//! - a path is percent-decoded and its empty segments dropped before it names a file, so
//!   every spelling of the page (`/index.html/`, `//index.html`, `/%69ndex.html`) gets the
//!   rewritten page, exactly as `/` does, never the file as it lies in `dist`; dot segments,
//!   dotfiles and dot-directories (`/.env`, `/.git/config`, `/a/.hidden`, `/./index.html`)
//!   are a 404; encoded dots or separators and backslashes a 400;
//! - a file is served only if its real path (symlinks resolved) is inside `dist`'s real path
//!   and names no dotfile: a symlink leading out of `dist` is a 404; one that stays inside is
//!   served like its target; a precompressed sibling that leads out is ignored (the plain file
//!   is served).
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
//! - an upstream 3xx (but `304`) is never passed back: it is a 502 `GatewayUpstreamRedirected`
//!   without `Location`, since the browser would follow it with the bearer;
//! - the request body is bounded in size and read time before the upstream is contacted, and
//!   the bodies held at once across all requests by a budget (`--body-budget-bytes`, 32 MiB
//!   by default; 503 `GatewayBusy` with `Retry-After` when spent, released however a request
//!   ends); the response is streamed; the exchange is bounded in time;
//! - 502/504 bodies are JSON errors naming the instance host and the step that failed (name
//!   resolution, connection, TLS, sending, reading the answer, time), never the HTTP stack's
//!   error text or the upstream's address, which are logged instead.
//!
//! The server (hyper HTTP/1.1) bounds the request line plus headers in size, exactly
//! [`DEFAULT_MAX_HEADER_BYTES`] however the bytes are split on the wire (more is a 431), and
//! in read time (the connection is closed): see [`ServerLimits`].
//!
//! For operation: `GET /healthz` (200 `ok`: the process serves) and `GET /readyz` (200
//! `{"status":"ready"}` while the page and `config.json` are there to serve, 503 otherwise),
//! both `no-store` and never the SPA; one JSON access log line per request at target
//! [`ACCESS_LOG_TARGET`] (`request_id`, `method`, `path` without the query string, `status`,
//! `duration_ms`, `bytes`; no header is ever logged); the request id is a sane incoming
//! `x-request-id` or a generated one, sent back on every response; on stop, requests in
//! flight get [`SHUTDOWN_GRACE`] to finish.

pub mod adt;
pub mod csp;
pub mod page_config;

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
use tower_http::services::ServeFile;

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
/// Liveness: the process serves (`200 ok`).
pub const ROUTE_HEALTHZ: &str = "/healthz";
/// Readiness: configuration and `dist` are loaded (`200 {"status":"ready"}`).
pub const ROUTE_READYZ: &str = "/readyz";
/// The request id header: a sane incoming one is kept, otherwise one is generated; it is sent
/// back on every response and is the access log's `request_id`.
pub const REQUEST_ID: &str = "x-request-id";
/// The tracing target of the access log: one event per request whose message is a JSON object
/// `{"request_id","method","path","status","duration_ms","bytes"}`. The path never carries
/// the query string, and no header (so never `Authorization`) is logged.
pub const ACCESS_LOG_TARGET: &str = "twinscope_gateway::access";
/// The log format for a log collector (`twinscope-gateway`'s when its output is not a
/// terminal): one flat JSON object per line, an event's fields at the top level, so each
/// [`ACCESS_LOG_TARGET`] event is `{"timestamp","level","target","request_id",…}`. The caller
/// adds the filter and the writer.
pub fn json_log_format() -> tracing_subscriber::fmt::SubscriberBuilder<
    tracing_subscriber::fmt::format::JsonFields,
    tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Json>,
> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
}
/// Sent on every response when [`GatewayConfig::hsts`] is set.
pub const HSTS_VALUE: &str = "max-age=31536000; includeSubDomains";

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
    /// The most bytes of request line plus headers (through the blank line) a request may
    /// have: up to this is served, more is a 431, however the bytes are split on the wire.
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
    /// Send `Strict-Transport-Security` ([`HSTS_VALUE`]) on every response: only when the
    /// gateway is reached over TLS (behind a TLS-terminating proxy).
    pub hsts: bool,
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
            hsts: false,
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

impl Files {
    /// The `config.json` served (and written into the page).
    fn config_json_path(&self) -> PathBuf {
        self.config_json
            .clone()
            .unwrap_or_else(|| self.dist.join("config.json"))
    }
}

/// What the header middleware sets: the policy computed at start, and whether HSTS is on.
#[derive(Debug, Clone)]
struct Policy {
    csp: HeaderValue,
    hsts: bool,
}

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
        .route(ROUTE_HEALTHZ, any(healthz))
        .route(ROUTE_READYZ, any(readyz))
        .fallback(serve_static)
        .with_state(files)
        .layer(middleware::from_fn_with_state(
            Policy {
                csp: prepared.policy.clone(),
                hsts: config.hsts,
            },
            security_headers,
        ))
        .layer(middleware::from_fn(access_log))
}

/// Liveness: answering at all is the answer.
async fn healthz(request: Request) -> Response {
    if let Some(refused) = only_get_or_head(request.method()) {
        return refused;
    }
    (
        StatusCode::OK,
        [
            (header::CACHE_CONTROL, CACHE_NEVER),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        "ok",
    )
        .into_response()
}

/// Readiness: the configuration was loaded at start (or nothing would be served), and the
/// page and `config.json` are still there to serve.
async fn readyz(State(files): State<Files>, request: Request) -> Response {
    if let Some(refused) = only_get_or_head(request.method()) {
        return refused;
    }
    let config = files.config_json_path();
    let index = files.dist.join("index.html");
    let present =
        |path: PathBuf| async move { tokio::fs::metadata(path).await.is_ok_and(|m| m.is_file()) };
    let (status, body) = if !present(index).await {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "not ready", "reason": "index.html is missing" }),
        )
    } else if !present(config).await {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "status": "not ready", "reason": "config.json is missing" }),
        )
    } else {
        (StatusCode::OK, serde_json::json!({ "status": "ready" }))
    };
    (
        status,
        [(header::CACHE_CONTROL, CACHE_NEVER)],
        axum::Json(body),
    )
        .into_response()
}

/// The longest path an access log line carries.
const LOGGED_PATH_MAX: usize = 1024;

/// The request id: the incoming `x-request-id` if it is 1 to 128 characters of
/// `[A-Za-z0-9._:-]`, otherwise a fresh one (a per-process random prefix and a counter).
fn request_id(headers: &HeaderMap) -> HeaderValue {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    if let Some(value) = headers.get(REQUEST_ID) {
        let bytes = value.as_bytes();
        let sane = (1..=128).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(b));
        if sane {
            return value.clone();
        }
    }
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        use std::hash::BuildHasher;
        std::collections::hash_map::RandomState::new().hash_one(std::process::id())
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{prefix:016x}-{n:x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// One JSON access log line per request ([`ACCESS_LOG_TARGET`]), and the request id on the
/// response. The duration is to the response head (a streamed body may take longer); `bytes`
/// is the body length when known in advance, else absent.
async fn access_log(request: Request, next: Next) -> Response {
    use axum::body::HttpBody;
    let started = std::time::Instant::now();
    let id = request_id(request.headers());
    let method = request.method().to_string();
    let mut path = request.uri().path().to_owned();
    if path.len() > LOGGED_PATH_MAX {
        let mut end = LOGGED_PATH_MAX;
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        path.truncate(end);
        path.push('…');
    }
    let mut response = next.run(request).await;
    let bytes = response.body().size_hint().exact();
    // Structured fields: with the JSON formatter (`twinscope-gateway`'s default when its
    // output is not a terminal) each request is one flat JSON object per line.
    tracing::info!(
        target: ACCESS_LOG_TARGET,
        request_id = id.to_str().unwrap_or_default(),
        method = method.as_str(),
        path = path.as_str(),
        status = response.status().as_u16(),
        duration_ms = (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        bytes,
        "request"
    );
    response.headers_mut().insert(REQUEST_ID, id);
    response
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
    let mut response = serve_file(ServeFile::new(files.config_json_path()), request).await;
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
    // What the path names inside `dist`: decoded, empty segments dropped; anything that
    // cannot name one of our files (dot segments, dotfiles, NUL) is a 404.
    let Some(relative) = relative_path(&path) else {
        return not_found();
    };
    match relative.as_str() {
        // Every spelling of the page gets the rewritten page.
        "" | "index.html" => return serve_index(&files, request).await,
        "config.json" => return serve_config(State(files), request).await,
        _ => {}
    }
    match resolve_in_dist(&files.dist, &relative).await {
        Resolved::File {
            path: file,
            precompressed,
        } => {
            let mut serve = ServeFile::new(file);
            if precompressed {
                serve = serve.precompressed_br().precompressed_gzip();
            }
            let mut response = serve_file(serve, request).await;
            if response.status() == StatusCode::NOT_FOUND {
                return not_found();
            }
            if precompressed {
                // The body depends on `Accept-Encoding` (a `.br`/`.gz` sibling or the file).
                response
                    .headers_mut()
                    .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            let policy = if is_content_hashed(&relative) {
                CACHE_IMMUTABLE
            } else {
                CACHE_REVALIDATE
            };
            set_cache(response.headers_mut(), policy);
            response
        }
        Resolved::Outside => {
            tracing::warn!(path = %relative, "refused: resolves outside the dist directory");
            not_found()
        }
        // A missing asset is a 404, not the SPA: a stale bundle must fail loudly.
        Resolved::Missing if looks_like_a_file(&path) => not_found(),
        Resolved::Missing => serve_index(&files, request).await,
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, CACHE_NEVER)],
        "Not found\n",
    )
        .into_response()
}

/// The request path as a path relative to `dist` (`a/b.js`, `""` for the root):
/// percent-decoded, empty segments dropped. `None` when a segment starts with `.` (dot
/// segments, dotfiles, dot-directories) or the decoded path is not UTF-8 or holds NUL.
fn relative_path(path: &str) -> Option<String> {
    let decoded = percent_decode(path)?;
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments
        .iter()
        .any(|s| s.starts_with('.') || s.contains(['\0', '\\']))
    {
        return None;
    }
    Some(segments.join("/"))
}

/// `%XX` decoded; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Where a relative path leads once symlinks are resolved.
#[derive(Debug)]
enum Resolved {
    /// A regular file inside `dist`, by its resolved path; `precompressed` when its `.br`
    /// and `.gz` siblings (if any) also resolve inside `dist`.
    File { path: PathBuf, precompressed: bool },
    /// Out of `dist`, or into a dot-directory or dotfile inside it.
    Outside,
    /// Nothing there, or a directory.
    Missing,
}

/// Resolves `relative` under `dist` with every symlink followed (`dist` itself may be a
/// link, e.g. to the current release): a file is served only if its real path is inside
/// `dist`'s real path and names no dotfile. The check and the open are not atomic: `dist`
/// is the operator's, not the client's, to change.
async fn resolve_in_dist(dist: &std::path::Path, relative: &str) -> Resolved {
    let Ok(root) = tokio::fs::canonicalize(dist).await else {
        return Resolved::Missing;
    };
    let Ok(real) = tokio::fs::canonicalize(dist.join(relative)).await else {
        return Resolved::Missing;
    };
    if !inside(&root, &real) {
        return Resolved::Outside;
    }
    if !tokio::fs::metadata(&real).await.is_ok_and(|m| m.is_file()) {
        return Resolved::Missing;
    }
    let mut precompressed = true;
    for suffix in ["br", "gz"] {
        let mut sibling = real.clone().into_os_string();
        sibling.push(".");
        sibling.push(suffix);
        let sibling = PathBuf::from(sibling);
        if tokio::fs::symlink_metadata(&sibling).await.is_err() {
            continue;
        }
        let ok = tokio::fs::canonicalize(&sibling)
            .await
            .is_ok_and(|s| inside(&root, &s));
        if !ok {
            tracing::warn!(
                path = %relative,
                "precompressed sibling resolves outside the dist directory; serving the plain file"
            );
            precompressed = false;
        }
    }
    Resolved::File {
        path: real,
        precompressed,
    }
}

/// `real` is under `root` and no component below `root` starts with a dot.
fn inside(root: &std::path::Path, real: &std::path::Path) -> bool {
    real.strip_prefix(root).is_ok_and(|below| {
        below
            .components()
            .all(|c| !c.as_os_str().to_string_lossy().starts_with('.'))
    })
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
    // The deployment's config.json, read as `/config.json` is (per request): if it cannot be
    // read, the page goes without it and the app's own request for it says what is wrong.
    let config = tokio::fs::read_to_string(files.config_json_path())
        .await
        .ok();
    let (html, policy) = served_page(&html, &files.connect, config.as_deref());
    // Compressed per response (the page is rewritten per deployment, so it has no sibling).
    let (bytes, encoding) = compress_page(html.into_bytes(), request.headers());
    let length = bytes.len();
    let body = if request.method() == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    set_cache(headers, CACHE_NEVER);
    response
}

/// The page as served, and its header policy: `index.html` with its CSP meta for `connect`
/// and its inline hashes ([`csp::served_index`]), carrying `config_json` if given
/// ([`page_config`]).
pub fn served_page(
    html: &str,
    connect: &ConnectSources,
    config_json: Option<&str>,
) -> (String, String) {
    let (html, policy) = csp::served_index(html, connect);
    match config_json {
        Some(config) => (page_config::with_config_meta(&html, config), policy),
        None => (html, policy),
    }
}

/// Whether `Accept-Encoding` accepts `coding` (listed, and not with `q=0`).
pub fn accepts_encoding(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// The page compressed for this client: Brotli if it accepts it, else gzip, else as is.
fn compress_page(page: Vec<u8>, headers: &HeaderMap) -> (Vec<u8>, Option<&'static str>) {
    use std::io::Write;
    if accepts_encoding(headers, "br") {
        let mut out = Vec::new();
        let written = {
            let mut writer = brotli::CompressorWriter::new(&mut out, 16 * 1024, 9, 22);
            writer.write_all(&page)
        };
        if written.is_ok() {
            return (out, Some("br"));
        }
    }
    if accepts_encoding(headers, "gzip") {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        if let Ok(out) = encoder.write_all(&page).and_then(|()| encoder.finish()) {
            return (out, Some("gzip"));
        }
    }
    (page, None)
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

/// Encoded dots or separators and backslashes never name one of our files (400); dot
/// segments and dotfiles are a 404 ([`relative_path`]).
fn is_suspicious_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains('\\')
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
        .or_insert(policy.csp);
    if policy.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS_VALUE),
        );
    }
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
    body_budget: Option<adt::BodyBudget>,
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

    /// The request-body bytes the pass-through holds reserved right now across all
    /// connections ([`adt::BodyBudget`]); 0 without a pass-through.
    pub fn body_bytes_reserved(&self) -> usize {
        self.body_budget.as_ref().map_or(0, adt::BodyBudget::in_use)
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
        body_budget: prepared.adt.as_ref().map(|p| p.body_budget().clone()),
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
        // The bound itself, checked on the parsed head (however it arrived) and on a partial
        // one; the read buffer only needs to hold it.
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.saturating_add(1).max(8192));
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
    fn paths_are_decoded_and_dot_names_refused() {
        assert_eq!(relative_path("/").as_deref(), Some(""));
        assert_eq!(
            relative_path("//index.html//").as_deref(),
            Some("index.html")
        );
        assert_eq!(
            relative_path("/%69ndex.htm%6C").as_deref(),
            Some("index.html")
        );
        assert_eq!(relative_path("/a/b%20c.js").as_deref(), Some("a/b c.js"));
        for refused in [
            "/.env",
            "/a/.hidden",
            "/./x",
            "/..",
            "/%00",
            "/%zz",
            "/%c3",
            "/%",
        ] {
            assert_eq!(relative_path(refused), None, "{refused}");
        }
    }

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
