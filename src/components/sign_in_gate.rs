//! Pages that need an account: while resolving, a quiet placeholder; signed out, straight
//! to sign-in with this page as the return path (unless the last attempt failed, then the
//! reason and a way to try again, with this account or another, at the page's organisation
//! when it has one; or the tab is signing out).

use leptos::prelude::*;

use crate::auth::client::{AuthError, SignInOptions};
use crate::auth::errors::NextStep;
use crate::auth::state::AuthState;
use crate::components::problem::SignInProblem;
use crate::session::{current_path, holds_drafts, use_session};
use crate::tenants::tenant_in_path;

#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    move || match session.state.get() {
        AuthState::Resolving => view! {
            <main id="main" class="page page--message" aria-busy="true" aria-label="Signing in">
                <p class="loading">"Signing you in…"</p>
            </main>
        }
        .into_any(),
        AuthState::SignedOut { problem: None } if session.signing_out() => view! {
            <main id="main" class="page page--message" aria-busy="true" aria-label="Signing out">
                <p class="loading">"Signing you out…"</p>
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
        AuthState::SignedOut {
            problem: Some(problem),
        } => view! { <SignInAgain problem/> }.into_any(),
        AuthState::SignedIn { .. } => children().into_any(),
    }
}

/// The last sign-in failed: why, and the two ways on (this page stays the destination).
#[component]
fn SignInAgain(problem: AuthError) -> impl IntoView {
    let session = use_session();
    // When the account itself was the problem, another account is the way on.
    let another_first = matches!(
        &problem,
        AuthError::SignIn(e) if matches!(e.next_step(), NextStep::AskAdminToConsent | NextStep::UseAnotherAccount | NextStep::AskAdminToEnableDigitalTwins)
    );
    // On an organisation's page, at that organisation's own authority: a guest tenant's
    // conditions (multi-factor authentication, terms of use) are met there, not at home.
    let options = move |prompt: Option<&str>| {
        let return_path = current_path();
        SignInOptions {
            tenant: return_path
                .as_ref()
                .and_then(|p| tenant_in_path(p.as_str())),
            return_path,
            prompt: prompt.map(str::to_owned),
            ..SignInOptions::default()
        }
    };
    let again = move |_| session.sign_in(options(None));
    let another = move |_| session.sign_in(options(Some("select_account")));
    // The way on that fits the problem comes first, as the primary button.
    let buttons = if another_first {
        view! {
            <button type="button" class="button button--primary" on:click=another>"Use another account"</button>
            <button type="button" class="button button--ghost" on:click=again>"Try again"</button>
        }
        .into_any()
    } else {
        view! {
            <button type="button" class="button button--primary" on:click=again>"Sign in"</button>
            <button type="button" class="button button--ghost" on:click=another>"Use another account"</button>
        }
        .into_any()
    };
    view! {
        <main id="main" class="page page--message" aria-labelledby="gate-title" tabindex="-1">
            <h1 id="gate-title">"Sign in to continue"</h1>
            <SignInProblem problem/>
            {holds_drafts().then(|| view! {
                <p>"Your unsaved changes are kept in this tab and come back once you have signed in again."</p>
            })}
            <div class="actions">{buttons}</div>
        </main>
    }
}
