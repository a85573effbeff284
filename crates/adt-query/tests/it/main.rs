//! The query engine's integration tests, one binary, over the seeded building graph of
//! `common`.

mod common;

mod doc_queries;
mod hostile_queries;
mod queries;
mod robustness;
