//! An organisation as people know it: its name from Resource Manager (or its default
//! domain), with the tenant id kept visible in smaller text or on hover. Until the name is
//! known, "Organisation" and the id.

use leptos::prelude::*;

use crate::ids::TenantId;
use crate::tenants::{TenantDirectory, TenantName, use_tenant_directory};

/// The page heading of an organisation, and a line under it with its domain and id.
#[component]
pub fn OrganisationTitle(tenant: TenantId, #[prop(into)] id: String) -> impl IntoView {
    let directory = use_tenant_directory();
    let t = tenant.clone();
    let name = Memo::new(move |_| directory.names().get(&t).cloned());
    let heading = move || {
        name.get()
            .and_then(|n| n.label().map(str::to_owned))
            .unwrap_or_else(|| "Organisation".to_owned())
    };
    let domain = move || {
        name.get().and_then(|n: TenantName| {
            let label = n.label()?.to_owned();
            n.default_domain.filter(|d| *d != label)
        })
    };
    let tenant_id = tenant.to_string();
    view! {
        <div class="org-title">
            <h1 id=id data-tenant=tenant_id.clone()>{heading}</h1>
            <p class="org-title__meta">
                {move || name.get().is_some().then_some("Organisation · ")}
                {move || domain().map(|d| view! { <span class="org-title__domain">{d}</span>" · " })}
                <span class="visually-hidden">"Tenant id "</span>
                <code class="tenant-id" title="Tenant id">{tenant_id.clone()}</code>
            </p>
        </div>
    }
}

/// The organisation's name inline (the id when it has none), the id on hover.
#[component]
pub fn OrganisationName(tenant: TenantId) -> impl IntoView {
    // Without a directory (a page mounted on its own, in a test) the id is the name.
    let directory = use_context::<TenantDirectory>();
    let id = tenant.to_string();
    let label = move || {
        directory
            .and_then(|d| d.names().label(&tenant))
            .unwrap_or_else(|| tenant.to_string())
    };
    view! { <span class="org-name" title=id>{label}</span> }
}
