//! The authorize endpoint and its sign-in page, driven like a browser.

use crate::common::*;

/// An HTML error page (no redirect) carrying this AADSTS code.
async fn check_error_page(browser: &Browser, url: &str, code: u32) {
    match browser.get(url).await {
        Seen::Other(status, html) => {
            assert_eq!(status, 400);
            assert!(html.contains(&format!("AADSTS{code}:")), "{html}");
            assert!(html.contains("<title>Sign in to your account</title>"));
        }
        other => panic!("expected an error page for AADSTS{code}, got {other:?}"),
    }
}

/// An error redirect to the app with this OAuth error and AADSTS code, `state` kept.
fn check_error_redirect(seen: Seen, redirect_uri: &str, error: &str, code: u32) {
    let params = seen.callback(redirect_uri);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(error),
        "{params:?}"
    );
    let description = &params["error_description"];
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert_eq!(params["state"], "state-xyz");
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn the_sign_in_page_is_an_accessible_form_carrying_the_request() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let mut auth = Auth::new("organizations");
    auth.login_hint = Some("adele@contoso.onmicrosoft.com".into());
    let page = browser.authorize(&auth).await.page();
    assert!(page.contains("<title>Sign in to your account</title>"));
    assert!(page.contains("<label for=\"login\">"));
    assert!(page.contains("<label for=\"passwd\">Password</label>"));
    assert!(page.contains("<button type=\"submit\">Sign in</button>"));
    let (action, fields) = parse_form(&page, Some("credentials"));
    assert_eq!(action, "/organizations/login");
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("state"), Some("state-xyz"));
    assert_eq!(get("nonce"), Some("nonce-123"));
    assert_eq!(get("redirect_uri"), Some(SPA_REDIRECT));
    assert_eq!(get("code_challenge"), auth.challenge.as_deref());
    assert_eq!(
        get("login"),
        Some("adele@contoso.onmicrosoft.com"),
        "login_hint pre-fills"
    );
}

#[tokio::test]
async fn signing_in_returns_code_and_state_to_the_redirect_uri() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let auth = Auth::new("organizations");
    let params = browser
        .sign_in(&auth, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    assert_eq!(params["state"], "state-xyz");
    assert!(params["code"].len() > 40);
    assert!(params.contains_key("client_info"));
}

#[tokio::test]
async fn fragment_response_mode_puts_the_code_in_the_fragment() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let mut auth = Auth::new("organizations");
    auth.response_mode = Some("fragment".into());
    let page = browser.authorize(&auth).await.page();
    let (location, params) = browser
        .submit_credentials(&page, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .redirect();
    assert!(
        location.starts_with(&format!("{SPA_REDIRECT}#code=")),
        "{location}"
    );
    assert_eq!(params["state"], "state-xyz");
}

#[tokio::test]
async fn wrong_password_or_unknown_user_re_renders_the_page_with_the_error() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let page = browser.authorize(&Auth::new("organizations")).await.page();
    let again = browser
        .submit_credentials(&page, "adele@contoso.onmicrosoft.com", "wrong")
        .await
        .page();
    assert!(again.contains("role=\"alert\""), "{again}");
    assert!(again.contains("AADSTS50126:"), "{again}");
    assert!(again.contains("value=\"adele@contoso.onmicrosoft.com\""));
    let unknown = browser
        .submit_credentials(&again, "nobody@contoso.onmicrosoft.com", "x")
        .await
        .page();
    assert!(unknown.contains("AADSTS50034:"), "{unknown}");
    // The re-rendered page still works.
    let params = browser
        .submit_credentials(&unknown, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .callback(SPA_REDIRECT);
    assert!(params.contains_key("code"));
}

#[tokio::test]
async fn client_and_redirect_uri_errors_are_pages_not_redirects() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let base = emulator.base_url();
    let mut auth = Auth::new("organizations");
    auth.redirect_uri = "http://localhost:9999/".into();
    check_error_page(&browser, &auth.url(base), 50011).await;
    let mut auth = Auth::new("organizations");
    auth.redirect_uri = "http://localhost:8080".into(); // no trailing slash: exact match only
    check_error_page(&browser, &auth.url(base), 50011).await;
    let mut auth = Auth::new("organizations");
    auth.client_id = "00000000-0000-0000-0000-000000000001".into();
    check_error_page(&browser, &auth.url(base), 700016).await;
    check_error_page(
        &browser,
        &Auth::new("nowhere.onmicrosoft.com").url(base),
        90002,
    )
    .await;
}

