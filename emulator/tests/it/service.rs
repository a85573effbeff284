//! The emulator as a process-local server: start on port 0, talk HTTP, stop.

use twinscope_emulator::{Options, start};

async fn check_get(path: &str) -> (reqwest::StatusCode, String) {
    let emulator = start(Options::default()).await.expect("emulator starts");
    let response = reqwest::get(format!("{}{path}", emulator.base_url()))
        .await
        .expect("request");
    let status = response.status();
    let body = response.text().await.expect("body");
    emulator.stop().await;
    (status, body)
}

#[tokio::test]
async fn binds_loopback_on_a_free_port() {
    let a = start(Options::default()).await.unwrap();
    let b = start(Options::default()).await.unwrap();
    assert!(a.addr().ip().is_loopback());
    assert_ne!(a.addr().port(), 0);
    assert_ne!(
        a.addr().port(),
        b.addr().port(),
        "two emulators run side by side"
    );
    assert_eq!(a.base_url(), format!("http://{}", a.addr()));
}

#[tokio::test]
async fn index_says_it_is_a_development_emulator() {
    let (status, body) = check_get("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("not Microsoft's service"), "{body}");
}

/// Browsers fetch `/favicon.ico` from the sign-in pages' origin on their own; a 404 there was
/// a console error on every sign-in.
#[tokio::test]
async fn the_sign_in_origin_has_a_favicon() {
    let emulator = start(Options::default()).await.unwrap();
    let response = reqwest::get(format!("{}/favicon.ico", emulator.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let body = response.text().await.unwrap();
    assert!(
        body.starts_with("<svg") && body.ends_with("</svg>"),
        "{body}"
    );
    emulator.stop().await;
}

#[tokio::test]
async fn health_reports_the_injected_clock() {
    let emulator = start(Options::default()).await.unwrap();
    let read_now = || async {
        let v: serde_json::Value = reqwest::get(format!("{}/healthz", emulator.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["now"].as_i64().unwrap()
    };
    let before = read_now().await;
    emulator.state().clock.advance(25 * 3600);
    let after = read_now().await;
    assert!(
        after - before >= 25 * 3600,
        "clock moved {before} -> {after}"
    );
}

#[tokio::test]
async fn unknown_adt_instance_answers_in_adt_error_shape() {
    let (status, body) = check_get(
        "/adt/nowhere.api.weu.digitaltwins.azure.net/digitaltwins/x?api-version=2023-10-31",
    )
    .await;
    assert_eq!(status, 404);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "InstanceNotFound");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nowhere.api.weu.digitaltwins.azure.net")
    );
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let first = start(Options::default()).await.unwrap();
    let err = start(Options {
        addr: first.addr(),
        ..Options::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("cannot listen on"), "{err}");
}
