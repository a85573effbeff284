//! The Azure Digital Twins pass-through: `/adt/{instance-host}/{path}?{query}` on our origin
//! is forwarded to `https://{instance-host}/{path}?{query}` (ADT has no CORS).
//!
//! Invariants:
//! - The host and path are validated from the raw request target ([`target`]) before any
//!   connection is made; a refusal is a 400 `GatewayRefused` and nothing goes upstream.
//! - The forwarded URL is exactly the validated path and the query as received: if the URL
//!   parser would rewrite either, the request is refused rather than altered.
//! - Only allow-listed request headers go upstream ([`FORWARDED_REQUEST_HEADERS`]);
//!   `Authorization` is passed through untouched and never logged. Cookies never go up, and
//!   only allow-listed response headers come back ([`FORWARDED_RESPONSE_HEADERS`]), so
//!   `Set-Cookie` never does.
//! - Redirects are never followed, and never passed back either: a 3xx from the instance
//!   (other than `304 Not Modified`) is a 502 `GatewayUpstreamRedirected` without its
//!   `Location`, since the browser's fetch would follow it and re-send the bearer (a
//!   same-origin `Location: /adt/other-instance/…` would reach another instance).
//! - The request body is read into memory up to [`AdtPassThrough::max_request_body`] within
//!   [`AdtPassThrough::body_read_timeout`] before the upstream is contacted (413 / 408
//!   otherwise). The bytes held this way across all requests are bounded by
//!   [`AdtPassThrough::body_budget`] ([`BodyBudget`]): a body is reserved (its declared
//!   length at once, a chunked body as it arrives) and the reservation is released when the
//!   request ends, however it ends (client gone, refusal, upstream answer). When the budget is
//!   spent the request is a 503 `GatewayBusy` with `Retry-After`. The response body is
//!   streamed, never buffered.
//! - A failed exchange (502/504) says which instance and which step failed (name resolution,
//!   connection, TLS handshake, sending, reading the answer, the time bound) in the caller's
//!   words; the HTTP stack's error text and the upstream's address (the emulator base) are
//!   only logged, never sent.
//! - The whole upstream exchange (connect, request, response headers and body) is bounded by
//!   [`AdtPassThrough::timeout`], the connection by [`AdtPassThrough::connect_timeout`].
//! - Every forwarded answer says where its time went in a `Server-Timing` header
//!   ([`server_timing`]): the gateway's own work and the wait for the instance. The
//!   instance's own `Server-Timing`, if any, is not passed on.

pub mod target;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Limited};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use target::{AdtHost, HostRefusal, PathRefusal, validate_host, validate_path};

/// The pass-through's route prefix on our origin.
pub const ADT_PREFIX: &str = "/adt/";
/// ADT's data-plane hosts: `{name}.api.{region}.digitaltwins.azure.net`.
pub const DEFAULT_ADT_SUFFIX: &str = ".digitaltwins.azure.net";
/// The whole upstream exchange, headers and body (ADT's own server-side limit is similar).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A slow or stalled client must deliver its whole request body within this time.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Bodies are buffered before forwarding, so this also bounds memory per request. ADT's own
/// limits are 32 KB per twin and 1 MB per model; 8 MiB leaves room for a batch of models.
pub const DEFAULT_MAX_REQUEST_BODY: usize = 8 * 1024 * 1024;
/// The request-body bytes held in memory at once across all requests (four bodies at the
/// largest size, thousands of twins).
pub const DEFAULT_BODY_BUDGET: usize = 32 * 1024 * 1024;
/// The `Retry-After` (seconds) of a 503 `GatewayBusy`.
pub const BUSY_RETRY_AFTER_SECS: u32 = 1;

/// The methods forwarded. `OPTIONS` is not: ADT has no CORS and we add none.
pub const FORWARDED_METHODS: [Method; 6] = [
    Method::GET,
    Method::PUT,
    Method::PATCH,
    Method::POST,
    Method::DELETE,
    Method::HEAD,
];
const ALLOW_VALUE: &str = "GET, PUT, PATCH, POST, DELETE, HEAD";

