//! `/`: what twinscope is, and which deployment this is.

use leptos::prelude::*;

use crate::config::{AuthorityTenant, RuntimeConfig};

#[component]
pub fn Landing() -> impl IntoView {
    let config = expect_context::<RuntimeConfig>();
    let audience = match (config.authority.tenant(), config.tenant_allow_list.len()) {
        (AuthorityTenant::Id(t), _) => format!("one directory ({t})"),
        (AuthorityTenant::Domain(d), _) => format!("one directory ({d})"),
        (_, 0) => "work or school accounts of any organisation".to_owned(),
        (_, n) => format!("work or school accounts of {n} allowed organisation(s)"),
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
