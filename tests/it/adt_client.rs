//! The ADT client against a scripted fake server: URL shapes, bearer, error mapping, retry
//! waits (recorded by a fake sleep, never slept) and paging.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{Value, json};
use twinscope::adt::error::{OWNER_ROLE, READER_ROLE};
use twinscope::adt::retry::{Jitter, RetryPolicy, Runtime};
use twinscope::adt::{AdtClient, AdtError, CancelFlag, ETag, PatchOp, TokenProvider, diff_twin};
use twinscope::auth::cache::Secret;
use twinscope::auth::client::AccessToken;
use twinscope::auth::http::{HttpClient, HttpRequest, HttpResponse, NetworkError};
use twinscope::config::AdtPathPrefix;
use twinscope::ids::AdtHost;

const HOST: &str = "contoso-campus.api.weu.digitaltwins.azure.net";
const BASE: &str = "/adt/contoso-campus.api.weu.digitaltwins.azure.net";
const TOKEN: &str = "eyJ.token-for-contoso.sig";

/// What a scripted answer is.
enum Reply {
    Status(u16, Vec<(&'static str, String)>, String),
    NoAnswer,
}

fn ok(body: Value) -> Reply {
    Reply::Status(200, vec![], body.to_string())
}

fn status(code: u16, body: &str) -> Reply {
    Reply::Status(code, vec![], body.to_owned())
}

fn with_headers(code: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
    Reply::Status(
        code,
        headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        body.to_owned(),
    )
}

/// A request as the fake server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    authorization: Option<String>,
    if_match: Option<String>,
    if_none_match: Option<String>,
    content_type: Option<String>,
    body: Value,
}

struct Fake {
    client: AdtClient,
    seen: Rc<RefCell<Vec<Seen>>>,
    sleeps: Rc<RefCell<Vec<Duration>>>,
}

impl Fake {
    /// A client whose server answers `script` in order (and 599 once it runs out).
    fn new(script: Vec<Reply>) -> Self {
        let script = Rc::new(RefCell::new(VecDeque::from(script)));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let http = {
            let seen = seen.clone();
            Rc::new(move |request: HttpRequest| {
                let header = |name: &str| request.headers.get(name).map(str::to_owned);
                seen.borrow_mut().push(Seen {
                    method: request.method.to_string(),
                    uri: request.url.clone(),
                    authorization: header("authorization"),
                    if_match: header("if-match"),
                    if_none_match: header("if-none-match"),
                    content_type: header("content-type"),
                    body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
                });
                let reply = script
                    .borrow_mut()
                    .pop_front()
                    .unwrap_or_else(|| status(599, "script exhausted"));
                let result: Result<HttpResponse, NetworkError> = match reply {
                    Reply::NoAnswer => Err(NetworkError {
                        request: "GET /adt/test".into(),
                        reason: "connection reset".into(),
                    }),
                    Reply::Status(code, headers, body) => {
                        let mut response = HttpResponse::new(code).with_body(body);
                        for (k, v) in headers {
                            response = response.header(k, v);
                        }
                        Ok(response)
                    }
                };
                Box::pin(std::future::ready(result)) as twinscope::auth::http::ResponseFuture
            })
        };
        Self::with_http(http, seen)
    }

    /// A client whose server is `http` (which records what it sees in `seen`).
    fn with_http(http: HttpClient, seen: Rc<RefCell<Vec<Seen>>>) -> Self {
        let sleeps = Rc::new(RefCell::new(Vec::new()));
        let token: TokenProvider = Rc::new(|| {
            Box::pin(std::future::ready(Ok(AccessToken {
                secret: Rc::new(Secret::new(TOKEN)),
                expires_at: i64::MAX,
            })))
        });
        let runtime = Runtime {
            sleep: {
                let sleeps = sleeps.clone();
                Rc::new(move |d| {
                    sleeps.borrow_mut().push(d);
                    Box::pin(std::future::ready(()))
                })
            },
            now_unix: Rc::new(|| 1_700_000_000),
            jitter: Rc::new(RefCell::new(Jitter::seeded(42))),
            policy: RetryPolicy::default(),
        };
        let client = AdtClient::with_runtime(
            &AdtPathPrefix::parse("/adt").unwrap(),
            AdtHost::parse(HOST).unwrap(),
            http,
            token,
            runtime,
        );
        Self {
            client,
            seen,
            sleeps,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.borrow().clone()
    }

    fn uris(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.uri).collect()
    }

    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.borrow().clone()
    }
}