/// Request headers that go upstream; everything else (cookies, `Host`, forwarding headers)
/// is dropped. `Content-Length` is recomputed from the buffered body.
pub const FORWARDED_REQUEST_HEADERS: [&str; 10] = [
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "accept",
    "max-items-per-page",
    "message-id",
    "dt-timestamp",
    "traceparent",
    "x-ms-client-request-id",
];

/// Response headers that come back; everything else (`Set-Cookie`, server banners,
/// upstream security headers) is dropped. The body is passed as received, so its
/// `Content-Encoding` is kept.
pub const FORWARDED_RESPONSE_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "content-encoding",
    "etag",
    "retry-after",
    "query-charge",
    "location",
    "x-ms-request-id",
];

/// The bytes of request bodies the pass-through may hold in memory at once, shared by every
/// request. Reservations are RAII: dropping one (the request ended, or its future was
/// dropped because the client went away) gives its bytes back.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    total: usize,
    free: Arc<Semaphore>,
}

impl BodyBudget {
    /// A budget of `total` bytes (capped at the most a semaphore can count).
    pub fn new(total: usize) -> Self {
        let total = total.min(Semaphore::MAX_PERMITS);
        Self {
            total,
            free: Arc::new(Semaphore::new(total)),
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// The bytes reserved right now by requests whose bodies are being read or forwarded.
    pub fn in_use(&self) -> usize {
        self.total.saturating_sub(self.free.available_permits())
    }

    /// An empty reservation, to be grown as bytes are announced or arrive.
    fn reservation(&self) -> Reservation {
        Reservation {
            budget: self.clone(),
            permit: None,
        }
    }
}

/// Bytes taken from a [`BodyBudget`]; given back on drop.
#[derive(Debug)]
struct Reservation {
    budget: BodyBudget,
    permit: Option<OwnedSemaphorePermit>,
}

impl Reservation {
    fn bytes(&self) -> usize {
        self.permit
            .as_ref()
            .map_or(0, OwnedSemaphorePermit::num_permits)
    }

    /// Makes the reservation at least `bytes`; fails at once (never waits) when the budget
    /// does not have the difference.
    fn cover(&mut self, bytes: usize) -> Result<(), PassThroughError> {
        let more = bytes.saturating_sub(self.bytes());
        if more == 0 {
            return Ok(());
        }
        let busy = || PassThroughError::Busy {
            budget: self.budget.total,
        };
        let more = u32::try_from(more).map_err(|_| busy())?;
        let permit = Arc::clone(&self.budget.free)
            .try_acquire_many_owned(more)
            .map_err(|_| busy())?;
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        Ok(())
    }
}

/// Which step of an upstream exchange failed, as the caller can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamStep {
    /// The instance's name did not resolve.
    Resolve,
    /// No connection could be made (refused, unreachable, reset while connecting).
    Connect,
    /// The TLS handshake failed: most often a certificate the gateway does not trust.
    Tls,
    /// The request could not be sent.
    Send,
    /// The instance's answer could not be read (closed early, malformed).
    Read,
}

impl std::fmt::Display for UpstreamStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Resolve => "its name could not be resolved",
            Self::Connect => "no connection could be made to it",
            Self::Tls => {
                "the TLS handshake with it failed (its certificate is not trusted by the gateway)"
            }
            Self::Send => "the request could not be sent to it",
            Self::Read => "its answer could not be read",
        })
    }
}

/// The `Server-Timing` header of forwarded answers.
pub const SERVER_TIMING: &str = "server-timing";
/// Its metric for the gateway's own work on a request: checking the target, reading the
/// request body, building the upstream request, and turning the upstream's answer into ours
/// (the body is then streamed through).
pub const TIMING_GATEWAY: &str = "gw";
/// Its metric for the wait on the instance: from sending the request upstream (connection
/// included) to its response headers.
pub const TIMING_UPSTREAM: &str = "adt";

/// `gw;dur=0.041, adt;dur=12.500`: durations in milliseconds, as DevTools and
/// `PerformanceResourceTiming.serverTiming` read them.
pub fn server_timing(gateway: Duration, upstream: Duration) -> HeaderValue {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let text = format!(
        "{TIMING_GATEWAY};dur={:.3};desc=\"gateway\", {TIMING_UPSTREAM};dur={:.3};desc=\"instance\"",
        ms(gateway),
        ms(upstream)
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("gw"))
}

