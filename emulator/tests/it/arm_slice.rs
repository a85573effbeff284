//! The Azure Resource Manager slice: tenants, subscriptions and Digital Twins instances of the
//! signed-in user, ARM's CORS and its authentication errors.

use crate::common;

use crate::adt_common::*;
use reqwest::Method;
use serde_json::Value;
use twinscope_emulator::{Options, RunningEmulator, start};

async fn arm(
    emulator: &RunningEmulator,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}", emulator.base_url()));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

async fn arm_token(emulator: &RunningEmulator, tenant: &str, who: (&str, &str)) -> String {
    token(emulator, tenant, who, common::ARM_SCOPE).await
}

#[tokio::test]
async fn a_guest_sees_both_tenants_and_each_tenants_own_subscriptions_and_instances() {
    let emulator = start(Options::default()).await.unwrap();
    let contoso = arm_token(&emulator, common::CONTOSO, MEGAN).await;
    let tenants = arm(
        &emulator,
        Method::GET,
        "/tenants?api-version=2022-12-01",
        Some(&contoso),
        &[],
    )
    .await;
    let ids: Vec<&str> = tenants.ok(200)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tenantId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![common::CONTOSO, common::FABRIKAM]);
    let first = &tenants.json["value"][0];
    assert_eq!(first["id"], format!("/tenants/{}", common::CONTOSO));
    assert_eq!(first["displayName"], "Contoso");
    assert_eq!(first["defaultDomain"], "contoso.onmicrosoft.com");
    assert_eq!(first["tenantCategory"], "Home");

    let subs = arm(
        &emulator,
        Method::GET,
        "/subscriptions?api-version=2022-12-01",
        Some(&contoso),
        &[],
    )
    .await;
    let value = subs.ok(200)["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 1);
    assert!(value.iter().all(|s| s["tenantId"] == common::CONTOSO));
    let sub = value[0]["subscriptionId"].as_str().unwrap().to_string();

    let path = format!(
        "/subscriptions/{sub}/providers/Microsoft.DigitalTwins/digitalTwinsInstances?api-version=2023-01-31"
    );
    let instances = arm(&emulator, Method::GET, &path, Some(&contoso), &[]).await;
    let hosts: Vec<&str> = instances.ok(200)["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["properties"]["hostName"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, vec![CAMPUS, LAB]);
    let campus = &instances.json["value"][0];
    assert_eq!(
        campus["type"],
        "Microsoft.DigitalTwins/digitalTwinsInstances"
    );
    assert_eq!(campus["name"], "contoso-campus");
    assert_eq!(campus["properties"]["provisioningState"], "Succeeded");
    assert!(
        campus["id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/subscriptions/{sub}/resourceGroups/"))
    );

    // The same subscription through a Fabrikam token is not found.
    let fabrikam = arm_token(&emulator, common::FABRIKAM, MEGAN).await;
    let other = arm(&emulator, Method::GET, &path, Some(&fabrikam), &[]).await;
    assert_eq!(other.status, 404);
    assert_eq!(other.json["error"]["code"], "SubscriptionNotFound");
    let subs = arm(
        &emulator,
        Method::GET,
        "/subscriptions?api-version=2022-12-01",
        Some(&fabrikam),
        &[],
    )
    .await;
    assert!(
        subs.ok(200)["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["tenantId"] == common::FABRIKAM)
    );
}

#[tokio::test]
async fn arm_answers_cors_like_arm_and_refuses_bad_tokens_in_its_shape() {
    let emulator = start(Options::default()).await.unwrap();
    let origin = common::SPA_ORIGIN;
    let preflight = arm(
        &emulator,
        Method::OPTIONS,
        "/subscriptions?api-version=2022-12-01",
        None,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    )
    .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(origin)
    );
    assert!(
        preflight
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    assert!(
        preflight
            .header("access-control-allow-methods")
            .unwrap()
            .contains("GET")
    );

    let missing = arm(
        &emulator,
        Method::GET,
        "/tenants?api-version=2022-12-01",
        None,
        &[("Origin", origin)],
    )
    .await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json["error"]["code"], "AuthenticationFailed");
    assert_eq!(missing.header("access-control-allow-origin"), Some(origin));
    assert!(missing.header("www-authenticate").is_some());

    let adt = adt_token(&emulator, common::CONTOSO, ALEX).await;
    let wrong = arm(
        &emulator,
        Method::GET,
        "/tenants?api-version=2022-12-01",
        Some(&adt),
        &[],
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.json["error"]["code"],
        "InvalidAuthenticationTokenAudience"
    );

    let good = arm_token(&emulator, common::CONTOSO, ALEX).await;
    let ok = arm(
        &emulator,
        Method::GET,
        "/tenants?api-version=2022-12-01",
        Some(&good),
        &[("Origin", origin)],
    )
    .await;
    ok.ok(200);
    assert_eq!(ok.header("access-control-allow-origin"), Some(origin));
    assert!(ok.header("access-control-expose-headers").is_some());
    let no_version = arm(&emulator, Method::GET, "/tenants", Some(&good), &[]).await;
    assert_eq!(no_version.status, 400);
    assert_eq!(
        no_version.json["error"]["code"],
        "MissingApiVersionParameter"
    );

    emulator.state().clock.advance(3 * 3600);
    let expired = arm(
        &emulator,
        Method::GET,
        "/tenants?api-version=2022-12-01",
        Some(&good),
        &[],
    )
    .await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.json["error"]["code"], "ExpiredAuthenticationToken");
}
