//! Replies of the live service as Microsoft's own SDK tests recorded them
//! (`Azure/azure-sdk-for-net`, `sdk/digitaltwins/Azure.DigitalTwins.Core/tests/SessionRecords`,
//! api-version 2023-10-31): the emulator answers the same requests with the same status, code
//! and message, and pages relationships as the service does. (The recordings are not copied
//! here; each case quotes only the reply's wording.)

use reqwest::Method;
use serde_json::{Value, json};

use crate::adt_common::*;

/// One refusal: the status, `x-ms-error-code`, `error.code` and the exact message.
fn check(reply: &Reply, status: u16, code: &str, message: &str) {
    reply.check_error(status, code);
    assert_eq!(
        reply.header("x-ms-error-code"),
        Some(code),
        "{}",
        reply.text
    );
    assert_eq!(reply.json["error"]["message"], message, "{}", reply.text);
}

#[tokio::test]
async fn refusals_say_what_the_service_says() {
    let (_emulator, client) = lab().await;
    // Models_MalformedModelId_ThrowsBadRequestException: a 400, not a 404.
    for method in [Method::GET, Method::DELETE] {
        check(
            &client
                .send(method, "/models/thisIsNotAValidModelId", None, &[])
                .await,
            400,
            "InvalidArgument",
            "The format of the Model ID thisIsNotAValidModelId provided is not supported. See model documentation(https://aka.ms/ADTv2Models) for supported format.",
        );
    }
    // Models_ModelAlreadyExists_ThrowsConflictException.
    let again = client.post("/models", &test_models()).await;
    again.check_error(409, "ModelIdAlreadyExists");
    let message = again.json["error"]["message"].as_str().unwrap();
    assert!(
        message.ends_with("See the Swagger example (https://aka.ms/ModelListSwSmpl)."),
        "{message}"
    );
    // EventRoutes_EventRouteNotExist_ThrowsNotFoundException.
    check(
        &client.get("/eventroutes/no-such-route").await,
        404,
        "EventRouteNotFound",
        "There is no route available that matches the provided input. Check for all valid event routes by calling EventRoute_List. See Swagger example (https://aka.ms/RouteSwSmpl).",
    );

    let twin = client.put("/digitaltwins/room", &thermostat(20.0)).await;
    let etag = twin.ok(200)["$etag"].as_str().unwrap().to_owned();
    client
        .put("/digitaltwins/other", &thermostat(21.0))
        .await
        .ok(200);
    // DigitalTwins_CreateOrReplaceTwinFailsWhenIfNoneMatchStar.
    check(
        &client
            .put_if_absent("/digitaltwins/room", &thermostat(1.0))
            .await,
        412,
        "PreconditionFailed",
        "If-None-Match: * header was specified but a twin with the id room was found. Please specify a different twin id.",
    );
    // DigitalTwins_PatchTwinFailsIfInvalidETagProvided: the etag given, quoted back.
    let patch = json!([{ "op": "replace", "path": "/temp", "value": 22.0 }]);
    client
        .patch("/digitaltwins/room", &patch, Some(&etag))
        .await
        .ok(204);
    check(
        &client
            .patch("/digitaltwins/room", &patch, Some(&etag))
            .await,
        412,
        "PreconditionFailed",
        &format!(
            "The provided etag {etag} doesn't match the current etag for the resource. Please obtain and provide the latest etag by getting the resource. See section on get apis in the documentation https://aka.ms/adtv2twins."
        ),
    );
    // Relationships_CreateOrReplaceRelationshipFailsWhenIfNoneMatchStar.
    let feeds = json!({ "$targetId": "other", "$relationshipName": "feeds" });
    client
        .put("/digitaltwins/room/relationships/r1", &feeds)
        .await
        .ok(200);
    check(
        &client
            .put_if_absent("/digitaltwins/room/relationships/r1", &feeds)
            .await,
        412,
        "PreconditionFailed",
        "If-None-Match: * header was specified but a relationship with the id r1 was found. Please specify a different relationship id.",
    );
}

/// Every item of a list, following next links; the page sizes on the way.
async fn pages(client: &AdtClient, path: &str) -> (Vec<Value>, Vec<usize>) {
    let mut items = Vec::new();
    let mut sizes = Vec::new();
    let mut reply = client.get(path).await;
    loop {
        let page = reply.ok(200).clone();
        let value = page["value"].as_array().unwrap();
        sizes.push(value.len());
        items.extend(value.iter().cloned());
        match page["nextLink"].as_str() {
            None => return (items, sizes),
            Some(link) => {
                assert!(link.starts_with(&format!("https://{LAB}{path}?")), "{link}");
                assert!(
                    link.contains("continuationToken=") && link.ends_with(API),
                    "{link}"
                );
                reply = client
                    .send_url(Method::GET, &client.local(link), None, &[])
                    .await;
            }
        }
    }
}

/// Relationships_PaginationWorks: 31 relationships, no `max-items-per-page`, come back 10, 10,
/// 10 and 1 per page, outgoing and incoming alike.
#[tokio::test]
async fn relationships_come_ten_to_a_page() {
    let (_emulator, client) = lab().await;
    client
        .put("/digitaltwins/hub", &thermostat(20.0))
        .await
        .ok(200);
    for i in 0..31 {
        let id = format!("t{i:02}");
        client
            .put(&format!("/digitaltwins/{id}"), &thermostat(20.0))
            .await
            .ok(200);
        let out = json!({ "$targetId": id, "$relationshipName": "feeds" });
        client
            .put(&format!("/digitaltwins/hub/relationships/out-{id}"), &out)
            .await
            .ok(200);
        let back = json!({ "$targetId": "hub", "$relationshipName": "feeds" });
        client
            .put(&format!("/digitaltwins/{id}/relationships/in-{id}"), &back)
            .await
            .ok(200);
    }
    for path in [
        "/digitaltwins/hub/relationships",
        "/digitaltwins/hub/incomingrelationships",
    ] {
        let (items, sizes) = pages(&client, path).await;
        assert_eq!(sizes, [10, 10, 10, 1], "{path}");
        let mut ids: Vec<&str> = items
            .iter()
            .map(|r| r["$relationshipId"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 31, "{path}: every relationship once");
    }
    // A smaller page when asked; the service's own page is the most a client gets.
    let small = client
        .send(
            Method::GET,
            "/digitaltwins/hub/relationships",
            None,
            &[("max-items-per-page", "4")],
        )
        .await;
    assert_eq!(small.ok(200)["value"].as_array().unwrap().len(), 4);
}

/// Query_GetTwinCount: the charge has no trailing zeros (`2.8`, `3.16`).
#[tokio::test]
async fn a_query_charge_is_written_without_trailing_zeros() {
    let (_emulator, client) = lab().await;
    client
        .put("/digitaltwins/room", &thermostat(20.0))
        .await
        .ok(200);
    let reply = client
        .post(
            "/query",
            &json!({ "query": "SELECT COUNT() FROM DIGITALTWINS" }),
        )
        .await;
    reply.ok(200);
    let charge = reply.header("query-charge").expect("query-charge");
    let well_formed = charge.parse::<f64>().is_ok_and(|c| c > 0.0)
        && !charge.ends_with('0')
        && !charge.ends_with('.')
        && charge.split('.').nth(1).is_none_or(|f| f.len() <= 2);
    assert!(well_formed, "{charge}");
}
