//! Talking to our own origin: the runtime configuration.

use gloo_net::http::Request;
use web_sys::RequestCache;

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
    let response = Request::get(CONFIG_PATH)
        .cache(RequestCache::NoStore)
        .send()
        .await
        .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    if !response.ok() {
        return Err(ConfigError::HttpStatus {
            status: response.status(),
        });
    }
    let text = response
        .text()
        .await
        .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    RuntimeConfig::from_json(&text, &page_origin())
}

/// `window.location.origin`.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}
