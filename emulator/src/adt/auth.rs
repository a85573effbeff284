//! Bearer tokens, checked as Azure resource providers check them: an RS256 signature by one
//! of the identity platform's published keys (so the previous key still works after a
//! rotation), `nbf`/`exp` on the injected clock (five minutes of skew allowed), and the
//! resource's `aud`. ARM uses the same check with its own audience. A signature is checked
//! once per token and key set (the identity platform remembers verified tokens until its next
//! key rotation); the claims are checked on every request.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::UnixSeconds;
use crate::identity::Identity;

/// The audience of data-plane tokens.
pub const ADT_AUDIENCE: &str = crate::identity::scopes::DIGITAL_TWINS.uri;
/// Clock skew tolerated on `nbf` and `exp`.
pub const SKEW_SECONDS: UnixSeconds = 300;

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant the token was issued in (lower case).
    pub tid: String,
    /// The account's object ID in that tenant (lower case).
    pub oid: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token in the Authorization header")]
    Missing,
    #[error("the bearer token is not a well-formed JWT")]
    Malformed,
    #[error("the token is signed with a key ({0}) that is not published")]
    UnknownKey(String),
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's audience '{0}' is not this resource")]
    WrongAudience(String),
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

fn decode_part(part: &str) -> Result<Value, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| AuthError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)
}

fn public_key(jwk: &Value) -> Option<RsaPublicKey> {
    let number = |field: &str| -> Option<BigUint> {
        let bytes = URL_SAFE_NO_PAD.decode(jwk[field].as_str()?).ok()?;
        Some(BigUint::from_bytes_be(&bytes))
    };
    RsaPublicKey::new(number("n")?, number("e")?).ok()
}

/// Verifies `token` for `audience` at `now`.
pub fn verify(
    identity: &Identity,
    now: UnixSeconds,
    token: Option<&str>,
    audience: &str,
) -> Result<Caller, AuthError> {
    let token = token.ok_or(AuthError::Missing)?;
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let header = decode_part(h)?;
    let claims = decode_part(c)?;
    if header["alg"] != "RS256" {
        return Err(AuthError::Malformed);
    }
    let kid = header["kid"].as_str().ok_or(AuthError::Malformed)?;
    if !identity.is_verified(token) {
        check_signature(identity, token, kid, (h, c, s))?;
    }
    check_claims(&claims, now, audience)
}

/// The RS256 signature of `token` (parts `h.c.s`) by the published key `kid`; remembered by
/// the identity platform once it verifies, until the next rotation.
fn check_signature(
    identity: &Identity,
    token: &str,
    kid: &str,
    (h, c, s): (&str, &str, &str),
) -> Result<(), AuthError> {
    let generation = identity.key_generation();
    let jwks = identity.jwks();
    let key = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|k| k["kid"] == kid)
        .and_then(public_key)
        .ok_or_else(|| AuthError::UnknownKey(kid.to_string()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| AuthError::Malformed)?;
    let signed = &token[..h.len() + 1 + c.len()];
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(signed.as_bytes()),
        &signature,
    )
    .map_err(|_| AuthError::BadSignature)?;
    identity.remember_verified(token, generation);
    Ok(())
}

/// `exp` and `nbf` at `now` (with skew), the audience, and the caller's tenant and object ID.
fn check_claims(claims: &Value, now: UnixSeconds, audience: &str) -> Result<Caller, AuthError> {
    let exp = claims["exp"].as_i64().ok_or(AuthError::Malformed)?;
    if now > exp + SKEW_SECONDS {
        return Err(AuthError::Expired);
    }
    if claims["nbf"]
        .as_i64()
        .is_some_and(|nbf| now + SKEW_SECONDS < nbf)
    {
        return Err(AuthError::NotYetValid);
    }
    let aud = claims["aud"].as_str().unwrap_or_default();
    if aud.trim_end_matches('/') != audience {
        return Err(AuthError::WrongAudience(aud.to_string()));
    }
    let field = |name: &str| {
        claims[name]
            .as_str()
            .map(str::to_ascii_lowercase)
            .ok_or(AuthError::Malformed)
    };
    Ok(Caller {
        tid: field("tid")?,
        oid: field("oid")?,
    })
}
