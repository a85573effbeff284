//! End-to-end tests, one binary: headless Chromium over WebDriver against the split release
//! bundle (`TWINSCOPE_DIST`, built by `cargo xtask build`) served by the gateway, with the
//! emulator behind it.

mod accessibility;
mod deploying;
mod editing;
mod explorer;
mod explorer_scale;
mod graph_view;
mod guarded;
mod harness;
mod hostile;
mod inspector_editing;
mod lazy_screens;
mod messages;
mod model_graph;
mod models;
mod peer;
mod screens;
mod shell;
mod sign_in;
mod spec_models;
mod tenants;
mod transfer;
mod workspace;
mod workspace_panels;
mod xlsx_import;
