//! The gateway's integration tests, one binary: static files, CSP, the ADT pass-through,
//! concurrency, hostile requests and production endpoints (health, access log, shutdown,
//! HSTS), over real sockets on port 0.

mod common;

mod adt_passthrough;
mod concurrency;
mod csp;
mod hostile_requests;
mod production;
mod static_files;
