//! A sign-in problem, said plainly, with what to do next.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::client::AuthError;
use crate::auth::errors::NextStep;

#[component]
pub fn SignInProblem(problem: AuthError) -> impl IntoView {
    let next = match &problem {
        AuthError::SignIn(e) => Some(e.next_step()),
        AuthError::InteractionRequired(_) => Some(NextStep::SignInAgain),
        AuthError::Network(_) => Some(NextStep::Retry),
        _ => None,
    };
    let advice = match next {
        Some(NextStep::AskAdminToConsent) => view! {
            <p>"An administrator of your organisation must approve twinscope once. "
               <A href="/onboarding">"What your administrator needs to do"</A></p>
        }.into_any(),
        Some(NextStep::AskAdminToEnableDigitalTwins) => view! {
            <p>"Your organisation's directory has no Azure Digital Twins registration. "
               <A href="/onboarding">"What your administrator needs to do"</A></p>
        }.into_any(),
        Some(NextStep::UseAnotherAccount) => view! {
            <p>"Try another account, or ask to be invited to that organisation."</p>
        }.into_any(),
        Some(NextStep::Retry) => view! {
            <p>"Check your connection and try again. If the connection works, the sign-in service "
               "may be refusing this site: the app registration must list this site's address as a "
               "Single-page application redirect URI (otherwise it refuses the browser's token requests, AADSTS9002326)."</p>
        }.into_any(),
        Some(NextStep::SignInAgain | NextStep::SignInInteractively) => view! {
            <p>"Sign in again to continue."</p>
        }.into_any(),
        _ => view! { <p>"Start the sign-in again. If it keeps failing, tell your administrator what this says."</p> }.into_any(),
    };
    // A session that ended (its 24 hours, a revocation, a sign-out elsewhere) is no failed
    // sign-in: the sign-in did complete, a while ago.
    let lead = if next == Some(NextStep::SignInAgain) {
        "Signed out: "
    } else {
        "Sign-in did not complete: "
    };
    view! {
        <div class="alert" role="alert">
            <p><strong>{lead}</strong>{problem.to_string()}</p>
            {advice}
        </div>
    }
}
