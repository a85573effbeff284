//! The query's twins as a graph, drawn by the app's one [`GraphView`]: the relationships
//! among them are read as the graph page reads them (queries over the source ids, 100 at a
//! time), once per finished run (the component is made afresh for each).
//!
//! A click on a relationship's label opens that relationship in the inspector (its source
//! selected). A click on a twin selects it for the inspector, unless the inspector's relationship form
//! waits for a target ([`GraphPick`]): then the twin is the target. Relationships the
//! inspector creates are drawn at once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use super::workspace::WorkspaceError;
use crate::adt::AdtClient;
use crate::format::grouped;
use crate::graph::adt_read;
use crate::graph::pick::GraphPick;
use crate::graph::view::GraphView;
use crate::graph::{GraphEdge, GraphNode};
use crate::pages::explorer::{twin_path, use_explorer_context};
use crate::pages::explorer_graph::{GraphData, merge};

/// The relationships whose source is one of `ids` ([`adt_read::relationships_among`]).
pub async fn relationships_among(
    adt: &AdtClient,
    ids: &[String],
) -> Result<Vec<GraphEdge>, WorkspaceError> {
    adt_read::relationships_among(adt, ids)
        .await
        .map_err(WorkspaceError::Relationships)
}

/// Twin `id`'s neighbours both ways, with those relationships ([`adt_read::neighbours`]).
async fn neighbours(adt: &AdtClient, id: &str) -> Result<GraphData, WorkspaceError> {
    adt_read::neighbours(adt, id)
        .await
        .map_err(WorkspaceError::Relationships)
}

/// The relationship a click landed on (an edge label's `data-rel-source`, `data-rel-id`).
fn relationship_at(target: Option<web_sys::EventTarget>) -> Option<(String, String)> {
    let label = target?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("[data-rel-id]")
        .ok()??;
    Some((
        label.get_attribute("data-rel-source")?,
        label.get_attribute("data-rel-id")?,
    ))
}

/// The twin a click or focus landed on (`[data-twin]` of the drawing), if any.
fn twin_at(target: Option<web_sys::EventTarget>) -> Option<String> {
    target?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("[data-twin]")
        .ok()??
        .get_attribute("data-twin")
}

