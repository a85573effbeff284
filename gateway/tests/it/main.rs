//! The gateway's integration tests, one binary: static files, CSP, the ADT pass-through,
//! concurrency, hostile requests and production endpoints (health, shutdown, HSTS),
//! over real sockets on port 0. The access log and request ids are `tests/access_log.rs`, a
//! binary of its own.

mod common;

mod adt_passthrough;
mod concurrency;
mod csp;
mod hostile_requests;
mod production;
mod static_files;
