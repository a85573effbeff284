//! Talking to our own origin: the runtime configuration.
//!
//! Later the ADT and ARM clients live beside this; every call returns a typed `Result`.

use gloo_net::http::Request;
use web_sys::RequestCache;

use crate::config::{ConfigError, RuntimeConfig};

/// Where the deployment serves its configuration, next to `index.html`.
pub const CONFIG_PATH: &str = "/config.json";

/// Fetches and validates `config.json`. Never cached by the browser, so a redeployed
/// configuration takes effect on the next load.
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
