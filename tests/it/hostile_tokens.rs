//! Hostile tokens and sign-in responses, one test per case of issue #8: forged ID tokens
//! (`alg: none`, HS256 keyed with the public key, unknown `kid`, truncated, oversized,
//! non-JSON, duplicate claims, bad `tid`, `iss`/`tid` mismatch, tenants outside the
//! allow-list, expired, issued in the future), replayed `state` and code, the `iss`
//! parameter mix-up, off-site return paths, storage cleared or edited between the redirect
//! and the return, and tokens kept to their own tenant and host.
//!
//! The ID-token cases sign with a key generated here and run the real decoder and checks
//! (`auth::jwt`, `auth::id_token`); the flow cases run the real `AuthClient` against the
//! in-process identity emulator (`tests/support`).
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use std::sync::OnceLock;

use crate::support::{ADT, CONTOSO, FABRIKAM, Fixture};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use twinscope::adt::{AdtClient, CancelFlag, TokenProvider};
use twinscope::auth::client::{AccessToken, AuthError, SignInOptions};
use twinscope::auth::id_token::{self, Expectations, IdTokenClaims, IdTokenError, Jwks};
use twinscope::auth::jwt::{JwtError, MAX_TOKEN_LEN, Segment};
use twinscope::auth::resources::{ProtectedResource, ResourceMap};
use twinscope::auth::return_path::{ReturnPath, ReturnPathError};
use twinscope::auth::transaction::TransactionError;
use twinscope::config::AdtPathPrefix;
use twinscope::ids::{AdtHost, ClientId, TenantId};

// ---- ID tokens ---------------------------------------------------------------------------

const ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
const CLIENT: &str = "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13";
const TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const OTHER_TENANT: &str = "bbbbbbbb-0000-4000-8000-000000000002";
const NOW: i64 = 1_800_000_000;
const NONCE: &str = "n-0S6_WzA2Mj";

fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())
}

/// The published key set, as text (what an attacker can read too).
fn jwks_text() -> String {
    let public = key().to_public_key();
    json!({ "keys": [{ "kty": "RSA", "use": "sig", "kid": "k1",
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()) }]})
    .to_string()
}

