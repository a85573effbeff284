//! `POST /query` over the seeded campus graph: results, paging with continuation tokens and
//! `max-items-per-page`, charges and errors.

use crate::common;

use crate::adt_common::*;
use reqwest::Method;
use serde_json::{Value, json};
use twinscope_emulator::{Options, RunningEmulator, start};

async fn campus() -> (RunningEmulator, AdtClient) {
    let emulator = start(Options::default()).await.unwrap();
    let token = adt_token(&emulator, common::CONTOSO, RITA).await;
    let client = AdtClient::new(&emulator, CAMPUS, Some(token));
    (emulator, client)
}

async fn count(client: &AdtClient, query: &str) -> u64 {
    let (rows, _) = client.query_all(query, None).await;
    rows[0]["COUNT"]
        .as_u64()
        .unwrap_or_else(|| panic!("{query}: {rows:?}"))
}

#[tokio::test]
async fn queries_page_through_every_twin_with_continuation_tokens() {
    let (emulator, client) = campus().await;
    let total = emulator.adt().twin_count(CAMPUS).unwrap();
    assert!(total > 100, "{total}");
    let (rows, pages) = client
        .query_all("SELECT * FROM DIGITALTWINS", Some(40))
        .await;
    assert_eq!(rows.len(), total);
    assert_eq!(pages, total.div_ceil(40));
    let mut ids: Vec<&str> = rows.iter().map(|r| r["$dtId"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "no row twice");
    // Without the header a page holds up to 1,000 rows.
    let (_, pages) = client.query_all("SELECT * FROM DIGITALTWINS", None).await;
    assert_eq!(pages, total.div_ceil(1000));
}

#[tokio::test]
async fn a_table_of_queries_over_the_campus() {
    let (emulator, client) = campus().await;
    let total = emulator.adt().twin_count(CAMPUS).unwrap() as u64;
    // (query, least, most) COUNT.
    let cases = [
        ("SELECT COUNT() FROM DIGITALTWINS", total, total),
        (
            "SELECT COUNT() FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:twinscope:seed:Site;1')",
            2,
            2,
        ),
        (
            // Sites, buildings, floors and rooms are spaces; equipment and sensors are not.
            "SELECT COUNT() FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:twinscope:seed:Space;1')",
            3,
            total - 1,
        ),
        (
            "SELECT COUNT() FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:twinscope:seed:Equipment;1', exact)",
            1,
            total - 1,
        ),
        (
            "SELECT COUNT() FROM DIGITALTWINS T WHERE T.name = '<script>alert(1)</script>'",
            1,
            1,
        ),
        (
            "SELECT COUNT() FROM RELATIONSHIPS R WHERE R.$relationshipName = 'hasBuilding'",
            4,
            6,
        ),
    ];
    for (query, least, most) in cases {
        let n = count(&client, query).await;
        assert!((least..=most).contains(&n), "{query} gave {n}");
    }
    let (rows, _) = client
        .query_all(
            "SELECT B FROM DIGITALTWINS S JOIN B RELATED S.hasBuilding WHERE S.$dtId = 'site-1'",
            None,
        )
        .await;
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["B"]["$dtId"].as_str().unwrap().starts_with("site-1-b")),
        "{rows:?}"
    );
    let (rows, _) = client
        .query_all("SELECT TOP(3) T.$dtId AS id FROM DIGITALTWINS T", None)
        .await;
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["id"].is_string());
}

#[tokio::test]
async fn query_errors_are_sql_query_errors_with_line_and_position() {
    let (_emulator, client) = campus().await;
    let reply = client
        .post("/query", &json!({"query": "SELECT * FORM DIGITALTWINS"}))
        .await;
    reply.check_error(400, "SqlQueryError");
    let message = reply.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("line 1, position"), "{message}");
    client
        .post("/query", &json!({"continuationToken": "not-a-token"}))
        .await
        .check_error(400, "BadRequest");
    client
        .post("/query", &json!({}))
        .await
        .check_error(400, "InvalidArgument");
    client
        .send(
            Method::POST,
            "/query",
            Some(&json!({"query": "SELECT * FROM DIGITALTWINS"})),
            &[("max-items-per-page", "0")],
        )
        .await
        .check_error(400, "InvalidArgument");
    let ok = client
        .post(
            "/query",
            &json!({"query": "SELECT * FROM DIGITALTWINS WHERE $dtId = 'none'"}),
        )
        .await;
    assert_eq!(ok.ok(200)["value"], json!([]));
    assert_eq!(ok.json["continuationToken"], Value::Null);
    let charge: f64 = ok.header("query-charge").unwrap().parse().unwrap();
    assert!(charge > 0.0);
}
