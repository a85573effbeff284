//! The account menu in the header: who is signed in, switch, add, sign out.

use leptos::prelude::*;

use crate::auth::client::SignInOptions;
use crate::auth::state::AuthState;
use crate::session::{SignOut, current_path, use_session};

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
                on:click=move |_| session.sign_in(SignInOptions { return_path: current_path(), ..SignInOptions::default() })>
                "Sign in"
            </button>
        }
        .into_any(),
        AuthState::SignedIn { account, others, .. } => {
            let active = account.home.clone();
            let switchable: Vec<_> = others.into_iter().filter(|a| a.home != active).collect();
            let one = active.clone();
            view! {
                <details class="account">
                    <summary class="account__summary" aria-label=format!("Account: {}", account.username)>
                        <span class="account__avatar" aria-hidden="true">{initials(&account.name)}</span>
                        <span class="account__name">{account.name.clone()}</span>
                    </summary>
                    <div class="account__menu">
                        <p class="account__who">
                            <strong>{account.name.clone()}</strong><br/>
                            <span>{account.username.clone()}</span>
                        </p>
                        {(!switchable.is_empty()).then(|| view! {
                            <ul class="account__others" aria-label="Other accounts">
                                {switchable.into_iter().map(|other| {
                                    let home = other.home.clone();
                                    view! {
                                        <li><button type="button" class="button button--quiet"
                                            on:click=move |_| session.switch_account(&home)>
                                            {format!("Switch to {}", other.username)}
                                        </button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                        <button type="button" class="button button--quiet"
                            on:click=move |_| session.sign_in(SignInOptions {
                                return_path: current_path(),
                                prompt: Some("select_account".into()),
                                ..SignInOptions::default()
                            })>
                            "Add another account"
                        </button>
                        <a class="button button--quiet" href="/settings">"Settings"</a>
                        <button type="button" class="button button--quiet"
                            on:click=move |_| session.sign_out(SignOut::One(one.clone()))>
                            "Sign out"
                        </button>
                        <button type="button" class="button button--quiet"
                            on:click=move |_| session.sign_out(SignOut::All)>
                            "Sign out of all accounts"
                        </button>
                    </div>
                </details>
            }
            .into_any()
        }
    }
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}
