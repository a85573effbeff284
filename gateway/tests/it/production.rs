//! What running in production needs: liveness and readiness endpoints, one JSON access log
//! line per request (without query strings or credentials), request ids, graceful shutdown
//! and optional HSTS.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use reqwest::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use twinscope_gateway::{
    AdtPassThrough, CACHE_NEVER, GatewayConfig, HSTS_VALUE, RunningGateway, Upstream, start,
};

use crate::common;

const HOST: &str = "myinst.api.weu.digitaltwins.azure.net";
const INDEX: &str = "<!DOCTYPE html>";

async fn gateway(
    configure: impl FnOnce(&mut GatewayConfig),
) -> (RunningGateway, tempfile::TempDir) {
    let dist = common::minimal_dist();
    let mut config = GatewayConfig::new(dist.path());
    configure(&mut config);
    (start(config).await.expect("gateway starts"), dist)
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn healthz_and_readyz_answer_and_are_not_the_app() {
    let (gw, dist) = gateway(|_| {}).await;
    let r = reqwest::get(format!("{}/healthz", gw.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), Some(CACHE_NEVER));
    assert_eq!(r.text().await.unwrap(), "ok");
    let r = reqwest::get(format!("{}/readyz", gw.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), Some(CACHE_NEVER));
    assert!(
        header(&r, "content-type")
            .unwrap_or_default()
            .contains("json")
    );
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json, serde_json::json!({ "status": "ready" }));
    // The page gone from disk: alive, not ready.
    std::fs::remove_file(dist.path().join("index.html")).unwrap();
    let r = reqwest::get(format!("{}/readyz", gw.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r = reqwest::get(format!("{}/healthz", gw.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(r.text().await.unwrap(), INDEX);
}

/// Everything the fmt subscriber writes, for one test's thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The JSON objects of the access log lines.
    fn access_lines(&self) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .unwrap_or_else(|e| panic!("every log line is JSON ({e}): {l}"))
            })
            .filter(|v| v["target"] == twinscope_gateway::ACCESS_LOG_TARGET)
            .collect()
    }
}

/// One JSON line per request with its id, method, path (no query), status and duration;
/// neither the bearer nor the query string appears anywhere in the log.
#[tokio::test]
async fn every_request_is_logged_once_as_json_without_query_or_credentials() {
    let captured = Captured::default();
    // The formatter `twinscope-gateway` uses when its output is not a terminal.
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Each call site caches whether anyone listens. Another test of this binary, on another
    // thread, may hit the access-log call site for the first time while the subscriber above
    // is being registered and cache "no one" (seen once in CI under load); recompute now.
    tracing::callsite::rebuild_interest_cache();
    let (upstream, _, task) = common::echo_upstream().await;
    let (gw, _dist) = gateway(|c| {
        c.adt = Some(AdtPassThrough::new(Upstream::Emulator {
            base: format!("http://{upstream}"),
        }));
    })
    .await;
    let client = reqwest::Client::new();
    let bearer = "Bearer SECRET-BEARER-abc.def.ghi";
    let mut ids = Vec::new();
    for (path, query, incoming_id) in [
        ("/t/route", "token=SECRET-QUERY-1", None),
        (
            &*format!("/adt/{HOST}/models"),
            "api-version=2023-10-31&SECRET-QUERY-2=1",
            Some("client-id-42"),
        ),
        ("/missing.js", "SECRET-QUERY-3", Some(&*"x".repeat(300))),
    ] {
        let mut request = client
            .get(format!("{}{path}?{query}", gw.base_url()))
            .header("authorization", bearer);
        if let Some(id) = incoming_id {
            request = request.header("x-request-id", id);
        }
        let r = request.send().await.unwrap();
        let id = header(&r, "x-request-id").expect("a request id").to_owned();
        match incoming_id {
            Some(sane) if sane.len() < 100 => assert_eq!(id, sane),
            Some(insane) => assert_ne!(id, insane),
            None => assert!(!id.is_empty()),
        }
        let status = r.status().as_u16();
        let _ = r.bytes().await.unwrap();
        ids.push((path.to_owned(), id, status));
    }
    let lines = captured.access_lines();
    assert_eq!(lines.len(), ids.len(), "{}", captured.text());
    for (line, (path, id, status)) in lines.iter().zip(&ids) {
        assert_eq!(line["request_id"], id.as_str(), "{line}");
        assert_eq!(line["method"], "GET", "{line}");
        assert_eq!(line["path"], path.as_str(), "{line}");
        assert_eq!(line["status"], *status, "{line}");
        assert!(line["duration_ms"].as_f64().is_some(), "{line}");
        // The body length when known in advance (absent for a streamed body).
        assert!(line.get("bytes").is_none_or(|b| b.is_u64()), "{line}");
    }
    assert_eq!(ids[1].2, 200);
    assert_eq!(ids[2].2, 404);
    let ids_unique: std::collections::HashSet<_> = ids.iter().map(|i| &i.1).collect();
    assert_eq!(ids_unique.len(), ids.len());
    let log = captured.text();
    assert!(!log.contains("SECRET-BEARER"), "{log}");
    assert!(!log.contains("SECRET-QUERY"), "{log}");
    task.abort();
}

