//! Before the 24-hour SPA session runs out, say so and offer to sign in again now, at a
//! moment of the user's choosing, instead of failing in the middle of an edit.

use leptos::prelude::*;

use crate::auth::state::SessionNotice as Notice;
use crate::session::use_session;

#[component]
pub fn SessionNotice() -> impl IntoView {
    let session = use_session();
    move || {
        let notice = session.state.with(|s| s.notice(session.now.get()));
        match notice {
            Notice::None => None,
            Notice::EndingSoon { minutes_left } => Some(view! {
                <div class="notice" role="status">
                    <p>{format!(
                        "Your sign-in ends in {minutes_left} minute{}. Sign in again now to continue; unsaved twin and relationship edits are kept and come back after it.",
                        if minutes_left == 1 { "" } else { "s" }
                    )}</p>
                    <button type="button" class="button" on:click=move |_| session.sign_in_again()>
                        "Sign in again now"
                    </button>
                </div>
            }.into_any()),
            Notice::Ended => Some(view! {
                <div class="notice notice--ended" role="alert">
                    <p>"Your sign-in has lasted 24 hours, the limit for browser apps. Sign in again to continue; unsaved twin and relationship edits are kept and come back after it."</p>
                    <button type="button" class="button button--primary" on:click=move |_| session.sign_in_again()>
                        "Sign in again"
                    </button>
                </div>
            }.into_any()),
        }
    }
}
