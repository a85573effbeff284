//! `/`: what twinscope is, and which deployment this is.

use leptos::prelude::*;

use crate::auth::admin_consent::ConsentOutcome;
use crate::auth::client::SignInOptions;
use crate::auth::state::AuthState;
use crate::components::problem::SignInProblem;
use crate::components::tenant_switcher::TenantChoices;
use crate::config::{AuthorityTenant, RuntimeConfig};
use crate::format::count;
use crate::session::use_session;
use crate::tenants::use_tenant_directory;

/// After an administrator approved twinscope, the identity platform returns with
/// `admin_consent=True` (read by the session, which brings the user here).
#[component]
fn ConsentGranted() -> impl IntoView {
    let session = use_session();
    let query = leptos_router::hooks::use_query_map();
    move || {
        let granted = session
            .consent
            .with(|c| matches!(c, Some(ConsentOutcome::Granted { .. })))
            || query.with(|q| {
                q.get("admin_consent")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            });
        granted
            .then(|| view! {
                <div class="notice" role="status">
                    <p>"twinscope is now approved for your organisation: everyone in it can sign in."</p>
                </div>
            })
    }
}

/// Sign in, or go on to your organisation: the landing page's call to action.
#[component]
fn SignInPanel() -> impl IntoView {
    let session = use_session();
    move || {
        match session.state.get() {
        AuthState::Resolving => view! {
            <section class="card cta" aria-busy="true"><p class="loading" role="status">"Signing you in…"</p></section>
        }
        .into_any(),
        AuthState::SignedOut { problem } => view! {
            <section class="card cta" aria-labelledby="cta-title">
                <h2 id="cta-title">"Sign in"</h2>
                {problem.map(|problem| view! { <SignInProblem problem/> })}
                <p>"Use your work or school account. twinscope asks only for your profile and access to Azure Resource Manager and Azure Digital Twins on your behalf."</p>
                <button type="button" class="button button--primary"
                    on:click=move |_| session.sign_in(SignInOptions::default())>
                    "Sign in with your work account"
                </button>
            </section>
        }
        .into_any(),
        AuthState::SignedIn { account, .. } => view! {
            <section class="card cta" aria-labelledby="cta-title">
                <h2 id="cta-title">{format!("Signed in as {}", account.name)}</h2>
                <ChooseOrganisation/>
            </section>
        }
        .into_any(),
    }
    }
}

/// The organisations of the signed-in accounts, by name (asks Resource Manager for them).
#[component]
fn ChooseOrganisation() -> impl IntoView {
    let directory = use_tenant_directory();
    directory.want();
    view! {
        <p>"Choose the organisation to work in:"</p>
        <div class="tenant-links">
            <TenantChoices current=Signal::derive(|| None)/>
        </div>
    }
}

#[component]
pub fn Landing() -> impl IntoView {
    let config = expect_context::<RuntimeConfig>();
    let audience = match (config.authority.tenant(), config.tenant_allow_list.len()) {
        (AuthorityTenant::Id(t), _) => format!("one directory ({t})"),
        (AuthorityTenant::Domain(d), _) => format!("one directory ({d})"),
        (_, 0) => "work or school accounts of any organisation".to_owned(),
        (_, n) => format!(
            "work or school accounts of {} allowed",
            count(n, "organisation", "organisations")
        ),
    };
    view! {
        <main id="main" class="page page--landing" aria-labelledby="landing-title" tabindex="-1">
            <section class="hero">
                <h1 id="landing-title">"Azure Digital Twins, one tenant at a time"</h1>
                <p class="hero__lead">
                    "Sign in with your work account, pick an organisation and an instance, "
                    "and explore its models, twins, relationships and graph. "
                    "Tokens stay in this browser and go only to the services they are for."
                </p>
            </section>
            <ConsentGranted/>
            <SignInPanel/>
            <section class="cards" aria-label="What twinscope does">
                <article class="card">
                    <h2>"Many organisations"</h2>
                    <p>"Switch between your home tenant and the tenants you are a guest in; the whole screen follows."</p>
                </article>
                <article class="card">
                    <h2>"Strict about tokens"</h2>
                    <p>"Every ID token is checked: signature, issuer against its tenant, audience, nonce and lifetime."</p>
                </article>
                <article class="card">
                    <h2>"Works offline"</h2>
                    <p>"A local stand-in for Entra ID, Resource Manager and Digital Twins runs the same app without Azure."</p>
                </article>
            </section>
            <section class="card deployment" aria-labelledby="deployment-title">
                <h2 id="deployment-title">"This deployment"</h2>
                <dl class="facts">
                    <dt>"Identity platform"</dt>
                    <dd><code>{config.authority.to_string()}</code></dd>
                    <dt>"Who can sign in"</dt>
                    <dd>{audience}</dd>
                    <dt>"Digital Twins via"</dt>
                    <dd><code>{config.adt_path_prefix.as_str().to_owned()}"/{instance-host}/…"</code></dd>
                    <dt>"Token cache"</dt>
                    <dd>{config.cache_location.as_str()}</dd>
                    <dt>"Instance discovery"</dt>
                    <dd>{if config.arm_discovery { "Azure Resource Manager" } else { "manual host entry" }}</dd>
                </dl>
            </section>
        </main>
    }
}
