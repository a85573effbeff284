//! The SPA's ID-token path on arbitrary text: compact-JWS decoding (`auth::jwt::decode`),
//! then the signature check against a fixed key set and the claims rules
//! (`auth::id_token`). Also feeds the bytes as a claims object directly, so the claims rules
//! are exercised without needing a valid signature.
//!
//! Invariants checked beyond "no panic": a decoded token has exactly the three segments it
//! came from, and a token that fails to decode is never accepted by `validate`.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use twinscope::auth::id_token::{self, Expectations, Jwks};
use twinscope::auth::jwt;
use twinscope::auth::signature::finished;
use twinscope::ids::{ClientId, TenantId};

const CLIENT: &str = "11111111-2222-4333-8444-555555555555";
const TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
/// A real-shaped RSA key (the modulus need not match any private key: nothing verifies).
const JWKS: &str = r#"{"keys":[{"kty":"RSA","use":"sig","kid":"k1","e":"AQAB","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"}]}"#;

fn jwks() -> &'static Jwks {
    static KEYS: OnceLock<Jwks> = OnceLock::new();
    KEYS.get_or_init(|| Jwks::from_json(JWKS).expect("the fixed key set parses"))
}

fn client() -> &'static ClientId {
    static ID: OnceLock<ClientId> = OnceLock::new();
    ID.get_or_init(|| ClientId::parse(CLIENT).expect("the fixed client id is a GUID"))
}

fn allow_list() -> &'static [TenantId] {
    static LIST: OnceLock<Vec<TenantId>> = OnceLock::new();
    LIST.get_or_init(|| vec![TenantId::parse(TENANT).expect("the fixed tenant is a GUID")])
}

fn expectations() -> Expectations<'static> {
    Expectations {
        issuer: ISSUER,
        client_id: client(),
        nonce: Some("n-0S6_WzA2Mj"),
        now: 1_800_000_000,
        tenant_allow_list: allow_list(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expect = expectations();
    match jwt::decode(text) {
        Ok(token) => {
            assert_eq!(token.header.alg, "RS256", "only RS256 survives decoding");
            let (signing_input, _) = text.rsplit_once('.').expect("three segments");
            assert_eq!(token.signing_input, signing_input);
            let _ = format!("{token:?}");
            let _ = finished(id_token::verify_signature(&token, jwks()));
            let _ = id_token::validate_claims(&token.claims, &expect);
        }
        Err(error) => {
            let _ = error.to_string();
            assert!(finished(id_token::validate(text, jwks(), &expect)).is_err());
        }
    }
    // The same bytes as a claims object: every claim rule without a signature.
    if let Ok(claims) = serde_json::from_slice::<Map<String, Value>>(data) {
        if let Ok(valid) = id_token::validate_claims(&claims, &expect) {
            assert_eq!(valid.tenant.as_str(), TENANT, "the allow-list holds");
        }
        let unconstrained = Expectations {
            nonce: None,
            tenant_allow_list: &[],
            ..expect
        };
        let _ = id_token::validate_claims(&claims, &unconstrained);
    }
    let _ = Jwks::from_json(text);
});
