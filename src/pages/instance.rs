//! `/t/{tenant}/i/{host}/…`: one Digital Twins instance of one tenant. Builds the ADT client
//! (tokens from the instance's tenant, never `organizations`), reads the user's roles in
//! that tenant, provides the explorer context and shows the instance's navigation.
//!
//! Invariant: everything under this shell is keyed by tenant and host; navigating to
//! another tenant or instance rebuilds it, so nothing of the previous one stays in memory.

use crate::auth::resources::{ProtectedResource, ResourceMap, guard};
use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::{Value, json};

use crate::adt::{AdtClient, CancelFlag};
use crate::auth::client::ADT_SCOPE;
use crate::auth::http::browser_fetch;
use crate::components::problem::SignInProblem;
use crate::config::RuntimeConfig;
use crate::graph::{GraphEdge, GraphNode};
use crate::ids::{AdtHost, TenantId};
use crate::pages::explorer::{
    ExplorerContext, QueryExplorer, TwinDetail, provide_explorer_context, twin_path,
};
use crate::pages::explorer_graph::{GraphData, GraphPage, GraphSource, SourceFuture};
use crate::pages::models::{ModelInfo, ModelsFuture, ModelsPage, ModelsSource};
use crate::pages::transfer::TransferPage;
use crate::session::use_session;

/// Which screen of the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Twins,
    Twin,
    Models,
    Graph,
    Transfer,
}

#[component]
pub fn Instance(screen: Screen) -> impl IntoView {
    let params = use_params_map();
    let target = move || {
        params.with(|p| {
            let tenant = TenantId::parse(&p.get("tenant")?).ok()?;
            let host = AdtHost::parse(&p.get("host")?).ok()?;
            Some((tenant, host))
        })
    };
    move || {
        match target() {
        None => view! {
            <main id="main" class="page page--message" aria-labelledby="instance-title" tabindex="-1">
                <h1 id="instance-title">"That address does not name an instance"</h1>
                <p>"Instance links look like /t/{tenant id}/i/{name}.api.{region}.digitaltwins.azure.net/twins."</p>
                <p><a href="/">"Back to the start page"</a></p>
            </main>
        }
        .into_any(),
        Some((tenant, host)) => view! { <InstanceShell tenant host screen/> }.into_any(),
    }
    }
}

#[component]
fn InstanceShell(tenant: TenantId, host: AdtHost, screen: Screen) -> impl IntoView {
    let session = use_session();
    let config = expect_context::<RuntimeConfig>();
    let t = tenant.clone();
    let profile = LocalResource::new(move || {
        let t = t.clone();
        async move { session.tenant_profile(&t).await }
    });
    let adt = StoredValue::new_local(AdtClient::new(
        &config.adt_path_prefix,
        host.clone(),
        guard(
            Rc::new(ResourceMap::from_config(&config)),
            ProtectedResource::DigitalTwins(host.clone()),
            Rc::new(browser_fetch),
        ),
        session.token_provider(tenant.clone(), ADT_SCOPE),
    ));
    let base = format!("/t/{tenant}/i/{host}");
    let nav = {
        let current = |s: Screen| if s == screen { Some("page") } else { None };
        view! {
            <nav class="instance-nav" aria-label="Instance">
                <a href=format!("/t/{tenant}")>{format!("Organisation {tenant}")}</a>
                <span aria-hidden="true">" / "</span>
                <strong>{host.to_string()}</strong>
                <a href=format!("{base}/twins") aria-current=current(Screen::Twins)>"Twins"</a>
                <a href=format!("{base}/models") aria-current=current(Screen::Models)>"Models"</a>
                <a href=format!("{base}/graph") aria-current=current(Screen::Graph)>"Graph"</a>
                <a href=format!("{base}/transfer") aria-current=current(Screen::Transfer)>"Import/export"</a>
            </nav>
        }
    };
    view! {
        {nav}
        <Transition fallback=|| view! { <p class="loading page" role="status">"Checking your access…"</p> }>
            {move || {
                let (tenant, host) = (tenant.clone(), host.clone());
                Suspend::new(async move {
                    match profile.await {
                        Err(problem) => view! {
                            <main id="main" class="page" tabindex="-1"><SignInProblem problem/></main>
                        }.into_any(),
                        Ok(profile) => {
                            let ctx = ExplorerContext { tenant, host, adt: adt.get_value(), roles: profile.roles };
                            provide_explorer_context(ctx.clone());
                            screen_view(screen, ctx)
                        }
                    }
                })
            }}
        </Transition>
    }
}

fn screen_view(screen: Screen, ctx: ExplorerContext) -> AnyView {
    match screen {
        Screen::Twins => view! { <QueryExplorer/> }.into_any(),
        Screen::Twin => view! { <TwinDetail/> }.into_any(),
        Screen::Models => {
            let can_manage = ctx.roles.can_manage_models();
            let source: Rc<dyn ModelsSource> = Rc::new(AdtModels(ctx.adt.clone()));
            view! {
                <main id="main" class="page" aria-labelledby="models-title" tabindex="-1">
                    <h1 id="models-title">"Models"</h1>
                    <ModelsPage source can_manage/>
                </main>
            }
            .into_any()
        }
        Screen::Graph => {
            let navigate = use_navigate();
            let (tenant, host) = (ctx.tenant.clone(), ctx.host.clone());
            let on_open = Callback::new(move |id: String| {
                navigate(&twin_path(&tenant, &host, &id), Default::default())
            });
            let source: Rc<dyn GraphSource> = Rc::new(AdtGraph(ctx.adt.clone()));
            view! {
                <main id="main" class="page page--wide" aria-labelledby="graph-title" tabindex="-1">
                    <h1 id="graph-title">"Graph"</h1>
                    <GraphPage source on_open/>
                </main>
            }
            .into_any()
        }
        Screen::Transfer => view! {
            <main id="main" class="page" aria-labelledby="transfer-title" tabindex="-1">
                <h1 id="transfer-title">"Import and export"</h1>
                <TransferPage ctx/>
            </main>
        }
        .into_any(),
    }
}

