//! Talking to our own origin: the runtime configuration.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCache, RequestInit};

use crate::auth::http::{fetch, js_reason};
use crate::config::{ConfigError, RuntimeConfig};

/// Where the deployment serves its configuration, next to `index.html`.
pub const CONFIG_PATH: &str = "/config.json";

/// The meta of the page's head in which the gateway hands over the `config.json` it serves
/// (`gateway/src/page_config.rs`).
pub const CONFIG_META_NAME: &str = "twinscope-config";

/// The `config.json` the page carries, validated, if it carries one: the gateway writes it
/// into the page it serves, so the app starts at once, without a round trip for it.
pub fn config_in_page() -> Option<Result<RuntimeConfig, ConfigError>> {
    let text = web_sys::window()?
        .document()?
        .query_selector(&format!("head > meta[name=\"{CONFIG_META_NAME}\"]"))
        .ok()??
        .get_attribute("content")?;
    Some(RuntimeConfig::from_json(&text, &page_origin()))
}

/// Fetches and validates `config.json`, for a page that does not carry it (`trunk serve`, a
/// plain static server). Never cached by the browser, so a redeployed configuration takes
/// effect on the next load.
pub async fn fetch_config() -> Result<RuntimeConfig, ConfigError> {
    let unreachable = |e: &JsValue| ConfigError::Unreachable(js_reason(e));
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    let request =
        Request::new_with_str_and_init(CONFIG_PATH, &init).map_err(|e| unreachable(&e))?;
    let response = fetch(&request).await.map_err(ConfigError::Unreachable)?;
    if !response.ok() {
        return Err(ConfigError::HttpStatus {
            status: response.status(),
        });
    }
    let text = JsFuture::from(response.text().map_err(|e| unreachable(&e))?)
        .await
        .map_err(|e| unreachable(&e))?
        .as_string()
        .unwrap_or_default();
    RuntimeConfig::from_json(&text, &page_origin())
}

/// `window.location.origin`.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}
