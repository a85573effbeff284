//! The gateway's integration tests, one binary: static files, CSP, the ADT pass-through,
//! concurrency and hostile requests, over real sockets on port 0.

mod common;

mod adt_passthrough;
mod concurrency;
mod csp;
mod hostile_requests;
mod static_files;