#[tokio::test]
async fn spa_redirect_uris_require_s256_pkce() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let mut plain = Auth::new("organizations");
    plain.challenge_method = Some("plain".into());
    plain.challenge = Some(plain.verifier.clone());
    check_error_redirect(
        browser.authorize(&plain).await,
        SPA_REDIRECT,
        "invalid_request",
        9002325,
    );
    let mut missing = Auth::new("organizations");
    missing.challenge = None;
    missing.challenge_method = None;
    check_error_redirect(
        browser.authorize(&missing).await,
        SPA_REDIRECT,
        "invalid_request",
        9002325,
    );
    let mut short = Auth::new("organizations");
    short.challenge = Some("abc".into());
    check_error_redirect(
        browser.authorize(&short).await,
        SPA_REDIRECT,
        "invalid_request",
        501491,
    );
}

#[tokio::test]
async fn bad_parameters_after_the_redirect_uri_is_trusted_go_back_to_the_app() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let bad_scope = Auth::new("organizations").scope("openid https://digitaltwins.azure.net/Nope");
    check_error_redirect(
        browser.authorize(&bad_scope).await,
        SPA_REDIRECT,
        "invalid_scope",
        70011,
    );
    let bad_prompt = Auth::new("organizations").prompt("sometimes");
    check_error_redirect(
        browser.authorize(&bad_prompt).await,
        SPA_REDIRECT,
        "invalid_request",
        90023,
    );
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let auth = Auth::new("organizations").prompt("none");
    check_error_redirect(
        browser.authorize(&auth).await,
        SPA_REDIRECT,
        "login_required",
        50058,
    );
}

#[tokio::test]
async fn a_session_gives_silent_sign_in_and_prompt_login_forces_the_form() {
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
    let params = browser.authorize(&silent).await.callback(SPA_REDIRECT);
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], "state-xyz");

    let forced = browser
        .authorize(&Auth::new("organizations").prompt("login"))
        .await
        .page();
    assert!(
        !forced.contains("Pick an account"),
        "prompt=login shows only the form"
    );

    let picker = browser
        .authorize(&Auth::new("organizations").prompt("select_account"))
        .await
        .page();
    assert!(picker.contains("Pick an account"));
    assert!(picker.contains("rita@contoso.onmicrosoft.com"));
    let params = browser
        .pick_account(&picker, "rita@contoso.onmicrosoft.com")
        .await
        .callback(SPA_REDIRECT);
    assert!(params.contains_key("code"));
}

#[tokio::test]
async fn prompt_none_needing_consent_is_consent_required() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    // Signed in (the code is refused for consent, but the session exists).
    let params = browser
        .sign_in(
            &Auth::new("organizations"),
            "lynne@northwind.onmicrosoft.com",
            "Lynne-dev-1",
        )
        .await;
    assert_eq!(params["error"], "consent_required");
    let silent = Auth::new("organizations").prompt("none");
    check_error_redirect(
        browser.authorize(&silent).await,
        SPA_REDIRECT,
        "consent_required",
        65001,
    );
}

#[tokio::test]
async fn a_tenant_without_the_digital_twins_principal_refuses_the_adt_scope() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let auth =
        Auth::new("organizations").scope(&format!("openid profile offline_access {ADT_SCOPE}"));
    let page = browser.authorize(&auth).await.page();
    let seen = browser
        .submit_credentials(&page, "pradeep@tailspin.onmicrosoft.com", "Pradeep-dev-1")
        .await;
    let params = seen.callback(SPA_REDIRECT);
    assert_eq!(params["error"], "invalid_client");
    let description = &params["error_description"];
    assert!(
        description.starts_with(
            "AADSTS650052: The app needs access to a service (\"https://digitaltwins.azure.net\") that your organization"
        ),
        "{description}"
    );
    assert!(description.contains(TAILSPIN), "{description}");
}

#[tokio::test]
async fn a_user_with_no_account_in_the_authority_tenant_is_refused() {
    let emulator = emulator().await;
    let browser = Browser::new(&emulator);
    let params = browser
        .sign_in(
            &Auth::new(FABRIKAM),
            "adele@contoso.onmicrosoft.com",
            "Adele-dev-1",
        )
        .await;
    assert_eq!(params["error"], "invalid_grant");
    assert!(
        params["error_description"].starts_with("AADSTS50020: "),
        "{params:?}"
    );
}
