//! The data plane's models, twins, relationships and components, with real tokens, against
//! the empty `contoso-lab` instance (Alex is its Data Owner).

use crate::common;

use crate::adt_common::*;
use reqwest::Method;
use serde_json::{Value, json};
use twinscope_emulator::{Options, start};

fn is_service_timestamp(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    // 2022-05-26T07:29:49.0148437Z
    s.len() == 28 && s.as_bytes()[10] == b'T' && s.ends_with('Z') && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn models_upload_atomically_and_report_the_services_codes() {
    let emulator = start(Options::default()).await.unwrap();
    let client = AdtClient::new(
        &emulator,
        LAB,
        Some(adt_token(&emulator, common::CONTOSO, ALEX).await),
    );
    let created = client.post("/models", &test_models()).await;
    let body = created.ok(201);
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[1]["id"], "dtmi:test:Thermostat;1");
    assert_eq!(body[1]["displayName"], json!({"en": "Thermostat"}));
    assert_eq!(body[1]["decommissioned"], false);
    assert!(body[1]["uploadTime"].as_str().unwrap().ends_with("+00:00"));

    client
        .post("/models", &json!([test_models()[0]]))
        .await
        .check_error(409, "ModelIdAlreadyExists");
    // A bad schema in a batch: nothing of the batch is stored.
    let bad = json!([
        {"@id": "dtmi:test:Ok;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3"},
        {"@id": "dtmi:test:Bad;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
         "contents": [{"@type": "Property", "name": "x", "schema": "flaot"}]}
    ]);
    let refused = client.post("/models", &bad).await;
    refused.check_error(400, "DTDLParserError");
    assert!(
        refused.json["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("flaot")
    );
    client
        .get("/models/dtmi:test:Ok;1")
        .await
        .check_error(404, "ModelNotFound");
    let missing_ref = json!([{"@id": "dtmi:test:Child;1", "@type": "Interface",
        "@context": "dtmi:dtdl:context;3", "extends": "dtmi:test:Nowhere;1"}]);
    client
        .post("/models", &missing_ref)
        .await
        .check_error(400, "DTDLParserError");
    let too_many: Vec<Value> = (0..251)
        .map(|i| json!({"@id": format!("dtmi:test:M{i};1"), "@type": "Interface", "@context": "dtmi:dtdl:context;3"}))
        .collect();
    client
        .post("/models", &json!(too_many))
        .await
        .check_error(400, "LimitExceeded");

    // Listing: one page of 1 with a nextLink, then the last page with an explicit null.
    let page = client
        .send(Method::GET, "/models", None, &[("max-items-per-page", "1")])
        .await;
    let first = page.ok(200);
    assert_eq!(first["value"].as_array().unwrap().len(), 1);
    let next = client.local(first["nextLink"].as_str().unwrap());
    let last = client.send_url(Method::GET, &next, None, &[]).await;
    assert_eq!(last.ok(200)["value"][0]["id"], "dtmi:test:Thermostat;1");
    assert!(last.json.as_object().unwrap().contains_key("nextLink"));
    assert_eq!(last.json["nextLink"], Value::Null);

    let deps = client
        .get("/models?dependenciesFor=dtmi:test:Thermostat;1&includeModelDefinition=true")
        .await;
    let ids: Vec<&str> = deps.ok(200)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["dtmi:test:Thermostat;1", "dtmi:test:Plate;1"]);
    assert_eq!(
        deps.json["value"][0]["model"]["@id"],
        "dtmi:test:Thermostat;1"
    );
    client
        .get("/models?dependenciesFor=dtmi:test:Nope;1")
        .await
        .check_error(404, "ModelNotFound");

    // The plate is referenced by the thermostat.
    client
        .delete("/models/dtmi:test:Plate;1")
        .await
        .check_error(409, "ModelReferencesNotDeleted");
    // Decommissioning is the one patch; a decommissioned model takes no new twins.
    client
        .patch(
            "/models/dtmi:test:Thermostat;1",
            &json!([{"op": "replace", "path": "/decommissioned", "value": false}]),
            None,
        )
        .await
        .check_error(400, "JsonPatchInvalid");
    assert_eq!(
        client
            .patch(
                "/models/dtmi:test:Thermostat;1",
                &json!([{"op": "replace", "path": "/decommissioned", "value": true}]),
                None
            )
            .await
            .status,
        204
    );
    assert_eq!(
        client.get("/models/dtmi:test:Thermostat;1").await.ok(200)["decommissioned"],
        true
    );
    client
        .put("/digitaltwins/t1", &thermostat(20.0))
        .await
        .check_error(400, "ModelDecommissioned");
    assert_eq!(
        client.delete("/models/dtmi:test:Thermostat;1").await.status,
        204
    );
    assert_eq!(client.delete("/models/dtmi:test:Plate;1").await.status, 204);
    client
        .delete("/models/dtmi:test:Plate;1")
        .await
        .check_error(404, "ModelNotFound");
}

