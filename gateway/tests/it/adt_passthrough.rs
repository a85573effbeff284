//! The ADT pass-through against a local TLS "instance" (rcgen CA, rustls server) and a plain
//! http emulator stub: forwarding, header hygiene, streaming, refusals and bounds.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, mpsc};
use twinscope_gateway::{AdtPassThrough, GatewayConfig, RunningGateway, Upstream, start};

use crate::common;

const HOST: &str = "myinst.api.weu.digitaltwins.azure.net";
const TOKEN: &str = "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test.signature";
const LARGE_LEN: usize = 5 * 1024 * 1024;
const PATH_LARGE: &str = "/large";
const PATH_REDIRECT: &str = "/redirect";
const PATH_HANG: &str = "/hang";
const PATH_DRIP: &str = "/drip";
/// Answers after [`SLOW_MS`] milliseconds.
const PATH_SLOW: &str = "/slow";
const SLOW_MS: u64 = 60;
const DRIP_FIRST: &str = "first-chunk;";
const DRIP_SECOND: &str = "second-chunk";

/// What the test instance saw, and what it can be made to do.
#[derive(Default)]
struct Seen {
    accepted: AtomicUsize,
    requests: AtomicUsize,
    drip: Notify,
}

/// The instance's answer to an ordinary request: what arrived, as JSON, plus the headers the
/// gateway must pass back (and one it must not).
async fn echo(State(seen): State<Arc<Seen>>, request: Request) -> Response {
    seen.requests.fetch_add(1, Ordering::SeqCst);
    let target = request.uri().path_and_query().map(ToString::to_string);
    let path = request.uri().path().to_owned();
    match path.as_str() {
        PATH_LARGE => return Response::new(Body::from_stream(large_body())),
        PATH_REDIRECT => {
            return (
                StatusCode::FOUND,
                [("location", "https://evil.example/stolen")],
                "moved",
            )
                .into_response();
        }
        PATH_HANG => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        PATH_DRIP => {
            return Response::new(Body::from_stream(drip_body(Arc::clone(&seen))));
        }
        PATH_SLOW => tokio::time::sleep(Duration::from_millis(SLOW_MS)).await,
        _ => {}
    }
    let method = request.method().to_string();
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").into()))
        .collect();
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::json!({
        "method": method,
        "target": target,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    let mut response = axum::Json(json).into_response();
    let h = response.headers_mut();
    for (name, value) in [
        ("etag", "W/\"abc\""),
        ("retry-after", "7"),
        ("query-charge", "2.5"),
        ("x-ms-request-id", "req-1"),
        ("set-cookie", "ARRAffinity=upstream; Path=/"),
        ("server", "upstream-banner"),
        ("server-timing", "db;dur=999"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

type Chunk = Result<Bytes, std::io::Error>;

/// The receiving end of a channel as a body stream.
fn channel_stream(rx: mpsc::Receiver<Chunk>) -> impl Stream<Item = Chunk> {
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    })
}

/// The first chunk at once, the second only after the test has read the first through the
/// gateway: a buffering gateway would never deliver the first.
fn drip_body(seen: Arc<Seen>) -> impl Stream<Item = Chunk> {
    let (tx, rx) = mpsc::channel(2);
    tokio::spawn(async move {
        let _ = tx.send(Ok(Bytes::from_static(DRIP_FIRST.as_bytes()))).await;
        seen.drip.notified().await;
        let _ = tx
            .send(Ok(Bytes::from_static(DRIP_SECOND.as_bytes())))
            .await;
    });
    channel_stream(rx)
}

/// Byte `i` of the large body.
fn large_byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// [`LARGE_LEN`] bytes in 64 KiB chunks, produced as they are consumed.
fn large_body() -> impl Stream<Item = Chunk> {
    const CHUNK: usize = 64 * 1024;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for start in (0..LARGE_LEN).step_by(CHUNK) {
            let chunk: Vec<u8> = (start..(start + CHUNK).min(LARGE_LEN))
                .map(large_byte)
                .collect();
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
        }
    });
    channel_stream(rx)
}

/// A certificate authority and a certificate for [`HOST`] signed by it.
struct Pki {
    ca_pem: String,
    cert_der: rustls::pki_types::CertificateDer<'static>,
    key_der: Vec<u8>,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![HOST.to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        cert_der: leaf.der().clone(),
        key_der: leaf_key.serialize_der(),
    }
}

/// The test instance: TLS for [`HOST`] on a loopback port, counting accepted connections.
struct Instance {
    addr: SocketAddr,
    ca_pem: String,
    seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Instance {
    async fn start() -> Self {
        let pki = pki();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![pki.cert_der], key)
            .unwrap();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let app = Router::new().fallback(echo).with_state(Arc::clone(&seen));
        let counter = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                counter.accepted.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        Self {
            addr,
            ca_pem: pki.ca_pem,
            seen,
            task,
        }
    }

    fn accepted(&self) -> usize {
        self.seen.accepted.load(Ordering::SeqCst)
    }

    /// Pass-through settings that reach this instance (over TLS, trusting its CA).
    fn pass_through(&self) -> AdtPassThrough {
        AdtPassThrough::new(Upstream::Https {
            extra_root_ca_pem: Some(self.ca_pem.clone().into_bytes()),
            resolve: vec![(HOST.to_owned(), self.addr)],
        })
    }
}

/// A dist directory and a gateway in front of it.
struct Gateway {
    gateway: RunningGateway,
    _dist: tempfile::TempDir,
}

impl Gateway {
    async fn start(adt: AdtPassThrough, configure: impl FnOnce(&mut GatewayConfig)) -> Self {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
        std::fs::write(
            dist.path().join("config.json"),
            r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
        )
        .unwrap();
        let mut config = GatewayConfig::new(dist.path());
        config.adt = Some(adt);
        configure(&mut config);
        let gateway = start(config).await.expect("gateway starts");
        Self {
            gateway,
            _dist: dist,
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}/adt/{HOST}{path_and_query}", self.gateway.base_url())
    }

    fn addr(&self) -> SocketAddr {
        self.gateway.addr()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The gateway's JSON error: (code, message).
async fn gateway_error(response: reqwest::Response) -> (String, String) {
    let json: serde_json::Value = response.json().await.expect("a JSON error body");
    (
        json["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        json["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn every_method_is_forwarded_with_path_query_and_body_verbatim() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let client = client();
    let target = "/digitaltwins/room%20101?api-version=2023-10-31&x=%2F%3D";
    for method in ["GET", "PUT", "PATCH", "DELETE", "POST"] {
        let body = format!(r#"{{"sent-with":"{method}"}}"#);
        let r = client
            .request(method.parse().unwrap(), gw.url(target))
            .header("authorization", TOKEN)
            .header("content-type", "application/json")
            .header("if-match", "*")
            .header("cookie", "session=secret")
            .header("x-forwarded-for", "10.1.1.1")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{method}");
        assert_eq!(header(&r, "etag"), Some("W/\"abc\""), "{method}");
        assert_eq!(header(&r, "retry-after"), Some("7"), "{method}");
        assert_eq!(header(&r, "query-charge"), Some("2.5"), "{method}");
        assert_eq!(header(&r, "x-ms-request-id"), Some("req-1"), "{method}");
        assert_eq!(header(&r, "set-cookie"), None, "{method}");
        assert_eq!(header(&r, "server"), None, "{method}");
        assert_eq!(header(&r, "cache-control"), Some("no-store"), "{method}");
        let seen: serde_json::Value = r.json().await.unwrap();
        assert_eq!(seen["method"], method);
        assert_eq!(seen["target"], target);
        assert_eq!(seen["body"], body);
        let headers = &seen["headers"];
        assert_eq!(headers["authorization"], TOKEN);
        assert_eq!(headers["if-match"], "*");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["host"], HOST);
        for dropped in ["cookie", "x-forwarded-for"] {
            assert!(
                headers.get(dropped).is_none(),
                "{method}: {dropped} arrived"
            );
        }
    }
    let r = client.head(gw.url(target)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(instance.seen.requests.load(Ordering::SeqCst), 6);
}

/// `gw;dur=X;desc=…, adt;dur=Y;desc=…` → (X, Y).
fn timing(response: &reqwest::Response) -> (f64, f64) {
    let value = header(response, "server-timing").expect("a Server-Timing header");
    let dur = |metric: &str| -> f64 {
        value
            .split(',')
            .map(str::trim)
            .find_map(|m| m.strip_prefix(&format!("{metric};dur=")))
            .and_then(|rest| rest.split(';').next())
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no {metric} duration in {value}"))
    };
    (dur("gw"), dur("adt"))
}

#[tokio::test]
async fn answers_say_where_the_time_went() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let client = client();
    let slow = client
        .get(gw.url(&format!("{PATH_SLOW}?api-version=2023-10-31")))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.status(), StatusCode::OK);
    let (own, waited) = timing(&slow);
    assert!(
        waited >= SLOW_MS as f64,
        "the {SLOW_MS} ms the instance took is the instance's: {waited}"
    );
    assert!(
        own < waited,
        "the gateway's own share is small: {own} < {waited}"
    );
    assert!(
        !header(&slow, "server-timing").unwrap().contains("db;"),
        "the instance's own Server-Timing is not passed on"
    );
    let fast = client
        .get(gw.url("/digitaltwins/t?api-version=2023-10-31"))
        .send()
        .await
        .unwrap();
    let (_, waited_fast) = timing(&fast);
    assert!(waited_fast < waited, "{waited_fast} < {waited}");
    let refused = client.get(gw.url("/../x")).send().await.unwrap();
    assert_eq!(
        header(&refused, "server-timing"),
        None,
        "a refusal went nowhere, so it has no instance time"
    );
}

#[tokio::test]
async fn options_is_not_forwarded() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let r = client()
        .request(reqwest::Method::OPTIONS, gw.url("/models"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(header(&r, "allow").unwrap().contains("PATCH"));
    assert!(header(&r, "access-control-allow-origin").is_none());
    assert_eq!(gateway_error(r).await.0, "GatewayRefused");
    assert_eq!(instance.accepted(), 0);
}

/// An upstream 3xx would make the browser's fetch follow it, re-sending the bearer (to
/// another instance when the `Location` is a same-origin `/adt/other/…`): it is a 502 with a
/// JSON error and no `Location`, never passed back. `304 Not Modified` is not a redirect.
#[tokio::test]
async fn redirects_are_a_502_and_never_reach_the_browser() {
    // Over TLS, the instance redirecting to another site.
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let r = client().get(gw.url(PATH_REDIRECT)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(header(&r, "location"), None);
    let (code, message) = gateway_error(r).await;
    assert_eq!(code, "GatewayUpstreamRedirected");
    assert!(message.contains(HOST), "{message}");
    assert!(!message.contains("evil.example"), "{message}");
    assert_eq!(instance.seen.requests.load(Ordering::SeqCst), 1);

    // In emulator mode, every redirect status, relative and absolute same-origin targets.
    let other = "other.api.weu.digitaltwins.azure.net";
    let (addr, hits, task) = common::raw_upstream(move |target| {
        let status = target.rsplit('/').next().unwrap_or_default().to_owned();
        let location = if target.contains("/abs/") {
            format!("http://gateway.example/adt/{other}/models")
        } else {
            format!("/adt/{other}/models")
        };
        format!(
            "HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    })
    .await;
    let gw = Gateway::start(
        AdtPassThrough::new(Upstream::Emulator {
            base: format!("http://{addr}"),
        }),
        |_| {},
    )
    .await;
    let client = client();
    let mut sent = 0;
    for kind in ["rel", "abs"] {
        for status in [301, 302, 303, 307, 308] {
            let r = client
                .get(gw.url(&format!("/r/{kind}/{status}")))
                .header("authorization", TOKEN)
                .send()
                .await
                .unwrap();
            sent += 1;
            assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{kind} {status}");
            assert_eq!(header(&r, "location"), None, "{kind} {status}");
            assert_eq!(header(&r, "cache-control"), Some("no-store"));
            let (code, message) = gateway_error(r).await;
            assert_eq!(code, "GatewayUpstreamRedirected", "{kind} {status}");
            assert!(message.contains(HOST), "{message}");
            assert!(message.contains("redirect"), "{message}");
            assert!(message.contains("not followed"), "{message}");
            assert!(!message.contains(other), "{message}");
            assert!(!message.contains("127.0.0.1"), "{message}");
        }
    }
    // A conditional GET's 304 is not a redirect: it comes back, without a Location.
    let r = client.get(gw.url("/r/rel/304")).send().await.unwrap();
    sent += 1;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&r, "location"), None);
    assert_eq!(hits.load(Ordering::SeqCst), sent);
    task.abort();
}

/// The text a 502/504 body must never carry: the HTTP stack's own error texts and the
/// upstream's address.
fn assert_no_internals(message: &str, upstream: SocketAddr) {
    let lower = message.to_ascii_lowercase();
    for leak in [
        "127.0.0.1",
        &upstream.port().to_string(),
        "error trying to connect",
        "error sending request",
        "os error",
        "tcp connect",
        "dns",
        "invalid peer certificate",
        "unknownissuer",
        "rustls",
        "hyper",
        "reqwest",
        "http://",
        "https://",
    ] {
        assert!(!lower.contains(leak), "{leak:?} in {message}");
    }
}

/// One failed exchange through a gateway in front of `adt`: the status and code, the
/// instance named, the step's word when given, and none of the internals of `internal`.
async fn check_failure(
    adt: AdtPassThrough,
    path: &str,
    expected: (StatusCode, Option<&str>),
    step: Option<&str>,
    internal: SocketAddr,
) {
    let gw = Gateway::start(adt, |_| {}).await;
    let r = client().get(gw.url(path)).send().await.unwrap();
    assert_eq!(r.status(), expected.0);
    let (code, message) = gateway_error(r).await;
    if let Some(expected_code) = expected.1 {
        assert_eq!(code, expected_code);
    }
    assert!(message.contains(HOST), "{message}");
    if let Some(step) = step {
        assert!(message.contains(step), "{message}");
    }
    assert_no_internals(&message, internal);
}

/// A failed exchange says which instance and which step failed, in the caller's words; the
/// details are logged, not sent.
#[tokio::test]
async fn upstream_failures_name_the_instance_and_step_without_internals() {
    const UNREACHABLE: (StatusCode, Option<&str>) =
        (StatusCode::BAD_GATEWAY, Some("GatewayUpstreamUnreachable"));
    let https = |to: SocketAddr| {
        AdtPassThrough::new(Upstream::Https {
            extra_root_ca_pem: None,
            resolve: vec![(HOST.to_owned(), to)],
        })
    };
    // Connection refused, over https.
    let closed = common::closed_port();
    check_failure(
        https(closed),
        "/models",
        UNREACHABLE,
        Some("connect"),
        closed,
    )
    .await;

    // A certificate the gateway does not trust.
    let instance = Instance::start().await;
    check_failure(
        https(instance.addr),
        "/models",
        UNREACHABLE,
        Some("TLS"),
        instance.addr,
    )
    .await;

    // The emulator base (an internal address) is down.
    let closed = common::closed_port();
    let emulator = AdtPassThrough::new(Upstream::Emulator {
        base: format!("http://{closed}"),
    });
    check_failure(emulator, "/models", UNREACHABLE, None, closed).await;

    // A timeout names the instance and the bound, nothing else.
    let mut adt = instance.pass_through();
    adt.timeout = Duration::from_millis(300);
    check_failure(
        adt,
        PATH_HANG,
        (StatusCode::GATEWAY_TIMEOUT, None),
        None,
        instance.addr,
    )
    .await;
}

#[tokio::test]
async fn a_large_response_arrives_intact_and_is_streamed() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let client = client();
    let body = client
        .get(gw.url(PATH_LARGE))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), LARGE_LEN);
    assert!(body.iter().enumerate().all(|(i, b)| *b == large_byte(i)));

    // The second chunk exists only after the first has come through the gateway.
    let (mut r, first) = tokio::time::timeout(Duration::from_secs(10), async {
        let mut r = client.get(gw.url(PATH_DRIP)).send().await.unwrap();
        let first = r.chunk().await.unwrap().unwrap();
        (r, first)
    })
    .await
    .expect("the first chunk is not held back");
    assert_eq!(first.as_ref(), DRIP_FIRST.as_bytes());
    instance.seen.drip.notify_one();
    let mut rest = Vec::new();
    while let Some(chunk) = r.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(rest, DRIP_SECOND.as_bytes());
}

/// Sends `request` exactly as written and returns the status (0 when the connection closed
/// without an answer) and the whole response text.
async fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before reading everything; that is fine.
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

fn raw_get(path: &str) -> Vec<u8> {
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(path.as_bytes());
    request.extend_from_slice(
        format!(
            " HTTP/1.1\r\nHost: gateway\r\nAuthorization: {TOKEN}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    request
}

#[tokio::test]
async fn hostile_targets_are_refused_without_any_upstream_connection() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let hosts = [
        "evil.example",
        "digitaltwins.azure.net.evil.example",
        "xdigitaltwins.azure.net",
        "digitaltwins.azure.net",
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "0177.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "::1",
        &format!("a@{HOST}"),
        &format!("{HOST}:8443"),
        &format!("{HOST}."),
        &HOST.to_uppercase(),
        &HOST.replace('.', "%2e"),
        "",
    ];
    let paths = [
        "/a%2Fb",
        "/a%2fb",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E",
        "/x/%252e%252e/y",
        "/x%0d%0aSet-Cookie:%20a=b",
        "/x%0A",
        "/a%5cb",
        "/a\\b",
        "/a%00b",
        "/../../etc/passwd",
        "/./models",
        "/a//b",
        "",
    ];
    let mut targets: Vec<Vec<u8>> = hosts
        .iter()
        .map(|h| raw_get(&format!("/adt/{h}/models?api-version=2023-10-31")))
        .collect();
    targets.extend(paths.iter().map(|p| raw_get(&format!("/adt/{HOST}{p}"))));
    for bytes in [
        b"GET /adt/myinst.api.weu.digitaltwins.azure.net/a\0b HTTP/1.1\r\nHost: g\r\n\r\n"
            .as_slice(),
        b"GET /adt/myinst.api.weu.digitaltwins.azure.net/a\rb HTTP/1.1\r\nHost: g\r\n\r\n",
        b"GET /adt/myinst.api.weu.digitaltwins.azure.net/a\r\nX: y HTTP/1.1\r\nHost: g\r\n\r\n",
    ] {
        targets.push(bytes.to_vec());
    }
    for request in &targets {
        let (status, response) = raw(gw.addr(), request).await;
        let shown = String::from_utf8_lossy(request);
        assert_eq!(status, 400, "{shown:?}: {response}");
        if response.contains("application/json") {
            assert!(response.contains("GatewayRefused"), "{shown:?}: {response}");
        }
    }
    assert_eq!(
        instance.accepted(),
        0,
        "a refused request reached the upstream"
    );
    // The counter does count: a valid request goes through.
    let (status, _) = raw(gw.addr(), &raw_get(&format!("/adt/{HOST}/models"))).await;
    assert_eq!(status, 200);
    assert_eq!(instance.accepted(), 1);
}

#[tokio::test]
async fn refusals_say_why_in_json() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |_| {}).await;
    let base = gw.gateway.base_url().to_owned();
    let client = client();
    for (url, why) in [
        (format!("{base}/adt/evil.example/models"), "evil.example"),
        (format!("{base}/adt/{HOST}"), "nothing follows"),
        (format!("{base}/adt/"), "host is empty"),
        (format!("{base}/adt"), "host is empty"),
    ] {
        let r = client.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{url}");
        let (code, message) = gateway_error(r).await;
        assert_eq!(code, "GatewayRefused", "{url}");
        assert!(message.contains(why), "{url}: {message}");
    }
    assert_eq!(instance.accepted(), 0);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_without_contacting_upstream() {
    let instance = Instance::start().await;
    let mut adt = instance.pass_through();
    adt.max_request_body = 1024;
    let gw = Gateway::start(adt, |_| {}).await;
    // Declared length over the limit.
    let r = client()
        .post(gw.url("/models"))
        .body(vec![b'x'; 2048])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (code, message) = gateway_error(r).await;
    assert_eq!(code, "GatewayRequestTooLarge");
    assert!(message.contains("1024"), "{message}");
    // Chunked, no declared length: counted as it arrives.
    let chunk = format!("{:x}\r\n{}\r\n", 800, "y".repeat(800));
    let request = format!(
        "POST /adt/{HOST}/models HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}{chunk}0\r\n\r\n"
    );
    let (status, response) = raw(gw.addr(), request.as_bytes()).await;
    assert_eq!(status, 413, "{response}");
    // At the limit is fine.
    let r = client()
        .post(gw.url("/models"))
        .body(vec![b'x'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(instance.accepted(), 1);
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let instance = Instance::start().await;
    let gw = Gateway::start(instance.pass_through(), |c| {
        c.limits.max_header_bytes = 16 * 1024;
    })
    .await;
    let request = format!(
        "GET /adt/{HOST}/models HTTP/1.1\r\nHost: g\r\nX-Big: {}\r\n\r\n",
        "z".repeat(64 * 1024)
    );
    let (status, response) = raw(gw.addr(), request.as_bytes()).await;
    assert_eq!(status, 431, "{response}");
    assert_eq!(instance.accepted(), 0);
}

#[tokio::test]
async fn slow_clients_are_cut_off_after_the_bounds() {
    let instance = Instance::start().await;
    let mut adt = instance.pass_through();
    adt.body_read_timeout = Duration::from_millis(300);
    let gw = Gateway::start(adt, |c| {
        c.limits.header_read_timeout = Duration::from_millis(300);
    })
    .await;

    // Headers that never finish: the connection is closed.
    let mut stream = TcpStream::connect(gw.addr()).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(format!("GET /adt/{HOST}/models HTTP/1.1\r\nHost: g\r\n").as_bytes())
        .await
        .unwrap();
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink))
        .await
        .expect("the gateway closes a connection whose headers never finish")
        .ok();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    let text = String::from_utf8_lossy(&sink);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );

    // A body that never completes: 408 after the body bound.
    let mut stream = TcpStream::connect(gw.addr()).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(
            format!("PUT /adt/{HOST}/digitaltwins/a HTTP/1.1\r\nHost: g\r\nContent-Length: 100\r\n\r\n{{\"a\":")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("the gateway answers a stalled body")
        .ok();
    let waited = started.elapsed();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("GatewayRequestTimeout"), "{text}");
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert_eq!(instance.accepted(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_all_succeed() {
    const TOTAL: usize = 1000;
    const IN_FLIGHT: usize = 200;
    let instance = Instance::start().await;
    let gw = Arc::new(Gateway::start(instance.pass_through(), |_| {}).await);
    let client = client();
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..TOTAL {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let client = client.clone();
        let url = gw.url(&format!("/digitaltwins/twin-{i}?api-version=2023-10-31"));
        tasks.spawn(async move {
            let _permit = permit;
            let r = client
                .get(&url)
                .header("authorization", TOKEN)
                .send()
                .await?;
            let status = r.status();
            let seen: serde_json::Value = r.json().await?;
            Ok::<_, reqwest::Error>((i, status, seen))
        });
    }
    let outcome = tokio::time::timeout(Duration::from_secs(120), async {
        let mut ok = 0;
        while let Some(joined) = tasks.join_next().await {
            let (i, status, seen) = joined.unwrap().expect("no transport error");
            assert_eq!(status, StatusCode::OK, "request {i}");
            let want = format!("/digitaltwins/twin-{i}?api-version=2023-10-31");
            assert_eq!(seen["target"], want.as_str());
            ok += 1;
        }
        ok
    })
    .await
    .expect("1,000 requests finish within two minutes");
    assert_eq!(outcome, TOTAL);
    assert_eq!(instance.seen.requests.load(Ordering::SeqCst), TOTAL);
}

#[tokio::test]
async fn upstream_down_is_502_and_upstream_hanging_is_504() {
    // A port nothing listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let down = AdtPassThrough::new(Upstream::Https {
        extra_root_ca_pem: None,
        resolve: vec![(HOST.to_owned(), closed)],
    });
    let gw = Gateway::start(down, |_| {}).await;
    let r = client().get(gw.url("/models")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let (code, message) = gateway_error(r).await;
    assert_eq!(code, "GatewayUpstreamUnreachable");
    assert!(message.contains(HOST), "{message}");

    let instance = Instance::start().await;
    let mut adt = instance.pass_through();
    adt.timeout = Duration::from_millis(500);
    let gw = Gateway::start(adt, |_| {}).await;
    let started = Instant::now();
    let r = client().get(gw.url(PATH_HANG)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() < Duration::from_secs(10));
    let (code, message) = gateway_error(r).await;
    assert_eq!(code, "GatewayTimeout");
    assert!(message.contains(HOST), "{message}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_unreachable_not_accepted() {
    let instance = Instance::start().await;
    let adt = AdtPassThrough::new(Upstream::Https {
        extra_root_ca_pem: None,
        resolve: vec![(HOST.to_owned(), instance.addr)],
    });
    let gw = Gateway::start(adt, |_| {}).await;
    let r = client().get(gw.url("/models")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(gateway_error(r).await.0, "GatewayUpstreamUnreachable");
    assert_eq!(instance.seen.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn emulator_mode_forwards_to_the_base_with_the_host_in_the_path() {
    let (addr, hits, task) = common::echo_upstream().await;
    let adt = AdtPassThrough::new(Upstream::Emulator {
        base: format!("http://{addr}"),
    });
    let gw = Gateway::start(adt, |_| {}).await;
    let client = client();
    let r = client
        .get(gw.url("/models/dtmi:com:example:Room;1?api-version=2023-10-31"))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let seen: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        seen["target"],
        format!("/adt/{HOST}/models/dtmi:com:example:Room;1?api-version=2023-10-31")
    );
    assert_eq!(seen["authorization"], TOKEN);
    // Hosts are validated exactly as in https mode.
    let r = client
        .get(format!("{}/adt/evil.example/models", gw.gateway.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    task.abort();
}
