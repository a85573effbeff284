//! Who may use the data plane: bearer tokens for the right audience and tenant, data-plane
//! roles, no CORS, and throttling.

use crate::common;

use crate::adt_common::*;
use reqwest::Method;
use serde_json::json;
use twinscope_emulator::{Options, Throttle, start};

/// Checks a refused token's reply: the live service's bare front-door 401 (no error code, no
/// challenge, as recorded in Microsoft's SDK tests), and the emulator's own header saying why,
/// which must contain `why`.
fn check_refused(reply: &Reply, why: &str) {
    assert_eq!(reply.status.as_u16(), 401, "{}", reply.text);
    assert_eq!(
        reply.json,
        json!({ "statusCode": 401, "message": "Unauthorized" }),
        "{}",
        reply.text
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("x-ms-error-code"), None);
    assert_eq!(reply.header("www-authenticate"), None);
    let reason = reply
        .header(twinscope_emulator::adt::errors::EMULATOR_REASON_HEADER)
        .unwrap_or_default();
    assert!(reason.contains(why), "{reason:?} does not say {why:?}");
}

#[tokio::test]
async fn missing_or_wrong_tokens_get_the_services_bare_401_and_the_emulator_says_why() {
    let emulator = start(Options::default()).await.unwrap();
    let anonymous = AdtClient::new(&emulator, CAMPUS, None);
    check_refused(&anonymous.get("/models").await, "bearer");

    let garbage = AdtClient::new(&emulator, CAMPUS, Some("not.a.jwt".into()));
    check_refused(&garbage.get("/models").await, "not authorized");

    // An ARM token is for another audience.
    let arm = token(&emulator, common::CONTOSO, ALEX, common::ARM_SCOPE).await;
    let wrong_audience = AdtClient::new(&emulator, CAMPUS, Some(arm));
    check_refused(&wrong_audience.get("/models").await, "audience");

    // A tampered signature.
    let adt = adt_token(&emulator, common::CONTOSO, ALEX).await;
    // One character inside the signature (the last one carries padding bits).
    let mut tampered = adt.clone().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let reply = AdtClient::new(&emulator, CAMPUS, Some(tampered))
        .get("/models")
        .await;
    check_refused(&reply, "signature");

    // Still valid after a key rotation (the previous key stays published), not after expiry.
    emulator.identity().rotate_keys();
    let client = AdtClient::new(&emulator, CAMPUS, Some(adt));
    client.get("/models").await.ok(200);
    emulator.state().clock.advance(2 * 3600);
    check_refused(&client.get("/models").await, "expired");
}

#[tokio::test]
async fn a_token_from_another_tenant_finds_no_sub_domain() {
    let emulator = start(Options::default()).await.unwrap();
    // Megan's Contoso token on Fabrikam's instance, where her guest account is Data Owner.
    let contoso = adt_token(&emulator, common::CONTOSO, MEGAN).await;
    let reply = AdtClient::new(&emulator, PLANT, Some(contoso))
        .get("/models")
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json,
        json!({"statusCode": 404, "message": "Sub-domain not found."})
    );
    // Her Fabrikam (guest) token works there.
    let fabrikam = adt_token(&emulator, common::FABRIKAM, MEGAN).await;
    let client = AdtClient::new(&emulator, PLANT, Some(fabrikam));
    client.get("/digitaltwins/site-1").await.ok(200);
    client
        .put("/digitaltwins/site-1", &json!({}))
        .await
        .check_error(400, "ValidationFailed");
}

#[tokio::test]
async fn readers_read_and_writes_without_the_owner_role_get_an_empty_403() {
    let emulator = start(Options::default()).await.unwrap();
    let rita = AdtClient::new(
        &emulator,
        CAMPUS,
        Some(adt_token(&emulator, common::CONTOSO, RITA).await),
    );
    rita.get("/digitaltwins/site-1").await.ok(200);
    rita.post("/query", &json!({"query": "SELECT * FROM DIGITALTWINS"}))
        .await
        .ok(200);
    for reply in [
        rita.put("/digitaltwins/x", &json!({})).await,
        rita.delete("/digitaltwins/site-1").await,
        rita.post("/models", &json!([])).await,
        rita.send(
            Method::POST,
            "/digitaltwins/site-1/telemetry",
            Some(&json!({})),
            &[("Message-Id", "1")],
        )
        .await,
    ] {
        assert_eq!(reply.status, 403);
        assert_eq!(reply.text, "");
        assert_eq!(reply.header("content-length"), Some("0"));
    }
    // Adele has no role on the lab instance at all: even reads are refused.
    let adele = AdtClient::new(
        &emulator,
        LAB,
        Some(adt_token(&emulator, common::CONTOSO, ADELE).await),
    );
    let reply = adele.get("/models").await;
    assert_eq!((reply.status.as_u16(), reply.text.as_str()), (403, ""));
}

#[tokio::test]
async fn the_data_plane_sends_no_cors_headers() {
    let emulator = start(Options::default()).await.unwrap();
    let client = AdtClient::new(
        &emulator,
        CAMPUS,
        Some(adt_token(&emulator, common::CONTOSO, ALEX).await),
    );
    let origin = [("Origin", common::SPA_ORIGIN)];
    let replies = [
        client.send(Method::GET, "/models", None, &origin).await,
        client
            .send(Method::GET, "/digitaltwins/nope", None, &origin)
            .await,
        client
            .send(
                Method::OPTIONS,
                "/models",
                None,
                &[
                    ("Origin", common::SPA_ORIGIN),
                    ("Access-Control-Request-Method", "GET"),
                ],
            )
            .await,
    ];
    for reply in replies {
        let cors: Vec<_> = reply
            .headers
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{} has {cors:?}", reply.status);
    }
}

#[tokio::test]
async fn throttled_instances_answer_429_with_retry_after() {
    let emulator = start(Options::default()).await.unwrap();
    let client = AdtClient::new(
        &emulator,
        CAMPUS,
        Some(adt_token(&emulator, common::CONTOSO, ALEX).await),
    );
    assert!(emulator.adt().set_throttle(CAMPUS, Throttle::EveryNth(2)));
    let first = client.get("/digitaltwins/site-1").await;
    first.ok(200);
    let second = client.get("/digitaltwins/site-1").await;
    second.check_error(429, "TooManyRequests");
    assert_eq!(second.header("retry-after"), Some("1"));
    let query = client
        .post("/query", &json!({"query": "SELECT * FROM DIGITALTWINS"}))
        .await;
    query.ok(200);
    let query = client
        .post("/query", &json!({"query": "SELECT * FROM DIGITALTWINS"}))
        .await;
    query.check_error(429, "QuotaReachedError");

    emulator.adt().set_throttle(CAMPUS, Throttle::PerSecond(3));
    let mut statuses = Vec::new();
    // Ten requests span at most two clock seconds, so at least one second sees more than three.
    for _ in 0..10 {
        statuses.push(client.get("/digitaltwins/site-1").await.status.as_u16());
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused >= 1 && statuses[0] == 200, "{statuses:?}");

    emulator.adt().set_throttle(CAMPUS, Throttle::Off);
    for _ in 0..4 {
        client.get("/digitaltwins/site-1").await.ok(200);
    }
    // Other instances are not affected.
    assert!(
        !emulator
            .adt()
            .set_throttle("nowhere.api.weu.digitaltwins.azure.net", Throttle::Off)
    );
}
