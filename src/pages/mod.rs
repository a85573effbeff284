//! One module per route, plus the error and loading pages.

pub mod error;
pub mod explorer;
pub mod explorer_graph;
pub mod instance;
pub mod landing;
pub mod lazy;
pub mod models;
pub mod not_found;
pub mod onboarding;
pub mod settings;
pub mod signed_out;
pub mod tenant;
pub mod transfer;
