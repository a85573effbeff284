//! The account menu in the header: who is signed in and in which organisation, the tenant
//! switcher (every organisation the signed-in accounts can use, guest ones included, each
//! with its account), other accounts, add, settings, sign out.
//!
//! A `<details>` disclosure: it opens with a click, Enter or Space on its summary, and closes
//! on Escape (focus back on the summary), on a click or focus outside it, and after any
//! choice in it.

use leptos::ev;
use leptos::html::Details;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use wasm_bindgen::JsCast;

use crate::auth::client::SignInOptions;
use crate::auth::state::AuthState;
use crate::components::tenant_switcher::TenantChoices;
use crate::ids::TenantId;
use crate::pages::lazy::{NotLoaded, Seldom, seldom_call};
use crate::session::{SignOut, current_path, use_session};
use crate::tenants::{tenant_in_path, use_tenant_directory};

#[component]
pub fn AccountMenu() -> impl IntoView {
    let session = use_session();
    move || {
        match session.state.get() {
        AuthState::Resolving => view! {
            <span class="account account--busy" role="status" aria-live="polite">"Signing in…"</span>
        }
        .into_any(),
        AuthState::SignedOut { .. } => view! {
            <button type="button" class="button button--primary"
                disabled=move || session.signing_out()
                on:click=move |_| session.sign_in(SignInOptions { return_path: current_path(), ..SignInOptions::default() })>
                "Sign in"
            </button>
        }
        .into_any(),
        AuthState::SignedIn { account, .. } => view! {
            <Menu name=account.name.clone() username=account.username.clone()/>
        }
        .into_any(),
    }
    }
}

/// Closes a `<details>`; with `refocus`, focus goes back to its summary.
fn close(details: &web_sys::HtmlElement, refocus: bool) {
    if !details.has_attribute("open") {
        return;
    }
    let _ = details.remove_attribute("open");
    if refocus
        && let Ok(Some(summary)) = details.query_selector("summary")
        && let Ok(summary) = summary.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = summary.focus();
    }
}

/// Whether `target` (an event's) is inside `details`.
fn inside(details: &web_sys::HtmlElement, target: Option<web_sys::EventTarget>) -> bool {
    target
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
        .is_some_and(|node| details.contains(Some(&node)))
}

#[component]
fn Menu(name: String, username: String) -> impl IntoView {
    let directory = use_tenant_directory();
    let details = NodeRef::<Details>::new();
    let element = move || {
        details
            .try_get_untracked()
            .flatten()
            .map(web_sys::HtmlElement::from)
    };

    // Escape anywhere closes it (focus back on the summary); a click or focus outside too.
    let keys = window_event_listener(ev::keydown, move |e| {
        if e.key() == "Escape"
            && let Some(d) = element()
            && d.has_attribute("open")
        {
            e.prevent_default();
            close(&d, true);
        }
    });
    let clicks = window_event_listener(ev::pointerdown, move |e| {
        if let Some(d) = element()
            && !inside(&d, e.target())
        {
            close(&d, false);
        }
    });
    let focus = window_event_listener(ev::focusin, move |e| {
        if let Some(d) = element()
            && !inside(&d, e.target())
        {
            close(&d, false);
        }
    });
    on_cleanup(move || {
        keys.remove();
        clicks.remove();
        focus.remove();
    });
    let close_menu = move || {
        if let Some(d) = element() {
            close(&d, false);
        }
    };

    let location = use_location();
    let current = Memo::new(move |_| tenant_in_path(&location.pathname.get()));
    let organisation = move || {
        current.get().map(|t| {
            directory
                .names()
                .label(&t)
                .unwrap_or_else(|| "Organisation".to_owned())
        })
    };
    // The body's code is fetched the first time the menu opens (each opening draws it
    // afresh, so one that did not arrive is asked for again).
    let opens = RwSignal::new(0_u32);
    let opened = Memo::new(move |_| opens.get() > 0);
    let on_toggle = move |_| {
        if element().is_some_and(|d| d.has_attribute("open")) {
            directory.want();
            opens.update(|n| *n += 1);
        }
    };
    let body = MenuBody {
        name: name.clone(),
        username: username.clone(),
        current,
        close: Callback::new(move |()| close_menu()),
    };
    let initials = initials(&name);
    view! {
        <details class="account" node_ref=details on:toggle=on_toggle>
            <summary class="account__summary" aria-label=format!("Account: {username}")>
                <span class="account__avatar" aria-hidden="true">{initials}</span>
                <span class="account__text">
                    <span class="account__name">{name.clone()}</span>
                    {move || organisation().map(|o| {
                        let title = o.clone();
                        view! { <span class="account__org" title=title>{o}</span> }
                    })}
                </span>
            </summary>
            <div class="account__menu">
                {move || opened.get().then(|| {
                    let body = body.clone();
                    view! {
                        <Transition fallback=|| view! { <p class="account__loading" role="status">"Opening…"</p> }>
                            {move || {
                                opens.track();
                                let body = body.clone();
                                Suspend::new(async move {
                                    seldom_call(Seldom::AccountMenu(body)).await.unwrap_or_else(|NotLoaded| not_loaded())
                                })
                            }}
                        </Transition>
                    }
                })}
            </div>
        </details>
    }
}

