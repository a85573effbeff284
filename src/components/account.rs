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
    let session = use_session();
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
    let on_toggle = move |_| {
        if element().is_some_and(|d| d.has_attribute("open")) {
            directory.want();
        }
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
                <p class="account__who">
                    <strong>{name.clone()}</strong><br/>
                    <span>{username.clone()}</span>
                </p>
                <section class="account__section" aria-labelledby="switcher-title">
                    <h2 id="switcher-title" class="account__heading">"Organisations"</h2>
                    <TenantChoices current=current on_choose=Callback::new(move |()| close_menu())/>
                </section>
                <OtherAccounts on_choose=Callback::new(move |()| close_menu())/>
                <button type="button" class="button button--quiet"
                    on:click=move |_| session.sign_in(SignInOptions {
                        return_path: current_path(),
                        prompt: Some("select_account".into()),
                        ..SignInOptions::default()
                    })>
                    "Add another account"
                </button>
                <a class="button button--quiet" href="/settings" on:click=move |_| close_menu()>"Settings"</a>
                <button type="button" class="button button--quiet"
                    on:click=move |_| {
                        close_menu();
                        if let Some(active) = session.state.get_untracked().account() {
                            session.sign_out(SignOut::One(active.home.clone()));
                        }
                    }>
                    "Sign out"
                </button>
                <button type="button" class="button button--quiet"
                    on:click=move |_| { close_menu(); session.sign_out(SignOut::All); }>
                    "Sign out of all accounts"
                </button>
            </div>
        </details>
    }
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