fn claims() -> Value {
    json!({
        "aud": CLIENT, "iss": format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
        "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3540,
        "oid": "11111111-2222-4333-8444-555555555555", "sub": "pairwise-sub", "tid": TENANT,
        "nonce": NONCE, "preferred_username": "adele@contoso.onmicrosoft.com",
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut c = claims();
    c[field] = value;
    c
}

/// `header.claims` from raw JSON texts (so duplicates and non-JSON survive), RS256-signed.
fn sign_raw(header: &str, claims: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = SigningKey::<Sha256>::new(key().clone()).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

fn sign(claims: &Value) -> String {
    sign_raw(
        r#"{"typ":"JWT","alg":"RS256","kid":"k1"}"#,
        &claims.to_string(),
    )
}

/// HMAC-SHA256 (RFC 2104), for forging the "HS256 keyed with the public key" token.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// The one ID-token check: the real `validate` with this deployment's expectations.
fn check(token: &str, allow: &[TenantId]) -> Result<IdTokenClaims, IdTokenError> {
    let client = ClientId::parse(CLIENT).unwrap();
    let jwks = Jwks::from_json(&jwks_text()).unwrap();
    let expect = Expectations {
        issuer: ISSUER,
        client_id: &client,
        nonce: Some(NONCE),
        now: NOW,
        tenant_allow_list: allow,
    };
    twinscope::auth::signature::finished(id_token::validate(token, &jwks, &expect))
}

fn refused(token: &str) -> IdTokenError {
    check(token, &[]).expect_err("a hostile token must be refused")
}

#[test]
fn a_genuine_id_token_passes_the_same_checks() {
    assert_eq!(
        check(&sign(&claims()), &[]).unwrap().tenant.as_str(),
        TENANT
    );
}

#[test]
fn id_token_with_alg_none_is_refused() {
    for alg in ["none", "None", "NONE"] {
        let token = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","kid":"k1"}}"#)),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        let e = refused(&token);
        assert!(
            matches!(
                e,
                IdTokenError::Malformed(JwtError::UnsupportedAlgorithm(_))
                    | IdTokenError::Malformed(JwtError::EmptySegment(Segment::Signature))
            ),
            "{alg}: {e:?}"
        );
    }
}

#[test]
fn id_token_hs256_signed_with_the_public_key_is_refused() {
    let secret = jwks_text();
    let n = key().to_public_key().n().to_bytes_be();
    for (alg, hmac_key) in [
        ("HS256", secret.as_bytes()),
        ("HS256", n.as_slice()),
        ("RS256", secret.as_bytes()),
    ] {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","kid":"k1"}}"#)),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        let mac = hmac_sha256(hmac_key, input.as_bytes());
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac));
        let expected = if alg == "HS256" {
            IdTokenError::Malformed(JwtError::UnsupportedAlgorithm("HS256".into()))
        } else {
            IdTokenError::BadSignature
        };
        assert_eq!(refused(&token), expected, "{alg}");
    }
}

#[test]
fn id_token_with_an_unknown_kid_is_refused() {
    let token = sign_raw(
        r#"{"alg":"RS256","kid":"not-published"}"#,
        &claims().to_string(),
    );
    assert_eq!(
        refused(&token),
        IdTokenError::UnknownKey("not-published".into())
    );
    let no_kid = sign_raw(r#"{"alg":"RS256"}"#, &claims().to_string());
    assert_eq!(refused(&no_kid), IdTokenError::NoKeyId);
}

#[test]
fn id_token_with_truncated_segments_is_refused() {
    let genuine = sign(&claims());
    let parts: Vec<&str> = genuine.split('.').collect();
    let cases = [
        (
            genuine[..genuine.len() - 1].to_owned(),
            "signature short by one",
        ),
        (format!("{}.{}.", parts[0], parts[1]), "signature empty"),
        (format!("{}.{}", parts[0], parts[1]), "two segments"),
        (parts[0].to_owned(), "one segment"),
        (
            format!(
                "{}.{}.{}",
                parts[0],
                &parts[1][..parts[1].len() - 3],
                parts[2]
            ),
            "claims cut",
        ),
        (
            format!("{}.{}.{}", &parts[0][..5], parts[1], parts[2]),
            "header cut",
        ),
        (String::new(), "empty"),
    ];
    for (token, case) in cases {
        let e = check(&token, &[]).expect_err(case);
        assert!(
            matches!(e, IdTokenError::BadSignature | IdTokenError::Malformed(_)),
            "{case}: {e:?}"
        );
    }
}

#[test]
fn id_token_with_oversized_segments_is_refused_before_decoding() {
    let mut big = claims();
    big["padding"] = json!("x".repeat(MAX_TOKEN_LEN));
    let token = sign(&big);
    assert_eq!(
        refused(&token),
        IdTokenError::Malformed(JwtError::TooLarge { len: token.len() })
    );
    // A four-segment token (JWE-like) and a huge signature are refused as well.
    let genuine = sign(&claims());
    assert_eq!(
        refused(&format!("{genuine}.extra")),
        IdTokenError::Malformed(JwtError::WrongSegmentCount(4))
    );
    let long_sig = format!("{genuine}{}", "A".repeat(MAX_TOKEN_LEN));
    assert!(matches!(
        refused(&long_sig),
        IdTokenError::Malformed(JwtError::TooLarge { .. })
    ));
}

#[test]
fn id_token_with_non_json_claims_is_refused() {
    let e = refused(&sign_raw(r#"{"alg":"RS256","kid":"k1"}"#, "tid=contoso"));
    assert!(
        matches!(
            e,
            IdTokenError::Malformed(JwtError::NotJson {
                segment: Segment::Claims,
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(
        refused(&sign_raw(r#"{"alg":"RS256","kid":"k1"}"#, "[1,2]")),
        IdTokenError::Malformed(JwtError::NotAnObject(Segment::Claims))
    );
}

#[test]
fn id_token_with_duplicate_claims_is_refused() {
    // A genuine signature over claims that name `tid` twice: serde would keep the last.
    let text = claims().to_string();
    let duplicated = text.replacen('{', &format!(r#"{{"tid":"{OTHER_TENANT}","#), 1);
    assert_eq!(
        refused(&sign_raw(r#"{"alg":"RS256","kid":"k1"}"#, &duplicated)),
        IdTokenError::Malformed(JwtError::DuplicateMember {
            segment: Segment::Claims,
            name: "tid".into()
        })
    );
    assert_eq!(
        refused(&sign_raw(
            r#"{"alg":"HS256","alg":"RS256","kid":"k1"}"#,
            &claims().to_string()
        )),
        IdTokenError::Malformed(JwtError::DuplicateMember {
            segment: Segment::Header,
            name: "alg".into()
        })
    );
}

#[test]
fn id_token_whose_tid_is_not_a_guid_is_refused() {
    for tid in [
        "contoso",
        "contoso.onmicrosoft.com",
        "",
        "{aaaaaaaa-0000-4000-8000-000000000001}",
    ] {
        assert_eq!(
            refused(&sign(&with("tid", json!(tid)))),
            IdTokenError::TenantNotGuid(tid.into()),
            "{tid}"
        );
    }
}

#[test]
fn id_token_whose_iss_and_tid_disagree_is_refused() {
    let e = refused(&sign(&with("tid", json!(OTHER_TENANT))));
    assert!(matches!(e, IdTokenError::IssuerMismatch { .. }), "{e:?}");
    let e = refused(&sign(&with(
        "iss",
        json!(format!("https://login.evil.example/{TENANT}/v2.0")),
    )));
    assert!(matches!(e, IdTokenError::IssuerMismatch { .. }), "{e:?}");
}

#[test]
fn id_token_from_a_tenant_outside_the_allow_list_is_refused() {
    let allow = [TenantId::parse(OTHER_TENANT).unwrap()];
    assert_eq!(
        check(&sign(&claims()), &allow).unwrap_err(),
        IdTokenError::TenantNotAllowed(TenantId::parse(TENANT).unwrap())
    );
}

#[test]
fn an_expired_id_token_is_refused() {
    let exp = NOW - id_token::SKEW_SECONDS;
    assert_eq!(
        refused(&sign(&with("exp", json!(exp)))),
        IdTokenError::Expired { exp, now: NOW }
    );
}

#[test]
fn an_id_token_issued_in_the_future_is_refused() {
    let iat = NOW + id_token::SKEW_SECONDS + 1;
    assert_eq!(
        refused(&sign(&with("iat", json!(iat)))),
        IdTokenError::IssuedInFuture { iat, now: NOW }
    );
}

// ---- return paths ------------------------------------------------------------------------

/// The one return-path check: refused, as an off-site or non-relative path.
fn check_off_site(path: &str) {
    let e = ReturnPath::parse(path).expect_err(path);
    assert!(
        matches!(
            e,
            ReturnPathError::OffSite(_)
                | ReturnPathError::NotRelative(_)
                | ReturnPathError::BadCharacters
        ),
        "{path}: {e:?}"
    );
}

#[test]
fn return_path_protocol_relative_evil_example_is_refused() {
    check_off_site("//evil.example");
    check_off_site("//evil.example/t/x");
    check_off_site("///evil.example");
}

#[test]
fn return_path_https_colon_evil_is_refused() {
    check_off_site("https:evil.example");
    check_off_site("https://evil.example/");
    check_off_site("javascript:alert(1)");
    check_off_site("data:text/html,<script>alert(1)</script>");
}

#[test]
fn return_path_slash_backslash_evil_is_refused() {
    check_off_site("/\\evil.example");
    check_off_site("\\\\evil.example");
    check_off_site("/%5cevil.example");
    check_off_site("/%5C%5Cevil.example");
}

#[test]
fn return_path_percent_encoded_double_slash_is_refused() {
    check_off_site("/%2F%2Fevil.example");
    check_off_site("/%2f%2fevil.example");
    check_off_site("/%2Fevil.example");
    check_off_site("/%252F%252Fevil.example");
}

#[test]
fn return_path_with_tabs_or_newlines_is_refused() {
    // Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil…".
    check_off_site("/\t/evil.example");
    check_off_site("/\n/evil.example");
    check_off_site("/\r\n/evil.example");
    check_off_site(" //evil.example");
}

#[test]
fn return_path_to_a_same_origin_address_that_is_not_a_page_of_the_app_is_refused() {
    for path in [
        "/adt/contoso.api.weu.digitaltwins.azure.net/models",
        "/config.json",
        "/signed-out",
        "/t/x/../../adt/h/models",
        "/t/x/%2e%2e/%2e%2e/config.json",
    ] {
        assert_eq!(
            ReturnPath::parse(path),
            Err(ReturnPathError::NotAnAppPath(path.to_owned())),
            "{path}"
        );
    }
}

#[test]
fn return_path_same_origin_deep_links_are_kept() {
    for ok in ["/", "/t/x/i/h/twins?q=a%2Fb", "/settings#x"] {
        assert_eq!(ReturnPath::parse(ok).unwrap().as_str(), ok);
    }
}

// ---- the sign-in flow against the emulator -----------------------------------------------

const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");

/// Starts a sign-in and returns the fragment the identity platform redirected back with.
async fn redirect_back(f: &Fixture, options: SignInOptions) -> String {
    let url = f.client.begin_sign_in(options).await.unwrap();
    f.browser_sign_in(&url, ADELE.0, ADELE.1).await
}

/// The one storage-edit helper: rewrites one field of every sign-in record in this tab.
fn edit_records(f: &Fixture, field: &str, value: Value) {
    let storage = f.session_storage();
    let keys: Vec<String> = storage
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("twinscope.auth.tx."))
        .collect();
    assert_eq!(keys.len(), 1, "one sign-in in flight: {keys:?}");
    for key in keys {
        let mut record: Value = serde_json::from_str(&storage.get(&key).unwrap()).unwrap();
        record[field] = value.clone();
        storage.set(&key, &record.to_string()).unwrap();
    }
}

/// The sign-in records (nonce, PKCE verifier, return path) in this tab's storage.
fn pending_records(f: &Fixture) -> Vec<String> {
    f.session_storage()
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("twinscope.auth.tx."))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_sign_in_response_removes_its_record_at_once() {
    let f = Fixture::start().await;
    for tampered in [
        |fragment: &str| format!("{fragment}&code=second"),
        |fragment: &str| format!("{fragment}&state=again"),
        |fragment: &str| format!("{fragment}&error=access_denied"),
    ] {
        let fragment = redirect_back(&f, SignInOptions::default()).await;
        assert_eq!(pending_records(&f).len(), 1, "a sign-in in flight");
        let before = f.token_requests();
        let e = f.client.complete_sign_in(&tampered(&fragment)).await;
        assert!(matches!(e, Err(AuthError::Response(_))), "{e:?}");
        assert_eq!(f.token_requests(), before, "nothing exchanged");
        assert!(
            pending_records(&f).is_empty(),
            "the record is gone at once, not at the 10-minute sweep"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_replayed_state_is_refused_without_a_second_exchange() {
    let f = Fixture::start().await;
    let fragment = redirect_back(&f, SignInOptions::default()).await;
    f.client.complete_sign_in(&fragment).await.unwrap().unwrap();
    let before = f.token_requests();
    let e = f.client.complete_sign_in(&fragment).await.unwrap_err();
    assert!(
        matches!(
            e,
            AuthError::Transaction(TransactionError::AlreadyAnswered(_))
        ),
        "{e:?}"
    );
    assert_eq!(f.token_requests(), before, "a replay exchanges nothing");
    assert_eq!(f.client.accounts().len(), 1, "and adds no account");
}

#[tokio::test(flavor = "current_thread")]
async fn a_replayed_code_under_a_fresh_state_is_refused() {
    let f = Fixture::start().await;
    let captured = redirect_back(&f, SignInOptions::default()).await;
    f.client.complete_sign_in(&captured).await.unwrap().unwrap();
    // The attacker starts their own sign-in and injects the captured code into its return.
    let fresh = redirect_back(&f, SignInOptions::default()).await;
    let state = fresh
        .trim_start_matches('#')
        .split('&')
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_owned();
    let injected = support::replace_param(&captured, "state", &state);
    let accounts = f.client.accounts().len();
    let e = f.client.complete_sign_in(&injected).await.unwrap_err();
    assert!(matches!(e, AuthError::SignIn(_)), "{e:?}");
    assert_eq!(
        f.client.accounts().len(),
        accounts,
        "no account from a replayed code"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_iss_parameter_from_another_issuer_is_refused_before_any_exchange() {
    let f = Fixture::start().await;
    let fragment = redirect_back(&f, SignInOptions::default()).await;
    let evil = "https%3A%2F%2Flogin.evil.example%2F9e16b21b-807b-43e3-95d5-439af2c3b46b%2Fv2.0";
    let mixed = if fragment.contains("iss=") {
        support::replace_param(&fragment, "iss", evil)
    } else {
        format!("{fragment}&iss={evil}")
    };
    let before = f.token_requests();
    let e = f.client.complete_sign_in(&mixed).await.unwrap_err();
    assert!(
        matches!(e, AuthError::IssuerParameterMismatch { .. }),
        "{e:?}"
    );
    assert_eq!(f.token_requests(), before, "the code goes nowhere");
    assert!(f.client.accounts().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn an_iss_parameter_naming_another_tenant_is_refused() {
    let f = Fixture::start().await;
    let fragment = redirect_back(&f, SignInOptions::default()).await;
    let base = f.emulator.base_url().to_owned();
    let other = format!("{base}/{FABRIKAM}/v2.0")
        .replace(':', "%3A")
        .replace('/', "%2F");
    let mixed = if fragment.contains("iss=") {
        support::replace_param(&fragment, "iss", &other)
    } else {
        format!("{fragment}&iss={other}")
    };
    let e = f.client.complete_sign_in(&mixed).await.unwrap_err();
    assert!(
        matches!(e, AuthError::IssuerParameterMismatch { .. }),
        "{e:?}"
    );
    assert!(f.client.accounts().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn storage_cleared_between_redirect_and_return_refuses_without_exchange() {
    let f = Fixture::start().await;
    let fragment = redirect_back(&f, SignInOptions::default()).await;
    let storage = f.session_storage();
    for key in storage.keys() {
        storage.remove(&key);
    }
    let before = f.token_requests();
    let e = f.client.complete_sign_in(&fragment).await.unwrap_err();
    assert_eq!(e, AuthError::Transaction(TransactionError::UnknownState));
    assert_eq!(f.token_requests(), before);
    // Nothing is stuck: the user can simply sign in again.
    let again = redirect_back(&f, SignInOptions::default()).await;
    f.client.complete_sign_in(&again).await.unwrap().unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn storage_edited_to_an_off_site_return_path_lands_on_the_home_page() {
    let f = Fixture::start().await;
    let options = SignInOptions {
        return_path: Some(ReturnPath::parse("/settings").unwrap()),
        ..SignInOptions::default()
    };
    let fragment = redirect_back(&f, options).await;
    edit_records(&f, "returnPath", json!("//evil.example/phish"));
    let signed_in = f.client.complete_sign_in(&fragment).await.unwrap().unwrap();
    assert_eq!(signed_in.return_path, ReturnPath::home());
}

#[tokio::test(flavor = "current_thread")]
async fn storage_edited_to_a_non_app_path_lands_on_the_home_page() {
    let f = Fixture::start().await;
    let options = SignInOptions {
        return_path: Some(ReturnPath::parse("/settings").unwrap()),
        ..SignInOptions::default()
    };
    let fragment = redirect_back(&f, options).await;
    edit_records(
        &f,
        "returnPath",
        json!("/adt/contoso.api.weu.digitaltwins.azure.net/models"),
    );
    let signed_in = f.client.complete_sign_in(&fragment).await.unwrap().unwrap();
    assert_eq!(signed_in.return_path, ReturnPath::home());
}

#[tokio::test(flavor = "current_thread")]
async fn storage_edited_to_another_pkce_verifier_fails_the_exchange() {
    let f = Fixture::start().await;
    let fragment = redirect_back(&f, SignInOptions::default()).await;
    edit_records(&f, "verifier", json!(URL_SAFE_NO_PAD.encode([7u8; 32])));
    let e = f.client.complete_sign_in(&fragment).await.unwrap_err();
    assert!(matches!(e, AuthError::SignIn(_)), "{e:?}");
    assert!(f.client.accounts().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn storage_edited_into_garbage_is_tampering_and_exchanges_nothing() {
    for (field, value) in [
        ("verifier", json!("short")),
        ("nonce", json!(42)),
        ("startedAt", json!("yesterday")),
    ] {
        let f = Fixture::start().await;
        let fragment = redirect_back(&f, SignInOptions::default()).await;
        edit_records(&f, field, value);
        let before = f.token_requests();
        let e = f.client.complete_sign_in(&fragment).await.unwrap_err();
        assert_eq!(
            e,
            AuthError::Transaction(TransactionError::Tampered),
            "{field}"
        );
        assert_eq!(f.token_requests(), before, "{field}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn storage_edited_to_swap_the_nonce_fails_the_id_token_check() {
    let f = Fixture::start().await;
    let fragment = redirect_back(&f, SignInOptions::default()).await;
    edit_records(&f, "nonce", json!("attacker-chosen-nonce"));
    let e = f.client.complete_sign_in(&fragment).await.unwrap_err();
    assert_eq!(e, AuthError::IdToken(IdTokenError::NonceMismatch));
    assert!(f.client.accounts().is_empty());
}

// ---- tokens stay with their tenant and host ------------------------------------------------

const CAMPUS: &str = "contoso-campus.api.weu.digitaltwins.azure.net";

#[tokio::test(flavor = "current_thread")]
async fn a_fabrikam_token_is_never_sent_to_a_contoso_instance() {
    let f = Fixture::start().await;
    let account = f
        .sign_in("megan@contoso.onmicrosoft.com", "Megan-dev-1")
        .await;
    // Fabrikam first, so a tenant-blind cache would hand it out for Contoso next.
    let fabrikam = f.silent(&account, FABRIKAM, ADT).await.unwrap();
    let contoso = f.silent(&account, CONTOSO, ADT).await.unwrap();
    assert_eq!(support::claim(fabrikam.secret.expose(), "tid"), FABRIKAM);
    assert_eq!(support::claim(contoso.secret.expose(), "tid"), CONTOSO);
    for _ in 0..3 {
        let again = f.silent(&account, CONTOSO, ADT).await.unwrap();
        assert_eq!(again.secret.expose(), contoso.secret.expose());
    }
    // The AdtClient for a Contoso instance, with the provider the instance page builds for
    // Contoso: every request it sends carries the Contoso token.
    let sent = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let http = {
        let sent = sent.clone();
        std::rc::Rc::new(move |request: twinscope::auth::http::HttpRequest| {
            let auth = request.headers.get("authorization").unwrap().to_owned();
            sent.borrow_mut().push(auth);
            let answer = twinscope::auth::http::HttpResponse::new(200).with_body(r#"{"value":[]}"#);
            Box::pin(std::future::ready(Ok(answer))) as twinscope::auth::http::ResponseFuture
        })
    };
    let token: TokenProvider = {
        let client = f.client.clone();
        let home = account.home.clone();
        std::rc::Rc::new(move || {
            let client = client.clone();
            let home = home.clone();
            Box::pin(async move {
                client
                    .acquire_token_silent(
                        &home,
                        &TenantId::parse(CONTOSO).unwrap(),
                        &twinscope::auth::cache::ScopeSet::new([ADT]),
                    )
                    .await
            })
        })
    };
    let adt = AdtClient::new(
        &AdtPathPrefix::parse("/adt").unwrap(),
        AdtHost::parse(CAMPUS).unwrap(),
        http,
        token,
    );
    adt.list_models(false).await.unwrap();
    adt.query_all("SELECT * FROM digitaltwins", |_| {}, CancelFlag::new())
        .await
        .unwrap();
    let sent = sent.borrow().clone();
    assert!(!sent.is_empty());
    for auth in &sent {
        let bearer = auth.strip_prefix("Bearer ").unwrap();
        assert_eq!(support::claim(bearer, "tid"), CONTOSO);
        assert_ne!(bearer, fabrikam.secret.expose());
    }
    // And the service side: the Contoso instance refuses a Fabrikam token outright.
    let base = f.emulator.base_url();
    let refused = reqwest::Client::new()
        .get(format!("{base}/adt/{CAMPUS}/models?api-version=2023-10-31"))
        .bearer_auth(fabrikam.secret.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 404, "Sub-domain not found");
}

fn resource_map() -> ResourceMap {
    ResourceMap::new(
        "https://twinscope.contoso.com",
        &AdtPathPrefix::parse("/adt").unwrap(),
        &[".digitaltwins.azure.net"],
        "https://management.azure.com",
    )
}

#[test]
fn a_host_outside_the_protected_resource_map_never_gets_a_bearer() {
    let map = resource_map();
    for url in [
        "https://evil.example/adt/x.api.weu.digitaltwins.azure.net/models",
        "//evil.example/adt/x.api.weu.digitaltwins.azure.net/models",
        "/adt/evil.example/models",
        "/adt/x.api.weu.digitaltwins.azure.net.evil.example/models",
        "/adt/127.0.0.1/models",
        "/adt/[::1]/models",
        "/adt/x.api.weu.digitaltwins.azure.net%2F..%2F..%2Fevil/models",
        "/adt/x.api.weu.digitaltwins.azure.net/../../evil/models",
        "/adt/user@x.api.weu.digitaltwins.azure.net/models",
        "/adt/x.api.weu.digitaltwins.azure.net:443/models",
        "/config.json",
        "/",
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
        "http://management.azure.com/subscriptions",
        "https://management.azure.com.evil.example/subscriptions",
        "https://x.api.weu.digitaltwins.azure.net/models",
        "/adt/x.api.weu.digitaltwins.azure.net\\..\\evil/models",
        "/adt/x.api.weu.digitaltwins.azure.net/\r\nmodels",
    ] {
        assert_eq!(map.resource_for(url), None, "{url}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_url_the_adt_client_sends_a_bearer_to_is_in_the_protected_resource_map() {
    let host = AdtHost::parse(CAMPUS).unwrap();
    let urls = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    // A hostile server: next links and continuation tokens that point elsewhere.
    let http = {
        let urls = urls.clone();
        std::rc::Rc::new(move |request: twinscope::auth::http::HttpRequest| {
            urls.borrow_mut().push(request.url);
            let body = json!({"value": [], "nextLink": "https://evil.example/models?x=1",
                "continuationToken": "c"});
            let answer = twinscope::auth::http::HttpResponse::new(200).with_body(body.to_string());
            Box::pin(std::future::ready(Ok(answer))) as twinscope::auth::http::ResponseFuture
        })
    };
    let token: TokenProvider = std::rc::Rc::new(|| {
        Box::pin(std::future::ready(Ok(AccessToken {
            secret: std::rc::Rc::new(twinscope::auth::cache::Secret::new("t")),
            expires_at: i64::MAX,
        })))
    });
    let adt = AdtClient::new(
        &AdtPathPrefix::parse("/adt").unwrap(),
        host.clone(),
        http,
        token,
    );
    let _ = adt.list_models(true).await;
    let _ = adt
        .query_all("SELECT * FROM digitaltwins", |_| {}, CancelFlag::new())
        .await;
    let _ = adt.get_twin("room-1").await;
    let hostile_from = urls.borrow().len();
    let _ = adt.get_twin("room/../../evil.example").await;
    let map = resource_map();
    let urls = urls.borrow();
    assert!(hostile_from >= 3, "{urls:?}");
    // An id that tries to climb out of the instance path stays one encoded segment of the
    // same instance (the map, stricter, would give such a URL no bearer at all).
    for url in &urls[hostile_from..] {
        let prefix = format!("/adt/{CAMPUS}/digitaltwins/");
        let rest = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("{url}"));
        let segment = rest.split('?').next().unwrap();
        assert!(!segment.contains('/'), "{url}");
    }
    for url in &urls[..hostile_from] {
        assert_eq!(
            map.resource_for(url),
            Some(ProtectedResource::DigitalTwins(host.clone())),
            "{url}"
        );
    }
}
