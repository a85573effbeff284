//! Issue #8: the ADT pass-through carries 1,000 requests in flight at once without an error,
//! each answered with its own upstream response.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::Barrier;
use twinscope_gateway::{AdtPassThrough, GatewayConfig, Upstream, start};

use crate::common;

const HOST: &str = "myinst.api.weu.digitaltwins.azure.net";
const TOKEN: &str = "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test.signature";
const TOTAL: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_proxied_requests_all_succeed() {
    let (addr, hits, upstream_task) = common::echo_upstream().await;
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    std::fs::write(
        dist.path().join("config.json"),
        r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
    )
    .unwrap();
    let mut config = GatewayConfig::new(dist.path());
    config.adt = Some(AdtPassThrough::new(Upstream::Emulator {
        base: format!("http://{addr}"),
    }));
    let gateway = start(config).await.expect("gateway starts");
    let client = reqwest::Client::new();
    // Every request is in flight before any is sent: no semaphore, no batching.
    let barrier = Arc::new(Barrier::new(TOTAL + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..TOTAL {
        let client = client.clone();
        let barrier = Arc::clone(&barrier);
        let path = format!("/digitaltwins/twin-{i}?api-version=2023-10-31");
        let url = format!("{}/adt/{HOST}{path}", gateway.base_url());
        tasks.spawn(async move {
            barrier.wait().await;
            let r = client
                .get(&url)
                .header("authorization", TOKEN)
                .send()
                .await?;
            let status = r.status();
            let seen: serde_json::Value = r.json().await?;
            Ok::<_, reqwest::Error>((path, status, seen))
        });
    }
    barrier.wait().await;
    let answered = tokio::time::timeout(Duration::from_secs(120), async {
        let mut answered = 0;
        while let Some(joined) = tasks.join_next().await {
            let (path, status, seen) = joined.unwrap().expect("no transport error");
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(seen["target"], format!("/adt/{HOST}{path}"));
            assert_eq!(seen["authorization"], TOKEN);
            answered += 1;
        }
        answered
    })
    .await
    .expect("1,000 concurrent requests finish within two minutes");
    assert_eq!(answered, TOTAL);
    assert_eq!(hits.load(Ordering::SeqCst), TOTAL);
    upstream_task.abort();
}