fn twin_body(id: &str, etag: &str) -> Value {
    json!({
        "$dtId": id,
        "$etag": etag,
        "$metadata": {"$model": "dtmi:example:Room;1", "$lastUpdateTime": "2024-01-01T00:00:00Z"},
        "temp": 20,
    })
}

fn rows(range: std::ops::Range<u32>) -> Value {
    Value::Array(range.map(|i| json!({"$dtId": format!("t{i}")})).collect())
}

#[tokio::test(flavor = "current_thread")]
async fn urls_are_same_origin_with_the_prefix_host_and_api_version() {
    let f = Fake::new(vec![
        with_headers(
            200,
            &[("etag", "W/\"1\"")],
            &twin_body("room 1/a", "W/\"1\"").to_string(),
        ),
        ok(json!({"value": [], "nextLink": null})),
        ok(json!({"value": []})),
        ok(json!({"value": [{"id": "dtmi:example:Room;1"}], "nextLink": null})),
        ok(json!({"value": [], "continuationToken": null})),
        status(204, ""),
    ]);
    let twin = f.client.get_twin("room 1/a").await.unwrap();
    assert_eq!(twin.id(), "room 1/a");
    f.client
        .list_relationships("room 1/a", Some("contains"))
        .await
        .unwrap();
    f.client.list_incoming("room").await.unwrap();
    let models = f.client.list_models(true).await.unwrap();
    assert_eq!(models[0].id, "dtmi:example:Room;1");
    f.client
        .query("SELECT * FROM digitaltwins", None)
        .await
        .unwrap();
    f.client.delete_relationship("a", "r-1").await.unwrap();
    assert_eq!(
        f.uris(),
        vec![
            format!("{BASE}/digitaltwins/room%201%2Fa?api-version=2023-10-31"),
            format!(
                "{BASE}/digitaltwins/room%201%2Fa/relationships?relationshipName=contains&api-version=2023-10-31"
            ),
            format!("{BASE}/digitaltwins/room/incomingrelationships?api-version=2023-10-31"),
            format!("{BASE}/models?includeModelDefinition=true&api-version=2023-10-31"),
            format!("{BASE}/query?api-version=2023-10-31"),
            format!("{BASE}/digitaltwins/a/relationships/r-1?api-version=2023-10-31"),
        ]
    );
    let methods: Vec<String> = f.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(methods, ["GET", "GET", "GET", "GET", "POST", "DELETE"]);
}