/// Where forwarded requests go.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// `https://{host}/{path}`, the real service.
    Https {
        /// Trusted in addition to the built-in web PKI roots (tests, private CAs).
        extra_root_ca_pem: Option<Vec<u8>>,
        /// DNS overrides: this host connects to this address (tests).
        resolve: Vec<(String, SocketAddr)>,
    },
    /// `{base}/adt/{host}/{path}` over plain http: the local emulator. The host is validated
    /// exactly as in https mode.
    Emulator { base: String },
}

impl Upstream {
    /// The real service, with the built-in roots and real DNS.
    pub fn https() -> Self {
        Self::Https {
            extra_root_ca_pem: None,
            resolve: Vec::new(),
        }
    }
}

/// The pass-through's configuration.
#[derive(Debug, Clone)]
pub struct AdtPassThrough {
    /// Hosts must end with one of these (a label boundary is implied).
    pub allowed_suffixes: Vec<String>,
    pub upstream: Upstream,
    /// The whole upstream exchange.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_request_body: usize,
    pub body_read_timeout: Duration,
    /// The request-body bytes held at once across all requests ([`BodyBudget`]); at least
    /// `max_request_body`.
    pub body_budget: usize,
}

impl AdtPassThrough {
    /// The defaults: ADT's suffix and the `DEFAULT_*` bounds.
    pub fn new(upstream: Upstream) -> Self {
        Self {
            allowed_suffixes: vec![DEFAULT_ADT_SUFFIX.to_owned()],
            upstream,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_request_body: DEFAULT_MAX_REQUEST_BODY,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            body_budget: DEFAULT_BODY_BUDGET,
        }
    }
}

/// Why the pass-through cannot be set up (at start).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the extra root CA is not usable: {0}")]
    RootCa(String),
    #[error("the emulator upstream `{0}` must be an http:// URL without query or fragment")]
    EmulatorBase(String),
    #[error("the allowed suffix `{0}` is not a lower-case DNS suffix like .digitaltwins.azure.net")]
    Suffix(String),
    #[error("cannot build the HTTPS client: {0}")]
    Client(reqwest::Error),
    #[error(
        "the body budget ({budget} bytes) must be at least the request body limit ({limit} bytes), which must fit in 4 GiB"
    )]
    BodyBudget { budget: usize, limit: usize },
}

/// Why one request was not forwarded, or failed upstream. Each maps to a status and a JSON
/// body `{"error":{"code","message"}}`.
#[derive(Debug, thiserror::Error)]
pub enum PassThroughError {
    #[error("refused: {0}")]
    Host(#[from] HostRefusal),
    #[error("refused: {0}")]
    Path(#[from] PathRefusal),
    /// Holds the target as received on our origin (`/adt/{host}{path}?{query}`), never the
    /// upstream URL (which, in emulator mode, names an internal address).
    #[error("refused: the URL would be rewritten before forwarding (`{0}`); encode it canonically")]
    Rewritten(String),
    #[error("{0} is not forwarded; the pass-through forwards {ALLOW_VALUE}")]
    Method(Method),
    #[error("the request body is larger than the gateway's limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("the request body did not arrive within {0:?}")]
    BodyTimeout(Duration),
    #[error("the request body could not be read: {0}")]
    BodyUnreadable(String),
    #[error("Content-Length is not a number")]
    BadContentLength,
    #[error(
        "the gateway is already holding as many request bodies as it may ({budget} bytes); retry shortly"
    )]
    Busy { budget: usize },
    #[error("cannot reach {host}: {step}")]
    Unreachable { host: String, step: UpstreamStep },
    #[error("{host} did not answer within {timeout:?}")]
    Timeout { host: String, timeout: Duration },
    #[error(
        "{host} answered with a redirect ({status}); redirects are not followed by the gateway and this one was not followed"
    )]
    Redirected { host: String, status: u16 },
}

