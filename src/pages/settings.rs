//! `/settings`: accounts (with how many organisations each can use), when the sign-in
//! ends, where tokens are kept, and sign-out.

use leptos::prelude::*;

use crate::auth::state::AuthState;
use crate::components::local_time::LocalTimeAt;
use crate::config::RuntimeConfig;
use crate::format::count;
use crate::session::{SignOut, use_session};
use crate::tenants::use_tenant_directory;

#[component]
pub fn Settings() -> impl IntoView {
    let session = use_session();
    let directory = use_tenant_directory();
    directory.want();
    let config = expect_context::<RuntimeConfig>();
    let accounts = move || {
        session.state.track();
        session.accounts()
    };
    // Organisations per account: what Resource Manager lists, else the ones already used.
    let organisations = move |home: &crate::auth::cache::HomeAccountId| {
        directory
            .entries()
            .iter()
            .filter(|e| &e.account == home)
            .count()
    };
    let ends_at = move || {
        session.state.with(|s| match s {
            AuthState::SignedIn {
                session_ends_at: Some(t),
                ..
            } => Some(*t),
            _ => None,
        })
    };
    let left = move || {
        ends_at().map_or_else(
            || "—".to_owned(),
            |t| {
                let left = (t - session.now.get()).max(0);
                format!("{} h {} min", left / 3600, (left % 3600) / 60)
            },
        )
    };
    view! {
        <main id="main" class="page" aria-labelledby="settings-title" tabindex="-1">
            <h1 id="settings-title">"Settings"</h1>
            <section class="card" aria-labelledby="accounts-title">
                <h2 id="accounts-title">"Accounts"</h2>
                <ul class="account-list">
                    {move || accounts().into_iter().map(|a| {
                        let home = a.home.clone();
                        let tenants = organisations(&a.home);
                        view! {
                            <li>
                                <span>
                                    {format!("{} ({}) · ", a.name, a.username)}
                                    <span class="account-list__count">{count(tenants, "organisation", "organisations")}</span>
                                </span>
                                <button type="button" class="button button--ghost"
                                    on:click=move |_| session.sign_out(SignOut::One(home.clone()))>
                                    {format!("Sign out {}", a.username)}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p>
                    "Time left before you must sign in again: " <strong>{left}</strong>
                    {move || ends_at().map(|t| view! {
                        " (until " <LocalTimeAt seconds=t/> ")"
                    })}
                </p>
                <div class="actions">
                    <button type="button" class="button" on:click=move |_| session.sign_out(SignOut::All)>
                        "Sign out of all accounts"
                    </button>
                </div>
            </section>
            <section class="card" aria-labelledby="storage-title">
                <h2 id="storage-title">"Where tokens are kept"</h2>
                <p>{format!("In this browser's {} (set by the deployment's cacheLocation). They are sent only to Azure Resource Manager and to the Digital Twins path of this site.", config.cache_location.as_str())}</p>
            </section>
        </main>
    }
}
