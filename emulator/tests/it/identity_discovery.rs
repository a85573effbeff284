//! Discovery, JWKS and key rotation.

use crate::common::*;
use twinscope_emulator::{Options, start};

async fn check_discovery(tenant: &str, issuer_tenant: &str, endpoint_tenant: &str) {
    let emulator = emulator().await;
    let base = emulator.base_url();
    let (status, headers, doc) = get_json(&format!(
        "{base}/{tenant}/v2.0/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(doc["issuer"], format!("{base}/{issuer_tenant}/v2.0"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/{endpoint_tenant}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/{endpoint_tenant}/oauth2/v2.0/token")
    );
    assert_eq!(
        doc["jwks_uri"],
        format!("{base}/{endpoint_tenant}/discovery/v2.0/keys")
    );
    assert_eq!(
        doc["end_session_endpoint"],
        format!("{base}/{endpoint_tenant}/oauth2/v2.0/logout")
    );
    assert_eq!(
        doc["response_modes_supported"],
        serde_json::json!(["query", "fragment", "form_post"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["pairwise"])
    );
    assert!(doc["scopes_supported"].as_array().unwrap().len() >= 4);
    assert!(
        doc["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&"tid".into())
    );
}

#[tokio::test]
async fn discovery_at_organizations_and_common_has_the_tenantid_template() {
    check_discovery("organizations", "{tenantid}", "organizations").await;
    check_discovery("common", "{tenantid}", "common").await;
}

#[tokio::test]
async fn discovery_at_a_tenant_guid_or_domain_is_concrete() {
    check_discovery(CONTOSO, CONTOSO, CONTOSO).await;
    check_discovery("fabrikam.onmicrosoft.com", FABRIKAM, FABRIKAM).await;
    check_discovery(&CONTOSO.to_uppercase(), CONTOSO, CONTOSO).await;
}

async fn check_unknown_tenant(tenant: &str, error: &str, code: u32) {
    let emulator = emulator().await;
    let (status, headers, body) = get_json(&format!(
        "{}/{tenant}/v2.0/.well-known/openid-configuration",
        emulator.base_url()
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(body["error"], error);
    assert_eq!(body["error_codes"][0], code);
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains(tenant), "{description}");
    let timestamp = body["timestamp"].as_str().unwrap();
    assert_eq!(timestamp.len(), "2025-01-01 00:00:00Z".len(), "{timestamp}");
    assert!(timestamp.ends_with('Z'));
    assert_eq!(body["trace_id"].as_str().unwrap().len(), 36);
    assert_eq!(body["correlation_id"].as_str().unwrap().len(), 36);
}

#[tokio::test]
async fn unknown_tenants_are_refused_in_entra_shape() {
    check_unknown_tenant("nowhere.onmicrosoft.com", "invalid_tenant", 90002).await;
    check_unknown_tenant(
        "00000000-1111-2222-3333-444444444444",
        "invalid_tenant",
        90002,
    )
    .await;
    check_unknown_tenant("nowhere", "invalid_tenant", 900023).await;
}

#[tokio::test]
async fn jwks_publishes_rs256_keys_with_cors() {
    let emulator = emulator().await;
    let (status, headers, jwks) = get_json(&format!(
        "{}/organizations/discovery/v2.0/keys",
        emulator.base_url()
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    assert_eq!(key["kid"], key["x5t"]);
    // 2048-bit modulus: 256 bytes, 342 base64url characters.
    assert_eq!(key["n"].as_str().unwrap().len(), 342);
    assert_eq!(key["kid"], emulator.identity().current_kid());
}

#[tokio::test]
async fn the_id_token_verifies_against_the_jwks() {
    let emulator = emulator().await;
    let auth = Auth::new("organizations");
    let body = tokens(
        &emulator,
        &auth,
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    let (_, _, jwks) = get_json(&format!(
        "{}/{CONTOSO}/discovery/v2.0/keys",
        emulator.base_url()
    ))
    .await;
    let claims = verify_jwt(body["id_token"].as_str().unwrap(), &jwks).unwrap();
    assert_eq!(claims["nonce"], "nonce-123");
    verify_jwt(body["access_token"].as_str().unwrap(), &jwks).unwrap();
    // A tampered token does not verify.
    let token = body["id_token"].as_str().unwrap();
    let (head, rest) = token.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged_claims = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::json!({ "oid": "someone-else" }).to_string(),
    );
    assert!(verify_jwt(&format!("{head}.{forged_claims}.{sig}"), &jwks).is_err());
}

#[tokio::test]
async fn rotation_keeps_old_tokens_verifiable_and_signs_new_ones_with_the_new_key() {
    let emulator = emulator().await;
    let base = emulator.base_url().to_string();
    let upn = "rita@contoso.onmicrosoft.com";
    let before = tokens(&emulator, &Auth::new("organizations"), upn, "Rita-dev-1").await;
    let old_token = before["id_token"].as_str().unwrap().to_string();
    let (old_header, _) = decode_jwt(&old_token);

    let new_kid = emulator.identity().rotate_keys();
    assert_ne!(old_header["kid"], new_kid.as_str());

    let (_, _, jwks) = get_json(&format!("{base}/organizations/discovery/v2.0/keys")).await;
    assert_eq!(jwks["keys"][0]["kid"], new_kid.as_str(), "newest key first");
    verify_jwt(&old_token, &jwks).expect("earlier token still verifies");

    let after = tokens(&emulator, &Auth::new("organizations"), upn, "Rita-dev-1").await;
    let new_token = after["id_token"].as_str().unwrap();
    let (new_header, _) = decode_jwt(new_token);
    assert_eq!(new_header["kid"], new_kid.as_str());
    assert_eq!(new_header["typ"], "JWT");
    verify_jwt(new_token, &jwks).expect("new token verifies");
}

#[tokio::test]
async fn the_public_url_is_the_issuer_host() {
    let emulator = start(Options {
        public_url: Some("http://localhost:8480/".into()),
        ..Options::default()
    })
    .await
    .unwrap();
    let (_, _, doc) = get_json(&format!(
        "{}/{CONTOSO}/v2.0/.well-known/openid-configuration",
        emulator.base_url()
    ))
    .await;
    assert_eq!(
        doc["issuer"],
        format!("http://localhost:8480/{CONTOSO}/v2.0")
    );
    assert_eq!(emulator.public_url(), "http://localhost:8480");

    let err = start(Options {
        public_url: Some("localhost:8480/path".into()),
        ..Options::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("public URL"), "{err}");
}

#[tokio::test]
async fn a_malformed_directory_file_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("twinscope-bad-dir-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"tenants": [], "apps": [], "users": [{"upn": "x"}]}"#,
    )
    .unwrap();
    let err = start(Options {
        directory: Some(path.clone()),
        ..Options::default()
    })
    .await
    .unwrap_err()
    .to_string();
    std::fs::remove_file(&path).ok();
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("missing field"), "{err}");
}

#[tokio::test]
async fn dev_accounts_lists_every_user_with_password_tenant_and_roles() {
    let emulator = emulator().await;
    let text = reqwest::get(format!("{}/dev/accounts", emulator.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let megan = text.lines().find(|l| l.starts_with("megan@")).unwrap();
    for part in [
        "Megan-dev-1",
        "Contoso",
        "Twins.Reader",
        "guest in Fabrikam",
    ] {
        assert!(megan.contains(part), "{megan}");
    }
    let alex = text.lines().find(|l| l.starts_with("alex@")).unwrap();
    assert!(alex.contains("Twins.Admin"), "{alex}");
    assert_eq!(
        text.lines().count(),
        emulator.identity().directory().users.len()
    );
}