/// The graph of one finished run: `nodes` (at most the limit, of `total` twins), then the
/// relationships among them. `on_select` gets the twin a person clicks or tabs to,
/// `on_relationship` the (source, id) of a relationship whose label they click.
#[component]
pub fn ResultsGraph(
    nodes: Vec<GraphNode>,
    total: usize,
    on_select: Callback<String>,
    on_relationship: Callback<(String, String)>,
) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return ().into_any();
    };
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let adt = ctx.adt.clone();
    let edges = LocalResource::new(move || {
        let (adt, ids) = (adt.clone(), ids.clone());
        async move { relationships_among(&adt, &ids).await }
    });
    let cut = (total > nodes.len()).then(|| {
        view! {
            <p class="hint">{format!(
                "The graph shows the first {} of {} twins; narrow the query to see the rest.",
                grouped(nodes.len()),
                grouped(total)
            )}</p>
        }
    });
    let not_read = |errors: ArcRwSignal<Errors>| {
        view! {
            <div class="alert alert--error" role="alert">
                {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
            </div>
        }
    };
    view! {
        {cut}
        <Suspense fallback=|| view! { <p class="loading">"Reading the relationships…"</p> }>
            <ErrorBoundary fallback=not_read>
                {move || {
                    let nodes = nodes.clone();
                    Suspend::new(async move {
                        let edges = edges.await?;
                        Ok::<_, WorkspaceError>(view! { <DrawnGraph nodes edges on_select on_relationship/> })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
    }
    .into_any()
}

/// The drawing, which grows when a twin's neighbours are expanded.
#[component]
fn DrawnGraph(
    nodes: Vec<GraphNode>,
    edges: Vec<GraphEdge>,
    on_select: Callback<String>,
    on_relationship: Callback<(String, String)>,
) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return ().into_any();
    };
    let nodes = RwSignal::new(nodes);
    let edges = RwSignal::new(edges);
    let status = RwSignal::new(None::<Result<String, WorkspaceError>>);
    let adt = StoredValue::new_local(ctx.adt.clone());
    let navigate = use_navigate();
    let (tenant, host) = (ctx.tenant.clone(), ctx.host.clone());
    let on_open = Callback::new(move |id: String| {
        navigate(&twin_path(&tenant, &host, &id), Default::default())
    });
    // An action on this drawing: its answer goes into this drawing's signals, which go with
    // it (a reply after another run is dropped by `try_update`).
    let on_expand = Callback::new(move |(id, hops): (String, u8)| {
        let Some(adt) = adt.try_get_value() else {
            return;
        };
        status.set(Some(Ok(format!("Loading the twins near {id}…"))));
        spawn_local(async move {
            let mut frontier = vec![id.clone()];
            let mut added = 0;
            for _ in 0..hops.max(1) {
                let mut next = Vec::new();
                for twin in std::mem::take(&mut frontier) {
                    match neighbours(&adt, &twin).await {
                        Ok(data) => {
                            let grown = nodes.try_update(|n| {
                                let before = n.len();
                                let mut e = edges.get_untracked();
                                added += merge(n, &mut e, data);
                                edges.set(e);
                                n[before..].iter().map(|t| t.id.clone()).collect::<Vec<_>>()
                            });
                            match grown {
                                Some(new) => next.extend(new),
                                None => return,
                            }
                        }
                        Err(e) => {
                            status.try_set(Some(Err(e)));
                            return;
                        }
                    }
                }
                frontier = next;
                if frontier.is_empty() {
                    break;
                }
            }
            status.try_set(Some(Ok(match added {
                0 => format!("{id} has no twins within reach that are not shown already."),
                n => format!(
                    "Added {} near {id}.",
                    crate::format::count(n, "twin", "twins")
                ),
            })));
        });
    });
    let picking = use_context::<GraphPick>();
    if let Some(picking) = picking {
        // What the inspector created among the drawn twins joins the drawing.
        Effect::new(move |_| {
            let created = picking.created.get();
            let drawn: Vec<GraphEdge> = nodes.with_untracked(|n| {
                created
                    .into_iter()
                    .filter(|e| {
                        [&e.source, &e.target]
                            .into_iter()
                            .all(|end| n.iter().any(|t| &t.id == end))
                    })
                    .collect()
            });
            if !drawn.is_empty() {
                edges.update(|e| {
                    merge(&mut Vec::new(), e, (Vec::new(), drawn));
                });
            }
        });
    }
    // A click picks a waiting form's target, or selects; focus (Tab) only selects.
    let pick = move |target: Option<web_sys::EventTarget>, clicked: bool| {
        if clicked && let Some(relationship) = relationship_at(target.clone()) {
            on_relationship.run(relationship);
            return;
        }
        let Some(id) = twin_at(target) else {
            return;
        };
        let waiting = picking.is_some_and(|p| p.into.with_untracked(Option::is_some));
        if !waiting {
            on_select.run(id);
        } else if clicked && !picking.is_some_and(|p| p.take_click(&id)) {
            // The form that waited has gone: the click selects.
            on_select.run(id);
        }
    };
    let picking_class = move || {
        if picking.is_some_and(GraphPick::active) {
            "workspace-graph workspace-graph--picking"
        } else {
            "workspace-graph"
        }
    };
    view! {
        <div
            class=picking_class
            on:click=move |e| pick(e.target(), true)
            on:focusin=move |e| pick(e.target(), false)
        >
            <div aria-live="polite">
                {move || status.get().map(|s| match s {
                    Ok(text) => view! { <p class="hint">{text}</p> }.into_any(),
                    Err(e) => view! { <div class="alert alert--error" role="alert"><p>{e.to_string()}</p></div> }.into_any(),
                })}
            </div>
            <GraphView nodes=nodes edges=edges on_open on_expand label="Twins of the query"/>
        </div>
    }
    .into_any()
}
