//! Compact JWS (JWT) decoding, strict and panic-free, before any signature check.
//!
//! Accepts only what Microsoft Entra ID issues for ID tokens: three base64url segments
//! without padding, JSON objects without duplicate members, `alg: RS256`. Everything else
//! is a specific [`JwtError`], so a hostile token is reported, never trusted or panicked on.

use std::fmt;

use serde_json::{Map, Value};

use crate::json::{self, JsonError, JsonProblem};

/// Tokens longer than this are refused before decoding (Entra ID tokens are a few KiB).
pub const MAX_TOKEN_LEN: usize = 32 * 1024;

/// The part of a token a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Header,
    Claims,
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Claims => "claims",
            Self::Signature => "signature",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is {len} bytes long, more than the {MAX_TOKEN_LEN} accepted")]
    TooLarge { len: usize },
    #[error("a JWT has 3 dot-separated parts; this token has {0}")]
    WrongSegmentCount(usize),
    #[error("the token's {0} is empty")]
    EmptySegment(Segment),
    #[error("the token's {0} is not unpadded base64url")]
    NotBase64Url(Segment),
    #[error("the token's {segment} is not JSON: {message}")]
    NotJson { segment: Segment, message: String },
    #[error("the token's {0} is not a JSON object")]
    NotAnObject(Segment),
    #[error("the token's {segment} names `{name}` more than once")]
    DuplicateMember { segment: Segment, name: String },
    #[error("the token's header has no `alg`")]
    MissingAlgorithm,
    #[error("the token is signed with `{0}`; only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    #[error("the token's header says `typ: {0}`, not JWT")]
    UnexpectedType(String),
    #[error("the token's `kid` is not a string")]
    BadKeyId,
}

/// The header fields we act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtHeader {
    pub alg: String,
    pub kid: Option<String>,
}

/// A decoded token whose signature has not been checked yet. Nothing in it may be trusted
/// until [`crate::auth::id_token`] has verified it.
#[derive(Clone, PartialEq)]
pub struct UnverifiedJwt {
    pub header: JwtHeader,
    pub claims: Map<String, Value>,
    /// `base64url(header) . base64url(claims)`: the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

impl fmt::Debug for UnverifiedJwt {
    /// Claims can identify a person and the whole token is a credential: neither is printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnverifiedJwt")
            .field("header", &self.header)
            .field("claims", &format_args!("<{} claims>", self.claims.len()))
            .finish_non_exhaustive()
    }
}

fn decode_segment(text: &str, segment: Segment) -> Result<Vec<u8>, JwtError> {
    if text.is_empty() {
        return Err(JwtError::EmptySegment(segment));
    }
    super::base64url::decode(text).map_err(|_| JwtError::NotBase64Url(segment))
}

/// A segment's JSON object. The reader refuses an object that names a member twice
/// (serde_json would keep the last silently, which would let a forged duplicate `tid` or
/// `aud` slip past a check).
fn decode_object(text: &str, segment: Segment) -> Result<Map<String, Value>, JwtError> {
    let bytes = decode_segment(text, segment)?;
    match json::parse(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JwtError::NotAnObject(segment)),
        Err(JsonError {
            problem: JsonProblem::DuplicateKey(name),
            ..
        }) => Err(JwtError::DuplicateMember { segment, name }),
        Err(e) => Err(JwtError::NotJson {
            segment,
            message: e.to_string(),
        }),
    }
}

