//! ID-token signatures in the browser are checked by WebCrypto (`auth::signature`): the same
//! rules the native tests prove with RustCrypto, here against keys Chromium generates.
#![cfg(target_arch = "wasm32")]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Array, Object, Reflect, Uint8Array};
use twinscope::auth::id_token::{self, IdTokenError, Jwk, Jwks};
use twinscope::auth::jwt;
use twinscope::auth::signature::{SignatureError, verify_rs256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";

fn subtle() -> web_sys::SubtleCrypto {
    web_sys::window().unwrap().crypto().unwrap().subtle()
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

/// A fresh RS256 key pair from the browser, with its public half as a JWKS entry.
struct TestKey {
    private: web_sys::CryptoKey,
    jwk: Jwk,
}

async fn test_key(kid: &str) -> TestKey {
    let algorithm = Object::new();
    for (k, v) in [
        ("name", JsValue::from_str(ALGORITHM)),
        ("modulusLength", JsValue::from_f64(2048.0)),
        (
            "publicExponent",
            Uint8Array::from([1u8, 0, 1].as_slice()).into(),
        ),
        ("hash", JsValue::from_str("SHA-256")),
    ] {
        Reflect::set(&algorithm, &JsValue::from_str(k), &v).unwrap();
    }
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let pair = JsFuture::from(
        subtle()
            .generate_key_with_object(&algorithm, true, &usages)
            .unwrap(),
    )
    .await
    .unwrap();
    let public: web_sys::CryptoKey = get(&pair, "publicKey").unchecked_into();
    let exported = JsFuture::from(subtle().export_key("jwk", &public).unwrap())
        .await
        .unwrap();
    let jwks = serde_json::json!({ "keys": [{
        "kty": "RSA", "use": "sig", "kid": kid,
        "n": get(&exported, "n").as_string().unwrap(),
        "e": get(&exported, "e").as_string().unwrap(),
    }]});
    let jwk = Jwks::from_json(&jwks.to_string()).unwrap().keys.remove(0);
    TestKey {
        private: get(&pair, "privateKey").unchecked_into(),
        jwk,
    }
}

async fn sign(key: &TestKey, data: &[u8]) -> Vec<u8> {
    let signature = JsFuture::from(
        subtle()
            .sign_with_str_and_u8_array(ALGORITHM, &key.private, data)
            .unwrap(),
    )
    .await
    .unwrap();
    Uint8Array::new(&signature).to_vec()
}

#[wasm_bindgen_test]
async fn a_signature_from_the_key_is_accepted_and_any_change_is_refused() {
    let key = test_key("k1").await;
    let data = b"header.claims";
    let mut signature = sign(&key, data).await;
    assert_eq!(verify_rs256(&key.jwk, data, &signature).await, Ok(()));

    assert_eq!(
        verify_rs256(&key.jwk, b"header.claimz", &signature).await,
        Err(SignatureError::Invalid),
        "other data"
    );
    signature[10] ^= 1;
    assert_eq!(
        verify_rs256(&key.jwk, data, &signature).await,
        Err(SignatureError::Invalid),
        "a flipped bit"
    );
    assert_eq!(
        verify_rs256(&key.jwk, data, &signature[..100]).await,
        Err(SignatureError::Invalid),
        "a truncated signature"
    );
    assert_eq!(
        verify_rs256(&key.jwk, data, &[]).await,
        Err(SignatureError::Invalid),
        "no signature at all"
    );
}

#[wasm_bindgen_test]
async fn another_keys_signature_is_refused() {
    let ours = test_key("ours").await;
    let theirs = test_key("theirs").await;
    let data = b"header.claims";
    let signature = sign(&theirs, data).await;
    assert_eq!(
        verify_rs256(&ours.jwk, data, &signature).await,
        Err(SignatureError::Invalid)
    );
}

#[wasm_bindgen_test]
async fn a_signed_token_passes_the_signature_rule_and_a_forged_one_does_not() {
    let key = test_key("k1").await;
    let jwks = Jwks {
        keys: vec![key.jwk.clone()],
    };
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    let claims = URL_SAFE_NO_PAD.encode(br#"{"tid":"9e16b21b-807b-43e3-95d5-439af2c3b46b"}"#);
    let input = format!("{header}.{claims}");
    let signature = URL_SAFE_NO_PAD.encode(sign(&key, input.as_bytes()).await);

    let token = jwt::decode(&format!("{input}.{signature}")).unwrap();
    assert_eq!(id_token::verify_signature(&token, &jwks).await, Ok(()));

    let forged_claims =
        URL_SAFE_NO_PAD.encode(br#"{"tid":"9cfa42f1-3911-49e1-a538-13453e29a36b"}"#);
    let forged = jwt::decode(&format!("{header}.{forged_claims}.{signature}")).unwrap();
    assert_eq!(
        id_token::verify_signature(&forged, &jwks).await,
        Err(IdTokenError::BadSignature)
    );
}

/// PKCE's `S256` challenge by WebCrypto's SHA-256: RFC 7636 Appendix B's example, and a
/// verifier the app generates, against a digest computed here by `crypto.subtle` directly.
#[wasm_bindgen_test]
async fn the_pkce_challenge_is_rfc_7636s_example() {
    use twinscope::auth::transaction::PkceVerifier;
    let octets: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    let verifier = PkceVerifier::from_bytes(&octets);
    assert_eq!(
        verifier.secret(),
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    );
    assert_eq!(
        verifier.challenge().await.unwrap(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let other = PkceVerifier::from_bytes(&[7; 32]);
    let digest = JsFuture::from(
        subtle()
            .digest_with_str_and_u8_array("SHA-256", other.secret().as_bytes())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        other.challenge().await.unwrap(),
        URL_SAFE_NO_PAD.encode(Uint8Array::new(&digest).to_vec())
    );
}
