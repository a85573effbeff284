//! The graph explorer: run a query, see the twins and relationships it returns as a graph,
//! expand a twin's neighbours, open a twin.
//!
//! The page does not know how twins are fetched: it gets a [`GraphSource`] (the ADT client in
//! the app, a fake in tests) and a callback for opening a twin.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use crate::graph::arrange::LayoutKind;
use crate::graph::view::GraphView;
use crate::graph::{GraphEdge, GraphNode};

/// The route of this page.
pub const GRAPH_PATH: &str = "/graph";
/// The query the page starts with.
pub const DEFAULT_QUERY: &str = "SELECT TOP(200) T FROM DIGITALTWINS T";

/// Twins and the relationships between them.
pub type GraphData = (Vec<GraphNode>, Vec<GraphEdge>);
/// What a [`GraphSource`] call returns: the data, or a message for the user (already saying
/// what went wrong and, where possible, what to do).
pub type SourceFuture = Pin<Box<dyn Future<Output = Result<GraphData, String>>>>;

/// Where the graph comes from.
pub trait GraphSource {
    /// The twins matching `query` (ADT query language) and the relationships among them
    /// (relationships to twins outside the result may be included; they are drawn once both
    /// ends are shown).
    fn load(&self, query: String) -> SourceFuture;
    /// Twin `id`'s neighbours: twins related to it in either direction, with those
    /// relationships.
    fn neighbours(&self, id: String) -> SourceFuture;
}

/// Property names offered as labels: those holding a string, number or boolean in at least one
/// twin, sorted.
pub fn label_choices(nodes: &[GraphNode]) -> Vec<String> {
    nodes
        .iter()
        .flat_map(|n| {
            n.properties
                .iter()
                .filter(|(_, v)| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))
                .map(|(k, _)| k.clone())
        })
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// `path?q=…&layout=…` (the layout only when it is not the default).
pub fn graph_address(path: &str, query: &str, layout: LayoutKind) -> String {
    let q = crate::adt::paging::encode_component(query);
    match layout {
        LayoutKind::Force => format!("{path}?q={q}"),
        other => format!("{path}?q={q}&layout={}", other.key()),
    }
}

/// Appends to `nodes`/`edges` the items of `data` not already there (twins by id,
/// relationships by source and id). Returns how many twins were new.
pub fn merge(nodes: &mut Vec<GraphNode>, edges: &mut Vec<GraphEdge>, data: GraphData) -> usize {
    let (new_nodes, new_edges) = data;
    let mut ids: BTreeSet<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let before = nodes.len();
    nodes.extend(new_nodes.into_iter().filter(|n| ids.insert(n.id.clone())));
    let mut keys: BTreeSet<(String, String)> = edges
        .iter()
        .map(|e| (e.source.clone(), e.id.clone()))
        .collect();
    edges.extend(
        new_edges
            .into_iter()
            .filter(|e| keys.insert((e.source.clone(), e.id.clone()))),
    );
    nodes.len() - before
}

/// What the page is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Idle,
    Loading(String),
    Message(String),
    Failed(String),
}

