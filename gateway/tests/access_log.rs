//! The gateway's access log: one JSON line per request, with its request id, never a query
//! string or a credential.
//!
//! A binary of its own with one test: a process-wide (global) subscriber is the only reliable
//! way to capture the gateway's events. With a thread-scoped subscriber (`set_default`) in a
//! binary whose other tests run on other threads, tracing's per-call-site interest cache can
//! record "no one listens" for the access-log call site while another thread registers it
//! against the global no-op dispatcher; the line is then never written (seen in CI under
//! load: 0 of 3 lines captured).

use std::io::Write;
use std::sync::{Arc, Mutex};

use twinscope_gateway::{AdtPassThrough, GatewayConfig, REQUEST_ID, Upstream, start};

#[path = "it/common.rs"]
#[allow(dead_code)] // the `it` binary's helpers; this binary needs two of them
mod common;

const HOST: &str = "myinst.api.weu.digitaltwins.azure.net";

/// Everything the fmt subscriber writes.
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
    let subscriber = twinscope_gateway::json_log_format()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let (upstream, _, task) = common::echo_upstream().await;
    let dist = common::minimal_dist();
    let mut config = GatewayConfig::new(dist.path());
    config.adt = Some(AdtPassThrough::new(Upstream::Emulator {
        base: format!("http://{upstream}"),
    }));
    let gw = start(config).await.expect("gateway starts");
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
            request = request.header(REQUEST_ID, id);
        }
        let r = request.send().await.unwrap();
        let id = r
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .expect("a request id")
            .to_owned();
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
