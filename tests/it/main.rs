//! The twinscope crate's integration tests, one binary (`cargo test --test it`).
//!
//! Native modules run against the in-process emulator; the `wasm32` modules run in headless
//! Chromium through `wasm-bindgen-test-runner` (`cargo xtask test wasm`).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(not(target_arch = "wasm32"))]
mod support;

mod adt_client;
mod auth_flow;
mod bench_dtdl;
mod bench_silent;
mod graph_layout;
mod hostile_tokens;
mod json_in_the_browser;
mod locale;
mod mounted;
mod redirects;
mod stale_replies;
mod web;
mod web_crypto;
