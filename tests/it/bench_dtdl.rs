//! Bench part "dtdl-browser": the DTDL validation benches' shared model set
//! (`twinscope_bench_report::dtdl_models`: 1,000 DTDL v3 Interfaces, ten contents each,
//! `extends` chains ten deep) validated by `twinscope-dtdl` in headless Chromium: a fresh
//! `ModelSet::new()` takes the set in its four batches of 250, timed with
//! `performance.now()`. The same set's native and emulator figures are the "dtdl" part
//! (`emulator/benches/dtdl_validation.rs`).
//!
//! Run it (release, so the figure is the shipped code's):
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test --release --target wasm32-unknown-unknown --test it -- bench_dtdl --nocapture
//! ```
//!
//! It prints one line `BENCH dtdl-browser {…}` whose JSON is the whole part file of the figure
//! contract; `cargo xtask bench` writes that JSON to `target/bench/parts/dtdl-browser.json`.
//! As a plain test (debug, one timed run) it asserts that every run accepts all 1,000
//! Interfaces and that the deepest one inherits its whole chain.
#![cfg(target_arch = "wasm32")]

use twinscope_bench_report::dtdl_models::{self, CHAIN_DEPTH, CHAINS, INTERFACES, MAX_BATCH};
use twinscope_bench_report::{Figure, Section, Target};
use wasm_bindgen_test::*;

/// Timed runs after one warm-up run; a debug build (the plain test) times one.
const RUNS: usize = if cfg!(debug_assertions) { 1 } else { 7 };
/// Issue #13: the whole set in at most this many milliseconds in the browser.
const TARGET_MS: f64 = 150.0;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .expect("performance.now() in the browser")
        .now()
}

/// One run: a fresh set takes every batch; milliseconds for all of them.
fn validate(batches: &[Vec<serde_json::Value>]) -> f64 {
    let start = now_ms();
    let mut set = dtdl::ModelSet::new();
    let mut accepted = 0;
    for batch in batches {
        accepted += set
            .add_models(batch)
            .unwrap_or_else(|e| panic!("the bench set is refused: {e}"))
            .len();
    }
    let elapsed = now_ms() - start;
    assert_eq!(accepted, INTERFACES, "every interface is accepted");
    let deepest = dtdl_models::id(CHAINS - 1, CHAIN_DEPTH - 1);
    assert!(set.is_of_model(&deepest, &dtdl_models::id(CHAINS - 1, 0), false));
    elapsed
}

#[wasm_bindgen_test]
fn a_thousand_interfaces_are_validated_in_the_browser_and_timed() {
    let batches = dtdl_models::batches();
    assert!(batches.iter().all(|b| b.len() <= MAX_BATCH));
    validate(&batches);
    let samples: Vec<f64> = (0..RUNS).map(|_| validate(&batches)).collect();
    let figure = Figure::from_samples(
        "1,000 interfaces validated in the browser (wasm)",
        "ms",
        &samples,
        Some(Target::AtMost(TARGET_MS)),
        &format!(
            "a fresh dtdl::ModelSet::new() takes the set in {} batches of at most {MAX_BATCH} (DTDL v3 with QuantitativeTypes, {} contents each, extends chains {CHAIN_DEPTH} deep), timed with performance.now() in headless Chromium after one warm-up run; every run accepts all {INTERFACES}",
            batches.len(),
            dtdl_models::CONTENTS
        ),
    )
    .expect("runs were timed");
    assert!(figure.median > 0.0, "time passes");
    let mut section = Section::new("DTDL: validating 1,000 interfaces (wasm, browser)");
    section.figures = vec![figure];
    console_log!("BENCH dtdl-browser {}", section.to_json());
}
