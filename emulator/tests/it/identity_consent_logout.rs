//! Admin consent (a tenant that has not consented, before and after) and logout.

use crate::common::*;

fn admin_consent_url(base: &str, tenant: &str, redirect_uri: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "consent-state")
        .append_pair("scope", "https://digitaltwins.azure.net/.default")
        .finish();
    format!("{base}/{tenant}/v2.0/adminconsent?{query}")
}

#[tokio::test]
async fn an_unconsented_tenant_works_after_its_admin_consents() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let lynne = ("lynne@northwind.onmicrosoft.com", "Lynne-dev-1");

    // Before consent: the sign-in ends in consent_required.
    let browser = Browser::new(&emulator);
    let params = browser
        .sign_in(&Auth::new("organizations"), lynne.0, lynne.1)
        .await;
    assert_eq!(params["error"], "consent_required");
    let description = &params["error_description"];
    assert!(
        description.starts_with(
            "AADSTS65001: The user or administrator has not consented to use the application"
        ),
        "{description}"
    );
    assert_eq!(params["state"], "state-xyz");

    // A non-admin cannot consent.
    let page = browser
        .get(&admin_consent_url(base, NORTHWIND, SPA_REDIRECT))
        .await
        .page();
    assert!(page.contains("administrator"), "{page}");
    let params = browser
        .submit_credentials(&page, lynne.0, lynne.1)
        .await
        .callback(SPA_REDIRECT);
    assert_eq!(params["error"], "access_denied");
    // As Entra ID words it: the tenant and the app by name, so the app can say who approves.
    assert_eq!(
        params["error_description"],
        "AADSTS90094: An administrator of Northwind Traders has set a policy that prevents you from granting twinscope the permissions it is requesting. Contact an administrator of Northwind Traders, who can grant permissions to this app on your behalf."
    );
    assert_eq!(params["state"], "consent-state");
    assert!(!emulator.identity().is_consented(NORTHWIND, CLIENT_ID));

    // The admin consents.
    let admin = Browser::new(&emulator);
    let page = admin
        .get(&admin_consent_url(base, NORTHWIND, SPA_REDIRECT))
        .await
        .page();
    let params = admin
        .submit_credentials(&page, "nestor@northwind.onmicrosoft.com", "Nestor-dev-1")
        .await
        .callback(SPA_REDIRECT);
    assert_eq!(params["admin_consent"], "True");
    assert_eq!(params["tenant"], NORTHWIND);
    assert_eq!(params["state"], "consent-state");
    assert_eq!(params["scope"], "https://digitaltwins.azure.net/.default");
    assert!(emulator.identity().is_consented(NORTHWIND, CLIENT_ID));

    // Now Lynne gets tokens.
    let body = tokens(&emulator, &Auth::new("organizations"), lynne.0, lynne.1).await;
    let (_, id) = decode_jwt(body["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], NORTHWIND);
    assert!(
        id.get("roles").is_none(),
        "no app role assigned: no roles claim"
    );
}

#[tokio::test]
async fn a_refresh_into_an_unconsented_tenant_is_invalid_grant_65001() {
    // A directory where Adele (Contoso) is also a guest in Northwind, which has not consented.
    let mut seed: serde_json::Value =
        serde_json::from_str(twinscope_emulator::identity::directory::DEFAULT_SEED).unwrap();
    let adele = seed["users"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|u| u["upn"] == "adele@contoso.onmicrosoft.com")
        .unwrap();
    adele["memberships"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "tenant": "northwind", "oid": "0d3c2b1a-1111-4222-8333-444455556666"
        }));
    let path =
        std::env::temp_dir().join(format!("twinscope-guest-seed-{}.json", std::process::id()));
    std::fs::write(&path, seed.to_string()).unwrap();
    let emulator = twinscope_emulator::start(twinscope_emulator::Options {
        directory: Some(path.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    std::fs::remove_file(&path).ok();
    let base = emulator.base_url();
    let body = tokens(
        &emulator,
        &Auth::new("organizations"),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    let rt = body["refresh_token"].as_str().unwrap();
    let reply = refresh(base, NORTHWIND, rt, ADT_SCOPE).await;
    reply.check_error(400, "invalid_grant", 65001);
    assert!(
        reply.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS65001: The user or administrator has not consented to use the application with ID '8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13' named 'twinscope'.")
    );

    // Northwind's admin consents; the same refresh token (not spent by the refusal) now works.
    let admin = Browser::new(&emulator);
    let page = admin
        .get(&admin_consent_url(base, NORTHWIND, SPA_REDIRECT))
        .await
        .page();
    let params = admin
        .submit_credentials(&page, "nestor@northwind.onmicrosoft.com", "Nestor-dev-1")
        .await
        .callback(SPA_REDIRECT);
    assert_eq!(params["admin_consent"], "True");
    let guest = refresh(base, NORTHWIND, rt, ADT_SCOPE).await.ok().clone();
    let (_, access) = decode_jwt(guest["access_token"].as_str().unwrap());
    assert_eq!(access["tid"], NORTHWIND);
    assert_eq!(access["oid"], "0d3c2b1a-1111-4222-8333-444455556666");
}

#[tokio::test]
async fn a_user_with_no_account_in_the_tenant_gets_50020_before_consent_is_considered() {
    let emulator = emulator().await;
    let body = tokens(
        &emulator,
        &Auth::new("organizations"),
        "alex@contoso.onmicrosoft.com",
        "Alex-dev-1",
    )
    .await;
    refresh(
        emulator.base_url(),
        NORTHWIND,
        body["refresh_token"].as_str().unwrap(),
        ADT_SCOPE,
    )
    .await
    .check_error(400, "invalid_grant", 50020);
}

#[tokio::test]
async fn admin_consent_with_an_admin_session_redirects_at_once() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let browser = Browser::new(&emulator);
    browser
        .code(
            &Auth::new("organizations"),
            "alex@contoso.onmicrosoft.com",
            "Alex-dev-1",
        )
        .await;
    let params = browser
        .get(&admin_consent_url(base, CONTOSO, SPA_REDIRECT))
        .await
        .callback(SPA_REDIRECT);
    assert_eq!(params["admin_consent"], "True");
    assert_eq!(params["tenant"], CONTOSO);
}

#[tokio::test]
async fn admin_consent_refuses_an_unregistered_redirect_uri_with_a_page() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    match browser
        .get(&admin_consent_url(
            emulator.base_url(),
            NORTHWIND,
            "http://evil.example/",
        ))
        .await
    {
        Seen::Other(status, html) => {
            assert_eq!(status, 400);
            assert!(html.contains("AADSTS50011:"), "{html}");
        }
        other => panic!("expected an error page, got {other:?}"),
    }
}

fn logout_url(base: &str, post_logout: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", CLIENT_ID)
        .append_pair("post_logout_redirect_uri", post_logout)
        .finish();
    format!("{base}/organizations/oauth2/v2.0/logout?{query}")
}

#[tokio::test]
async fn logout_ends_the_session_and_redirects_to_a_registered_uri() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    browser
        .code(
            &Auth::new("organizations"),
            "rita@contoso.onmicrosoft.com",
            "Rita-dev-1",
        )
        .await;
    let silent = Auth::new("organizations").prompt("none");
    assert!(
        browser
            .authorize(&silent)
            .await
            .callback(SPA_REDIRECT)
            .contains_key("code")
    );

    let response = browser
        .client
        .get(logout_url(emulator.base_url(), SPA_REDIRECT))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], SPA_REDIRECT);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("ESTSAUTH=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );

    let params = browser.authorize(&silent).await.callback(SPA_REDIRECT);
    assert_eq!(params["error"], "login_required");
}