/// The graph explorer page.
#[component]
pub fn GraphPage(
    /// Where twins come from.
    source: Rc<dyn GraphSource>,
    /// Called with a twin id when the user opens a twin.
    on_open: Callback<String>,
    /// The query to run first (default [`DEFAULT_QUERY`]).
    #[prop(into, optional)]
    initial_query: Option<String>,
) -> impl IntoView {
    // The query and the layout live in the address too (`?q=…&layout=…`), so Back from a
    // twin, a reload or a shared link shows the same graph.
    let params = use_query_map().get_untracked();
    let from_address = params.get("q").filter(|q| !q.trim().is_empty());
    let layout = params
        .get("layout")
        .and_then(|k| LayoutKind::from_key(&k))
        .unwrap_or_default();
    let query = RwSignal::new(
        from_address
            .or(initial_query)
            .unwrap_or_else(|| DEFAULT_QUERY.to_owned()),
    );
    let layout_choice = StoredValue::new(layout);
    let navigate = StoredValue::new_local(use_navigate());
    let pathname = use_location().pathname;
    let remember = move || {
        let address = graph_address(
            &pathname.get_untracked(),
            &query.get_untracked(),
            layout_choice.get_value(),
        );
        navigate.with_value(|go| {
            go(
                &address,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            )
        });
    };
    let on_layout = Callback::new(move |kind: LayoutKind| {
        layout_choice.set_value(kind);
        remember();
    });
    let nodes = RwSignal::new(Vec::<GraphNode>::new());
    let edges = RwSignal::new(Vec::<GraphEdge>::new());
    let label_property = RwSignal::new(None::<String>);
    let status = RwSignal::new(Status::Idle);
    // Each load gets a number; answers to an older load are dropped.
    let generation = StoredValue::new(0u64);

    // Callbacks must be `Send + Sync`; the source stays on this thread behind a local handle.
    let source = StoredValue::new_local(source);
    let run = {
        move || {
            let text = query.get_untracked();
            if text.trim().is_empty() {
                status.set(Status::Failed("Enter a query first.".to_owned()));
                return;
            }
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            remember();
            status.set(Status::Loading("Running the query…".to_owned()));
            let future = source.with_value(|s| s.load(text));
            spawn_local(async move {
                let result = future.await;
                if generation.get_value() != mine {
                    return;
                }
                match result {
                    Ok((n, e)) => {
                        status.set(Status::Message(format!(
                            "The query returned {} twins.",
                            n.len()
                        )));
                        nodes.set(n);
                        edges.set(e);
                    }
                    Err(message) => status.set(Status::Failed(message)),
                }
            });
        }
    };
    let expand = {
        Callback::new(move |(id, hops): (String, u8)| {
            let mine = generation.get_value();
            let within = if hops == 1 {
                "the neighbours".to_owned()
            } else {
                format!("the twins within {hops} hops")
            };
            status.set(Status::Loading(format!("Loading {within} of {id}…")));
            spawn_local(async move {
                // One hop at a time: the frontier is what the previous hop added.
                let mut frontier = vec![id.clone()];
                let mut added = 0;
                for _ in 0..hops.max(1) {
                    let mut next = Vec::new();
                    for twin in std::mem::take(&mut frontier) {
                        let future = source.with_value(|s| s.neighbours(twin));
                        let result = future.await;
                        if generation.get_value() != mine {
                            return;
                        }
                        match result {
                            Ok(data) => {
                                let mut n = nodes.get_untracked();
                                let mut e = edges.get_untracked();
                                let before = n.len();
                                added += merge(&mut n, &mut e, data);
                                next.extend(n[before..].iter().map(|t| t.id.clone()));
                                nodes.set(n);
                                edges.set(e);
                            }
                            Err(message) => {
                                status.set(Status::Failed(message));
                                return;
                            }
                        }
                    }
                    frontier = next;
                    if frontier.is_empty() {
                        break;
                    }
                }
                status.set(Status::Message(match added {
                    0 => format!("{id} has no twins within reach that are not shown already."),
                    1 => format!("Added 1 twin near {id}."),
                    k => format!("Added {k} twins near {id}."),
                }));
            });
        })
    };

    let run_first = run;
    Effect::new(move |previous: Option<()>| {
        if previous.is_none() {
            run_first();
        }
    });

    let choices = Memo::new(move |_| nodes.with(|n| label_choices(n)));

    view! {
        // The instance shell provides the page's `main` landmark and heading.
        <div class="graph-page">
            <form class="graph-query" on:submit=move |e| { e.prevent_default(); run(); }>
                <label for="graph-query-text">"Query"</label>
                <textarea
                    id="graph-query-text"
                    class="graph-query__text"
                    rows="2"
                    spellcheck="false"
                    prop:value=move || query.get()
                    on:input=move |e| query.set(event_target_value(&e))
                ></textarea>
                <div class="graph-query__actions">
                    <button type="submit" class="button">"Run"</button>
                    <label for="graph-label">"Label"</label>
                    <select
                        id="graph-label"
                        on:change=move |e| {
                            let value = event_target_value(&e);
                            label_property.set((!value.is_empty()).then_some(value));
                        }
                    >
                        <option value="" selected=move || label_property.get().is_none()>"Twin id"</option>
                        {move || choices.get().into_iter().map(|name| {
                            let current = name.clone();
                            view! {
                                <option
                                    value=name.clone()
                                    selected=move || label_property.get().as_deref() == Some(current.as_str())
                                >{name.clone()}</option>
                            }
                        }).collect::<Vec<_>>()}
                    </select>
                </div>
            </form>
            <div class="graph-status" aria-live="polite">
                {move || match status.get() {
                    Status::Idle => ().into_any(),
                    Status::Loading(text) => view! { <p class="loading">{text}</p> }.into_any(),
                    Status::Message(text) => view! { <p class="hint">{text}</p> }.into_any(),
                    Status::Failed(text) => view! {
                        <div class="alert alert--error" role="alert"><p>{text}</p></div>
                    }.into_any(),
                }}
            </div>
            <GraphView
                nodes=nodes
                edges=edges
                on_open=on_open
                on_expand=expand
                label_property=label_property
                label="Twin graph"
                initial_layout=layout
                on_layout=on_layout
            />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(id: &str, properties: Value) -> GraphNode {
        let mut twin = properties;
        twin["$dtId"] = json!(id);
        twin["$metadata"] = json!({"$model": "dtmi:x:A;1"});
        GraphNode::from_twin(&twin).expect("valid twin")
    }

    fn edge(source: &str, id: &str, target: &str) -> GraphEdge {
        GraphEdge {
            id: id.into(),
            source: source.into(),
            target: target.into(),
            name: "feeds".into(),
        }
    }

    #[test]
    fn the_address_keeps_the_query_and_a_chosen_layout() {
        assert_eq!(
            graph_address(
                "/t/x/i/h/graph",
                "SELECT T FROM DIGITALTWINS T",
                LayoutKind::Force
            ),
            "/t/x/i/h/graph?q=SELECT%20T%20FROM%20DIGITALTWINS%20T"
        );
        assert_eq!(
            graph_address("/g", "a&b=c", LayoutKind::Concentric),
            "/g?q=a%26b%3Dc&layout=concentric"
        );
    }

    #[test]
    fn label_choices_are_the_scalar_properties() {
        let nodes = [
            node("a", json!({"name": "A", "nested": {"x": 1}})),
            node("b", json!({"floor": 2, "on": true, "list": [1]})),
        ];
        assert_eq!(label_choices(&nodes), ["floor", "name", "on"]);
    }

    #[test]
    fn merge_adds_only_what_is_new() {
        let mut nodes = vec![node("a", json!({}))];
        let mut edges = vec![edge("a", "r1", "b")];
        let added = merge(
            &mut nodes,
            &mut edges,
            (
                vec![
                    node("a", json!({})),
                    node("b", json!({})),
                    node("b", json!({})),
                ],
                vec![edge("a", "r1", "b"), edge("b", "r1", "a")],
            ),
        );
        assert_eq!(added, 1);
        assert_eq!(
            nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(edges.len(), 2);
    }
}