/// Models through the ADT client.
struct AdtModels(AdtClient);

impl ModelsSource for AdtModels {
    fn list(&self) -> ModelsFuture<Vec<ModelInfo>> {
        let adt = self.0.clone();
        Box::pin(async move {
            let models = adt.list_models(true).await.map_err(|e| e.to_string())?;
            Ok(models
                .into_iter()
                .filter_map(|m| {
                    ModelInfo::from_api(&json!({
                        "id": m.id,
                        "displayName": m.display_name,
                        "description": m.model.as_ref().and_then(|d| d.get("description")).cloned(),
                        "decommissioned": m.decommissioned,
                        "uploadTime": m.upload_time,
                        "model": m.model,
                    }))
                })
                .collect())
        })
    }

    fn upload(&self, models: Vec<Value>) -> ModelsFuture<()> {
        let adt = self.0.clone();
        Box::pin(async move {
            adt.add_models(&models)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn decommission(&self, id: String) -> ModelsFuture<()> {
        let adt = self.0.clone();
        Box::pin(async move { adt.decommission_model(&id).await.map_err(|e| e.to_string()) })
    }

    fn delete(&self, id: String) -> ModelsFuture<()> {
        let adt = self.0.clone();
        Box::pin(async move { adt.delete_model(&id).await.map_err(|e| e.to_string()) })
    }
}

/// The graph through the ADT client: a query for the twins, then their relationships in
/// batches of 100 source ids (the `IN` limit), all as queries (no request per twin).
struct AdtGraph(AdtClient);

/// A row's twin: the row itself (`SELECT *`) or its single projected value (`SELECT T`).
fn row_twin(row: &Value) -> Option<&Value> {
    if row.get("$dtId").is_some() {
        return Some(row);
    }
    let object = row.as_object()?;
    (object.len() == 1)
        .then(|| object.values().next())
        .flatten()
        .filter(|v| v.get("$dtId").is_some())
}

fn id_list(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("'{}'", id.replace('\'', "\\'")))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn run_query(adt: &AdtClient, text: &str) -> Result<Vec<Value>, String> {
    let mut rows = Vec::new();
    adt.query_all(
        text,
        |page| rows.extend(page.items.iter().cloned()),
        CancelFlag::new(),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(rows)
}

async fn relationships_of(adt: &AdtClient, ids: &[String]) -> Result<Vec<GraphEdge>, String> {
    let mut edges = Vec::new();
    for chunk in ids.chunks(100) {
        let text = format!(
            "SELECT R FROM RELATIONSHIPS R WHERE R.$sourceId IN [{}]",
            id_list(chunk)
        );
        for row in run_query(adt, &text).await? {
            let rel = row.get("R").unwrap_or(&row);
            edges.extend(GraphEdge::from_relationship(rel));
        }
    }
    Ok(edges)
}

impl GraphSource for AdtGraph {
    fn load(&self, query: String) -> SourceFuture {
        let adt = self.0.clone();
        Box::pin(async move {
            let rows = run_query(&adt, &query).await?;
            let nodes: Vec<GraphNode> = rows
                .iter()
                .filter_map(row_twin)
                .filter_map(GraphNode::from_twin)
                .collect();
            let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
            let edges = relationships_of(&adt, &ids).await?;
            Ok::<GraphData, String>((nodes, edges))
        })
    }

    fn neighbours(&self, id: String) -> SourceFuture {
        let adt = self.0.clone();
        Box::pin(async move {
            let mut edges: Vec<GraphEdge> = adt
                .list_relationships(&id, None)
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .filter_map(GraphEdge::from_relationship)
                .collect();
            let incoming = adt.list_incoming(&id).await.map_err(|e| e.to_string())?;
            let mut ids: Vec<String> = edges.iter().map(|e| e.target.clone()).collect();
            for r in &incoming {
                ids.push(r.source_id.clone());
                edges.push(GraphEdge {
                    id: r.relationship_id.clone(),
                    source: r.source_id.clone(),
                    target: id.clone(),
                    name: r.relationship_name.clone(),
                });
            }
            ids.sort();
            ids.dedup();
            let mut nodes = Vec::new();
            for chunk in ids.chunks(100) {
                let text = format!(
                    "SELECT T FROM DIGITALTWINS T WHERE T.$dtId IN [{}]",
                    id_list(chunk)
                );
                nodes.extend(
                    run_query(&adt, &text)
                        .await?
                        .iter()
                        .filter_map(row_twin)
                        .filter_map(GraphNode::from_twin),
                );
            }
            Ok::<GraphData, String>((nodes, edges))
        })
    }
}
