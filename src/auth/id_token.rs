//! ID-token validation: every rule, each failure its own error.
//!
//! Stricter than MSAL.js: the signature is checked (RS256, key chosen by `kid` from the
//! tenant's JWKS), `iss` must equal the discovery issuer template with `{tenantid}` replaced
//! by the token's own `tid` (the `organizations` document carries a template, so the issuer
//! cannot be compared literally), `tid` must be a GUID and allowed by the deployment, and
//! `aud`, `nonce`, `exp`, `nbf` and `iat` are checked with five minutes' clock skew.

use serde_json::{Map, Value};

use super::base64url;
use super::jwt::{self, JwtError, UnverifiedJwt};
use super::signature::{self, SignatureError};
use crate::ids::{ClientId, TenantId};
use crate::json;

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const SKEW_SECONDS: i64 = 5 * 60;
/// The placeholder in the `organizations`/`common` issuer.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// One RSA signing key from a JWKS document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// The signing keys of an identity platform (`jwks_uri`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the key set is not JSON: {0}")]
    NotJson(String),
    #[error("the key set has no `keys` array")]
    NoKeys,
}

impl Jwks {
    /// Keeps the RSA signature keys that have a `kid`; other entries are ignored, as the
    /// spec asks.
    pub fn from_json(text: &str) -> Result<Self, JwksError> {
        let value: Value =
            json::parse(text.as_bytes()).map_err(|e| JwksError::NotJson(e.to_string()))?;
        let keys = value
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JwksError::NoKeys)?;
        let keys = keys
            .iter()
            .filter_map(|k| {
                let field = |name: &str| k.get(name).and_then(Value::as_str);
                let usable = field("kty") == Some("RSA")
                    && field("use").is_none_or(|u| u == "sig")
                    && field("alg").is_none_or(|a| a == "RS256");
                if !usable {
                    return None;
                }
                Some(Jwk {
                    kid: field("kid")?.to_owned(),
                    n: base64url::decode(field("n")?).ok()?,
                    e: base64url::decode(field("e")?).ok()?,
                })
            })
            .collect();
        Ok(Self { keys })
    }

    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

impl Jwk {
    /// The RSA modulus, big-endian.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The RSA public exponent, big-endian.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }
}

/// What the token must match.
#[derive(Debug, Clone)]
pub struct Expectations<'a> {
    /// The discovery document's `issuer`, possibly containing `{tenantid}`.
    pub issuer: &'a str,
    pub client_id: &'a ClientId,
    /// The nonce sent with this sign-in; `None` for ID tokens from a refresh-token grant,
    /// which carry no nonce of their own.
    pub nonce: Option<&'a str>,
    /// Seconds since the Unix epoch.
    pub now: i64,
    /// Empty: any tenant.
    pub tenant_allow_list: &'a [TenantId],
}

/// The claims twinscope uses, from a token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub tenant: TenantId,
    pub object_id: String,
    pub subject: String,
    pub issuer: String,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    pub roles: Vec<String>,
    pub issued_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("malformed ID token: {0}")]
    Malformed(#[from] JwtError),
    #[error("the ID token names no signing key (`kid`)")]
    NoKeyId,
    #[error("the ID token was signed with key `{0}`, which the identity platform does not publish")]
    UnknownKey(String),
    #[error("the ID token's signature is not valid")]
    BadSignature,
    #[error(
        "this browser offers no WebCrypto here, so ID tokens cannot be checked: serve twinscope \
         over https (plain http works only on localhost)"
    )]
    NoWebCrypto,
    #[error("the ID token has no `{0}` claim")]
    MissingClaim(&'static str),
    #[error("the ID token's `{claim}` claim should be {expected}")]
    ClaimType {
        claim: &'static str,
        expected: &'static str,
    },
    #[error("the ID token is for `{found}`, not this app (`{expected}`)")]
    WrongAudience { expected: String, found: String },
    #[error("the ID token's tenant `{0}` is not a GUID")]
    TenantNotGuid(String),
    #[error("the ID token was issued by `{found}`, but its tenant's issuer is `{expected}`")]
    IssuerMismatch { expected: String, found: String },
    /// A tenant-specific issuer (no `{tenantid}` placeholder) whose tenant is not the token's.
    #[error(
        "the ID token says it belongs to tenant `{tid}`, but it was issued by `{issuer}`, another tenant's issuer; it was refused"
    )]
    TenantNotIssuers { tid: String, issuer: String },
    #[error("tenant `{0}` is not allowed to use this deployment")]
    TenantNotAllowed(TenantId),
    #[error("the ID token's nonce does not match this sign-in")]
    NonceMismatch,
    #[error("the ID token expired at {exp} (now {now})")]
    Expired { exp: i64, now: i64 },
    #[error("the ID token is not valid before {nbf} (now {now})")]
    NotYetValid { nbf: i64, now: i64 },
    #[error("the ID token claims to be issued at {iat}, in the future (now {now})")]
    IssuedInFuture { iat: i64, now: i64 },
}

