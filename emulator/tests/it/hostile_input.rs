//! Hostile input to the emulator, one test per case of issue #8: replayed codes, wrong PKCE
//! verifiers, bodies over the service's 32 KB payload limit, invalid JSON Patch, queries over
//! the length limit, DTDL bombs, and markup in property values. Each refusal must also leave
//! the instance exactly as it was.

use crate::common;

use crate::adt_common::*;
use crate::common::{Auth, Browser, redeem};
use reqwest::Method;
use serde_json::{Value, json};
use twinscope_emulator::adt::MAX_PAYLOAD_BYTES;

/// A thermostat whose serialised body is exactly `size` bytes long.
fn thermostat_of_size(size: usize) -> Value {
    let mut twin = thermostat(20.0);
    twin["label"] = json!("");
    let overhead = twin.to_string().len();
    twin["label"] = json!("x".repeat(size - overhead));
    assert_eq!(twin.to_string().len(), size);
    twin
}

/// The twin as stored, for "nothing changed" checks.
async fn stored(client: &AdtClient, id: &str) -> Value {
    client
        .get(&format!("/digitaltwins/{id}"))
        .await
        .ok(200)
        .clone()
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused() {
    let emulator = common::emulator().await;
    let auth = Auth::new("organizations");
    let code = Browser::new(&emulator).code(&auth, ADELE.0, ADELE.1).await;
    let mut attacker = auth.clone();
    // Well-formed (43+ characters), just not the one the challenge was made from.
    attacker.verifier = "an-attackers-own-verifier-0123456789-abcdefghijklmno".into();
    let reply = redeem(emulator.base_url(), &attacker, &code).await;
    reply.check_error(400, "invalid_grant", 501481);
    assert!(reply.body.get("access_token").is_none());
    assert!(reply.body.get("id_token").is_none());
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    let emulator = common::emulator().await;
    let auth = Auth::new("organizations");
    let code = Browser::new(&emulator).code(&auth, ADELE.0, ADELE.1).await;
    let first = redeem(emulator.base_url(), &auth, &code).await;
    assert!(first.ok()["id_token"].is_string());
    let replay = redeem(emulator.base_url(), &auth, &code).await;
    replay.check_error(400, "invalid_grant", 54005);
    assert!(replay.body.get("access_token").is_none());
}

#[tokio::test]
async fn a_twin_body_of_exactly_32_kb_is_accepted() {
    let (_emulator, client) = lab().await;
    let twin = thermostat_of_size(MAX_PAYLOAD_BYTES);
    let created = client.put("/digitaltwins/big", &twin).await;
    assert_eq!(created.ok(200)["label"], twin["label"]);
}

#[tokio::test]
async fn a_twin_body_over_32_kb_is_refused_and_nothing_is_stored() {
    let (_emulator, client) = lab().await;
    let reply = client
        .put(
            "/digitaltwins/big",
            &thermostat_of_size(MAX_PAYLOAD_BYTES + 1),
        )
        .await;
    reply.check_error(400, "InvalidArgument");
    let message = reply.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("32 KB"), "{message}");
    client
        .get("/digitaltwins/big")
        .await
        .check_error(404, "DigitalTwinNotFound");
}

#[tokio::test]
async fn a_patch_over_32_kb_is_refused_and_the_twin_is_unchanged() {
    let (_emulator, client) = lab().await;
    client
        .put("/digitaltwins/t1", &thermostat(20.0))
        .await
        .ok(200);
    let before = stored(&client, "t1").await;
    let patch =
        json!([{"op": "replace", "path": "/label", "value": "x".repeat(MAX_PAYLOAD_BYTES)}]);
    client
        .patch("/digitaltwins/t1", &patch, None)
        .await
        .check_error(400, "InvalidArgument");
    assert_eq!(stored(&client, "t1").await, before);
}

