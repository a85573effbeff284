//! Azure Digital Twins data plane: a typed client over the same-origin pass-through.
//!
//! - [`access`]: can the user read an instance (a one-row probe), before anything else;
//! - [`client`]: [`AdtClient`], one instance, every call typed;
//! - [`error`]: [`AdtError`], what went wrong and what the user can do;
//! - [`retry`]: when to try again (429/503 `Retry-After`, back-off with jitter, bounded);
//! - [`paging`]: URLs on our origin, `nextLink`s mapped back onto it, loop guards;
//! - [`patch`]: JSON Patch documents from an original and an edited twin;
//! - [`types`]: twins, ETags, query pages, model data, the cancel flag.

pub mod access;
pub mod client;
pub mod error;
pub mod paging;
pub mod patch;
pub mod retry;
pub mod types;

pub use client::AdtClient;
pub use error::AdtError;
pub use patch::{Difference, PatchOp, diff_twin, differences};
pub use retry::{Runtime, Sleeper};
pub use types::{
    CancelFlag, ETag, ModelData, QueryCharge, QueryPage, QuerySummary, TokenProvider, Twin,
};