#[tokio::test(flavor = "current_thread")]
async fn every_request_carries_the_bearer() {
    let f = Fake::new(vec![ok(json!({"value": []})), status(204, "")]);
    f.client
        .query("SELECT * FROM digitaltwins", None)
        .await
        .unwrap();
    f.client.delete_twin("x", None).await.unwrap();
    for seen in f.seen() {
        assert_eq!(
            seen.authorization.as_deref(),
            Some(&*format!("Bearer {TOKEN}"))
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_empty_403_names_the_missing_role_and_the_instance() {
    let f = Fake::new(vec![status(403, ""), status(403, "")]);
    let write = f
        .client
        .patch_twin("x", &[], Some(&ETag::new("W/\"1\"").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(write, AdtError::Forbidden { write: true, .. }),
        "{write:?}"
    );
    let text = write.to_string();
    assert!(text.contains(OWNER_ROLE) && text.contains(HOST), "{text}");
    let read = f.client.get_twin("x").await.unwrap_err();
    let text = read.to_string();
    assert!(text.contains(READER_ROLE) && text.contains(HOST), "{text}");
    assert_eq!(f.seen().len(), 2, "403 is not retried");
}

#[tokio::test(flavor = "current_thread")]
async fn sub_domain_not_found_means_the_wrong_tenant() {
    let f = Fake::new(vec![status(
        404,
        r#"{"statusCode":404,"message":"Sub-domain not found."}"#,
    )]);
    let e = f
        .client
        .query("SELECT * FROM digitaltwins", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AdtError::WrongTenant { host } if host.as_str() == HOST),
        "{e:?}"
    );
    assert!(e.to_string().contains("different tenant"), "{e}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_stale_etag_is_a_precondition_failure() {
    let f = Fake::new(vec![with_headers(
        412,
        &[("x-ms-error-code", "PreconditionFailed")],
        r#"{"error":{"code":"PreconditionFailed","message":"The precondition check failed."}}"#,
    )]);
    let etag = ETag::new("W/\"old\"").unwrap();
    let ops = [PatchOp::Replace {
        path: "/temp".into(),
        value: json!(21),
    }];
    let e = f
        .client
        .patch_twin("room", &ops, Some(&etag))
        .await
        .unwrap_err();
    assert_eq!(e, AdtError::PreconditionFailed);
    let seen = &f.seen()[0];
    assert_eq!(seen.method, "PATCH");
    assert_eq!(seen.if_match.as_deref(), Some("W/\"old\""));
    assert_eq!(
        seen.content_type.as_deref(),
        Some("application/json-patch+json")
    );
    assert_eq!(
        seen.body,
        json!([{"op": "replace", "path": "/temp", "value": 21}])
    );
}

#[tokio::test(flavor = "current_thread")]
async fn retry_after_two_waits_two_seconds_then_succeeds() {
    let f = Fake::new(vec![
        with_headers(
            429,
            &[("retry-after", "2")],
            r#"{"error":{"code":"QuotaReachedError","message":"slow down"}}"#,
        ),
        with_headers(
            200,
            &[("query-charge", "12.5")],
            &json!({"value": rows(0..3)}).to_string(),
        ),
    ]);
    let page = f
        .client
        .query("SELECT * FROM digitaltwins", None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.charge.and_then(|c| c.units()), Some(12.5));
    assert_eq!(f.sleeps(), vec![Duration::from_secs(2)]);
    assert_eq!(f.seen().len(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_retry_after_http_date_is_relative_to_the_clock() {
    // The fake clock reads 1_700_000_000 = Tue, 14 Nov 2023 22:13:20 GMT.
    let f = Fake::new(vec![
        with_headers(503, &[("retry-after", "Tue, 14 Nov 2023 22:13:23 GMT")], ""),
        ok(json!({"value": []})),
    ]);
    f.client
        .query("SELECT * FROM digitaltwins", None)
        .await
        .unwrap();
    assert_eq!(f.sleeps(), vec![Duration::from_secs(3)]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_throttling_storm_ends_after_bounded_attempts() {
    let storm: Vec<Reply> = (0..10)
        .map(|_| with_headers(429, &[("retry-after", "1")], ""))
        .collect();
    let f = Fake::new(storm);
    let e = f.client.get_twin("x").await.unwrap_err();
    assert!(
        matches!(e, AdtError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{e:?}"
    );
    assert_eq!(f.seen().len(), 4);
    assert_eq!(f.sleeps(), vec![Duration::from_secs(1); 3]);
}

#[tokio::test(flavor = "current_thread")]
async fn uploads_are_retried_only_after_a_429_but_reads_always_are() {
    // A throttled upload did nothing: it goes again after `Retry-After`.
    let f = Fake::new(vec![
        with_headers(429, &[("retry-after", "2")], ""),
        ok(json!([{"id": "dtmi:x;1", "uploadTime": "2026-12-03T10:00:00Z"}])),
    ]);
    let added = f
        .client
        .add_models(&[json!({"@id": "dtmi:x;1"})])
        .await
        .unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(f.seen().len(), 2);
    assert_eq!(f.sleeps(), vec![Duration::from_secs(2)]);

    // A 503 may come after the models were stored: no repeat, the error is shown.
    let f = Fake::new(vec![
        status(503, ""),
        Reply::NoAnswer,
        ok(json!({"value": []})),
    ]);
    let e = f
        .client
        .add_models(&[json!({"@id": "dtmi:x;1"})])
        .await
        .unwrap_err();
    assert!(matches!(e, AdtError::Throttled { .. }), "{e:?}");
    assert_eq!(f.seen().len(), 1);
    // A read after a lost connection is retried with a jittered back-off.
    f.client.list_models(false).await.unwrap();
    assert_eq!(f.seen().len(), 3);
    let sleeps = f.sleeps();
    assert_eq!(sleeps.len(), 1);
    assert!(sleeps[0] >= Duration::from_millis(250) && sleeps[0] <= Duration::from_millis(500));
}

#[tokio::test(flavor = "current_thread")]
async fn a_lost_connection_is_a_network_error_after_retries() {
    let f = Fake::new((0..4).map(|_| Reply::NoAnswer).collect());
    let e = f.client.get_twin("x").await.unwrap_err();
    assert!(matches!(e, AdtError::Network { write: false, .. }), "{e:?}");
    assert!(
        e.to_string().contains("retry when the connection is back"),
        "{e}"
    );
    // A read changed nothing, so there is nothing to keep: no promise about changes.
    assert!(!e.to_string().contains("changes"), "{e}");
    assert_eq!(f.seen().len(), 4);
}

#[tokio::test(flavor = "current_thread")]
async fn a_write_without_an_answer_says_the_changes_are_kept() {
    let f = Fake::new((0..4).map(|_| Reply::NoAnswer).collect());
    let e = f
        .client
        .patch_twin(
            "x",
            &[PatchOp::Replace {
                path: "/a".into(),
                value: json!(1),
            }],
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AdtError::Network { write: true, .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("your changes are kept, retry when the connection is back"),
        "{e}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn query_errors_carry_line_and_position() {
    let f = Fake::new(vec![with_headers(
        400,
        &[("x-ms-error-code", "SqlQueryError")],
        r#"{"error":{"code":"SqlQueryError","message":"Query has an error at line 2, position 7: unknown column 'tmp'"}}"#,
    )]);
    let e = f
        .client
        .query("SELECT *\nWHERE tmp = 1", None)
        .await
        .unwrap_err();
    match e {
        AdtError::Query {
            line,
            position,
            message,
        } => {
            assert_eq!((line, position), (Some(2), Some(7)));
            assert!(message.contains("unknown column"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.seen().len(), 1, "a query error is not retried");
}

#[tokio::test(flavor = "current_thread")]
async fn query_all_pages_through_continuation_tokens() {
    let f = Fake::new(vec![
        with_headers(
            200,
            &[("query-charge", "2")],
            &json!({"value": rows(0..3), "continuationToken": "p2"}).to_string(),
        ),
        with_headers(
            200,
            &[("query-charge", "3.5")],
            &json!({"value": rows(3..6), "continuationToken": "p3"}).to_string(),
        ),
        ok(json!({"value": rows(6..7), "continuationToken": null})),
    ]);
    let mut got = Vec::new();
    let summary = f
        .client
        .query_all(
            "SELECT * FROM digitaltwins",
            |page| got.extend(page.items.iter().cloned()),
            CancelFlag::new(),
        )
        .await
        .unwrap();
    assert_eq!(got, rows(0..7).as_array().unwrap().clone());
    assert_eq!(
        (summary.rows, summary.pages, summary.cancelled),
        (7, 3, false)
    );
    assert_eq!(summary.charge, 5.5);
    let bodies: Vec<Value> = f.seen().into_iter().map(|s| s.body).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"query": "SELECT * FROM digitaltwins"}),
            json!({"query": "SELECT * FROM digitaltwins", "continuationToken": "p2"}),
            json!({"query": "SELECT * FROM digitaltwins", "continuationToken": "p3"}),
        ]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn query_all_stops_when_cancelled() {
    let f = Fake::new(vec![
        ok(json!({"value": rows(0..3), "continuationToken": "p2"})),
        ok(json!({"value": rows(3..6), "continuationToken": "p3"})),
    ]);
    let cancel = CancelFlag::new();
    let mut pages = 0;
    let summary = f
        .client
        .query_all(
            "SELECT * FROM digitaltwins",
            |_| {
                pages += 1;
                cancel.cancel();
            },
            cancel.clone(),
        )
        .await
        .unwrap();
    assert_eq!(pages, 1);
    assert!(summary.cancelled);
    assert_eq!(f.seen().len(), 1, "no request after the cancel");
}

#[tokio::test(flavor = "current_thread")]
async fn a_server_error_mid_paging_is_retried_without_duplicate_rows() {
    let f = Fake::new(vec![
        ok(json!({"value": rows(0..3), "continuationToken": "p2"})),
        status(
            500,
            r#"{"error":{"code":"InternalServerError","message":"oops"}}"#,
        ),
        status(503, ""),
        ok(json!({"value": rows(3..5)})),
    ]);
    let mut got: Vec<Value> = Vec::new();
    let summary = f
        .client
        .query_all(
            "SELECT * FROM digitaltwins",
            |p| got.extend(p.items.clone()),
            CancelFlag::new(),
        )
        .await
        .unwrap();
    assert_eq!(got, rows(0..5).as_array().unwrap().clone());
    assert_eq!(summary.rows, 5);
    let seen = f.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(
        seen[1].body, seen[3].body,
        "the retry asks for the same page"
    );
    assert_eq!(f.sleeps().len(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_repeated_continuation_token_ends_paging() {
    let f = Fake::new(vec![
        ok(json!({"value": rows(0..1), "continuationToken": "same"})),
        ok(json!({"value": rows(1..2), "continuationToken": "same"})),
    ]);
    let summary = f
        .client
        .query_all("SELECT * FROM digitaltwins", |_| {}, CancelFlag::new())
        .await
        .unwrap();
    assert_eq!(summary.pages, 2);
    assert_eq!(f.seen().len(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn model_lists_follow_next_links_on_this_host_only() {
    let f = Fake::new(vec![
        ok(
            json!({"value": [{"id": "dtmi:a;1"}], "nextLink": format!("https://{HOST}/models?includeModelDefinition=false&continuationToken=abc&api-version=2023-10-31")}),
        ),
        ok(json!({"value": [{"id": "dtmi:b;1", "decommissioned": true}], "nextLink": null})),
        ok(json!({"value": [{"id": "dtmi:a;1"}], "nextLink": "https://evil.example/models?x"})),
    ]);
    let models = f.client.list_models(false).await.unwrap();
    assert_eq!(
        models
            .iter()
            .map(|m| (m.id.as_str(), m.decommissioned))
            .collect::<Vec<_>>(),
        [("dtmi:a;1", false), ("dtmi:b;1", true)]
    );
    assert_eq!(
        f.uris()[1],
        format!(
            "{BASE}/models?includeModelDefinition=false&continuationToken=abc&api-version=2023-10-31"
        )
    );
    let e = f.client.list_models(false).await.unwrap_err();
    assert!(matches!(e, AdtError::Malformed(_)), "{e:?}");
    assert_eq!(f.seen().len(), 3, "the foreign link was not followed");
}

#[tokio::test(flavor = "current_thread")]
async fn a_models_dependencies_are_listed_with_definitions_and_language_maps() {
    let next = format!(
        "https://{HOST}/models?dependenciesFor=dtmi%3Aexample%3ARoom%3B1&includeModelDefinition=true&continuationToken=2&api-version=2023-10-31"
    );
    let f = Fake::new(vec![
        ok(
            json!({"value": [{"id": "dtmi:example:Room;1", "displayName": {"de": "Raum", "en": "Room"},
                             "description": {"fr": "Une pièce"}, "model": {"@id": "dtmi:example:Room;1"}}],
                  "nextLink": next}),
        ),
        ok(
            json!({"value": [{"id": "dtmi:example:Space;1", "model": {"@id": "dtmi:example:Space;1"}}],
                  "nextLink": null}),
        ),
    ]);
    let models = f
        .client
        .list_model_dependencies("dtmi:example:Room;1")
        .await
        .unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["dtmi:example:Room;1", "dtmi:example:Space;1"]);
    assert_eq!(models[0].display_name.best(), Some("Room"));
    assert_eq!(models[0].description.best(), Some("Une pièce"));
    assert_eq!(models[1].display_name.best(), None);
    assert!(models.iter().all(|m| m.model.is_some()));
    assert_eq!(
        f.uris()[0],
        format!(
            "{BASE}/models?dependenciesFor=dtmi%3Aexample%3ARoom%3B1&includeModelDefinition=true&api-version=2023-10-31"
        )
    );
    assert_eq!(f.seen().len(), 2, "the next page was followed");
}

#[tokio::test(flavor = "current_thread")]
async fn an_edit_is_sent_as_the_diffed_patch_and_returns_the_new_etag() {
    let original = twin_body("room", "W/\"1\"");
    let mut edited = original.clone();
    edited["temp"] = json!(22.5);
    edited["name"] = json!("Room 1");
    let f = Fake::new(vec![with_headers(204, &[("etag", "W/\"2\"")], "")]);
    let ops = diff_twin(&original, &edited);
    let tag = f
        .client
        .patch_twin("room", &ops, ETag::new("W/\"1\"").as_ref())
        .await
        .unwrap();
    assert_eq!(tag.as_str(), "W/\"2\"");
    assert_eq!(
        f.seen()[0].body,
        json!([
            {"op": "add", "path": "/name", "value": "Room 1"},
            {"op": "replace", "path": "/temp", "value": 22.5},
        ])
    );
}

#[tokio::test(flavor = "current_thread")]
async fn creating_with_if_none_match_and_reading_the_etag() {
    let f = Fake::new(vec![
        ok(twin_body("new", "W/\"n\"")),
        with_headers(
            409,
            &[],
            r#"{"error":{"code":"ModelIdAlreadyExists","message":"exists"}}"#,
        ),
    ]);
    let body = json!({"$metadata": {"$model": "dtmi:example:Room;1"}});
    let twin = f.client.create_twin("new", &body, true).await.unwrap();
    assert_eq!(twin.etag.as_str(), "W/\"n\"");
    assert_eq!(f.seen()[0].if_none_match.as_deref(), Some("*"));
    assert_eq!(f.seen()[0].method, "PUT");
    let e = f.client.add_models(&[json!({})]).await.unwrap_err();
    assert!(matches!(e, AdtError::Conflict { .. }), "{e:?}");
}

// ---- issue #8: faults mid-paging and 429 storms ----------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_connection_mid_paging_resumes_without_duplicate_rows() {
    let f = Fake::new(vec![
        ok(json!({"value": rows(0..3), "continuationToken": "p2"})),
        Reply::NoAnswer,
        ok(json!({"value": rows(3..6), "continuationToken": "p3"})),
        Reply::NoAnswer,
        Reply::NoAnswer,
        ok(json!({"value": rows(6..7)})),
    ]);
    let mut got: Vec<Value> = Vec::new();
    let summary = f
        .client
        .query_all(
            "SELECT * FROM digitaltwins",
            |p| got.extend(p.items.clone()),
            CancelFlag::new(),
        )
        .await
        .unwrap();
    assert_eq!(got, rows(0..7).as_array().unwrap().clone());
    assert_eq!((summary.rows, summary.pages), (7, 3));
    let seen = f.seen();
    assert_eq!(seen.len(), 6);
    assert_eq!(
        seen[1].body, seen[2].body,
        "the page after p2 is asked again"
    );
    assert_eq!(
        seen[3].body, seen[5].body,
        "the page after p3 is asked again"
    );
    assert_eq!(seen[5].body["continuationToken"], "p3");
}

#[tokio::test(flavor = "current_thread")]
async fn a_fault_that_outlasts_the_retries_mid_paging_keeps_the_rows_and_stops() {
    let mut script = vec![ok(json!({"value": rows(0..2), "continuationToken": "p2"}))];
    script.extend((0..10).map(|_| status(503, "")));
    let f = Fake::new(script);
    let mut got: Vec<Value> = Vec::new();
    let e = f
        .client
        .query_all(
            "SELECT * FROM digitaltwins",
            |p| got.extend(p.items.clone()),
            CancelFlag::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AdtError::Throttled { .. }), "{e:?}");
    assert_eq!(
        got,
        rows(0..2).as_array().unwrap().clone(),
        "rows so far are kept once"
    );
    assert_eq!(
        f.seen().len(),
        1 + 4,
        "one page, then at most four attempts"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_429_storm_mid_paging_waits_as_told_and_sends_no_flood() {
    let mut script = vec![ok(json!({"value": rows(0..2), "continuationToken": "p2"}))];
    script.extend((0..3).map(|_| with_headers(429, &[("retry-after", "2")], "")));
    script.push(ok(json!({"value": rows(2..4)})));
    let f = Fake::new(script);
    let mut got: Vec<Value> = Vec::new();
    f.client
        .query_all(
            "SELECT * FROM digitaltwins",
            |p| got.extend(p.items.clone()),
            CancelFlag::new(),
        )
        .await
        .unwrap();
    assert_eq!(got, rows(0..4).as_array().unwrap().clone());
    assert_eq!(f.seen().len(), 5);
    assert_eq!(
        f.sleeps(),
        vec![Duration::from_secs(2); 3],
        "every retry waited the Retry-After"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_429_storm_without_retry_after_backs_off_and_gives_up() {
    let f = Fake::new((0..50).map(|_| status(429, "")).collect());
    let e = f.client.get_twin("x").await.unwrap_err();
    assert!(matches!(e, AdtError::Throttled { .. }), "{e:?}");
    assert_eq!(f.seen().len(), 4, "bounded attempts, no flood");
    let sleeps = f.sleeps();
    assert_eq!(sleeps.len(), 3);
    assert!(
        sleeps.iter().all(|d| *d >= Duration::from_millis(100)),
        "every retry waited: {sleeps:?}"
    );
    assert!(
        sleeps[2] > sleeps[0],
        "the back-off grows between attempts: {sleeps:?}"
    );
}

/// The graph's relationships among 550 twins take six queries (100 source ids each, the
/// `IN` limit). They are asked four at a time, not one after the other (each is a round trip
/// to the instance) nor all at once (the instance's query rate): the server here answers
/// only when the test says. The edges come back in the batches' order.
#[tokio::test(flavor = "current_thread")]
async fn relationships_among_many_twins_are_asked_for_four_batches_at_a_time() {
    let waiting: Rc<RefCell<Vec<futures::channel::oneshot::Sender<()>>>> = Rc::default();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let http: HttpClient = {
        let (waiting, seen) = (waiting.clone(), seen.clone());
        Rc::new(move |request: HttpRequest| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            // This batch's first source id, for the one relationship it answers.
            let first = body["query"]
                .as_str()
                .unwrap_or_default()
                .split('\'')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            seen.borrow_mut().push(Seen {
                method: request.method.to_string(),
                uri: request.url.clone(),
                authorization: None,
                if_match: None,
                if_none_match: None,
                content_type: None,
                body,
            });
            let (tx, rx) = futures::channel::oneshot::channel();
            waiting.borrow_mut().push(tx);
            Box::pin(async move {
                let _ = rx.await;
                let row = json!({ "R": {
                    "$relationshipId": format!("from-{first}"),
                    "$sourceId": first,
                    "$targetId": "t0",
                    "$relationshipName": "contains",
                }});
                Ok(HttpResponse::new(200)
                    .with_body(json!({ "value": [row], "continuationToken": null }).to_string()))
            }) as twinscope::auth::http::ResponseFuture
        })
    };
    let answer_all = || {
        for tx in waiting.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
    };
    let f = Fake::with_http(http, seen);
    let ids: Vec<String> = (0..550).map(|i| format!("t{i}")).collect();
    let mut edges = Box::pin(twinscope::graph::adt_read::relationships_among(
        &f.client, &ids,
    ));
    let short = Duration::from_millis(100);
    assert!(tokio::time::timeout(short, &mut edges).await.is_err());
    assert_eq!(f.seen().len(), 4, "batches asked while none is answered");
    answer_all();
    assert!(tokio::time::timeout(short, &mut edges).await.is_err());
    assert_eq!(
        f.seen().len(),
        6,
        "the last two asked once the first four are answered"
    );
    answer_all();
    let edges = tokio::time::timeout(Duration::from_secs(5), edges)
        .await
        .expect("all six answered")
        .unwrap();
    let sources: Vec<&str> = edges.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(sources, ["t0", "t100", "t200", "t300", "t400", "t500"]);
    let named: Vec<usize> = f
        .seen()
        .iter()
        .map(|s| s.body["query"].as_str().unwrap().matches('\'').count() / 2)
        .collect();
    assert_eq!(
        named,
        [100, 100, 100, 100, 100, 50],
        "ids named by each query"
    );
}
