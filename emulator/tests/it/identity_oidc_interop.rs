//! Interop: the third-party `openidconnect` crate completes authorization code + PKCE against
//! the emulator and verifies the ID token (signature, issuer, audience, nonce) itself.

use crate::common::*;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::http::HeaderValue;
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, CsrfToken, HttpRequest, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

type HttpResult =
    Result<openidconnect::HttpResponse, openidconnect::HttpClientError<reqwest::Error>>;
type HttpFuture = std::pin::Pin<Box<dyn std::future::Future<Output = HttpResult>>>;

/// What a browser-hosted client sends: every token request carries the SPA's `Origin`.
fn spa_http_client(http: reqwest::Client) -> impl Fn(HttpRequest) -> HttpFuture {
    move |mut request: HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_static(SPA_ORIGIN));
            http.call(request).await
        })
    }
}

/// Drives the sign-in page at `auth_url` and returns `(code, state)`.
async fn sign_in_at(
    emulator: &twinscope_emulator::RunningEmulator,
    auth_url: &str,
    upn: &str,
    password: &str,
) -> (String, String) {
    let browser = Browser::new(emulator);
    let page = browser.get(auth_url).await.page();
    let params = browser
        .submit_credentials(&page, upn, password)
        .await
        .callback(SPA_REDIRECT);
    (params["code"].clone(), params["state"].clone())
}

#[tokio::test]
async fn openidconnect_completes_code_and_pkce_at_a_concrete_tenant() {
    let emulator = emulator().await;
    let http = http_client();
    let issuer = IssuerUrl::new(format!("{}/{CONTOSO}/v2.0", emulator.base_url())).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("discovery");
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(CLIENT_ID.to_string()), None)
            .set_redirect_uri(RedirectUrl::new(SPA_REDIRECT.to_string()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let (code, state) = sign_in_at(
        &emulator,
        auth_url.as_str(),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    assert_eq!(&state, csrf.secret());

    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint known")
        .set_pkce_verifier(verifier)
        .request_async(&spa_http_client(http.clone()))
        .await
        .expect("code exchange");
    assert!(response.refresh_token().is_some());
    let id_token = response.id_token().expect("id_token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies: signature, issuer, audience, nonce");
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("adele@contoso.onmicrosoft.com")
    );
    assert_eq!(
        claims.issuer().as_str(),
        format!("{}/{CONTOSO}/v2.0", emulator.base_url())
    );

    // The same verifier refuses the token for a different nonce.
    assert!(
        id_token
            .claims(&client.id_token_verifier(), &Nonce::new("other".into()))
            .is_err()
    );
}

#[tokio::test]
async fn openidconnect_at_organizations_with_the_issuer_template_workaround() {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let http = http_client();

    // `discover_async` would refuse `{tenantid}` in the issuer: read the document directly.
    let (_, _, doc) = get_json(&format!(
        "{base}/organizations/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(doc["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    let metadata: CoreProviderMetadata = serde_json::from_value(doc).expect("metadata parses");
    let jwks = openidconnect::core::CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &http)
        .await
        .expect("jwks");
    let metadata = metadata.set_jwks(jwks);
    let pre_client = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(CLIENT_ID.to_string()),
        None,
    )
    .set_redirect_uri(RedirectUrl::new(SPA_REDIRECT.to_string()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _, nonce) = pre_client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let (code, _) = sign_in_at(
        &emulator,
        auth_url.as_str(),
        "megan@contoso.onmicrosoft.com",
        "Megan-dev-1",
    )
    .await;
    let response = pre_client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&spa_http_client(http.clone()))
        .await
        .expect("code exchange");
    let id_token = response.id_token().expect("id_token");

    // With the template issuer, verification fails, as it does against real Entra ID...
    assert!(
        id_token
            .claims(&pre_client.id_token_verifier(), &nonce)
            .is_err()
    );

    // ...so read `tid` and make the issuer concrete, then verify.
    let (_, unverified) = decode_jwt(&id_token.to_string());
    let tid = unverified["tid"].as_str().unwrap();
    assert_eq!(tid, CONTOSO);
    let concrete = metadata.set_issuer(IssuerUrl::new(format!("{base}/{tid}/v2.0")).unwrap());
    let client =
        CoreClient::from_provider_metadata(concrete, ClientId::new(CLIENT_ID.to_string()), None);
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("verifies with the concrete issuer");
    assert_eq!(
        claims.subject().as_str(),
        unverified["sub"].as_str().unwrap()
    );
    assert!(!response.access_token().secret().is_empty());
}
