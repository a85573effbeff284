//! Pieces shared by several pages.

pub mod account;
pub mod confirm;
pub mod create_twin;
pub mod header;
pub mod instance_nav;
pub mod leave_guard;
pub mod local_time;
pub mod organisation;
pub mod problem;
pub mod property_editor;
pub mod results_table;
pub mod service_error;
pub mod session_notice;
pub mod sign_in_gate;
pub mod tenant_switcher;
pub mod theme;