/// What the menu's body needs from its summary: text and handles only (`Send`), so they can
/// cross the `Suspend` that waits for the body's code.
#[derive(Debug, Clone)]
pub struct MenuBody {
    name: String,
    username: String,
    current: Memo<Option<TenantId>>,
    /// Closes the menu.
    close: Callback<()>,
}

/// The menu's body, which comes with the seldom pages' module in the split bundle
/// ([`crate::pages::lazy`]): the first load draws only the summary.
pub fn menu_body(body: MenuBody) -> AnyView {
    let session = use_session();
    let MenuBody {
        name,
        username,
        current,
        close,
    } = body;
    view! {
        <p class="account__who">
            <strong>{name}</strong><br/>
            <span>{username}</span>
        </p>
        <section class="account__section" aria-labelledby="switcher-title">
            <h2 id="switcher-title" class="account__heading">"Organisations"</h2>
            <TenantChoices current=current on_choose=close/>
        </section>
        <OtherAccounts on_choose=close/>
        <button type="button" class="button button--quiet"
            on:click=move |_| session.sign_in(SignInOptions {
                return_path: current_path(),
                prompt: Some("select_account".into()),
                ..SignInOptions::default()
            })>
            "Add another account"
        </button>
        <a class="button button--quiet" href="/settings" on:click=move |_| close.run(())>"Settings"</a>
        <button type="button" class="button button--quiet"
            on:click=move |_| {
                close.run(());
                if let Some(active) = session.state.get_untracked().account() {
                    session.sign_out(SignOut::One(active.home.clone()));
                }
            }>
            "Sign out"
        </button>
        <button type="button" class="button button--quiet"
            on:click=move |_| { close.run(()); session.sign_out(SignOut::All); }>
            "Sign out of all accounts"
        </button>
    }
    .into_any()
}

/// Said in the menu when its code did not arrive.
fn not_loaded() -> AnyView {
    view! {
        <p class="alert alert--error" role="alert">
            "The menu could not be loaded. Close it and open it again, or reload the page."
        </p>
    }
    .into_any()
}

/// The other signed-in accounts, to switch to.
#[component]
fn OtherAccounts(on_choose: Callback<()>) -> impl IntoView {
    let session = use_session();
    move || {
        let (active, others) = session.state.with(|s| match s {
            AuthState::SignedIn {
                account, others, ..
            } => (Some(account.home.clone()), others.clone()),
            _ => (None, Vec::new()),
        });
        let switchable: Vec<_> = others
            .into_iter()
            .filter(|a| Some(&a.home) != active.as_ref())
            .collect();
        (!switchable.is_empty()).then(|| view! {
            <ul class="account__others" aria-label="Other accounts">
                {switchable.into_iter().map(|other| {
                    let home = other.home.clone();
                    view! {
                        <li><button type="button" class="button button--quiet"
                            on:click=move |_| { on_choose.run(()); session.switch_account(&home); }>
                            {format!("Switch to {}", other.username)}
                        </button></li>
                    }
                }).collect_view()}
            </ul>
        })
    }
}

fn initials(name: &str) -> String {
    crate::format::uppercase(
        &name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>(),
    )
}
