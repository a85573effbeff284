//! Code the first load does not carry: in the split release bundle (`cargo xtask build`,
//! `--cfg twinscope_split`) each split point's code, and everything only it uses, is a wasm
//! module of its own, fetched the first time it is called; elsewhere (`trunk serve`, a plain
//! `trunk build`, tests) split points are ordinary functions.
//!
//! Three split points: the instance screens in two groups ([`crate::pages::instance`] says
//! why two), and what a person seldom opens outside an instance ([`Seldom`]): the pages
//! ([`Page`]: settings, the administrator's onboarding, the page after signing out, the page
//! for an address no route claims), the account menu's body (the header draws its summary;
//! the body, its first time open), and the pages for when the app cannot go on (a bad
//! configuration, no Web Storage, a failed page).
//!
//! Invariant: opening a page or screen costs its own module and, for a screen, at most the
//! one module both screen groups share. wasm-split puts the code each *combination* of split
//! points shares in a module of its own, so the pages must share nothing with the screens
//! outside the main module: `cargo xtask build` keeps whatever they share there
//! (`xtask/src/split_roots.rs`, the pages' split point is *isolated*).
//!
//! A module that does not arrive (the network, or a deployment that replaced the bundle the
//! page came from, so its hashed names are gone) is said on the page ([`not_loaded_page`]);
//! Leptos's own `#[lazy]` would abort the whole app instead, hence `wasm_split` itself with
//! `fallible`. A later attempt loads afresh (failures are not remembered).

use leptos::prelude::*;

use crate::auth::storage::StorageError;
use crate::components::account::{MenuBody, menu_body};
use crate::config::ConfigError;
use crate::pages::error::{ConfigErrorPage, ErrorPage, StorageUnavailable};
use crate::pages::not_found::NotFound;
use crate::pages::onboarding::Onboarding;
use crate::pages::settings::Settings;
use crate::pages::signed_out::SignedOut;

/// Calls a split point: an `async fn` that loads its module first (in the split bundle).
#[cfg(twinscope_split)]
macro_rules! split_call {
    ($call:expr) => {
        $call.await
    };
}
#[cfg(not(twinscope_split))]
macro_rules! split_call {
    ($call:expr) => {
        $call
    };
}
pub(crate) use split_call;

/// A split point's module could not be fetched or instantiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotLoaded;

impl From<wasm_split_helpers::SplitLoaderError> for NotLoaded {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        Self
    }
}

/// What is shown while a module loads.
pub fn opening() -> impl IntoView {
    view! { <p class="loading page" role="status">"Opening…"</p> }
}

/// What is shown when a module did not arrive: why, and a reload.
pub fn not_loaded_page() -> AnyView {
    let reload = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <main id="main" class="page page--message" aria-labelledby="not-loaded-title" tabindex="-1">
            <h1 id="not-loaded-title">"This screen could not be loaded"</h1>
            <div class="alert alert--error" role="alert">
                <p>"Its code did not arrive. The connection may have dropped, or a new version of twinscope was deployed after this page was opened."</p>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=reload>"Reload the page"</button>
            </div>
        </main>
    }
    .into_any()
}

/// A page outside the instance that a person seldom opens, loaded on first use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Settings,
    Onboarding,
    SignedOut,
    /// Any address no route claims.
    NotFound,
}

/// The route view of a [`Page`].
#[component]
pub fn LazyPage(page: Page) -> impl IntoView {
    seldom_view(Seldom::Page(page))
}

/// A [`Seldom`] view, drawn once its module has arrived.
pub fn seldom_view(call: Seldom) -> impl IntoView {
    view! {
        <Transition fallback=opening>
            {move || {
                let call = call.clone();
                Suspend::new(async move {
                    seldom_call(call).await.unwrap_or_else(|NotLoaded| not_loaded_page())
                })
            }}
        </Transition>
    }
}

/// Draws `call` with the seldom pages' module, fetched first if need be.
pub async fn seldom_call(call: Seldom) -> Result<AnyView, NotLoaded> {
    split_call!(seldom_pages(call))
}

/// What the seldom pages' module draws.
#[derive(Debug, Clone)]
pub enum Seldom {
    Page(Page),
    /// The account menu's body, drawn the first time the menu opens (its summary is in the
    /// main module).
    AccountMenu(MenuBody),
    /// The deployment's configuration cannot be used: the app's only page then.
    ConfigError(ConfigError),
    /// The browser refuses Web Storage: the app's only page then.
    StorageUnavailable(StorageError),
    /// A page failed (the app's error boundary).
    Failed(ArcRwSignal<Errors>),
}

#[cfg_attr(
    twinscope_split,
    wasm_split_helpers::wasm_split(seldom_pages, fallible)
)]
fn seldom_pages(call: Seldom) -> Result<AnyView, NotLoaded> {
    Ok(match call {
        Seldom::Page(Page::Settings) => view! { <Settings/> }.into_any(),
        Seldom::Page(Page::Onboarding) => view! { <Onboarding/> }.into_any(),
        Seldom::Page(Page::SignedOut) => view! { <SignedOut/> }.into_any(),
        Seldom::Page(Page::NotFound) => view! { <NotFound/> }.into_any(),
        Seldom::AccountMenu(body) => menu_body(body),
        Seldom::ConfigError(error) => view! { <ConfigErrorPage error/> }.into_any(),
        Seldom::StorageUnavailable(error) => view! { <StorageUnavailable error/> }.into_any(),
        Seldom::Failed(errors) => view! { <ErrorPage errors/> }.into_any(),
    })
}
