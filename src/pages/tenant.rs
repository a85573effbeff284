//! `/t/{tenantId}`: one organisation — the user's role there, and its Digital Twins
//! instances (discovered through Resource Manager, or entered by hand and remembered).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use std::rc::Rc;

use crate::adt::AdtClient;
use crate::adt::access::{self, AccessKey};
use crate::auth::accounts::TenantProfile;
use crate::auth::client::{ADT_SCOPE, AuthError};
use crate::auth::http::browser_fetch;
use crate::auth::resources::{ProtectedResource, ResourceMap, guard};
use crate::components::organisation::OrganisationTitle;
use crate::components::problem::SignInProblem;
use crate::config::RuntimeConfig;
use crate::ids::{AdtHost, TenantId};
use crate::json;
use crate::session::use_session;
use crate::tenants::{unheld, use_tenant_directory};

const REMEMBERED_PREFIX: &str = "twinscope.instances.";

/// Hosts entered by hand for a tenant, newest first (localStorage; bad entries ignored).
pub fn remembered_hosts(tenant: &TenantId) -> Vec<AdtHost> {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return Vec::new();
    };
    let text = storage
        .get_item(&format!("{REMEMBERED_PREFIX}{tenant}"))
        .ok()
        .flatten()
        .unwrap_or_default();
    match json::parse(text.as_bytes()) {
        Ok(serde_json::Value::Array(hosts)) => hosts
            .iter()
            .filter_map(|h| AdtHost::parse(h.as_str()?).ok())
            .collect(),
        _ => Vec::new(),
    }
}

fn remember_host(tenant: &TenantId, host: &AdtHost) {
    let mut hosts: Vec<serde_json::Value> = remembered_hosts(tenant)
        .into_iter()
        .filter(|h| h != host)
        .map(|h| h.as_str().into())
        .collect();
    hosts.insert(0, host.as_str().into());
    hosts.truncate(20);
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(
            &format!("{REMEMBERED_PREFIX}{tenant}"),
            &json::to_string(&serde_json::Value::Array(hosts)),
        );
    }
}

#[component]
pub fn TenantPage() -> impl IntoView {
    let params = use_params_map();
    // A memo: the page is made again only for another organisation. (Leaving for one of its
    // instances changes the parameters too; a closure over them made a fresh page, and its
    // Resource Manager requests, on the way out.)
    let tenant =
        Memo::new(move |_| params.with(|p| p.get("tenant").and_then(|t| TenantId::parse(&t).ok())));
    move || {
        match tenant.get() {
        None => view! {
            <main id="main" class="page page--message" aria-labelledby="tenant-title" tabindex="-1">
                <h1 id="tenant-title">"That is not an organisation id"</h1>
                <p>"Organisation (tenant) ids are GUIDs such as 9e16b21b-807b-43e3-95d5-439af2c3b46b."</p>
                <p><a href="/">"Back to the start page"</a></p>
            </main>
        }
        .into_any(),
        Some(tenant) => view! { <Tenant tenant/> }.into_any(),
    }
    }
}

