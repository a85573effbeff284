//! `/onboarding`: what an organisation's administrator must do before its people can use
//! twinscope — approve the app once (admin consent), and have Azure Digital Twins
//! registered in the directory.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::errors::admin_consent_url;
use crate::config::RuntimeConfig;
use crate::ids::TenantId;

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
    let host = config.authority.host().to_owned();
    let client_id = config.client_id.to_string();
    // The registered redirect URI; the start page then says the approval went through.
    let redirect = config.redirect_uri.to_string();
    let consent_link = Signal::derive(move || {
        let segment = tenant().map_or_else(|| "organizations".to_owned(), |t| t.to_string());
        admin_consent_url(&host, &segment, &client_id, &redirect)
    });
    view! {
        <main id="main" class="page" aria-labelledby="onboarding-title" tabindex="-1">
            <h1 id="onboarding-title">"Setting up your organisation"</h1>
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
