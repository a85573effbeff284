//! `/settings`: accounts, where tokens are kept, and sign-out.

use leptos::prelude::*;

use crate::config::RuntimeConfig;
use crate::session::{SignOut, use_session};

#[component]
pub fn Settings() -> impl IntoView {
    let session = use_session();
    let config = expect_context::<RuntimeConfig>();
    let accounts = move || {
        session.state.track();
        session.accounts()
    };
    let ends = move || {
        session.state.with(|s| match s {
            crate::auth::state::AuthState::SignedIn {
                session_ends_at: Some(t),
                ..
            } => {
                let left = (*t - session.now.get()).max(0);
                format!("{} h {} min", left / 3600, (left % 3600) / 60)
            }
            _ => "—".to_owned(),
        })
    };
    view! {
        <main id="main" class="page" aria-labelledby="settings-title" tabindex="-1">
            <h1 id="settings-title">"Settings"</h1>
            <section class="card" aria-labelledby="accounts-title">
                <h2 id="accounts-title">"Accounts"</h2>
                <ul class="account-list">
                    {move || accounts().into_iter().map(|a| {
                        let home = a.home.clone();
                        let tenants = a.tenants.len();
                        view! {
                            <li>
                                <span>{format!("{} ({}) · {tenants} organisation(s)", a.name, a.username)}</span>
                                <button type="button" class="button button--quiet"
                                    on:click=move |_| session.sign_out(SignOut::One(home.clone()))>
                                    {format!("Sign out {}", a.username)}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p>"Time left before you must sign in again: " <strong>{ends}</strong></p>
                <button type="button" class="button" on:click=move |_| session.sign_out(SignOut::All)>
                    "Sign out of all accounts"
                </button>
            </section>
            <section class="card" aria-labelledby="storage-title">
                <h2 id="storage-title">"Where tokens are kept"</h2>
                <p>{format!("In this browser's {} (set by the deployment's cacheLocation). They are sent only to Azure Resource Manager and to the Digital Twins path of this site.", config.cache_location.as_str())}</p>
            </section>
        </main>
    }
}