/// Whether one path segment of the issuer URL is exactly `tenant` (Entra ID issuers are
/// `https://{host}/{tenant-id}/v2.0`).
fn issuer_names_tenant(issuer: &str, tenant: &TenantId) -> bool {
    let path = issuer
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or("", |(_, path)| path);
    path.split('/').any(|segment| segment == tenant.as_str())
}

/// Checks an RS256 signature against the key the header names (WebCrypto in the browser,
/// see [`signature`]).
pub async fn verify_signature(jwt: &UnverifiedJwt, jwks: &Jwks) -> Result<(), IdTokenError> {
    let kid = jwt.header.kid.as_deref().ok_or(IdTokenError::NoKeyId)?;
    let jwk = jwks
        .find(kid)
        .ok_or_else(|| IdTokenError::UnknownKey(kid.to_owned()))?;
    signature::verify_rs256(jwk, jwt.signing_input.as_bytes(), &jwt.signature)
        .await
        .map_err(|e| match e {
            SignatureError::Invalid => IdTokenError::BadSignature,
            SignatureError::NoWebCrypto => IdTokenError::NoWebCrypto,
        })
}

fn string<'a>(
    claims: &'a Map<String, Value>,
    claim: &'static str,
) -> Result<&'a str, IdTokenError> {
    match claims.get(claim) {
        None => Err(IdTokenError::MissingClaim(claim)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(IdTokenError::ClaimType {
            claim,
            expected: "a string",
        }),
    }
}

fn optional_string(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<String>, IdTokenError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(IdTokenError::ClaimType {
            claim,
            expected: "a string",
        }),
    }
}

fn seconds(claims: &Map<String, Value>, claim: &'static str) -> Result<i64, IdTokenError> {
    match claims.get(claim) {
        None => Err(IdTokenError::MissingClaim(claim)),
        Some(v) => v.as_i64().ok_or(IdTokenError::ClaimType {
            claim,
            expected: "a whole number of seconds",
        }),
    }
}

