//! Pieces shared by several pages.

pub mod account;
pub mod create_twin;
pub mod header;
pub mod problem;
pub mod property_editor;
pub mod results_table;
pub mod session_notice;
pub mod sign_in_gate;
pub mod theme;
