//! Sign-in and tokens, with no UI code.
//!
//! Built so far: the pure checks every later piece relies on.
//! - [`jwt`]: strict compact-JWS decoding (shape, base64url, duplicate members, RS256 only);
//! - [`id_token`]: signature against the JWKS and every claim rule, each failure typed;
//! - [`return_path`]: where to land after sign-in, same origin only;
//! - [`resources`]: the protected-resource map (which URL may carry which token);
//! - [`errors`]: Entra (AADSTS) errors as typed cases with a next step;
//! - [`cache`]: tokens by account, tenant and scopes; early expiry; the 24-hour SPA session;
//! - [`storage`]: sessionStorage, localStorage or memory, as configured;
//! - [`transaction`]: PKCE, `state` and `nonce` kept for one redirect and consumed once,
//!   and an interaction lock that clears itself.

pub mod cache;
pub mod errors;
pub mod id_token;
pub mod jwt;
pub mod resources;
pub mod return_path;
pub mod storage;
pub mod transaction;