#[tokio::test]
async fn twins_carry_etags_and_metadata_and_honour_preconditions() {
    let (_emulator, client) = lab().await;
    let created = client.put("/digitaltwins/t1", &thermostat(20.5)).await;
    let twin = created.ok(200).clone();
    let etag = created.header("etag").unwrap().to_string();
    assert!(etag.starts_with("W/\"") && etag.ends_with('"'), "{etag}");
    assert_eq!(twin["$etag"], etag.as_str());
    assert_eq!(twin["$dtId"], "t1");
    assert_eq!(twin["$metadata"]["$model"], "dtmi:test:Thermostat;1");
    assert!(
        is_service_timestamp(&twin["$metadata"]["$lastUpdateTime"]),
        "{twin}"
    );
    assert!(
        is_service_timestamp(&twin["$metadata"]["temp"]["lastUpdateTime"]),
        "{twin}"
    );
    assert!(
        is_service_timestamp(&twin["plate"]["$metadata"]["serial"]["lastUpdateTime"]),
        "{twin}"
    );

    let again = client
        .put_if_absent("/digitaltwins/t1", &thermostat(1.0))
        .await;
    again.check_error(412, "PreconditionFailed");
    let got = client.get("/digitaltwins/t1").await;
    assert_eq!(got.ok(200), &twin);
    assert_eq!(got.header("etag"), Some(etag.as_str()));

    // Validation against the model.
    let mut wrong = thermostat(1.0);
    wrong["temp"] = json!("warm");
    let refused = client.put("/digitaltwins/t2", &wrong).await;
    refused.check_error(400, "ValidationFailed");
    assert!(
        refused.json["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("temp"),
        "{}",
        refused.text
    );
    let mut unknown = thermostat(1.0);
    unknown["$metadata"]["$model"] = json!("dtmi:test:Nope;1");
    client
        .put("/digitaltwins/t2", &unknown)
        .await
        .check_error(400, "ValidationFailed");
    client
        .get("/digitaltwins/t2")
        .await
        .check_error(404, "DigitalTwinNotFound");

    // PATCH: If-Match, strict JSON Patch, validation, new ETag.
    let ops = json!([{"op": "replace", "path": "/temp", "value": 22.0}]);
    client
        .patch("/digitaltwins/t1", &ops, Some("W/\"stale\""))
        .await
        .check_error(412, "PreconditionFailed");
    let patched = client.patch("/digitaltwins/t1", &ops, Some(&etag)).await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let new_etag = patched.header("etag").unwrap().to_string();
    assert_ne!(new_etag, etag);
    let after = client.get("/digitaltwins/t1").await.ok(200).clone();
    assert_eq!(after["temp"], 22.0);
    assert_eq!(after["$etag"], new_etag.as_str());
    assert_eq!(
        after["$metadata"]["label"], twin["$metadata"]["label"],
        "untouched property keeps its time"
    );
    for (patch, code) in [
        (
            json!([{"op": "move", "from": "/temp", "path": "/x"}]),
            "JsonPatchInvalid",
        ),
        (
            json!([{"op": "replace", "path": "/missing", "value": 1}]),
            "JsonPatchInvalid",
        ),
        (json!({"op": "replace"}), "JsonPatchInvalid"),
        (
            json!([{"op": "replace", "path": "/temp", "value": "hot"}]),
            "ValidationFailed",
        ),
        (
            json!([{"op": "add", "path": "/unknownProperty", "value": 1}]),
            "ValidationFailed",
        ),
    ] {
        client
            .patch("/digitaltwins/t1", &patch, None)
            .await
            .check_error(400, code);
    }
    let source_time = json!([{"op": "add", "path": "/$metadata/temp/sourceTime", "value": "2024-05-31T12:00:01.000125009Z"}]);
    assert_eq!(
        client
            .patch("/digitaltwins/t1", &source_time, None)
            .await
            .status,
        204
    );
    assert_eq!(
        client.get("/digitaltwins/t1").await.json["$metadata"]["temp"]["sourceTime"],
        "2024-05-31T12:00:01.000125009Z"
    );

    // Components.
    let plate = client.get("/digitaltwins/t1/components/plate").await;
    assert_eq!(plate.ok(200)["serial"], "P-1");
    assert!(plate.header("etag").is_some());
    client
        .get("/digitaltwins/t1/components/nope")
        .await
        .check_error(404, "ComponentNotFound");
    let comp_patch = json!([{"op": "replace", "path": "/serial", "value": "P-2"}]);
    assert_eq!(
        client
            .patch("/digitaltwins/t1/components/plate", &comp_patch, None)
            .await
            .status,
        204
    );
    assert_eq!(
        client.get("/digitaltwins/t1").await.json["plate"]["serial"],
        "P-2"
    );
    client
        .patch(
            "/digitaltwins/t1/components/plate",
            &json!([{"op": "replace", "path": "/serial", "value": 5}]),
            None,
        )
        .await
        .check_error(400, "ValidationFailed");

    // Over 32 KB.
    let mut big = thermostat(1.0);
    big["label"] = json!("x".repeat(33 * 1024));
    client
        .put("/digitaltwins/big", &big)
        .await
        .check_error(400, "InvalidArgument");

    // DELETE with If-Match.
    client
        .send(
            Method::DELETE,
            "/digitaltwins/t1",
            None,
            &[("If-Match", "W/\"stale\"")],
        )
        .await
        .check_error(412, "PreconditionFailed");
    assert_eq!(client.delete("/digitaltwins/t1").await.status, 204);
    client
        .delete("/digitaltwins/t1")
        .await
        .check_error(404, "DigitalTwinNotFound");
}

#[tokio::test]
async fn relationships_link_existing_twins_and_block_twin_deletion() {
    let (_emulator, client) = lab().await;
    for id in ["a", "b", "c"] {
        client
            .put(&format!("/digitaltwins/{id}"), &thermostat(1.0))
            .await
            .ok(200);
    }
    let rel = json!({"$targetId": "b", "$relationshipName": "feeds", "weight": 3});
    client
        .put(
            "/digitaltwins/a/relationships/r1",
            &json!({"$targetId": "zzz", "$relationshipName": "feeds"}),
        )
        .await
        .check_error(404, "TargetDigitalTwinNotFound");
    client
        .put("/digitaltwins/nope/relationships/r1", &rel)
        .await
        .check_error(404, "DigitalTwinNotFound");
    client
        .put(
            "/digitaltwins/a/relationships/r1",
            &json!({"$targetId": "b", "$relationshipName": "owns"}),
        )
        .await
        .check_error(400, "ValidationFailed");
    client
        .put(
            "/digitaltwins/a/relationships/r1",
            &json!({"$targetId": "b", "$relationshipName": "feeds", "weight": "heavy"}),
        )
        .await
        .check_error(400, "ValidationFailed");
    let created = client.put("/digitaltwins/a/relationships/r1", &rel).await;
    let body = created.ok(200).clone();
    assert_eq!(body["$sourceId"], "a");
    assert_eq!(body["$relationshipId"], "r1");
    assert_eq!(body["weight"], 3);
    assert_eq!(created.header("etag"), body["$etag"].as_str());
    client
        .put_if_absent("/digitaltwins/a/relationships/r1", &rel)
        .await
        .check_error(412, "PreconditionFailed");
    client
        .put(
            "/digitaltwins/a/relationships/r2",
            &json!({"$targetId": "c", "$relationshipName": "feeds"}),
        )
        .await
        .ok(200);

    let listed = client.get("/digitaltwins/a/relationships").await;
    assert_eq!(listed.ok(200)["value"].as_array().unwrap().len(), 2);
    assert_eq!(listed.json["nextLink"], Value::Null);
    let named = client
        .get("/digitaltwins/a/relationships?relationshipName=nothing")
        .await;
    assert_eq!(named.ok(200)["value"], json!([]));
    let incoming = client.get("/digitaltwins/b/incomingrelationships").await;
    assert_eq!(
        incoming.ok(200)["value"],
        json!([{"$relationshipId": "r1", "$sourceId": "a", "$relationshipName": "feeds",
                "$relationshipLink": format!("https://{LAB}/digitaltwins/a/relationships/r1?{API}")}])
    );

    client
        .delete("/digitaltwins/b")
        .await
        .check_error(400, "RelationshipsNotDeleted");
    client
        .delete("/digitaltwins/a")
        .await
        .check_error(400, "RelationshipsNotDeleted");

    let etag = body["$etag"].as_str().unwrap();
    client
        .patch(
            "/digitaltwins/a/relationships/r1",
            &json!([{"op": "replace", "path": "/weight", "value": 4}]),
            Some("W/\"old\""),
        )
        .await
        .check_error(412, "PreconditionFailed");
    let patched = client
        .patch(
            "/digitaltwins/a/relationships/r1",
            &json!([{"op": "replace", "path": "/weight", "value": 4}]),
            Some(etag),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    assert_eq!(
        client.get("/digitaltwins/a/relationships/r1").await.json["weight"],
        4
    );
    client
        .patch(
            "/digitaltwins/a/relationships/r1",
            &json!([{"op": "replace", "path": "/$targetId", "value": "c"}]),
            None,
        )
        .await
        .check_error(400, "JsonPatchInvalid");

    client
        .get("/digitaltwins/a/relationships/zz")
        .await
        .check_error(404, "RelationshipNotFound");
    for path in [
        "/digitaltwins/a/relationships/r1",
        "/digitaltwins/a/relationships/r2",
    ] {
        assert_eq!(client.delete(path).await.status, 204);
    }
    client
        .delete("/digitaltwins/a/relationships/r1")
        .await
        .check_error(404, "RelationshipNotFound");
    assert_eq!(client.delete("/digitaltwins/b").await.status, 204);
}

#[tokio::test]
async fn telemetry_event_routes_and_delete_jobs() {
    let (_emulator, client) = lab().await;
    client
        .put("/digitaltwins/t", &thermostat(1.0))
        .await
        .ok(200);
    let telemetry = json!({"temp": 21.0});
    client
        .post("/digitaltwins/t/telemetry", &telemetry)
        .await
        .check_error(400, "InvalidArgument");
    let sent = client
        .send(
            Method::POST,
            "/digitaltwins/t/telemetry",
            Some(&telemetry),
            &[("Message-Id", "m1")],
        )
        .await;
    assert_eq!(sent.status, 204);
    let sent = client
        .send(
            Method::POST,
            "/digitaltwins/t/components/plate/telemetry",
            Some(&telemetry),
            &[("Message-Id", "m2")],
        )
        .await;
    assert_eq!(sent.status, 204);
    client
        .send(
            Method::POST,
            "/digitaltwins/nope/telemetry",
            Some(&telemetry),
            &[("Message-Id", "m3")],
        )
        .await
        .check_error(404, "DigitalTwinNotFound");

    let route = json!({"endpointName": "hub", "filter": "true"});
    assert_eq!(client.put("/eventroutes/r1", &route).await.status, 204);
    assert_eq!(
        client.get("/eventroutes/r1").await.ok(200),
        &json!({"id": "r1", "endpointName": "hub", "filter": "true"})
    );
    client
        .put("/eventroutes/r2", &json!({"filter": "true"}))
        .await
        .check_error(400, "InvalidArgument");
    for i in 2..=6 {
        assert_eq!(
            client
                .put(&format!("/eventroutes/r{i}"), &route)
                .await
                .status,
            204
        );
    }
    client
        .put("/eventroutes/r7", &route)
        .await
        .check_error(400, "LimitExceeded");
    assert_eq!(
        client.get("/eventroutes").await.ok(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert_eq!(client.delete("/eventroutes/r1").await.status, 204);
    client
        .get("/eventroutes/r1")
        .await
        .check_error(404, "EventRouteNotFound");

    let job = client
        .send(
            Method::POST,
            "/jobs/delete",
            None,
            &[("operation-id", "job1")],
        )
        .await;
    assert_eq!(job.ok(202)["id"], "job1");
    assert_eq!(job.header("operation-id"), Some("job1"));
    assert!(
        job.header("operation-location")
            .unwrap()
            .contains(&format!("{LAB}/jobs/delete/job1"))
    );
    assert_eq!(
        client.get("/jobs/delete/job1").await.ok(200)["status"],
        "succeeded"
    );
    assert_eq!(
        client.get("/jobs/delete").await.ok(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    client
        .get("/jobs/delete/nope")
        .await
        .check_error(404, "DeleteJobNotFound");
    client
        .send(
            Method::POST,
            "/jobs/delete",
            None,
            &[("operation-id", "job1")],
        )
        .await
        .check_error(400, "ValidationFailed");
    client
        .get("/digitaltwins/t")
        .await
        .check_error(404, "DigitalTwinNotFound");
    assert_eq!(client.get("/models").await.ok(200)["value"], json!([]));
    assert_eq!(
        client.get("/eventroutes").await.ok(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn api_version_and_routes_are_checked() {
    let (_emulator, client) = lab().await;
    let missing = client
        .send_url(
            Method::GET,
            &format!("{}/adt/{LAB}/models", client.base),
            None,
            &[],
        )
        .await;
    missing.check_error(400, "MissingApiVersionParameter");
    client
        .get("/models?api-version=1999-01-01")
        .await
        .check_error(400, "InvalidApiVersionParameter");
    client
        .get("/nothing/here")
        .await
        .check_error(404, "ResourceNotFound");
    client
        .send(Method::DELETE, "/query", None, &[])
        .await
        .check_error(405, "MethodNotAllowed");
    client
        .post("/query", &json!({"query": "SELECT * FROM DIGITALTWINS"}))
        .await
        .ok(200);
}
