//! twinscope: explore and edit Azure Digital Twins, one tenant at a time.
//!
//! `App` is the root component; `main.rs` only mounts it. See `ARCHITECTURE.md` for the code
//! map and invariants.

pub mod adt;
pub mod api;
pub mod arm;
pub mod auth;
pub mod components;
pub mod config;
pub mod console;
pub mod focus;
pub mod format;
pub mod graph;
pub mod ids;
pub mod json;
pub mod model_set;
pub mod pages;
pub mod perf;
pub mod session;
pub mod sorted;
pub mod tenants;
pub mod transfer;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::header::Header;
use crate::components::sign_in_gate::RequireSignIn;
use crate::config::RuntimeConfig;
use crate::pages::instance::{
    Instance, InstanceConnector, InstanceScreen, Screen, SessionConnector,
};
use crate::pages::landing::Landing;
use crate::pages::lazy::{LazyPage, Page, Seldom, seldom_view};
use crate::pages::tenant::TenantPage;
use crate::session::Session;
use crate::tenants::TenantDirectory;

/// The `performance.mark` set once the shell (header, routes, first page) is on screen;
/// the end-to-end tests and `cargo xtask bench` read it.
pub const SHELL_MOUNTED_MARK: &str = "twinscope:shell-mounted";

/// The runtime configuration: the one the page carries (the gateway writes it into the page
/// it serves, so nothing waits for it), else `/config.json` fetched (`trunk serve`, a plain
/// static server).
pub async fn runtime_config() -> Result<RuntimeConfig, config::ConfigError> {
    match api::config_in_page() {
        Some(config) => config,
        None => api::fetch_config().await,
    }
}

/// Mounts the app for `config` on the page's body, in place of the page's own "Loading
/// twinscope…" (`#boot` in `index.html`, shown while the code and the configuration arrive).
pub fn mount_to_body(config: Result<RuntimeConfig, config::ConfigError>) {
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(BOOT_ID))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(move || view! { <App config/> });
}

/// The id of the page's own loading line, which the app replaces.
pub const BOOT_ID: &str = "boot";

/// The whole application for a configuration: routes, or the page that says why there is
/// none.
#[component]
pub fn App(config: Result<RuntimeConfig, config::ConfigError>) -> impl IntoView {
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            {match config {
                Ok(config) => view! { <Shell config/> }.into_any(),
                Err(error) => view! { <Header/>{seldom_view(Seldom::ConfigError(error))} }.into_any(),
            }}
        </Router>
    }
}

/// The configured app: provides the configuration and the sign-in session to every page,
/// and routes.
#[component]
fn Shell(config: RuntimeConfig) -> impl IntoView {
    provide_context(config.clone());
    let session = Session::start(config.clone());
    if let Ok(session) = session {
        TenantDirectory::provide(session, &config);
        InstanceConnector::provide(SessionConnector {
            session,
            config: config.clone(),
        });
    }
    adt::access::provide_access_book();
    Effect::new(move |_| mark_shell_mounted());
    focus::focus_heading_after_navigation();
    view! {
        <Header/>
        {match session {
            Err(error) => seldom_view(Seldom::StorageUnavailable(error)).into_any(),
            Ok(_) => view! {
                <ErrorBoundary fallback=|errors| seldom_view(Seldom::Failed(errors))>
                    <AppRoutes/>
                </ErrorBoundary>
            }.into_any(),
        }}
    }
}

/// The routes. Public pages first (settings, onboarding and the signed-out page loaded on
/// first use, [`pages::lazy`]); everything else under one sign-in guard (a parent route
/// without a path of its own). An organisation's instance is a parent route whose shell (roles,
/// access check, client, navigation) is built once per instance; its screens are child routes,
/// each loaded on first use.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <LazyPage page=Page::NotFound/> }>
            <Route path=path!("/") view=Landing/>
            <Route path=path!("/onboarding") view=|| view! { <LazyPage page=Page::Onboarding/> }/>
            <Route path=path!("/signed-out") view=|| view! { <LazyPage page=Page::SignedOut/> }/>
            <ParentRoute path=path!("") view=SignedInOutlet>
                <Route path=path!("/settings") view=|| view! { <LazyPage page=Page::Settings/> }/>
                <ParentRoute path=path!("/t/:tenant") view=Outlet>
                    <Route path=path!("") view=TenantPage/>
                    <InstanceRoutes/>
                </ParentRoute>
            </ParentRoute>
        </Routes>
    }
}

/// `/i/{host}` and its screens, under an organisation (also mounted by the wasm tests).
#[component(transparent)]
pub fn InstanceRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/i/:host") view=Instance>
            <Route path=path!("/twins") view=|| view! { <InstanceScreen screen=Screen::Twins/> }/>
            <Route path=path!("/twins/:twin_id") view=|| view! { <InstanceScreen screen=Screen::Twin/> }/>
            <Route path=path!("/models") view=|| view! { <InstanceScreen screen=Screen::Models/> }/>
            <Route path=path!("/graph") view=|| view! { <InstanceScreen screen=Screen::Graph/> }/>
            <Route path=path!("/transfer") view=|| view! { <InstanceScreen screen=Screen::Transfer/> }/>
        </ParentRoute>
    }
    .into_inner()
}

/// The sign-in guard of every page that needs an account, around the matched child route.
#[component]
fn SignedInOutlet() -> impl IntoView {
    view! { <RequireSignIn><Outlet/></RequireSignIn> }
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