impl PassThroughError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Host(_) | Self::Path(_) | Self::Rewritten(_) | Self::BadContentLength => {
                StatusCode::BAD_REQUEST
            }
            Self::BodyUnreadable(_) => StatusCode::BAD_REQUEST,
            Self::Method(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unreachable { .. } | Self::Redirected { .. } => StatusCode::BAD_GATEWAY,
            Self::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The `error.code` in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Host(_) | Self::Path(_) | Self::Rewritten(_) | Self::Method(_) => {
                "GatewayRefused"
            }
            Self::BodyTooLarge { .. } => "GatewayRequestTooLarge",
            Self::BodyTimeout(_) => "GatewayRequestTimeout",
            Self::BodyUnreadable(_) | Self::BadContentLength => "GatewayBadRequest",
            Self::Busy { .. } => "GatewayBusy",
            Self::Unreachable { .. } => "GatewayUpstreamUnreachable",
            Self::Timeout { .. } => "GatewayTimeout",
            Self::Redirected { .. } => "GatewayUpstreamRedirected",
        }
    }
}

impl IntoResponse for PassThroughError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.to_string() }
        });
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if matches!(self, Self::Method(_)) {
            headers.insert(header::ALLOW, HeaderValue::from_static(ALLOW_VALUE));
        }
        if matches!(self, Self::Busy { .. }) {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(BUSY_RETRY_AFTER_SECS),
            );
        }
        if matches!(
            self,
            Self::BodyTooLarge { .. } | Self::BodyTimeout(_) | Self::Busy { .. }
        ) {
            // The rest of the body is not read; the connection cannot be reused.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The pass-through, ready to serve (shared by every request).
#[derive(Debug)]
pub struct PassThrough {
    config: AdtPassThrough,
    client: reqwest::Client,
    budget: BodyBudget,
}

impl PassThrough {
    /// Checks the configuration and builds the client (rustls, no redirects, no cookies, no
    /// proxy from the environment).
    pub fn new(config: AdtPassThrough) -> Result<Self, SetupError> {
        for suffix in &config.allowed_suffixes {
            let bare = suffix.trim_start_matches('.');
            let valid = bare.contains('.')
                && bare.split('.').all(|l| {
                    !l.is_empty()
                        && l.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
            if !valid {
                return Err(SetupError::Suffix(suffix.clone()));
            }
        }
        if config.body_budget < config.max_request_body
            || u32::try_from(config.max_request_body).is_err()
            || config.body_budget > Semaphore::MAX_PERMITS
        {
            return Err(SetupError::BodyBudget {
                budget: config.body_budget,
                limit: config.max_request_body,
            });
        }
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60));
        match &config.upstream {
            Upstream::Https {
                extra_root_ca_pem,
                resolve,
            } => {
                builder = builder.https_only(true);
                if let Some(pem) = extra_root_ca_pem {
                    let cas = reqwest::Certificate::from_pem_bundle(pem)
                        .map_err(|e| SetupError::RootCa(e.to_string()))?;
                    if cas.is_empty() {
                        return Err(SetupError::RootCa(
                            "no PEM `CERTIFICATE` block found".to_owned(),
                        ));
                    }
                    for ca in cas {
                        builder = builder.add_root_certificate(ca);
                    }
                }
                for (host, addr) in resolve {
                    builder = builder.resolve(host, *addr);
                }
            }
            Upstream::Emulator { base } => {
                let ok = url::Url::parse(base).is_ok_and(|u| {
                    u.scheme() == "http"
                        && u.host_str().is_some()
                        && u.query().is_none()
                        && u.fragment().is_none()
                });
                if !ok {
                    return Err(SetupError::EmulatorBase(base.clone()));
                }
            }
        }
        let client = builder.build().map_err(SetupError::Client)?;
        let budget = BodyBudget::new(config.body_budget);
        Ok(Self {
            config,
            client,
            budget,
        })
    }

    pub fn config(&self) -> &AdtPassThrough {
        &self.config
    }

    /// The request-body budget shared by every request.
    pub fn body_budget(&self) -> &BodyBudget {
        &self.budget
    }

    /// The upstream URL for a validated target, or a refusal if parsing would change it.
    fn upstream_url(
        &self,
        host: &AdtHost,
        path: &str,
        query: Option<&str>,
    ) -> Result<url::Url, PassThroughError> {
        let (text, expected_path) = match &self.config.upstream {
            Upstream::Https { .. } => (format!("https://{host}{path}"), path.to_owned()),
            Upstream::Emulator { base } => {
                let base = base.trim_end_matches('/');
                let text = format!("{base}/adt/{host}{path}");
                let base_path = url::Url::parse(base)
                    .map(|u| u.path().trim_end_matches('/').to_owned())
                    .unwrap_or_default();
                (text, format!("{base_path}/adt/{host}{path}"))
            }
        };
        let text = match query {
            Some(q) => format!("{text}?{q}"),
            None => text,
        };
        let received = || {
            let target = format!("{ADT_PREFIX}{host}{path}");
            PassThroughError::Rewritten(match query {
                Some(q) => format!("{target}?{q}"),
                None => target,
            })
        };
        let url = url::Url::parse(&text).map_err(|_| received())?;
        if url.path() != expected_path || url.query() != query {
            return Err(received());
        }
        Ok(url)
    }

    async fn forward(&self, request: Request) -> Result<Response, PassThroughError> {
        let received = Instant::now();
        let method = request.method().clone();
        if !FORWARDED_METHODS.contains(&method) {
            return Err(PassThroughError::Method(method));
        }
        let (parts, body) = request.into_parts();
        let (host, path) = split_target(parts.uri.path());
        let host = validate_host(host, &self.config.allowed_suffixes)?;
        validate_path(path)?;
        let url = self.upstream_url(&host, path, parts.uri.query())?;
        // Held until the upstream has answered (the body is sent by then), or dropped with
        // this future if the client goes away.
        let (body, _reservation) = self.read_body(&parts.headers, body).await?;
        let started = Instant::now();
        let sent = self
            .client
            .request(method.clone(), url)
            .headers(forwarded_request_headers(&parts.headers))
            .body(body)
            .send()
            .await;
        let upstream = sent.map_err(|e| {
            // The URL carries the query string (and, in emulator mode, the internal base):
            // the step and the causes are enough for the log.
            let e = e.without_url();
            let error = self.upstream_error(&host, &e);
            tracing::warn!(
                %method, %host, path, status = error.status().as_u16(),
                duration_ms = started.elapsed().as_millis() as u64,
                detail = %error_chain(&e),
                "ADT pass-through failed: {error}"
            );
            error
        })?;
        let status = upstream.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            tracing::warn!(
                %method, %host, path, status = status.as_u16(),
                "ADT pass-through: the instance redirected; answered 502, not followed"
            );
            return Err(PassThroughError::Redirected {
                host: host.to_string(),
                status: status.as_u16(),
            });
        }
        let answered = Instant::now();
        let waited = answered - started;
        tracing::info!(
            %method, %host, path, status = upstream.status().as_u16(),
            duration_ms = waited.as_millis() as u64,
            "ADT pass-through"
        );
        let mut response = stream_back(upstream);
        let own = (started - received) + answered.elapsed();
        response
            .headers_mut()
            .insert(SERVER_TIMING, server_timing(own, waited));
        Ok(response)
    }

    /// The whole body, within the size and time bounds and the [`BodyBudget`], with its
    /// reservation; nothing upstream has been contacted.
    async fn read_body(
        &self,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<(Bytes, Reservation), PassThroughError> {
        let limit = self.config.max_request_body;
        let mut reservation = self.budget.reservation();
        let mut declared = 0;
        if let Some(length) = headers.get(header::CONTENT_LENGTH) {
            let length: u64 = length
                .to_str()
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(PassThroughError::BadContentLength)?;
            if length > limit as u64 {
                return Err(PassThroughError::BodyTooLarge { limit });
            }
            // At most `limit`, which fits in usize.
            declared = usize::try_from(length).unwrap_or(limit);
            reservation.cover(declared)?;
        }
        let collect = async {
            let mut body = Limited::new(body, limit);
            let mut buffer = Vec::with_capacity(declared);
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        PassThroughError::BodyTooLarge { limit }
                    } else {
                        PassThroughError::BodyUnreadable(e.to_string())
                    }
                })?;
                if let Ok(data) = frame.into_data() {
                    reservation.cover(buffer.len() + data.len())?;
                    buffer.extend_from_slice(&data);
                }
            }
            Ok::<_, PassThroughError>(Bytes::from(buffer))
        };
        match tokio::time::timeout(self.config.body_read_timeout, collect).await {
            Err(_) => Err(PassThroughError::BodyTimeout(self.config.body_read_timeout)),
            Ok(Ok(bytes)) => Ok((bytes, reservation)),
            Ok(Err(e)) => Err(e),
        }
    }

    fn upstream_error(&self, host: &AdtHost, error: &reqwest::Error) -> PassThroughError {
        let host = host.to_string();
        if error.is_timeout() {
            return PassThroughError::Timeout {
                host,
                timeout: self.config.timeout,
            };
        }
        let chain = error_chain(error).to_ascii_lowercase();
        let step = if chain.contains("dns error")
            || chain.contains("failed to lookup")
            || chain.contains("name or service not known")
        {
            UpstreamStep::Resolve
        } else if chain.contains("certificate")
            || chain.contains("tls")
            || chain.contains("handshake")
            || chain.contains("peer sent")
            || chain.contains("received fatal alert")
        {
            UpstreamStep::Tls
        } else if error.is_connect() {
            UpstreamStep::Connect
        } else if error.is_body()
            || error.is_decode()
            || chain.contains("incomplete message")
            || chain.contains("connection closed before message completed")
        {
            UpstreamStep::Read
        } else {
            UpstreamStep::Send
        };
        PassThroughError::Unreachable { host, step }
    }
}