#[component]
fn Tenant(tenant: TenantId) -> impl IntoView {
    let session = use_session();
    let t = tenant.clone();
    let profile = LocalResource::new(move || {
        let t = t.clone();
        async move { session.tenant_profile(&t).await }
    });
    view! {
        <main id="main" class="page" aria-labelledby="tenant-title" tabindex="-1">
            <OrganisationTitle tenant=tenant.clone() id="tenant-title"/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Checking your access…"</p> }>
                {move || {
                    let tenant = tenant.clone();
                    Suspend::new(async move {
                        match profile.await {
                            Ok(profile) => view! { <TenantHome tenant profile/> }.into_any(),
                            Err(problem) => view! { <NoAccess problem/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </main>
    }
}

/// No token for this organisation for this account (not a member or guest, no approval,
/// no Digital Twins there). Problems that only a new sign-in fixes never come here: the
/// sign-in gate takes them, and signs in at this organisation's own authority.
#[component]
fn NoAccess(problem: AuthError) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="no-access-title">
            <h2 id="no-access-title">"You cannot use this organisation with this account"</h2>
            <SignInProblem problem/>
            <p><a href="/">"Choose another organisation"</a></p>
        </section>
    }
}

/// Instances whose access is checked before they are opened, at most (one small query
/// each); further ones are checked when opened.
pub const MAX_CHECKED: usize = 12;

/// One instance in a list: its link, where it is, and — once its access check is in — a
/// mark when the user cannot read it.
#[component]
fn InstanceItem(
    tenant: TenantId,
    host: AdtHost,
    name: String,
    hint: String,
    check: bool,
) -> impl IntoView {
    let session = use_session();
    let config = expect_context::<RuntimeConfig>();
    let href = format!("/t/{tenant}/i/{host}/twins");
    let account = session
        .state
        .get_untracked()
        .account()
        .map(|a| a.home.as_str().to_owned())
        .unwrap_or_default();
    let key = AccessKey {
        account,
        tenant: tenant.clone(),
        host: host.clone(),
    };
    let access = check.then(|| {
        let adt = instance_client(&config, session, &tenant, &host);
        LocalResource::new(move || {
            let (adt, key) = (adt.clone(), key.clone());
            async move { access::check_remembered(&adt, key, false).await }
        })
    });
    // A mark beside the link, never a reason for the list to wait (`unheld`): the check is a
    // token and a query to the instance, which may be slow or never answer.
    let access = move || access.and_then(|a| unheld(|| a.get()));
    let host_for_why = host.clone();
    let blocked = move || access().is_some_and(|a| a.is_blocked());
    view! {
        <li class="instance-item" class:instance-item--blocked=blocked>
            <a href=href>{name}</a>
            {(!hint.is_empty()).then(|| view! { " " <span class="hint">{hint}</span> })}
            {move || access().and_then(|a| {
                let mark = a.mark()?;
                let why = a.explanation(&host_for_why).unwrap_or_default();
                Some(view! {
                    " " <span class="access-mark" title=why.clone()>{mark}</span>
                    <span class="access-mark__why">{why}</span>
                })
            })}
        </li>
    }
}

/// The ADT client of one instance: tokens from the instance's tenant only, bearer only to
/// that instance's path.
pub fn instance_client(
    config: &RuntimeConfig,
    session: crate::session::Session,
    tenant: &TenantId,
    host: &AdtHost,
) -> AdtClient {
    AdtClient::new(
        &config.adt_path_prefix,
        host.clone(),
        guard(
            Rc::new(ResourceMap::from_config(config)),
            ProtectedResource::DigitalTwins(host.clone()),
            Rc::new(browser_fetch),
        ),
        session.token_provider(tenant.clone(), ADT_SCOPE),
    )
}

#[component]
fn TenantHome(tenant: TenantId, profile: TenantProfile) -> impl IntoView {
    let role = profile
        .roles
        .highest()
        .map_or("no twinscope role".to_owned(), |r| r.to_string());
    let remembered = remembered_hosts(&tenant);
    let (entered, set_entered) = signal(String::new());
    let (problem, set_problem) = signal(None::<String>);
    let navigate = use_navigate();
    let t = tenant.clone();
    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match AdtHost::parse(entered.get_untracked().trim()) {
            Ok(host) => {
                remember_host(&t, &host);
                navigate(&format!("/t/{t}/i/{host}/twins"), Default::default());
            }
            Err(e) => set_problem.set(Some(e.to_string())),
        }
    };
    let session = use_session();
    // The heading has its name once Resource Manager says it (not before the role is shown).
    use_tenant_directory().want();
    let config = expect_context::<crate::config::RuntimeConfig>();
    let discovery = config.arm_discovery.then(|| {
        let arm = crate::arm::ArmClient::new(
            &config.arm_endpoint,
            crate::auth::resources::guard(
                std::rc::Rc::new(crate::auth::resources::ResourceMap::from_config(&config)),
                crate::auth::resources::ProtectedResource::ResourceManager,
                std::rc::Rc::new(crate::auth::http::browser_fetch),
            ),
            session.token_provider(tenant.clone(), crate::auth::client::ARM_SCOPE),
        );
        LocalResource::new(move || {
            let arm = arm.clone();
            async move {
                // Subscriptions first, then every subscription's instances in parallel.
                let subscriptions = arm.subscriptions().await.map_err(|e| e.to_string())?;
                let lists = futures::future::join_all(
                    subscriptions
                        .iter()
                        .map(|s| arm.instances(&s.subscription_id)),
                )
                .await;
                let mut hosts = Vec::new();
                for list in lists {
                    hosts.extend(list.map_err(|e| e.to_string())?);
                }
                Ok::<_, String>(hosts)
            }
        })
    });
    let tenant_for_list = tenant.clone();
    let discovered = move || {
        let tenant = tenant_for_list.clone();
        discovery.map(|resource| view! {
            <Transition fallback=|| view! { <p class="loading" role="status">"Looking for instances in Azure Resource Manager…"</p> }>
                {move || {
                    let tenant = tenant.clone();
                    Suspend::new(async move {
                        match resource.await {
                            Ok(instances) if instances.is_empty() => view! {
                                <p>"Resource Manager lists no Digital Twins instances you can see here. Enter a host name below if you know one."</p>
                            }.into_any(),
                            Ok(instances) => view! {
                                <ul class="instance-list" aria-label="Instances found in Azure Resource Manager">
                                    {instances.into_iter().enumerate().map(|(n, i)| {
                                        let hint = match &i.location {
                                            Some(location) => format!("{} · {location}", i.host_name),
                                            None => i.host_name.to_string(),
                                        };
                                        view! {
                                            <InstanceItem tenant=tenant.clone() host=i.host_name.clone()
                                                name=i.name.clone() hint check=n < MAX_CHECKED/>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(message) => view! {
                                <div class="alert" role="alert"><p>{format!("Instances could not be listed: {message}. Enter a host name below.")}</p></div>
                            }.into_any(),
                        }
                    })
                }}
            </Transition>
        })
    };
    view! {
        <p>"Your role here: " <strong class="role-badge">{role}</strong></p>
        <section class="card" aria-labelledby="instances-title">
            <h2 id="instances-title">"Digital Twins instances"</h2>
            {discovered}
            <ul class="instance-list" aria-label="Instances you opened by host name">
                {remembered.into_iter().enumerate().map(|(n, h)| view! {
                    <InstanceItem tenant=tenant.clone() host=h.clone() name=h.to_string()
                        hint=String::new() check=n < MAX_CHECKED/>
                }).collect_view()}
            </ul>
            <form class="host-form" on:submit=open>
                <label for="host-input">"Instance host name"</label>
                <input id="host-input" type="text" inputmode="url" autocomplete="off" spellcheck="false"
                    placeholder="myinstance.api.weu.digitaltwins.azure.net"
                    aria-describedby="host-problem"
                    on:input=move |ev| set_entered.set(event_target_value(&ev))/>
                <button type="submit" class="button button--primary">"Open"</button>
                <p id="host-problem" class="field-error" role="alert">{move || problem.get()}</p>
            </form>
        </section>
    }
}
