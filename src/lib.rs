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
pub mod focus;
pub mod format;
pub mod graph;
pub mod ids;
pub mod model_set;
pub mod pages;
pub mod perf;
pub mod session;
pub mod tenants;
pub mod transfer;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::header::Header;
use crate::components::sign_in_gate::RequireSignIn;
use crate::config::RuntimeConfig;
use crate::pages::error::{ConfigErrorPage, ErrorPage, Loading, StorageUnavailable};
use crate::pages::instance::{Instance, Screen};
use crate::pages::landing::Landing;
use crate::pages::not_found::NotFound;
use crate::pages::onboarding::Onboarding;
use crate::pages::settings::Settings;
use crate::pages::signed_out::SignedOut;
use crate::pages::tenant::TenantPage;
use crate::session::Session;
use crate::tenants::TenantDirectory;

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
            <Transition fallback=|| view! { <Header/><Loading/> }>
                {move || Suspend::new(async move {
                    match config.await {
                        Ok(config) => view! { <Shell config/> }.into_any(),
                        Err(error) => view! { <Header/><ConfigErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
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
    }
    adt::access::provide_access_book();
    Effect::new(move |_| mark_shell_mounted());
    focus::focus_heading_after_navigation();
    view! {
        <Header/>
        {match session {
            Err(error) => view! { <StorageUnavailable error/> }.into_any(),
            Ok(_) => view! {
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors/> }>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Landing/>
                        <Route path=path!("/onboarding") view=Onboarding/>
                        <Route path=path!("/signed-out") view=SignedOut/>
                        <Route path=path!("/settings") view=|| view! { <RequireSignIn><Settings/></RequireSignIn> }/>
                        <Route path=path!("/t/:tenant") view=|| view! { <RequireSignIn><TenantPage/></RequireSignIn> }/>
                        <Route path=path!("/t/:tenant/i/:host/twins") view=|| view! { <RequireSignIn><Instance screen=Screen::Twins/></RequireSignIn> }/>
                        <Route path=path!("/t/:tenant/i/:host/twins/:twin_id") view=|| view! { <RequireSignIn><Instance screen=Screen::Twin/></RequireSignIn> }/>
                        <Route path=path!("/t/:tenant/i/:host/models") view=|| view! { <RequireSignIn><Instance screen=Screen::Models/></RequireSignIn> }/>
                        <Route path=path!("/t/:tenant/i/:host/graph") view=|| view! { <RequireSignIn><Instance screen=Screen::Graph/></RequireSignIn> }/>
                        <Route path=path!("/t/:tenant/i/:host/transfer") view=|| view! { <RequireSignIn><Instance screen=Screen::Transfer/></RequireSignIn> }/>
                    </Routes>
                </ErrorBoundary>
            }.into_any(),
        }}
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
