//! The SPA in a real browser (headless Chromium via wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use twinscope::config::{ConfigError, FieldError, FieldProblem, RuntimeConfig};
use twinscope::pages::error::ConfigErrorPage;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh container in the page, so tests do not see each other's DOM.
fn container() -> web_sys::HtmlElement {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits until `selector` matches inside `root`, for up to 10 s.
async fn wait_for(root: &web_sys::HtmlElement, selector: &str) -> web_sys::Element {
    for _ in 0..200 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        sleep_ms(50).await;
    }
    panic!(
        "nothing matched {selector:?} within 10 s; DOM: {}",
        root.inner_html()
    );
}

#[wasm_bindgen_test]
fn config_defaults_the_redirect_uri_to_this_pages_origin() {
    let origin = twinscope::api::page_origin();
    assert!(
        origin.starts_with("http://127.0.0.1:") || origin.starts_with("http://localhost:"),
        "{origin}"
    );
    let json = r#"{"clientId":"8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13","authority":"http://localhost:8480/organizations"}"#;
    let config = RuntimeConfig::from_json(json, &origin).unwrap();
    assert_eq!(config.redirect_uri.to_string(), format!("{origin}/"));
}

#[wasm_bindgen_test]
async fn config_error_page_names_each_field() {
    let root = container();
    let error = ConfigError::Fields(vec![
        FieldError {
            field: "clientId".into(),
            problem: FieldProblem::Missing,
        },
        FieldError {
            field: "authority".into(),
            problem: FieldProblem::Invalid("`x` must use https".into()),
        },
    ]);
    let _handle = leptos::mount::mount_to(
        root.clone(),
        move || view! { <ConfigErrorPage error=error.clone()/> },
    );
    let alert = wait_for(&root, "[role=alert]").await;
    let missing = wait_for(&root, "li[data-field=clientId][data-problem=missing]").await;
    assert!(
        missing
            .text_content()
            .unwrap()
            .contains("`clientId` is required")
    );
    let invalid = wait_for(&root, "li[data-field=authority][data-problem=invalid]").await;
    assert!(invalid.text_content().unwrap().contains("must use https"));
    assert!(
        alert
            .text_content()
            .unwrap()
            .contains("twinscope cannot start")
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn app_without_a_config_explains_instead_of_going_blank() {
    // The test server has no /config.json, so the app must say so.
    let root = container();
    let _handle = leptos::mount::mount_to(root.clone(), twinscope::App);
    let alert = wait_for(&root, "[role=alert]").await;
    let text = alert.text_content().unwrap();
    assert!(text.contains("twinscope cannot start"), "{text}");
    assert!(text.contains("config.json answered HTTP 404"), "{text}");
    root.remove();
}

mod token_cache {
    use twinscope::auth::cache::{CacheKey, HomeAccountId, ScopeSet, Secret, TokenCache};
    use twinscope::auth::storage::{ConfiguredStorage, Storage};
    use twinscope::config::CacheLocation;
    use twinscope::ids::TenantId;
    use wasm_bindgen_test::*;

    const NOW: i64 = 1_800_000_000;

    fn web_storage_text(local: bool) -> String {
        let window = web_sys::window().unwrap();
        let storage = if local {
            window.local_storage()
        } else {
            window.session_storage()
        };
        let storage = storage.unwrap().unwrap();
        (0..storage.length().unwrap())
            .filter_map(|i| storage.key(i).unwrap())
            .map(|k| format!("{k}={}", storage.get_item(&k).unwrap().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stores tokens whose text is unique to this run and location, reads them back, and
    /// returns the secret text so the caller can look for it in the browser's storages.
    fn round_trip(
        location: CacheLocation,
    ) -> (TokenCache<ConfiguredStorage>, HomeAccountId, String) {
        let tenant = TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap();
        let account = HomeAccountId::new("5b2d0aa1-0000-4000-8000-000000000001", &tenant);
        let key = CacheKey {
            account: account.clone(),
            tenant,
            scopes: ScopeSet::new(["https://digitaltwins.azure.net/.default"]),
        };
        let secret = format!(
            "secret-access-token-{}-{}",
            location.as_str(),
            js_sys::Math::random()
        );
        let cache = TokenCache::new(ConfiguredStorage::for_location(location).unwrap());
        cache
            .put_access_token(&key, &Secret::new(secret.clone()), 3600, NOW)
            .unwrap();
        cache
            .put_refresh_token(&account, &Secret::new(format!("{secret}-refresh")), NOW)
            .unwrap();
        assert_eq!(
            cache.access_token(&key, NOW + 60).unwrap().token.expose(),
            secret
        );
        assert_eq!(
            cache
                .refresh_token(&account, NOW + 60)
                .unwrap()
                .token
                .expose(),
            format!("{secret}-refresh")
        );
        (cache, account, secret)
    }

    #[wasm_bindgen_test]
    fn session_storage_keeps_tokens_out_of_local_storage() {
        let (cache, account, secret) = round_trip(CacheLocation::SessionStorage);
        assert!(
            web_storage_text(false).contains(&secret),
            "the tokens are in sessionStorage"
        );
        assert!(
            !web_storage_text(true).contains("secret-access-token"),
            "nothing in localStorage"
        );
        cache.remove_account(&account);
        assert!(
            !web_storage_text(false).contains(&secret),
            "sign-out removes them"
        );
    }

    #[wasm_bindgen_test]
    fn local_storage_round_trip() {
        let (cache, account, secret) = round_trip(CacheLocation::LocalStorage);
        assert!(web_storage_text(true).contains(&secret));
        cache.remove_account(&account);
        assert!(!web_storage_text(true).contains(&secret));
    }

    #[wasm_bindgen_test]
    fn memory_cache_touches_no_browser_storage() {
        let (cache, _, secret) = round_trip(CacheLocation::Memory);
        assert!(!web_storage_text(true).contains(&secret));
        assert!(!web_storage_text(false).contains(&secret));
        assert!(
            cache
                .refresh_token(
                    &HomeAccountId::new(
                        "x",
                        &TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap()
                    ),
                    NOW
                )
                .is_none()
        );
    }

    #[wasm_bindgen_test]
    fn storage_keys_are_listed_for_sweeping() {
        let storage = ConfiguredStorage::for_location(CacheLocation::SessionStorage).unwrap();
        storage.set("twinscope.test.listed", "1").unwrap();
        assert!(storage.keys().iter().any(|k| k == "twinscope.test.listed"));
        storage.remove("twinscope.test.listed");
        assert!(storage.get("twinscope.test.listed").is_none());
    }
}