/// Checks the claims of a token whose signature has been verified.
pub fn validate_claims(
    claims: &Map<String, Value>,
    expect: &Expectations<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let aud = string(claims, "aud")?;
    if aud != expect.client_id.as_str() {
        return Err(IdTokenError::WrongAudience {
            expected: expect.client_id.to_string(),
            found: aud.to_owned(),
        });
    }
    let tid = string(claims, "tid")?;
    let tenant = TenantId::parse(tid).map_err(|_| IdTokenError::TenantNotGuid(tid.to_owned()))?;
    let iss = string(claims, "iss")?;
    let expected_issuer = expect.issuer.replace(TENANT_PLACEHOLDER, tenant.as_str());
    // Compared exactly: the `tid` inside the token must be the tenant that issued it.
    if iss != expected_issuer || tid != tenant.as_str() {
        return Err(IdTokenError::IssuerMismatch {
            expected: expected_issuer,
            found: iss.to_owned(),
        });
    }
    // A literal issuer (a tenant-specific authority) matches any `tid` above: the tenant is
    // then the issuer's own path segment, and `tid` must be it.
    if !issuer_names_tenant(iss, &tenant) {
        return Err(IdTokenError::TenantNotIssuers {
            tid: tid.to_owned(),
            issuer: iss.to_owned(),
        });
    }
    if !expect.tenant_allow_list.is_empty() && !expect.tenant_allow_list.contains(&tenant) {
        return Err(IdTokenError::TenantNotAllowed(tenant));
    }
    if let Some(expected) = expect.nonce {
        match claims.get("nonce") {
            Some(Value::String(n)) if n == expected => {}
            _ => return Err(IdTokenError::NonceMismatch),
        }
    }
    let exp = seconds(claims, "exp")?;
    let iat = seconds(claims, "iat")?;
    let now = expect.now;
    if now >= exp + SKEW_SECONDS {
        return Err(IdTokenError::Expired { exp, now });
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = nbf.as_i64().ok_or(IdTokenError::ClaimType {
            claim: "nbf",
            expected: "a whole number of seconds",
        })?;
        if now + SKEW_SECONDS < nbf {
            return Err(IdTokenError::NotYetValid { nbf, now });
        }
    }
    if now + SKEW_SECONDS < iat {
        return Err(IdTokenError::IssuedInFuture { iat, now });
    }
    let roles = match claims.get("roles") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| r.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(IdTokenError::ClaimType {
                claim: "roles",
                expected: "an array of strings",
            })?,
        Some(_) => {
            return Err(IdTokenError::ClaimType {
                claim: "roles",
                expected: "an array of strings",
            });
        }
    };
    Ok(IdTokenClaims {
        object_id: string(claims, "oid")?.to_owned(),
        subject: string(claims, "sub")?.to_owned(),
        issuer: iss.to_owned(),
        name: optional_string(claims, "name")?,
        preferred_username: optional_string(claims, "preferred_username")?,
        roles,
        issued_at: iat,
        expires_at: exp,
        tenant,
    })
}

/// Decodes, verifies and validates an ID token: the signature first, so no claim of an
/// unsigned token is ever trusted, not even in an error message.
pub async fn validate(
    token: &str,
    jwks: &Jwks,
    expect: &Expectations<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let jwt = jwt::decode(token)?;
    verify_signature(&jwt, jwks).await?;
    validate_claims(&jwt.claims, expect)
}