#[tokio::test]
async fn the_session_is_ended_server_side_too() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    browser
        .code(
            &Auth::new("organizations"),
            "rita@contoso.onmicrosoft.com",
            "Rita-dev-1",
        )
        .await;
    // A copy of the cookie, as a stale tab or an attacker would keep sending it.
    let cookie = browser.cookie_header().expect("session cookie");
    assert!(cookie.starts_with("ESTSAUTH="), "{cookie}");
    let silent = Auth::new("organizations").prompt("none");
    let replay = || async {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(silent.url(emulator.base_url()))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        location_params(response.headers()["location"].to_str().unwrap())
    };
    assert!(replay().await.contains_key("code"));
    browser
        .get(&logout_url(emulator.base_url(), SPA_REDIRECT))
        .await
        .redirect();
    assert_eq!(replay().await["error"], "login_required");
}

#[tokio::test]
async fn logout_refuses_an_unregistered_post_logout_uri() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    browser
        .code(
            &Auth::new("organizations"),
            "rita@contoso.onmicrosoft.com",
            "Rita-dev-1",
        )
        .await;
    match browser
        .get(&logout_url(emulator.base_url(), "http://evil.example/"))
        .await
    {
        Seen::Other(status, html) => {
            assert_eq!(status, 400);
            assert!(html.contains("AADSTS50011:"), "{html}");
        }
        other => panic!("expected an error page, got {other:?}"),
    }
    // The session survived the refused request.
    let silent = Auth::new("organizations").prompt("none");
    assert!(
        browser
            .authorize(&silent)
            .await
            .callback(SPA_REDIRECT)
            .contains_key("code")
    );
}
