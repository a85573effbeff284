//! The browser's `fetch` as a server sees it. Issue #14: a request that carries a bearer
//! never follows a redirect. And a request arrives exactly as the app built it.
//!
//! `cargo xtask test wasm` starts a loopback server (`xtask/src/redirect_server.rs`) whose
//! `/redirect` answers `302 Location: /landing` (same origin, as an instance's answer
//! `Location: /adt/other-instance/…` would be on ours), which counts the requests that
//! reach `/landing` with `Authorization`, and whose `/echo…` answers with the request line
//! and body it received.
#![cfg(target_arch = "wasm32")]

use twinscope::auth::http::{HttpRequest, REDIRECTED, browser_fetch};
use wasm_bindgen_test::*;

/// The server's origin, given at compile time by `cargo xtask test wasm`.
fn server() -> &'static str {
    match option_env!("TWINSCOPE_REDIRECT_SERVER") {
        Some(origin) => origin,
        None => panic!(
            "TWINSCOPE_REDIRECT_SERVER is not set: run the wasm tests with `cargo xtask test wasm`, which starts the redirect server"
        ),
    }
}

fn get(path: &str, bearer: bool) -> HttpRequest {
    let mut request = HttpRequest::get(format!("{}{path}", server()));
    if bearer {
        request = request.header("authorization", "Bearer eyJ.secret.token");
    }
    request
}

async fn bearers_seen_at_the_landing() -> String {
    let response = browser_fetch(get("/seen", false)).await.unwrap();
    String::from_utf8(response.body).unwrap()
}

#[wasm_bindgen_test]
async fn a_request_with_a_bearer_stops_at_a_redirect_and_names_itself() {
    let before = bearers_seen_at_the_landing().await;
    let error = browser_fetch(get("/redirect", true)).await.unwrap_err();
    assert_eq!(error.reason, REDIRECTED);
    let expected = format!("GET {}/redirect", server());
    assert_eq!(error.request, expected);
    assert!(
        error.to_string().starts_with(&expected) && !error.to_string().contains("secret"),
        "{error}"
    );
    assert_eq!(
        bearers_seen_at_the_landing().await,
        before,
        "the bearer never reached the redirect's target"
    );
}

#[wasm_bindgen_test]
async fn without_a_bearer_the_same_redirect_is_followed() {
    // The server really redirects: a request without a token follows it to the landing page.
    let response = browser_fetch(get("/redirect", false)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"landing");
}

#[wasm_bindgen_test]
async fn a_server_that_does_not_answer_is_named_with_the_request() {
    // Port 9 (discard) on loopback answers nothing; the message names the request, not a
    // `TypeError`.
    let request = HttpRequest::get(
        "http://127.0.0.1:9/adt/x.api.weu.digitaltwins.azure.net/models?api-version=1",
    );
    let error = browser_fetch(request).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "GET http://127.0.0.1:9/adt/x.api.weu.digitaltwins.azure.net/models: {}",
            twinscope::auth::http::NO_ANSWER
        )
    );
}

#[wasm_bindgen_test]
async fn a_header_http_does_not_allow_is_refused_unsent_without_aborting_the_app() {
    // A token with a line break (a hostile token endpoint's) would make the browser's
    // `Headers` throw; it is refused before sending, named, and nothing reaches the server.
    let before = bearers_seen_at_the_landing().await;
    let request = HttpRequest::get(format!("{}/landing", server()))
        .header("authorization", "Bearer a\r\nx-injected: 1");
    let error = browser_fetch(request).await.unwrap_err();
    assert_eq!(error.request, format!("GET {}/landing", server()));
    assert!(
        error.reason.starts_with("refused before sending")
            && error.reason.contains("authorization"),
        "{error}"
    );
    assert_eq!(bearers_seen_at_the_landing().await, before);
}

#[wasm_bindgen_test]
async fn a_request_arrives_with_exactly_the_target_and_body_it_was_given() {
    // Before: every URL with a query reached the server with a trailing `&` (`gloo-net`'s
    // builder appended its own empty query).
    async fn check(request: HttpRequest, expected: &str) {
        let response = browser_fetch(request).await.unwrap();
        assert_eq!(String::from_utf8(response.body).unwrap(), expected);
    }
    let url = |target: &str| format!("{}{target}", server());
    check(
        HttpRequest::get(url("/echo/models?api-version=2023-10-31")),
        "GET /echo/models?api-version=2023-10-31\n",
    )
    .await;
    check(
        HttpRequest::get(url(
            "/echo/digitaltwins/room%201%2Fa/relationships?relationshipName=contains&api-version=2023-10-31",
        )),
        "GET /echo/digitaltwins/room%201%2Fa/relationships?relationshipName=contains&api-version=2023-10-31\n",
    )
    .await;
    check(
        HttpRequest::get(url("/echo/config.json")),
        "GET /echo/config.json\n",
    )
    .await;
    let body = r#"[{"op":"replace","path":"/name","value":"Salle \u00e9t\u00e9 \"22.5\""}]"#;
    check(
        HttpRequest::new(
            twinscope::auth::http::Method::Patch,
            url("/echo/digitaltwins/a?api-version=2023-10-31"),
        )
        .header("content-type", "application/json-patch+json")
        .header("authorization", "Bearer eyJ.secret.token")
        .with_body(body.as_bytes().to_vec()),
        &format!("PATCH /echo/digitaltwins/a?api-version=2023-10-31\n{body}"),
    )
    .await;
}
