//! Hostile requests to the gateway, one test per case of issue #8: SSRF through the
//! `/adt/{host}/…` pass-through (other hosts, IP literals in every notation, userinfo, ports,
//! encoded separators and dots, CRLF), oversized requests and slow clients. The upstream is
//! a plain TCP listener that counts connections, so "refused without connecting anywhere" is
//! observed, not assumed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use twinscope_gateway::{AdtPassThrough, GatewayConfig, RunningGateway, Upstream, start};

const HOST: &str = "myinst.api.weu.digitaltwins.azure.net";
const BEARER: &str = "Bearer header.claims.signature";

/// An upstream that answers every request with `{}` and counts the connections it accepts.
struct CountingUpstream {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountingUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CountingUpstream {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        let task = tokio::spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let _ = tcp.read(&mut buf).await;
                    let _ = tcp
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                        )
                        .await;
                });
            }
        });
        Self {
            addr,
            accepted,
            task,
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A gateway in emulator mode in front of a [`CountingUpstream`].
struct Fixture {
    upstream: CountingUpstream,
    gateway: RunningGateway,
    _dist: tempfile::TempDir,
}

impl Fixture {
    async fn start(configure: impl FnOnce(&mut GatewayConfig)) -> Self {
        let upstream = CountingUpstream::start().await;
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
        std::fs::write(
            dist.path().join("config.json"),
            r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
        )
        .unwrap();
        let mut config = GatewayConfig::new(dist.path());
        config.adt = Some(AdtPassThrough::new(Upstream::Emulator {
            base: format!("http://{}", upstream.addr),
        }));
        configure(&mut config);
        let gateway = start(config).await.expect("gateway starts");
        Self {
            upstream,
            gateway,
            _dist: dist,
        }
    }

    /// Sends raw bytes; the status and the whole response text.
    async fn raw(&self, request: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(self.gateway.addr()).await.unwrap();
        let _ = stream.write_all(request).await;
        let mut response = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
            .await
            .expect("the gateway answers");
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, text)
    }

    /// `GET {target}` with a bearer, as written (no normalisation by a client library).
    async fn get(&self, target: &str) -> (u16, String) {
        self.raw(
            format!(
                "GET {target} HTTP/1.1\r\nHost: gateway\r\nAuthorization: {BEARER}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
    }
}

/// Every `/adt/{host}/models` target is refused with 400 and the upstream never sees a
/// connection; a genuine target afterwards does reach it (the fixture is live).
async fn check_hosts_refused(hosts: &[&str]) {
    let f = Fixture::start(|_| {}).await;
    for host in hosts {
        let (status, response) = f
            .get(&format!("/adt/{host}/models?api-version=2023-10-31"))
            .await;
        assert_eq!(status, 400, "{host:?}: {response}");
        assert!(!response.contains(BEARER), "{host:?} echoed the bearer");
    }
    assert_eq!(
        f.upstream.accepted(),
        0,
        "a refused target was connected to"
    );
    check_live(&f).await;
}

/// Every `/adt/{HOST}{path}` target is refused, without an upstream connection.
async fn check_paths_refused(paths: &[&str]) {
    let f = Fixture::start(|_| {}).await;
    for path in paths {
        let (status, response) = f.get(&format!("/adt/{HOST}{path}")).await;
        assert_eq!(status, 400, "{path:?}: {response}");
    }
    assert_eq!(f.upstream.accepted(), 0, "a refused path was forwarded");
    check_live(&f).await;
}

async fn check_live(f: &Fixture) {
    let (status, response) = f
        .get(&format!("/adt/{HOST}/models?api-version=2023-10-31"))
        .await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(f.upstream.accepted(), 1);
}

#[tokio::test]
async fn other_hosts_and_look_alikes_are_refused_without_connecting() {
    check_hosts_refused(&[
        "evil.example",
        "digitaltwins.azure.net.evil.example",
        "myinst.api.weu.digitaltwins.azure.net.evil.example",
        "evildigitaltwins.azure.net",
        "digitaltwins.azure.net",
        "localhost",
        "metadata.google.internal",
        "169.254.169.254",
    ])
    .await;
}

#[tokio::test]
async fn ipv4_literals_in_dotted_decimal_hex_and_octal_forms_are_refused() {
    check_hosts_refused(&[
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "127.1",
        "017700000001",
        "10.0.0.1",
    ])
    .await;
}

#[tokio::test]
async fn ipv6_literals_are_refused() {
    check_hosts_refused(&[
        "[::1]",
        "::1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[fe80::1%25eth0]",
        "[0:0:0:0:0:0:0:1]",
        "%5B::1%5D",
    ])
    .await;
}

#[tokio::test]
async fn userinfo_in_the_host_is_refused() {
    check_hosts_refused(&[
        &format!("user@{HOST}"),
        &format!("user:pass@{HOST}"),
        &format!("{HOST}@evil.example"),
        &format!("{HOST}%40evil.example"),
    ])
    .await;
}

#[tokio::test]
async fn ports_in_the_host_are_refused() {
    check_hosts_refused(&[
        &format!("{HOST}:443"),
        &format!("{HOST}:8443"),
        &format!("{HOST}:"),
        &format!("{HOST}%3A8443"),
    ])
    .await;
}

#[tokio::test]
async fn encoded_slashes_and_dots_are_refused() {
    check_paths_refused(&[
        "/a%2Fb",
        "/a%2fb",
        "/a%5Cb",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/x",
        "/x/%252e%252e/y",
        "/../../evil.example/x",
        "/./models",
        "/models/%2e",
    ])
    .await;
    check_hosts_refused(&[
        &HOST.replace('.', "%2e"),
        "evil.example%2F",
        "evil.example%2f.digitaltwins.azure.net",
    ])
    .await;
}

#[tokio::test]
async fn crlf_in_the_path_is_refused_and_injects_no_header() {
    let f = Fixture::start(|_| {}).await;
    for target in [
        format!("/adt/{HOST}/x%0d%0aSet-Cookie:%20a=b"),
        format!("/adt/{HOST}/x%0D%0AX-Injected:%201"),
        format!("/adt/{HOST}/x%0a"),
        format!("/adt/{HOST}/x%0d"),
        format!("/adt/{HOST}%0d%0aHost:%20evil.example/models"),
    ] {
        let (status, response) = f.get(&target).await;
        assert_eq!(status, 400, "{target}: {response}");
        let head = response.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            !head.to_ascii_lowercase().contains("set-cookie: a=b"),
            "{head}"
        );
        assert!(!head.to_ascii_lowercase().contains("x-injected"), "{head}");
    }
    // Raw CR/LF inside the request target: the request line itself is malformed.
    for raw in [
        format!("GET /adt/{HOST}/a\rb HTTP/1.1\r\nHost: g\r\n\r\n"),
        format!("GET /adt/{HOST}/a\r\nX-Injected: 1 HTTP/1.1\r\nHost: g\r\n\r\n"),
    ] {
        let (status, response) = f.raw(raw.as_bytes()).await;
        assert_eq!(status, 400, "{raw:?}: {response}");
    }
    assert_eq!(f.upstream.accepted(), 0);
    check_live(&f).await;
}

#[tokio::test]
async fn an_oversized_request_body_is_413_without_contacting_upstream() {
    let f = Fixture::start(|c| {
        if let Some(adt) = c.adt.as_mut() {
            adt.max_request_body = 4096;
        }
    })
    .await;
    let body = "x".repeat(4097);
    let request = format!(
        "PUT /adt/{HOST}/digitaltwins/a HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, response) = f.raw(request.as_bytes()).await;
    assert_eq!(status, 413, "{response}");
    assert!(response.contains("GatewayRequestTooLarge"), "{response}");
    assert_eq!(f.upstream.accepted(), 0);
}

#[tokio::test]
async fn oversized_headers_are_431_without_contacting_upstream() {
    let f = Fixture::start(|c| c.limits.max_header_bytes = 8 * 1024).await;
    let request = format!(
        "GET /adt/{HOST}/models HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer {}\r\n\r\n",
        "z".repeat(32 * 1024)
    );
    let (status, response) = f.raw(request.as_bytes()).await;
    assert_eq!(status, 431, "{response}");
    assert_eq!(f.upstream.accepted(), 0);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let f = Fixture::start(|c| c.limits.header_read_timeout = Duration::from_millis(300)).await;
    let mut stream = TcpStream::connect(f.gateway.addr()).await.unwrap();
    let started = Instant::now();
    // One header byte at a time, never the blank line (slowloris).
    stream
        .write_all(format!("GET /adt/{HOST}/models HTTP/1.1\r\nHost: g\r\nX-Slow: ").as_bytes())
        .await
        .unwrap();
    let mut closed = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if stream.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => {
                let text = String::from_utf8_lossy(&buf[..n]);
                assert!(text.starts_with("HTTP/1.1 408"), "{text}");
                closed = true;
                break;
            }
            Err(_) => {}
        }
    }
    let waited = started.elapsed();
    assert!(
        closed,
        "a trickling client kept the connection for {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(f.upstream.accepted(), 0);
}

/// A `GET /` whose request line and headers total exactly `total` bytes.
fn request_of_size(total: usize) -> Vec<u8> {
    let prefix = "GET / HTTP/1.1\r\nHost: g\r\nConnection: close\r\nX-Pad: ";
    let suffix = "\r\n\r\n";
    let pad = total - prefix.len() - suffix.len();
    let request = format!("{prefix}{}{suffix}", "p".repeat(pad));
    assert_eq!(request.len(), total);
    request.into_bytes()
}

/// Sends `request` in `piece`-byte writes a moment apart (so the server reads it in many
/// pieces), stopping early if the server closes; the status it answers.
async fn send_in_pieces(addr: SocketAddr, request: &[u8], piece: usize) -> u16 {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    for chunk in request.chunks(piece) {
        if stream.write_all(chunk).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("the gateway answers");
    let text = String::from_utf8_lossy(&response);
    text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The documented bound, exactly: request line plus headers up to
/// `DEFAULT_MAX_HEADER_BYTES` are served, one byte more is a 431, whether the request
/// arrives in one write or in many small ones.
#[tokio::test]
async fn the_header_limit_is_exactly_the_documented_64_kib() {
    let limit = twinscope_gateway::DEFAULT_MAX_HEADER_BYTES;
    assert_eq!(limit, 64 * 1024);
    let f = Fixture::start(|_| {}).await;
    let (status, response) = f.raw(&request_of_size(limit)).await;
    assert_eq!(status, 200, "{}", response.get(..200).unwrap_or_default());
    for over in [limit + 1, limit + 1024, 114 * 1024] {
        let (status, _) = f.raw(&request_of_size(over)).await;
        assert_eq!(status, 431, "{over} bytes in one write");
    }
    assert_eq!(
        send_in_pieces(f.gateway.addr(), &request_of_size(limit), 1000).await,
        200
    );
    for over in [limit + 1, limit + 1024] {
        assert_eq!(
            send_in_pieces(f.gateway.addr(), &request_of_size(over), 1000).await,
            431,
            "{over} bytes in pieces"
        );
    }
    assert_eq!(f.upstream.accepted(), 0);
}

/// Polls `reserved` until it returns `want`, for up to five seconds; the last value seen.
async fn wait_for_reserved(gateway: &RunningGateway, want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = gateway.body_bytes_reserved();
        if now == want || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Request bodies held in memory are bounded across all connections: clients that announce
/// bodies and hold them take the budget, the next is a 503 with `Retry-After` and an
/// ADT-shaped error (nothing upstream), and closing the connections gives it all back.
#[tokio::test]
async fn held_request_bodies_are_bounded_by_the_budget_and_released_on_close() {
    const BODY: usize = 400 * 1024;
    const BUDGET: usize = 1024 * 1024;
    let f = Fixture::start(|c| {
        if let Some(adt) = c.adt.as_mut() {
            adt.max_request_body = 512 * 1024;
            adt.body_budget = BUDGET;
        }
    })
    .await;
    assert_eq!(f.gateway.body_bytes_reserved(), 0);
    let head = |length: usize| {
        format!(
            "PUT /adt/{HOST}/digitaltwins/a HTTP/1.1\r\nHost: g\r\nAuthorization: {BEARER}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    // Two clients announce 400 KiB and send 1 KiB of it, then hold.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(f.gateway.addr()).await.unwrap();
        stream.write_all(head(BODY).as_bytes()).await.unwrap();
        stream.write_all(&[b' '; 1024]).await.unwrap();
        held.push(stream);
    }
    assert_eq!(wait_for_reserved(&f.gateway, 2 * BODY).await, 2 * BODY);
    // A chunked body is reserved as it arrives.
    let mut chunked = TcpStream::connect(f.gateway.addr()).await.unwrap();
    let chunk = 100 * 1024;
    chunked
        .write_all(
            format!(
                "PUT /adt/{HOST}/digitaltwins/b HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n{chunk:x}\r\n{}\r\n",
                " ".repeat(chunk)
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(
        wait_for_reserved(&f.gateway, 2 * BODY + chunk).await,
        2 * BODY + chunk
    );
    held.push(chunked);
    // The budget cannot cover a third 400 KiB body: 503 at once, nothing forwarded.
    let (status, response) = f.raw(head(BODY).as_bytes()).await;
    assert_eq!(status, 503, "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(lower.contains("retry-after: 1\r\n"), "{response}");
    let json: serde_json::Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap_or_default()).unwrap();
    assert_eq!(json["error"]["code"], "GatewayBusy", "{response}");
    assert!(json["error"]["message"].is_string(), "{response}");
    assert_eq!(f.gateway.body_bytes_reserved(), 2 * BODY + chunk);
    // Clients that go away mid-body give their reservations back.
    drop(held);
    assert_eq!(wait_for_reserved(&f.gateway, 0).await, 0);
    // And the budget serves again.
    let body = "{}";
    let (status, response) = f
        .raw(
            format!(
                "{}{body}",
                head(body.len()).replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
            )
            .as_bytes(),
        )
        .await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(f.upstream.accepted(), 1);
    assert_eq!(wait_for_reserved(&f.gateway, 0).await, 0);
}

#[tokio::test]
async fn a_body_budget_below_the_body_limit_stops_start() {
    let dist = crate::common::minimal_dist();
    let mut config = GatewayConfig::new(dist.path());
    let mut adt = AdtPassThrough::new(Upstream::https());
    adt.body_budget = adt.max_request_body - 1;
    config.adt = Some(adt);
    let err = start(config).await.unwrap_err();
    assert!(err.to_string().contains("body budget"), "{err}");
}