/// A request in flight when the gateway is asked to stop still gets its whole answer.
#[tokio::test]
async fn a_request_in_flight_when_stop_is_called_still_completes() {
    let arrived = Arc::new(Notify::new());
    let signal = Arc::clone(&arrived);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let app = Router::new().fallback(move || {
        let signal = Arc::clone(&signal);
        async move {
            signal.notify_one();
            tokio::time::sleep(Duration::from_millis(400)).await;
            "{\"slow\":true}"
        }
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let (gw, _dist) = gateway(|c| {
        c.adt = Some(AdtPassThrough::new(Upstream::Emulator {
            base: format!("http://{upstream}"),
        }));
    })
    .await;
    let url = format!("{}/adt/{HOST}/models", gw.base_url());
    let base = gw.base_url().to_owned();
    let in_flight = tokio::spawn(async move {
        let r = reqwest::get(url).await?;
        let status = r.status();
        Ok::<_, reqwest::Error>((status, r.text().await?))
    });
    arrived.notified().await;
    let stopping = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(10), gw.stop())
        .await
        .expect("stop finishes once the request is answered");
    // The instance takes 400 ms more to answer: stop waited for it.
    assert!(
        stopping.elapsed() >= Duration::from_millis(250),
        "stop returned after {:?}, before the request in flight was answered",
        stopping.elapsed()
    );
    let (status, body) = in_flight.await.unwrap().expect("the request completes");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "{\"slow\":true}");
    // Stopped: no longer accepting.
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
    task.abort();
}

#[tokio::test]
async fn hsts_is_sent_on_every_response_only_when_enabled() {
    let (plain, _d1) = gateway(|_| {}).await;
    for path in ["/", "/healthz", "/missing.js"] {
        let r = reqwest::get(format!("{}{path}", plain.base_url()))
            .await
            .unwrap();
        assert_eq!(header(&r, "strict-transport-security"), None, "{path}");
    }
    let (hsts, _d2) = gateway(|c| c.hsts = true).await;
    let client = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/missing.js"),
        ("GET", "/adt/x/models"),
        ("GET", "/%2e%2e/x"),
        ("POST", "/"),
    ] {
        let r = client
            .request(
                method.parse().unwrap(),
                format!("{}{path}", hsts.base_url()),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&r, "strict-transport-security"),
            Some(HSTS_VALUE),
            "{method} {path}"
        );
    }
    assert_eq!(HSTS_VALUE, "max-age=31536000; includeSubDomains");
}

/// The binary as a service manager runs it: its output is not a terminal, so every log line
/// is one JSON object; SIGTERM stops it cleanly (exit 0) after it said so.
#[tokio::test]
async fn the_binary_logs_json_lines_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dist = common::minimal_dist();
    let mut child = Command::new(env!("CARGO_BIN_EXE_twinscope-gateway"))
        .args(["--dist"])
        .arg(dist.path())
        .args(["--port", "0"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("twinscope-gateway serving on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let r = reqwest::get(format!("{base}/healthz?secret=1"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let _ = r.bytes().await.unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(
        rest.contains("stopping; finishing the requests in flight"),
        "{rest}"
    );
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == twinscope_gateway::ACCESS_LOG_TARGET)
        .collect();
    assert_eq!(access.len(), 1, "{out}");
    assert_eq!(access[0]["path"], "/healthz");
    assert_eq!(access[0]["status"], 200);
    assert!(!out.contains("secret"), "{out}");
}
