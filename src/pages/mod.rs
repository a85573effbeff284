//! One module per route, plus the error and loading pages.

pub mod error;
pub mod landing;
pub mod not_found;
pub mod onboarding;
pub mod settings;
pub mod tenant;