/// An error and its causes, `outer: inner: …`, for the log only (it names the upstream URL).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Splits `/adt/{host}/{path}` into the raw host segment and the raw path (with its `/`).
fn split_target(path: &str) -> (&str, &str) {
    let rest = path
        .strip_prefix(ADT_PREFIX)
        .or_else(|| path.strip_prefix(ADT_PREFIX.trim_end_matches('/')))
        .unwrap_or_default();
    match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    }
}

fn forwarded_request_headers(incoming: &HeaderMap) -> HeaderMap {
    copy_allowed(incoming, &FORWARDED_REQUEST_HEADERS)
}

fn copy_allowed(from: &HeaderMap, allowed: &[&'static str]) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in allowed {
        let name = HeaderName::from_static(name);
        for value in from.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// The upstream's status, allow-listed headers and streamed body.
fn stream_back(upstream: reqwest::Response) -> Response {
    let status = upstream.status();
    let mut headers = copy_allowed(upstream.headers(), &FORWARDED_RESPONSE_HEADERS);
    if status.is_redirection() {
        // Only a 304 gets here; a `Location` on any 3xx is never passed back.
        headers.remove(header::LOCATION);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let mut response = Response::new(Body::from_stream(upstream.bytes_stream()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The axum handler for [`crate::ROUTE_ADT`].
pub async fn handle(State(pass): State<Arc<PassThrough>>, request: Request) -> Response {
    pass.forward(request).await.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(upstream: Upstream) -> PassThrough {
        PassThrough::new(AdtPassThrough::new(upstream)).unwrap()
    }

    /// A raw `/adt/…` path and query → the upstream URL, or the refusal's message fragment.
    fn check(upstream: &Upstream, target: &str, expected: Result<&str, &str>) {
        let pass = pass(upstream.clone());
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        let (host, rest) = split_target(path);
        let got = validate_host(host, &pass.config.allowed_suffixes)
            .map_err(PassThroughError::from)
            .and_then(|h| {
                validate_path(rest)?;
                pass.upstream_url(&h, rest, query)
            });
        match (got, expected) {
            (Ok(url), Ok(want)) => assert_eq!(url.as_str(), want, "{target}"),
            (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{target}: {e}"),
            (got, want) => panic!("{target}: got {got:?}, want {want:?}"),
        }
    }

    const HOST: &str = "myinst.api.weu.digitaltwins.azure.net";

    #[test]
    fn targets_map_to_the_instance_verbatim() {
        let https = Upstream::https();
        check(
            &https,
            &format!("/adt/{HOST}/models?api-version=2023-10-31&includeModelDefinition=true"),
            Ok(&format!(
                "https://{HOST}/models?api-version=2023-10-31&includeModelDefinition=true"
            )),
        );
        check(
            &https,
            &format!("/adt/{HOST}/digitaltwins/room%20101?a=%2F&b=c%3Dd"),
            Ok(&format!(
                "https://{HOST}/digitaltwins/room%20101?a=%2F&b=c%3Dd"
            )),
        );
        let emulator = Upstream::Emulator {
            base: "http://127.0.0.1:8480/".to_owned(),
        };
        check(
            &emulator,
            &format!("/adt/{HOST}/query?api-version=2023-10-31"),
            Ok(&format!(
                "http://127.0.0.1:8480/adt/{HOST}/query?api-version=2023-10-31"
            )),
        );
    }

    #[test]
    fn targets_that_would_be_rewritten_or_escape_are_refused() {
        let https = Upstream::https();
        check(&https, "/adt", Err("instance host is empty"));
        check(&https, "/adt/", Err("instance host is empty"));
        check(&https, &format!("/adt/{HOST}"), Err("nothing follows"));
        check(
            &https,
            "/adt/evil.example/models",
            Err("not under an allowed suffix"),
        );
        check(&https, &format!("/adt/{HOST}/a/../b"), Err("`..` segment"));
        // The URL parser would encode the quote in the query: refused, not altered.
        check(
            &https,
            &format!("/adt/{HOST}/models?x='"),
            Err("would be rewritten"),
        );
        check(
            &https,
            &format!("/adt/{HOST}/models?x=a b"),
            Err("would be rewritten"),
        );
    }

    #[test]
    fn setup_refuses_bad_suffixes_bases_and_certificates() {
        let mut config = AdtPassThrough::new(Upstream::https());
        for bad in ["", ".", "net", ".Digitaltwins.azure.net", "a..b", "a_b.net"] {
            config.allowed_suffixes = vec![bad.to_owned()];
            assert!(
                matches!(PassThrough::new(config.clone()), Err(SetupError::Suffix(_))),
                "{bad:?}"
            );
        }
        for bad in ["https://127.0.0.1:8480", "127.0.0.1:8480", "http://h/?q"] {
            let config = AdtPassThrough::new(Upstream::Emulator {
                base: bad.to_owned(),
            });
            assert!(
                matches!(PassThrough::new(config), Err(SetupError::EmulatorBase(_))),
                "{bad:?}"
            );
        }
        let config = AdtPassThrough::new(Upstream::Https {
            extra_root_ca_pem: Some(b"not a certificate".to_vec()),
            resolve: Vec::new(),
        });
        assert!(matches!(
            PassThrough::new(config),
            Err(SetupError::RootCa(_))
        ));
    }

    #[test]
    fn server_timing_names_both_parts_in_milliseconds() {
        let value = server_timing(Duration::from_micros(41), Duration::from_millis(12));
        assert_eq!(
            value.to_str().unwrap(),
            "gw;dur=0.041;desc=\"gateway\", adt;dur=12.000;desc=\"instance\""
        );
    }

    #[test]
    fn only_allow_listed_headers_are_copied() {
        let mut incoming = HeaderMap::new();
        for (name, value) in [
            ("authorization", "Bearer abc"),
            ("cookie", "session=1"),
            ("accept", "application/json"),
            ("accept", "text/plain"),
            ("x-forwarded-for", "10.0.0.1"),
            ("host", "gateway.example"),
            ("content-length", "5"),
            ("traceparent", "00-abc-def-01"),
        ] {
            incoming.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let out = forwarded_request_headers(&incoming);
        assert_eq!(out.get("authorization").unwrap(), "Bearer abc");
        assert_eq!(out.get_all("accept").iter().count(), 2);
        assert_eq!(out.get("traceparent").unwrap(), "00-abc-def-01");
        for dropped in ["cookie", "x-forwarded-for", "host", "content-length"] {
            assert!(out.get(dropped).is_none(), "{dropped}");
        }
    }
}
