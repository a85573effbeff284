//! The token endpoint: code redemption with PKCE, refresh-token rotation and lifetime,
//! guest-tenant redemption, consent and resource-principal errors, and CORS.

use crate::common::*;
use twinscope_emulator::RunningEmulator;

const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
const MEGAN: (&str, &str) = ("megan@contoso.onmicrosoft.com", "Megan-dev-1");

async fn code_for(emulator: &RunningEmulator, auth: &Auth, (upn, pw): (&str, &str)) -> String {
    Browser::new(emulator).code(auth, upn, pw).await
}

#[tokio::test]
async fn a_code_redeems_for_entra_shaped_tokens() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let auth =
        Auth::new("organizations").scope(&format!("openid profile offline_access {ADT_SCOPE}"));
    let code = code_for(&emulator, &auth, ADELE).await;
    let reply = redeem(base, &auth, &code).await;
    assert_eq!(reply.allow_origin(), Some(SPA_ORIGIN));
    let body = reply.ok();
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((3599..=4000).contains(&expires_in), "{expires_in}");
    assert_eq!(body["ext_expires_in"], expires_in);
    assert!(
        body["scope"]
            .as_str()
            .unwrap()
            .contains("https://digitaltwins.azure.net/")
    );
    assert!(body["refresh_token"].is_string());

    let (header, id) = decode_jwt(body["id_token"].as_str().unwrap());
    assert_eq!(header["alg"], "RS256");
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["iss"], format!("{base}/{CONTOSO}/v2.0"));
    assert_eq!(id["tid"], CONTOSO);
    assert_eq!(id["oid"], "aeda9f21-73e4-4731-9e1b-775e27e09104");
    assert_eq!(id["preferred_username"], ADELE.0);
    assert_eq!(id["name"], "Adele Vance");
    assert_eq!(id["nonce"], "nonce-123");
    assert_eq!(id["ver"], "2.0");
    assert_eq!(id["roles"], serde_json::json!(["Twins.Writer"]));
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        3600
    );
    assert!(id["sub"].as_str().unwrap().len() >= 40);

    let (_, access) = decode_jwt(body["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], "https://digitaltwins.azure.net");
    assert_eq!(access["iss"], format!("https://sts.windows.net/{CONTOSO}/"));
    assert_eq!(access["scp"], "Read.Write");
    assert_eq!(access["tid"], CONTOSO);
    assert_eq!(access["oid"], id["oid"]);

    let client_info: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            body["client_info"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(client_info["uid"], id["oid"]);
    assert_eq!(client_info["utid"], CONTOSO);
}

#[tokio::test]
async fn arm_tokens_and_per_tenant_app_roles() {
    let emulator = emulator().await;
    let auth =
        Auth::new("organizations").scope(&format!("openid profile offline_access {ARM_SCOPE}"));
    let body = tokens(
        &emulator,
        &auth,
        "alex@contoso.onmicrosoft.com",
        "Alex-dev-1",
    )
    .await;
    let (_, access) = decode_jwt(body["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], "https://management.azure.com");
    assert_eq!(access["scp"], "user_impersonation");
    let (_, id) = decode_jwt(body["id_token"].as_str().unwrap());
    assert_eq!(id["roles"], serde_json::json!(["Twins.Admin"]));

    let body = tokens(
        &emulator,
        &Auth::new(TAILSPIN),
        "pradeep@tailspin.onmicrosoft.com",
        "Pradeep-dev-1",
    )
    .await;
    let (_, id) = decode_jwt(body["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], TAILSPIN);
    assert_eq!(id["roles"], serde_json::json!(["Twins.Writer"]));
}

#[tokio::test]
async fn code_redemption_errors() {
    let emulator = emulator().await;
    let base = emulator.base_url();

    // Wrong verifier.
    let auth = Auth::new("organizations");
    let code = code_for(&emulator, &auth, ADELE).await;
    let mut wrong = auth.clone();
    wrong.verifier = "a-different-verifier-that-is-long-enough-0123456789".into();
    let reply = redeem(base, &wrong, &code).await;
    reply.check_error(400, "invalid_grant", 501481);
    assert!(
        reply.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.")
    );
    // Missing verifier.
    let mut none = auth.clone();
    none.verifier = String::new();
    redeem(base, &none, &code)
        .await
        .check_error(400, "invalid_request", 900144);

    // Another client.
    let mut other = auth.clone();
    other.client_id = OTHER_CLIENT_ID.into();
    redeem(base, &other, &code)
        .await
        .check_error(400, "invalid_grant", 70000);

    // Another redirect URI (registered, but not the one the code was issued for).
    let mut elsewhere = auth.clone();
    elsewhere.redirect_uri = "http://127.0.0.1:8080/".into();
    redeem(base, &elsewhere, &code)
        .await
        .check_error(400, "invalid_grant", 500112);

    // The right request works once, then the code is spent.
    redeem(base, &auth, &code).await.ok();
    redeem(base, &auth, &code)
        .await
        .check_error(400, "invalid_grant", 54005);

    // Unknown code.
    redeem(base, &auth, "1.Anotacode")
        .await
        .check_error(400, "invalid_request", 9002313);

    // Expired code: ten minutes.
    let code = code_for(&emulator, &auth, ADELE).await;
    emulator.state().clock.advance(601);
    redeem(base, &auth, &code)
        .await
        .check_error(400, "invalid_grant", 70008);
}

#[tokio::test]
async fn a_code_for_one_tenant_is_refused_at_another() {
    let emulator = emulator().await;
    let auth = Auth::new("organizations");
    let code = code_for(&emulator, &auth, ADELE).await;
    let mut at_fabrikam = auth.clone();
    at_fabrikam.tenant = FABRIKAM.into();
    redeem(emulator.base_url(), &at_fabrikam, &code)
        .await
        .check_error(400, "invalid_grant", 700005);
}

#[tokio::test]
async fn missing_and_unsupported_parameters() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    token_request(base, "organizations", &[("client_id", CLIENT_ID)], None)
        .await
        .check_error(400, "invalid_request", 900144);
    token_request(
        base,
        "organizations",
        &[("client_id", CLIENT_ID), ("grant_type", "password")],
        None,
    )
    .await
    .check_error(400, "unsupported_grant_type", 70003);
    token_request(
        base,
        "organizations",
        &[
            ("client_id", "00000000-0000-0000-0000-000000000009"),
            ("grant_type", "refresh_token"),
        ],
        None,
    )
    .await
    .check_error(400, "unauthorized_client", 700016);
    token_request(
        base,
        "nowhere.onmicrosoft.com",
        &[("client_id", CLIENT_ID)],
        None,
    )
    .await
    .check_error(400, "invalid_tenant", 90002);
}

#[tokio::test]
async fn a_code_for_a_web_redirect_uri_cannot_be_redeemed_cross_origin() {
    let emulator = emulator().await;
    let mut auth = Auth::new("organizations");
    auth.redirect_uri = WEB_REDIRECT.into();
    let code = code_for(&emulator, &auth, ADELE).await;
    let reply = redeem(emulator.base_url(), &auth, &code).await;
    reply.check_error(400, "invalid_request", 9002326);
    assert!(
        reply.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.")
    );
    assert_eq!(reply.allow_origin(), None, "no CORS grant for a web grant");
}

#[tokio::test]
async fn a_spa_code_must_be_redeemed_cross_origin() {
    let emulator = emulator().await;
    let auth = Auth::new("organizations");
    let code = code_for(&emulator, &auth, ADELE).await;
    let reply = token_request(
        emulator.base_url(),
        "organizations",
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", SPA_REDIRECT),
            ("code_verifier", &auth.verifier),
        ],
        None,
    )
    .await;
    reply.check_error(400, "invalid_request", 9002327);
}

#[tokio::test]
async fn the_token_endpoint_answers_the_cors_preflight() {
    let emulator = emulator().await;
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/organizations/oauth2/v2.0/token", emulator.base_url()),
        )
        .header("Origin", SPA_ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        SPA_ORIGIN
    );
    assert!(
        response.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        response.headers()["access-control-allow-headers"],
        "content-type"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_stays_valid_as_entras_do() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let auth = Auth::new("organizations");
    let first = tokens(&emulator, &auth, ADELE.0, ADELE.1).await;
    let rt1 = first["refresh_token"].as_str().unwrap();
    let reply = refresh(
        base,
        "organizations",
        rt1,
        &format!("openid offline_access {ADT_SCOPE}"),
    )
    .await;
    assert_eq!(reply.allow_origin(), Some(SPA_ORIGIN));
    let second = reply.ok().clone();
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    let (_, access) = decode_jwt(second["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], "https://digitaltwins.azure.net");
    let (_, id) = decode_jwt(second["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], CONTOSO);

    // "doesn't revoke old refresh tokens when used to fetch new access tokens": two tabs
    // or two requests at once, each with the token it holds, both get their tokens.
    refresh(base, "organizations", rt1, ADT_SCOPE).await.ok();
    refresh(base, "organizations", rt2, ARM_SCOPE).await.ok();
    refresh(base, "organizations", "1.Abogus", ARM_SCOPE)
        .await
        .check_error(400, "invalid_request", 9002313);
}

#[tokio::test]
async fn spa_refresh_tokens_die_24_hours_after_sign_in_however_often_used() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let clock = &emulator.state().clock;
    let first = tokens(&emulator, &Auth::new("organizations"), ADELE.0, ADELE.1).await;
    let mut rt = first["refresh_token"].as_str().unwrap().to_string();
    for _ in 0..3 {
        clock.advance(7 * 3600);
        let body = refresh(base, "organizations", &rt, ADT_SCOPE)
            .await
            .ok()
            .clone();
        rt = body["refresh_token"].as_str().unwrap().to_string();
    }
    clock.advance(3 * 3600 + 1); // 24 h and 1 s after the sign-in
    let reply = refresh(base, "organizations", &rt, ADT_SCOPE).await;
    reply.check_error(400, "invalid_grant", 700084);
    assert!(
        reply.body["error_description"].as_str().unwrap().starts_with(
            "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended"
        )
    );
}

#[tokio::test]
async fn a_home_refresh_token_redeems_for_guest_tokens_in_the_resource_tenant() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let home = tokens(&emulator, &Auth::new("organizations"), MEGAN.0, MEGAN.1).await;
    let (_, home_id) = decode_jwt(home["id_token"].as_str().unwrap());
    assert_eq!(home_id["tid"], CONTOSO);
    assert_eq!(home_id["oid"], "c8b56afb-ce2a-40d8-a03f-a9cc5302dc59");

    let rt = home["refresh_token"].as_str().unwrap();
    let guest = refresh(
        base,
        FABRIKAM,
        rt,
        &format!("openid profile offline_access {ADT_SCOPE}"),
    )
    .await
    .ok()
    .clone();
    let (_, id) = decode_jwt(guest["id_token"].as_str().unwrap());
    assert_eq!(id["tid"], FABRIKAM);
    assert_eq!(id["oid"], "e6b3d856-9270-47be-9c8c-c0d3a36f6a19");
    assert_eq!(id["iss"], format!("{base}/{FABRIKAM}/v2.0"));
    assert_eq!(id["roles"], serde_json::json!(["Twins.Writer"]));
    assert_ne!(id["sub"], home_id["sub"]);
    let (_, access) = decode_jwt(guest["access_token"].as_str().unwrap());
    assert_eq!(access["tid"], FABRIKAM);
    assert_eq!(
        access["iss"],
        format!("https://sts.windows.net/{FABRIKAM}/")
    );
    assert_eq!(access["idp"], format!("https://sts.windows.net/{CONTOSO}/"));

    // client_info still names the home account.
    assert_eq!(guest["client_info"], home["client_info"]);

    // Adele is no guest in Fabrikam.
    let adele = tokens(&emulator, &Auth::new("organizations"), ADELE.0, ADELE.1).await;
    let reply = refresh(
        base,
        FABRIKAM,
        adele["refresh_token"].as_str().unwrap(),
        ADT_SCOPE,
    )
    .await;
    reply.check_error(400, "invalid_grant", 50020);
    let description = reply.body["error_description"].as_str().unwrap();
    assert!(
        description.contains(ADELE.0) && description.contains("Fabrikam"),
        "{description}"
    );
}

#[tokio::test]
async fn a_tenant_without_the_adt_principal_refuses_adt_tokens_at_the_token_endpoint() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let body = tokens(
        &emulator,
        &Auth::new("organizations"),
        "pradeep@tailspin.onmicrosoft.com",
        "Pradeep-dev-1",
    )
    .await;
    let rt = body["refresh_token"].as_str().unwrap();
    let reply = refresh(base, "organizations", rt, ADT_SCOPE).await;
    reply.check_error(401, "invalid_client", 650052);
    assert!(
        reply.body["error_description"]
            .as_str()
            .unwrap()
            .contains("Tailspin")
            || reply.body["error_description"]
                .as_str()
                .unwrap()
                .contains(TAILSPIN)
    );
    // ARM is there; the refused request did not spend the refresh token.
    refresh(base, "organizations", rt, ARM_SCOPE).await.ok();
}

#[tokio::test]
async fn two_resources_in_one_token_request_are_refused() {
    let emulator = emulator().await;
    let body = tokens(&emulator, &Auth::new("organizations"), ADELE.0, ADELE.1).await;
    refresh(
        emulator.base_url(),
        "organizations",
        body["refresh_token"].as_str().unwrap(),
        &format!("{ADT_SCOPE} {ARM_SCOPE}"),
    )
    .await
    .check_error(400, "invalid_scope", 28000);
}

#[tokio::test]
async fn revoked_sessions_invalidate_refresh_tokens_and_silent_sign_in() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let browser = Browser::new(&emulator);
    let auth = Auth::new("organizations");
    let code = browser.code(&auth, ADELE.0, ADELE.1).await;
    let body = redeem(base, &auth, &code).await.ok().clone();
    assert!(emulator.identity().revoke_sessions(ADELE.0));
    assert!(
        !emulator
            .identity()
            .revoke_sessions("nobody@contoso.onmicrosoft.com")
    );
    refresh(
        base,
        "organizations",
        body["refresh_token"].as_str().unwrap(),
        ADT_SCOPE,
    )
    .await
    .check_error(400, "invalid_grant", 50173);
    let params = browser
        .authorize(&Auth::new("organizations").prompt("none"))
        .await
        .callback(SPA_REDIRECT);
    assert_eq!(params["error"], "login_required");
    // Signing in again works.
    tokens(&emulator, &Auth::new("organizations"), ADELE.0, ADELE.1).await;
}

#[tokio::test]
async fn access_token_lifetime_can_be_set_for_tests_and_reset() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let body = tokens(&emulator, &Auth::new("organizations"), ADELE.0, ADELE.1).await;
    let default = body["expires_in"].as_i64().unwrap();
    assert!((3599..=4000).contains(&default), "{default}");
    emulator.identity().set_access_token_lifetime(Some(120));
    let short = refresh(
        base,
        "organizations",
        body["refresh_token"].as_str().unwrap(),
        ADT_SCOPE,
    )
    .await
    .ok()
    .clone();
    assert_eq!(short["expires_in"], 120);
    let (_, claims) = decode_jwt(short["access_token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120,
        "the token itself says so"
    );
    emulator.identity().set_access_token_lifetime(None);
    let again = refresh(
        base,
        "organizations",
        short["refresh_token"].as_str().unwrap(),
        ADT_SCOPE,
    )
    .await
    .ok()
    .clone();
    assert!((3599..=4000).contains(&again["expires_in"].as_i64().unwrap()));
}

#[tokio::test]
async fn extra_spa_redirect_uris_can_be_registered_for_tests() {
    let emulator = twinscope_emulator::start(twinscope_emulator::Options {
        extra_spa_redirect_uris: vec!["http://127.0.0.1:4999/".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let mut auth = Auth::new("organizations");
    auth.redirect_uri = "http://127.0.0.1:4999/".into();
    let code = code_for(&emulator, &auth, ADELE).await;
    redeem(emulator.base_url(), &auth, &code).await.ok();
}
