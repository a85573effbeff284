//! Sign-in and tokens, with no UI code.
//!
//! Built so far: the pure checks every later piece relies on.
//! - [`jwt`]: strict compact-JWS decoding (shape, base64url, duplicate members, RS256 only);
//! - [`id_token`]: signature against the JWKS and every claim rule, each failure typed;
//! - [`return_path`]: where to land after sign-in, same origin only.

pub mod id_token;
pub mod jwt;
pub mod return_path;
