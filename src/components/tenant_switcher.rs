//! The tenant switcher: every organisation the signed-in accounts can use (guest ones
//! included, from Resource Manager), each with its name, whether the account is at home or
//! a guest there, and (with several accounts) which account. Used in the account menu and
//! on the start page.
//!
//! Choosing one makes its account the active one *before* the organisation's page opens,
//! so that page asks that organisation's own authority for that account's tokens; nothing
//! of another tenant is requested on the way. They are buttons, not links, for that reason:
//! a link would be followed by the router before the account is switched.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::auth::state::AuthState;
use crate::ids::TenantId;
use crate::session::use_session;
use crate::tenants::{TenantEntry, use_tenant_directory};

#[component]
pub fn TenantChoices(
    /// The organisation on screen now, marked `aria-current`.
    #[prop(into)]
    current: Signal<Option<TenantId>>,
    /// Called after a choice, before the navigation (the account menu closes).
    #[prop(optional)]
    on_choose: Option<Callback<()>>,
) -> impl IntoView {
    let session = use_session();
    let directory = use_tenant_directory();
    let navigate = use_navigate();
    let choose = StoredValue::new_local(move |entry: &TenantEntry| {
        let active = session
            .state
            .get_untracked()
            .account()
            .map(|a| a.home.clone());
        // The menu closes first: switching the account re-renders it.
        if let Some(done) = on_choose {
            done.run(());
        }
        if active.as_ref() != Some(&entry.account) {
            session.switch_account(&entry.account);
        }
        navigate(&format!("/t/{}", entry.tenant), Default::default());
    });
    view! {
        <ul class="tenant-switcher">
            {move || {
                let active = session.state.with(|s| s.account().map(|a| a.home.clone()));
                let several = session.state.with(|s| match s {
                    AuthState::SignedIn { others, .. } => others.len() > 1,
                    _ => false,
                });
                directory.entries().into_iter().map(|entry| {
                    let here = current.get().as_ref() == Some(&entry.tenant)
                        && active.as_ref() == Some(&entry.account);
                    let meta = if several {
                        format!("{} · {}", entry.relation_text(), entry.username)
                    } else {
                        entry.relation_text().to_owned()
                    };
                    let named = entry.name.as_ref().and_then(|n| n.label()).is_some();
                    let title = entry.title();
                    let id = entry.tenant.to_string();
                    view! {
                        <li>
                            <button type="button" class="tenant-switcher__item"
                                aria-current=here.then_some("true")
                                title=id
                                on:click=move |_| choose.with_value(|c| c(&entry))>
                                <span class="tenant-switcher__name" class:tenant-switcher__name--id=!named>{title}</span>
                                <span class="tenant-switcher__meta">{meta}</span>
                            </button>
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
        {move || directory.loading().then(|| view! {
            <p class="tenant-switcher__hint" role="status">"Looking for your other organisations…"</p>
        })}
        {move || (!directory.failures().is_empty()).then(|| view! {
            <p class="tenant-switcher__hint">"Some organisations could not be listed; the ones already used are shown."</p>
        })}
    }
}