// Native only: generating test keys needs an OS random source.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::sync::OnceLock;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use rsa::RsaPrivateKey;
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::{SignatureEncoding, Signer};
    use rsa::traits::PublicKeyParts;
    use serde_json::json;
    use sha2::Sha256;

    use super::*;

    const ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const CLIENT: &str = "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13";
    const TENANT: &str = "aaaaaaaa-0000-4000-8000-000000000001";
    const OTHER_TENANT: &str = "bbbbbbbb-0000-4000-8000-000000000002";
    const NOW: i64 = 1_800_000_000;
    const NONCE: &str = "n-0S6_WzA2Mj";

    fn keys() -> &'static (RsaPrivateKey, RsaPrivateKey) {
        static KEYS: OnceLock<(RsaPrivateKey, RsaPrivateKey)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let mut rng = rand::thread_rng();
            (
                RsaPrivateKey::new(&mut rng, 2048).unwrap(),
                RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            )
        })
    }

    fn jwks() -> Jwks {
        let (key, _) = keys();
        let public = key.to_public_key();
        let doc = json!({ "keys": [
            { "kty": "oct", "kid": "sym", "k": "c2VjcmV0" },
            { "kty": "RSA", "use": "sig", "kid": "k1",
              "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
              "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()) },
        ]});
        Jwks::from_json(&doc.to_string()).unwrap()
    }

    fn claims() -> Value {
        json!({
            "aud": CLIENT, "iss": format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
            "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3540,
            "name": "Adele Vance", "preferred_username": "adele@contoso.onmicrosoft.com",
            "oid": "11111111-2222-4333-8444-555555555555", "sub": "pairwise-sub", "tid": TENANT,
            "nonce": NONCE, "roles": ["Twins.Writer"], "ver": "2.0",
        })
    }

    fn sign_with(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = SigningKey::<Sha256>::new(key.clone()).sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    fn sign(claims: &Value) -> String {
        sign_with(
            &keys().0,
            &json!({"typ": "JWT", "alg": "RS256", "kid": "k1"}),
            claims,
        )
    }

    fn check(token: &str) -> Result<IdTokenClaims, IdTokenError> {
        check_allowing(token, &[])
    }

    fn check_allowing(token: &str, allow: &[TenantId]) -> Result<IdTokenClaims, IdTokenError> {
        let client = ClientId::parse(CLIENT).unwrap();
        let expect = Expectations {
            issuer: ISSUER,
            client_id: &client,
            nonce: Some(NONCE),
            now: NOW,
            tenant_allow_list: allow,
        };
        crate::auth::signature::finished(validate(token, &jwks(), &expect))
    }

    fn with(field: &str, value: Value) -> Value {
        let mut c = claims();
        c[field] = value;
        c
    }

    #[test]
    fn with_a_tenant_specific_issuer_the_tid_must_be_the_issuers_tenant() {
        let client = ClientId::parse(CLIENT).unwrap();
        let literal = format!("https://login.microsoftonline.com/{TENANT}/v2.0");
        let check_literal = |token: &str| {
            let expect = Expectations {
                issuer: &literal,
                client_id: &client,
                nonce: Some(NONCE),
                now: NOW,
                tenant_allow_list: &[],
            };
            crate::auth::signature::finished(validate(token, &jwks(), &expect))
        };
        // The tenant's own token passes.
        assert!(check_literal(&sign(&claims())).is_ok());
        // The issuer is right, the `tid` another tenant's: refused, not filed elsewhere.
        assert_eq!(
            check_literal(&sign(&with("tid", json!(OTHER_TENANT)))),
            Err(IdTokenError::TenantNotIssuers {
                tid: OTHER_TENANT.into(),
                issuer: literal.clone(),
            })
        );
        let tenant = TenantId::parse(TENANT).unwrap();
        assert!(issuer_names_tenant(&literal, &tenant));
        assert!(!issuer_names_tenant(
            &format!("https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"),
            &tenant
        ));
        assert!(!issuer_names_tenant(
            &format!("https://{TENANT}.example/v2.0"),
            &tenant
        ));
    }

    #[test]
    fn a_genuine_token_passes_and_yields_its_claims() {
        let claims = check(&sign(&claims())).unwrap();
        assert_eq!(claims.tenant.as_str(), TENANT);
        assert_eq!(
            claims.preferred_username.as_deref(),
            Some("adele@contoso.onmicrosoft.com")
        );
        assert_eq!(claims.roles, ["Twins.Writer"]);
        assert_eq!(claims.expires_at, NOW + 3540);
    }

    #[test]
    fn signature_rules() {
        let genuine = sign(&claims());
        let (head, rest) = genuine.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged_claims =
            URL_SAFE_NO_PAD.encode(with("roles", json!(["Twins.Admin"])).to_string());
        assert_eq!(
            check(&format!("{head}.{forged_claims}.{sig}")),
            Err(IdTokenError::BadSignature)
        );

        let other_key = sign_with(&keys().1, &json!({"alg": "RS256", "kid": "k1"}), &claims());
        assert_eq!(check(&other_key), Err(IdTokenError::BadSignature));

        let unknown = sign_with(
            &keys().0,
            &json!({"alg": "RS256", "kid": "rotated"}),
            &claims(),
        );
        assert_eq!(
            check(&unknown),
            Err(IdTokenError::UnknownKey("rotated".into()))
        );

        let no_kid = sign_with(&keys().0, &json!({"alg": "RS256"}), &claims());
        assert_eq!(check(&no_kid), Err(IdTokenError::NoKeyId));

        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        assert_eq!(
            check(&none),
            Err(IdTokenError::Malformed(JwtError::UnsupportedAlgorithm(
                "none".into()
            )))
        );

        // HS256 "signed" with the public key as the secret: refused by algorithm, not tried.
        let hs = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"k1"}"#),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        assert_eq!(
            check(&hs),
            Err(IdTokenError::Malformed(JwtError::UnsupportedAlgorithm(
                "HS256".into()
            )))
        );

        let truncated = &genuine[..genuine.len() - 10];
        assert_eq!(check(truncated), Err(IdTokenError::BadSignature));
    }

    #[test]
    fn claim_rules() {
        let cases: Vec<(Value, IdTokenError)> = vec![
            (
                with("aud", json!("00000000-0000-4000-8000-000000000000")),
                IdTokenError::WrongAudience {
                    expected: CLIENT.into(),
                    found: "00000000-0000-4000-8000-000000000000".into(),
                },
            ),
            (
                with("tid", json!(OTHER_TENANT)),
                IdTokenError::IssuerMismatch {
                    expected: format!("https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"),
                    found: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
                },
            ),
            (
                with("tid", json!("contoso")),
                IdTokenError::TenantNotGuid("contoso".into()),
            ),
            (
                with("tid", json!(TENANT.to_uppercase())),
                IdTokenError::IssuerMismatch {
                    expected: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
                    found: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
                },
            ),
            (
                with("nonce", json!("replayed")),
                IdTokenError::NonceMismatch,
            ),
            (
                with("exp", json!(NOW - SKEW_SECONDS)),
                IdTokenError::Expired {
                    exp: NOW - SKEW_SECONDS,
                    now: NOW,
                },
            ),
            (
                with("nbf", json!(NOW + SKEW_SECONDS + 1)),
                IdTokenError::NotYetValid {
                    nbf: NOW + SKEW_SECONDS + 1,
                    now: NOW,
                },
            ),
            (
                with("iat", json!(NOW + SKEW_SECONDS + 1)),
                IdTokenError::IssuedInFuture {
                    iat: NOW + SKEW_SECONDS + 1,
                    now: NOW,
                },
            ),
            (
                with("exp", json!("soon")),
                IdTokenError::ClaimType {
                    claim: "exp",
                    expected: "a whole number of seconds",
                },
            ),
            (
                with("roles", json!("Twins.Admin")),
                IdTokenError::ClaimType {
                    claim: "roles",
                    expected: "an array of strings",
                },
            ),
            (
                with("aud", json!([CLIENT])),
                IdTokenError::ClaimType {
                    claim: "aud",
                    expected: "a string",
                },
            ),
        ];
        for (claims, expected) in cases {
            assert_eq!(check(&sign(&claims)), Err(expected.clone()), "{expected}");
        }
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(check(&sign(&no_nonce)), Err(IdTokenError::NonceMismatch));
        let mut no_tid = claims();
        no_tid.as_object_mut().unwrap().remove("tid");
        assert_eq!(
            check(&sign(&no_tid)),
            Err(IdTokenError::MissingClaim("tid"))
        );
    }

    #[test]
    fn skew_is_five_minutes_each_way() {
        assert!(check(&sign(&with("exp", json!(NOW - SKEW_SECONDS + 1)))).is_ok());
        assert!(
            check(&sign(&with("nbf", json!(NOW + SKEW_SECONDS))))
                .is_ok_and(|c| c.tenant.as_str() == TENANT)
        );
    }

    #[test]
    fn the_allow_list_is_enforced() {
        let other = TenantId::parse(OTHER_TENANT).unwrap();
        let err = check_allowing(&sign(&claims()), std::slice::from_ref(&other)).unwrap_err();
        assert_eq!(
            err,
            IdTokenError::TenantNotAllowed(TenantId::parse(TENANT).unwrap())
        );
        let mine = TenantId::parse(TENANT).unwrap();
        assert!(check_allowing(&sign(&claims()), &[other, mine]).is_ok());
    }

    #[test]
    fn jwks_documents_are_read_defensively() {
        assert_eq!(Jwks::from_json("{}"), Err(JwksError::NoKeys));
        assert!(matches!(
            Jwks::from_json("nope"),
            Err(JwksError::NotJson(_))
        ));
        let only_unusable = r#"{"keys":[{"kty":"RSA","use":"enc","kid":"x","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"y","n":"!!","e":"AQAB"}]}"#;
        assert_eq!(Jwks::from_json(only_unusable).unwrap().keys.len(), 0);
    }
}
