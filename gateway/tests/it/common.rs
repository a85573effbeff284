//! Helpers shared by the gateway's integration tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::Request;
use tokio::net::TcpListener;

/// A plain-http stand-in for the emulator on a loopback port: answers every request with
/// the target and bearer it received (`{"target", "authorization"}`), counting requests.
pub async fn echo_upstream() -> (SocketAddr, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let app = Router::new().fallback(move |request: Request| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let target = request.uri().path_and_query().unwrap().to_string();
            let auth = request
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            axum::Json(serde_json::json!({ "target": target, "authorization": auth }))
        }
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, hits, task)
}

/// A plain-http upstream speaking raw HTTP/1.1: reads each request head and writes
/// `answer(target)` as the whole response, then closes. Counts requests.
pub async fn raw_upstream(
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (SocketAddr, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let answer = Arc::new(answer);
    let task = tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            let answer = Arc::clone(&answer);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&head).into_owned();
                let target = text.split(' ').nth(1).unwrap_or_default().to_owned();
                let _ = tcp.write_all(answer(&target).as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    (addr, hits, task)
}

/// A loopback port nothing listens on.
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A dist directory with a minimal `index.html` and `config.json`.
pub fn minimal_dist() -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    std::fs::write(
        dist.path().join("config.json"),
        r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
    )
    .unwrap();
    dist
}
