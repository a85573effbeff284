//! `/onboarding`: what an organisation's administrator must do before its people can use
//! twinscope — approve the app once (admin consent), and have Azure Digital Twins
//! registered in the directory.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::admin_consent::{ConsentOutcome, ConsentRefusal};
use crate::auth::errors::admin_consent_url;
use crate::config::RuntimeConfig;
use crate::ids::TenantId;
use crate::session::use_session;

/// The approval did not go through: who has to approve, and what to send them.
#[component]
fn ConsentRefused(refusal: ConsentRefusal) -> impl IntoView {
    // The code for whoever helps; the platform's words only when they add something.
    let detail = match &refusal {
        ConsentRefusal::NotAnAdministrator {
            code: Some(code), ..
        } => Some(format!("Error code AADSTS{code}.")),
        ConsentRefusal::NotAnAdministrator { code: None, .. } | ConsentRefusal::Declined => None,
        ConsentRefusal::Other { .. } => Some(format!("The identity platform said: {refusal}.")),
    };
    let (title, advice) = match &refusal {
        ConsentRefusal::NotAnAdministrator { organisation, .. } => (
            format!(
                "An administrator of {} has to approve twinscope",
                organisation.as_deref().unwrap_or("your organisation")
            ),
            "The account you used is not an administrator there, so it cannot approve twinscope for everyone. Send an administrator (a Global Administrator or Cloud Application Administrator) the link below; once they approve, sign in again.",
        ),
        ConsentRefusal::Declined => (
            "twinscope was not approved".to_owned(),
            "The approval was cancelled. Open the link below again when you are ready.",
        ),
        ConsentRefusal::Other { .. } => (
            "twinscope was not approved".to_owned(),
            "Try the link below again, or send it to an administrator of your organisation.",
        ),
    };
    view! {
        <div class="alert alert--error consent-refused" role="alert" aria-labelledby="consent-refused-title">
            <h2 id="consent-refused-title">{title}</h2>
            <p>{advice}</p>
            {detail.map(|d| view! { <p class="hint">{d}</p> })}
        </div>
    }
}

#[component]
pub fn Onboarding() -> impl IntoView {
    let config = expect_context::<RuntimeConfig>();
    let query = use_query_map();
    let consented = move || {
        query.with(|q| {
            q.get("admin_consent")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        })
    };
    let tenant = move || query.with(|q| q.get("tenant").and_then(|t| TenantId::parse(&t).ok()));
    let session = use_session();
    let host = config.authority.host().to_owned();
    let client_id = config.client_id.to_string();
    // The registered redirect URI; the start page then says the approval went through.
    let redirect = config.redirect_uri.to_string();
    // The link carries its own `state`, so the answer is recognised and explained.
    let consent_link = Memo::new(move |_| {
        let segment = tenant().map_or_else(|| "organizations".to_owned(), |t| t.to_string());
        session
            .admin_consent_link(&segment)
            .unwrap_or_else(|| admin_consent_url(&host, &segment, &client_id, &redirect))
    });
    let refused = move || {
        session.consent.with(|c| match c {
            Some(ConsentOutcome::Refused(r)) => Some(r.clone()),
            _ => None,
        })
    };
    view! {
        <main id="main" class="page onboarding" aria-labelledby="onboarding-title" tabindex="-1">
            <h1 id="onboarding-title">"Setting up your organisation"</h1>
            {move || refused().map(|refusal| view! { <ConsentRefused refusal/> })}
            {move || consented().then(|| view! {
                <div class="notice" role="status">
                    <p>"Thank you: twinscope is approved for your organisation. Everyone in it can now sign in."</p>
                    <a class="button button--primary" href="/">"Sign in"</a>
                </div>
            })}
            <section class="card" aria-labelledby="consent-title">
                <h2 id="consent-title">"1. An administrator approves twinscope"</h2>
                <p>"Until a Global Administrator or Cloud Application Administrator approves it, people in your organisation see “needs admin approval” when they sign in. Approval grants twinscope sign-in and delegated access to Azure Resource Manager and Azure Digital Twins; it never acts without a signed-in user."</p>
                <p>"Send this link to your administrator, or open it yourself if you are one:"</p>
                <p><a class="button button--primary" href=consent_link>"Approve twinscope for the organisation"</a></p>
                <p class="hint"><code>{consent_link}</code></p>
            </section>
            <section class="card" aria-labelledby="adt-title">
                <h2 id="adt-title">"2. Azure Digital Twins is registered"</h2>
                <p>"The directory needs the Azure Digital Twins service principal (app id "
                   <code>"0b07f429-9f4b-4714-9392-cc5e8e80c8b0"</code>
                   "). It appears when the first instance is created; an administrator can also add it with "
                   <code>"az ad sp create --id 0b07f429-9f4b-4714-9392-cc5e8e80c8b0"</code>"."</p>
            </section>
            <section class="card" aria-labelledby="roles-title">
                <h2 id="roles-title">"3. People get roles"</h2>
                <ul>
                    <li>"App roles on twinscope's enterprise application: " <code>"Twins.Reader"</code> ", " <code>"Twins.Writer"</code> " (edit twins) or " <code>"Twins.Admin"</code> " (manage models)."</li>
                    <li>"Data-plane roles on each instance: " <strong>"Azure Digital Twins Data Reader"</strong> " to read, " <strong>"Azure Digital Twins Data Owner"</strong> " to change anything."</li>
                </ul>
            </section>
        </main>
    }
}
