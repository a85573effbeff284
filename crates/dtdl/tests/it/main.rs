//! The DTDL crate's integration tests, one binary.

mod conformance;
mod hostile_models;
mod invalid_models;
mod model_set;
mod seed;
mod spec_batches;
mod spec_examples;
mod twin_validation;
