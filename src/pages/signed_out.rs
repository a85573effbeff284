//! `/signed-out`: where signing out ends, on the app's own page (not the identity platform's
//! sign-in form). Says who was signed out, who is still signed in, and offers to sign in.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::client::SignInOptions;
use crate::auth::return_path::ReturnPath;
use crate::auth::state::AuthState;
use crate::session::use_session;

#[component]
pub fn SignedOut() -> impl IntoView {
    let session = use_session();
    let who = move || {
        session.signed_out.with(|names| match names.as_slice() {
            [] => "You signed out of twinscope in this browser.".to_owned(),
            [one] => format!("{one} is signed out of twinscope in this browser."),
            many => format!(
                "{} are signed out of twinscope in this browser.",
                many.join(", ")
            ),
        })
    };
    let still = move || {
        session.state.with(|s| match s {
            AuthState::SignedIn { account, .. } => Some(account.username.clone()),
            _ => None,
        })
    };
    view! {
        <main id="main" class="page page--message" aria-labelledby="signed-out-title" tabindex="-1">
            <h1 id="signed-out-title">"You are signed out"</h1>
            <div class="card signed-out">
                <p>{who}</p>
                {move || match still() {
                    Some(username) => view! {
                        <p>{format!("You are still signed in as {username}.")}</p>
                        <p><A href="/" attr:class="button button--primary">"Continue as "{username.clone()}</A></p>
                    }.into_any(),
                    None => view! {
                        <p>"Your tokens are gone from this browser. On a shared computer, close the browser as well."</p>
                        <div class="actions">
                            <button type="button" class="button button--primary"
                                disabled=move || session.signing_out()
                                on:click=move |_| session.sign_in(SignInOptions {
                                    return_path: Some(ReturnPath::home()),
                                    prompt: Some("select_account".into()),
                                    ..SignInOptions::default()
                                })>
                                "Sign in again"
                            </button>
                            <A href="/" attr:class="button button--ghost">"Go to the start page"</A>
                        </div>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}