/// Splits and decodes a compact JWS. Checks shape and algorithm only.
pub fn decode(token: &str) -> Result<UnverifiedJwt, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::TooLarge { len: token.len() });
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, claims_b64, signature_b64] = parts.as_slice() else {
        return Err(JwtError::WrongSegmentCount(parts.len()));
    };
    let header = decode_object(header_b64, Segment::Header)?;
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.clone(),
        Some(_) | None => return Err(JwtError::MissingAlgorithm),
    };
    if alg != "RS256" {
        return Err(JwtError::UnsupportedAlgorithm(alg));
    }
    match header.get("typ") {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("JWT") => {}
        Some(other) => return Err(JwtError::UnexpectedType(json::to_string(other))),
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(JwtError::BadKeyId),
    };
    let claims = decode_object(claims_b64, Segment::Claims)?;
    let signature = decode_segment(signature_b64, Segment::Signature)?;
    Ok(UnverifiedJwt {
        header: JwtHeader { alg, kid },
        claims,
        signing_input: format!("{header_b64}.{claims_b64}"),
        signature,
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn token(header: &str, claims: &str, signature: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(claims), signature)
    }

    const HEADER: &str = r#"{"typ":"JWT","alg":"RS256","kid":"k1"}"#;
    const CLAIMS: &str = r#"{"aud":"a","tid":"t"}"#;

    #[test]
    fn a_well_formed_token_decodes() {
        let jwt = decode(&token(HEADER, CLAIMS, "c2ln")).unwrap();
        assert_eq!(
            jwt.header,
            JwtHeader {
                alg: "RS256".into(),
                kid: Some("k1".into())
            }
        );
        assert_eq!(jwt.claims["tid"], "t");
        assert_eq!(jwt.signature, b"sig");
        assert_eq!(
            jwt.signing_input,
            format!("{}.{}", b64(HEADER), b64(CLAIMS))
        );
        assert!(
            !format!("{jwt:?}").contains("tid"),
            "claims are not printed"
        );
    }

    /// Every malformed shape is a specific error, never a panic.
    #[test]
    fn malformed_tokens_are_specific_errors() {
        let cases: Vec<(String, JwtError)> = vec![
            ("".into(), JwtError::WrongSegmentCount(1)),
            ("a.b".into(), JwtError::WrongSegmentCount(2)),
            ("a.b.c.d".into(), JwtError::WrongSegmentCount(4)),
            ("..".into(), JwtError::EmptySegment(Segment::Header)),
            (
                format!("{}..c2ln", b64(HEADER)),
                JwtError::EmptySegment(Segment::Claims),
            ),
            (
                token(HEADER, CLAIMS, ""),
                JwtError::EmptySegment(Segment::Signature),
            ),
            (
                "!!!.e30.c2ln".into(),
                JwtError::NotBase64Url(Segment::Header),
            ),
            (
                format!("{}=.e30.c2ln", b64(HEADER)),
                JwtError::NotBase64Url(Segment::Header),
            ),
            (
                token(HEADER, CLAIMS, "c2ln+/"),
                JwtError::NotBase64Url(Segment::Signature),
            ),
            (
                token("[1]", CLAIMS, "c2ln"),
                JwtError::NotAnObject(Segment::Header),
            ),
            (
                token(HEADER, "\"text\"", "c2ln"),
                JwtError::NotAnObject(Segment::Claims),
            ),
            (
                token(r#"{"typ":"JWT"}"#, CLAIMS, "c2ln"),
                JwtError::MissingAlgorithm,
            ),
            (
                token(r#"{"alg":7}"#, CLAIMS, "c2ln"),
                JwtError::MissingAlgorithm,
            ),
            (
                token(r#"{"alg":"none"}"#, CLAIMS, "c2ln"),
                JwtError::UnsupportedAlgorithm("none".into()),
            ),
            (
                token(r#"{"alg":"HS256"}"#, CLAIMS, "c2ln"),
                JwtError::UnsupportedAlgorithm("HS256".into()),
            ),
            (
                token(r#"{"alg":"rs256"}"#, CLAIMS, "c2ln"),
                JwtError::UnsupportedAlgorithm("rs256".into()),
            ),
            (
                token(r#"{"alg":"RS256","typ":"at+jwt"}"#, CLAIMS, "c2ln"),
                JwtError::UnexpectedType("\"at+jwt\"".into()),
            ),
            (
                token(r#"{"alg":"RS256","kid":1}"#, CLAIMS, "c2ln"),
                JwtError::BadKeyId,
            ),
            (
                token(HEADER, r#"{"tid":"a","tid":"b"}"#, "c2ln"),
                JwtError::DuplicateMember {
                    segment: Segment::Claims,
                    name: "tid".into(),
                },
            ),
            (
                token(r#"{"alg":"RS256","alg":"none"}"#, CLAIMS, "c2ln"),
                JwtError::DuplicateMember {
                    segment: Segment::Header,
                    name: "alg".into(),
                },
            ),
            (
                "a".repeat(MAX_TOKEN_LEN + 1),
                JwtError::TooLarge {
                    len: MAX_TOKEN_LEN + 1,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                decode(&input),
                Err(expected),
                "{}",
                &input[..input.len().min(80)]
            );
        }
        assert!(matches!(
            decode(&token(HEADER, "{\"aud\":", "c2ln")),
            Err(JwtError::NotJson {
                segment: Segment::Claims,
                ..
            })
        ));
        assert!(matches!(
            decode(&format!(
                "{}.{}.c2ln",
                b64(HEADER),
                URL_SAFE_NO_PAD.encode([0xff, 0xfe])
            )),
            Err(JwtError::NotJson {
                segment: Segment::Claims,
                ..
            })
        ));
    }
}
