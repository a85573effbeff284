//! End-to-end tests, one binary: headless Chromium over WebDriver against the release build
//! (`TWINSCOPE_DIST`) served by the gateway, with the emulator behind it.

mod accessibility;
mod deploying;
mod editing;
mod explorer;
mod explorer_scale;
mod hostile;
mod models;
mod peer;
mod shell;
mod sign_in;
mod transfer;
