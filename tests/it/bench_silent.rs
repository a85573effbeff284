//! Bench part "auth-silent": `AuthClient::acquire_token_silent` answered from the token
//! cache, in headless Chromium, with the cache in `sessionStorage` (the default
//! `cacheLocation`) and in memory.
//!
//! Run it (release, so the figure is the shipped code's):
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test --release --target wasm32-unknown-unknown --test it -- bench_silent --nocapture
//! ```
//!
//! It prints one line `BENCH auth-silent {…}` whose JSON is the whole part file of the figure
//! contract (`{"section": …, "figures": [...]}`); `cargo xtask bench` writes that JSON to
//! `target/bench/parts/auth-silent.json`. As a plain test it asserts that every cache hit
//! returns the stored token and that no request is made.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use serde_json::json;
use twinscope::auth::cache::{CacheKey, HomeAccountId, ScopeSet, Secret, TokenCache};
use twinscope::auth::client::{AuthClient, Environment};
use twinscope::auth::http::{HttpRequest, NetworkError, ResponseFuture};
use twinscope::auth::storage::{MemoryStorage, Storage, WebStorage};
use twinscope::config::RuntimeConfig;
use twinscope::ids::TenantId;
use twinscope_bench_report::{Figure, Section};
use wasm_bindgen_test::*;

const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
const ADT_SCOPE: &str = "https://digitaltwins.azure.net/.default";
/// A fixed clock: the cached token is valid for an hour after it.
const NOW: i64 = 1_800_000_000;
/// Calls timed per round, and rounds (the figure is the median round's mean).
const CALLS: usize = 5_000;
const ROUNDS: usize = 7;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .expect("performance.now() in the browser")
        .now()
}

/// An HTTP client that counts calls and never answers: a cache hit must not use it.
fn no_network(calls: Rc<Cell<usize>>) -> twinscope::auth::http::HttpClient {
    Rc::new(move |request: HttpRequest| -> ResponseFuture {
        calls.set(calls.get() + 1);
        let described = twinscope::auth::http::describe_request(&request);
        Box::pin(async move {
            Err(NetworkError {
                request: described,
                reason: "the bench allows no network".to_owned(),
            })
        })
    })
}

/// A client over `tokens`, with one valid access token for Contoso's ADT already cached.
fn client_with_cached_token(
    tokens: Rc<dyn Storage>,
    calls: Rc<Cell<usize>>,
) -> (Rc<AuthClient>, CacheKey, String) {
    let origin = twinscope::api::page_origin();
    let config = RuntimeConfig::from_json(
        &json!({
            "clientId": "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13",
            "authority": "http://localhost:8480/organizations",
        })
        .to_string(),
        &origin,
    )
    .expect("valid config");
    let tenant = TenantId::parse(CONTOSO).unwrap();
    let key = CacheKey {
        account: HomeAccountId::new("5b2d0aa1-0000-4000-8000-000000000001", &tenant),
        tenant,
        scopes: ScopeSet::new([ADT_SCOPE]),
    };
    let secret = format!("bench-access-token-{}", js_sys::Math::random());
    TokenCache::new(tokens.clone())
        .put_access_token(&key, &Secret::new(secret.clone()), 3600, NOW)
        .expect("the token is stored");
    let env = Environment {
        http: no_network(calls),
        now: Rc::new(|| NOW),
        random: Rc::new(|buf: &mut [u8]| buf.fill(7)),
        tokens,
        session: Rc::new(MemoryStorage::default()),
        shared: Rc::new(MemoryStorage::default()),
    };
    (AuthClient::new(config, env), key, secret)
}

/// Per-call microseconds of each round of `CALLS` cache hits, checking every answer.
async fn time_cache_hits(tokens: Rc<dyn Storage>) -> Vec<f64> {
    let calls = Rc::new(Cell::new(0));
    let (client, key, secret) = client_with_cached_token(tokens, calls.clone());
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = now_ms();
        for _ in 0..CALLS {
            let token = client
                .acquire_token_silent(&key.account, &key.tenant, &key.scopes)
                .await
                .expect("a cache hit");
            assert_eq!(token.secret.expose(), secret);
        }
        rounds.push((now_ms() - start) * 1000.0 / CALLS as f64);
    }
    assert_eq!(calls.get(), 0, "a cache hit makes no request");
    rounds
}

#[wasm_bindgen_test]
async fn silent_acquisition_from_the_cache_is_timed_and_makes_no_request() {
    let session = WebStorage::session().expect("sessionStorage");
    let in_session = time_cache_hits(Rc::new(session.clone())).await;
    let in_memory = time_cache_hits(Rc::new(MemoryStorage::default())).await;
    for key in session.keys() {
        if key.starts_with("twinscope.") {
            session.remove(&key);
        }
    }
    let note = |storage: &str| {
        format!(
            "mean of {CALLS} cache-hit calls per run, timed with performance.now() in headless Chromium; token in {storage}; zero requests"
        )
    };
    let figure = |name: &str, rounds: &[f64], storage: &str| {
        Figure::from_samples(name, "µs", rounds, None, &note(storage)).expect("rounds were timed")
    };
    let mut section = Section::new("Auth: silent token acquisition (wasm, browser)");
    section.figures = vec![
        figure(
            "acquire_token_silent, cache hit (sessionStorage)",
            &in_session,
            "sessionStorage",
        ),
        figure(
            "acquire_token_silent, cache hit (memory)",
            &in_memory,
            "memory",
        ),
    ];
    assert!(section.figures[0].median > 0.0, "time passes");
    let part = section.to_json();
    console_log!("BENCH auth-silent {part}");
}
