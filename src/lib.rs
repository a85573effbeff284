//! twinscope: explore and edit Azure Digital Twins, one tenant at a time.
//!
//! `App` is the root component; `main.rs` only mounts it. See `ARCHITECTURE.md` for the code
//! map and invariants.

pub mod api;
pub mod auth;
pub mod components;
pub mod config;
pub mod ids;
pub mod pages;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::header::Header;
use crate::config::RuntimeConfig;
use crate::pages::error::{ConfigErrorPage, ErrorPage, Loading};
use crate::pages::landing::Landing;
use crate::pages::not_found::NotFound;

/// The `performance.mark` set once the shell (header, routes, first page) is on screen;
/// the end-to-end tests and `cargo xtask bench` read it.
pub const SHELL_MOUNTED_MARK: &str = "twinscope:shell-mounted";

/// The whole application: fetches the runtime configuration, then routes.
#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(api::fetch_config);
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match config.await {
                        Ok(config) => view! { <Shell config/> }.into_any(),
                        Err(error) => view! { <ConfigErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </Router>
    }
}

/// The configured app: provides the configuration to every page and routes.
#[component]
fn Shell(config: RuntimeConfig) -> impl IntoView {
    provide_context(config);
    Effect::new(move |_| mark_shell_mounted());
    view! {
        <ErrorBoundary fallback=|errors| view! { <ErrorPage errors/> }>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing/>
            </Routes>
        </ErrorBoundary>
    }
}

fn mark_shell_mounted() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(performance) = window.performance()
        && performance.mark(SHELL_MOUNTED_MARK).is_err()
    {
        log::warn!("could not set the {SHELL_MOUNTED_MARK} performance mark");
    }
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-shell", "mounted");
    }
}
