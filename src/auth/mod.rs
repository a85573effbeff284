//! Sign-in and tokens, with no UI code.
//!
//! [`client::AuthClient`] runs the flows (redirect sign-in, silent tokens, sign-out) over
//! injected HTTP, clock, randomness and storage; the rest are the pure pieces it uses:
//! - [`discovery`]: metadata and keys, kept a day, refreshed on an unknown `kid`;
//! - [`response`]: the authorization response in the address bar, parsed strictly;
//! - [`accounts`] and [`roles`]: who is signed in, per tenant, with typed app roles;
//! - [`http`]: the HTTP client closure (`fetch` in the browser, fakes in tests);
//! - [`base64url`]: the one base64 variant OAuth and JWTs use, strict;
//! - [`jwt`]: strict compact-JWS decoding (shape, base64url, duplicate members, RS256 only);
//! - [`id_token`]: signature against the JWKS and every claim rule, each failure typed;
//! - [`return_path`]: where to land after sign-in, a page of the app on this origin only;
//! - [`admin_consent`]: the approval link's own `state`, and the approval's answer read as
//!   granted or refused (and by whom it must be approved);
//! - [`resources`]: the protected-resource map (which URL may carry which token);
//! - [`errors`]: Entra (AADSTS) errors as typed cases with a next step;
//! - [`cache`]: tokens by account, tenant and scopes; early expiry; the 24-hour SPA session;
//! - [`storage`]: sessionStorage, localStorage or memory, as configured;
//! - [`transaction`]: PKCE, `state` and `nonce` kept for one redirect and consumed once,
//!   and an interaction lock that clears itself.

pub mod accounts;
pub mod admin_consent;
pub mod base64url;
pub mod cache;
pub mod client;
pub mod discovery;
pub mod errors;
pub mod http;
pub mod id_token;
pub mod jwt;
pub mod resources;
pub mod response;
pub mod return_path;
pub mod roles;
pub mod signature;
pub mod state;
pub mod storage;
pub mod transaction;
