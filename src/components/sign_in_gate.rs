//! Pages that need an account: while resolving, a quiet placeholder; signed out, straight
//! to sign-in with this page as the return path (unless the last attempt failed, then a
//! button and the reason).

use leptos::prelude::*;

use crate::auth::client::SignInOptions;
use crate::auth::state::AuthState;
use crate::components::problem::SignInProblem;
use crate::session::{current_path, use_session};

#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    move || {
        match session.state.get() {
        AuthState::Resolving => view! {
            <main id="main" class="page page--message" aria-busy="true" aria-label="Signing in">
                <p class="loading">"Signing you in…"</p>
            </main>
        }
        .into_any(),
        AuthState::SignedOut { problem: None } => {
            session.sign_in(SignInOptions {
                return_path: current_path(),
                ..SignInOptions::default()
            });
            view! {
                <main id="main" class="page page--message" aria-busy="true" aria-label="Signing in">
                    <p class="loading">"Taking you to sign in…"</p>
                </main>
            }
            .into_any()
        }
        AuthState::SignedOut { problem: Some(problem) } => view! {
            <main id="main" class="page page--message" aria-labelledby="gate-title" tabindex="-1">
                <h1 id="gate-title">"Sign in to continue"</h1>
                <SignInProblem problem/>
                <button type="button" class="button button--primary"
                    on:click=move |_| session.sign_in(SignInOptions { return_path: current_path(), ..SignInOptions::default() })>
                    "Sign in"
                </button>
            </main>
        }
        .into_any(),
        AuthState::SignedIn { .. } => children().into_any(),
    }
    }
}