#[tokio::test]
async fn invalid_json_patches_are_refused_and_change_nothing() {
    let (_emulator, client) = lab().await;
    client
        .put("/digitaltwins/t1", &thermostat(20.0))
        .await
        .ok(200);
    let before = stored(&client, "t1").await;
    let cases = [
        (
            "not an array",
            json!({"op": "replace", "path": "/temp", "value": 1}),
        ),
        (
            "unsupported op",
            json!([{"op": "move", "from": "/temp", "path": "/x"}]),
        ),
        (
            "copy op",
            json!([{"op": "copy", "from": "/temp", "path": "/x"}]),
        ),
        ("missing value", json!([{"op": "replace", "path": "/temp"}])),
        ("missing path", json!([{"op": "remove"}])),
        (
            "pointer without slash",
            json!([{"op": "replace", "path": "temp", "value": 1}]),
        ),
        (
            "bad escape",
            json!([{"op": "replace", "path": "/te~2mp", "value": 1}]),
        ),
        (
            "unresolved path",
            json!([{"op": "replace", "path": "/nope/deeper", "value": 1}]),
        ),
        (
            "second op fails",
            json!([{"op": "replace", "path": "/temp", "value": 99.0}, {"op": "remove", "path": "/absent"}]),
        ),
    ];
    for (case, patch) in cases {
        let reply = client.patch("/digitaltwins/t1", &patch, None).await;
        assert_eq!(reply.status.as_u16(), 400, "{case}: {}", reply.text);
        assert_eq!(
            reply.json["error"]["code"], "JsonPatchInvalid",
            "{case}: {}",
            reply.text
        );
        assert_eq!(
            stored(&client, "t1").await,
            before,
            "{case} changed the twin"
        );
    }
    // Not JSON at all.
    let raw = reqwest::Client::new()
        .patch(client.url("/digitaltwins/t1"))
        .bearer_auth(client.token.as_deref().unwrap())
        .header("content-type", "application/json-patch+json")
        .body("[{\"op\": \"replace\", \"path\": \"/temp\", \"value\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(stored(&client, "t1").await, before);
}

#[tokio::test]
async fn a_query_over_the_length_limit_is_refused() {
    let (_emulator, client) = lab().await;
    let base = "SELECT * FROM DIGITALTWINS T WHERE T.label = '";
    let at_limit = format!(
        "{base}{}'",
        "x".repeat(adt_query::MAX_QUERY_CHARS - base.len() - 1)
    );
    assert_eq!(at_limit.chars().count(), adt_query::MAX_QUERY_CHARS);
    client
        .post("/query", &json!({ "query": at_limit }))
        .await
        .ok(200);
    let over = format!(
        "{base}{}'",
        "x".repeat(adt_query::MAX_QUERY_CHARS - base.len())
    );
    let reply = client.post("/query", &json!({ "query": over })).await;
    reply.check_error(400, "SqlQueryError");
}

#[tokio::test]
async fn a_dtdl_bomb_upload_is_refused_and_the_instance_keeps_its_models() {
    let (_emulator, client) = lab().await;
    let before = client.get("/models").await.ok(200).clone();
    let values: Vec<Value> = (0..100_000)
        .map(|i| json!({"name": format!("v{i}"), "enumValue": i}))
        .collect();
    let enum_bomb = json!([{
        "@id": "dtmi:test:EnumBomb;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
        "contents": [{"@type": "Property", "name": "e",
            "schema": {"@type": "Enum", "valueSchema": "integer", "enumValues": values}}]
    }]);
    let reply = client.post("/models", &enum_bomb).await;
    // 400 for the DTDL limit, or 413 if the body is refused for its size first.
    assert!(
        matches!(reply.status.as_u16(), 400 | 413),
        "{}: {}",
        reply.status,
        reply.text
    );
    // An `extends` chain one deeper than DTDL's ten levels.
    let chain: Vec<Value> = (0..12)
        .map(|i| {
            let mut m = json!({"@id": format!("dtmi:test:Deep{i};1"), "@type": "Interface",
                "@context": "dtmi:dtdl:context;3"});
            if i > 0 {
                m["extends"] = json!(format!("dtmi:test:Deep{};1", i - 1));
            }
            m
        })
        .collect();
    let reply = client.post("/models", &Value::Array(chain)).await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.text);
    assert_eq!(client.get("/models").await.ok(200), &before);
}

#[tokio::test]
async fn property_values_with_html_and_script_come_back_verbatim_as_json() {
    let (_emulator, client) = lab().await;
    let markup = "<script>alert(1)</script><img src=x onerror=\"alert(2)\">&amp;\u{2028}";
    let mut twin = thermostat(20.0);
    twin["label"] = json!(markup);
    client.put("/digitaltwins/t1", &twin).await.ok(200);
    let reply = client.get("/digitaltwins/t1").await;
    assert_eq!(reply.ok(200)["label"], markup);
    let content_type = reply.header("content-type").unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let (rows, _) = client
        .query_all("SELECT T.label FROM DIGITALTWINS T", None)
        .await;
    assert_eq!(rows, vec![json!({ "label": markup })]);
    // Markup in an id comes back inside a JSON error, never as a page a browser would run.
    let reply = client
        .send(Method::GET, "/digitaltwins/%3Cscript%3E", None, &[])
        .await;
    assert_eq!(reply.status.as_u16(), 404);
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(reply.json["error"]["message"].is_string(), "{}", reply.text);
}
