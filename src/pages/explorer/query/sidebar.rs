//! The models of the instance beside the results: their inheritance tree, filtered as the
//! person types, the twins of each (counted from one paged query), and each model's DTDL.
//! Choosing a model queries its twins.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::workspace::{
    COUNT_QUERY, WorkspaceError, count_models, filter_tree, inclusive_counts, model_query,
    tree_size,
};
use crate::adt::{AdtClient, CancelFlag};
use crate::model_set::{InstanceModels, instance_set};
use crate::pages::models::{TreeNode, inheritance_tree};

/// The instance's models as the sidebar shows them.
#[derive(Debug, Default)]
pub struct Catalog {
    pub models: InstanceModels,
    /// Display name (best language) by model id; models without one are absent.
    pub names: BTreeMap<String, String>,
    pub tree: Vec<TreeNode>,
}

/// The models, read once per instance.
pub type ModelsResource = LocalResource<Result<Arc<Catalog>, WorkspaceError>>;
/// Twins per model (exactly of that model), counted once per instance.
pub type CountsResource = LocalResource<Result<Arc<BTreeMap<String, usize>>, WorkspaceError>>;

/// Lists the instance's models with their definitions and reads them into a set.
pub async fn load_catalog(adt: AdtClient) -> Result<Arc<Catalog>, WorkspaceError> {
    let listed = adt
        .list_models(true)
        .await
        .map_err(WorkspaceError::Models)?;
    let models = instance_set(listed.iter().map(|m| (m.id.as_str(), m.model.as_ref())));
    let mut names: BTreeMap<String, String> = listed
        .iter()
        .filter_map(|m| Some((m.id.clone(), m.display_name.best()?.to_owned())))
        .collect();
    for id in models.set.ids() {
        let id = id.to_string();
        if !names.contains_key(&id)
            && let Some(name) = models
                .set
                .interface(&id)
                .and_then(|i| i.display_name.best().map(str::to_owned))
        {
            names.insert(id, name);
        }
    }
    let tree = inheritance_tree(&models.set);
    Ok(Arc::new(Catalog {
        models,
        names,
        tree,
    }))
}

/// Every twin's model, from [`COUNT_QUERY`] through all its pages, counted.
pub async fn load_counts(adt: AdtClient) -> Result<Arc<BTreeMap<String, usize>>, WorkspaceError> {
    let mut counts = BTreeMap::new();
    adt.query_all(
        COUNT_QUERY,
        |page| {
            for (model, n) in count_models(&page.items) {
                *counts.entry(model).or_insert(0) += n;
            }
        },
        CancelFlag::new(),
    )
    .await
    .map_err(WorkspaceError::Counts)?;
    Ok(Arc::new(counts))
}

/// True when the window is at least 64rem (1,024 px) wide: the sidebar starts open there.
fn wide_window() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64())
        .is_none_or(|w| w >= 1024.0)
}

/// The sidebar. `current` is the query shown now (its model is marked); `on_pick` gets a
/// model id.
#[component]
pub fn ModelSidebar(
    models: ModelsResource,
    counts: CountsResource,
    #[prop(into)] current: Signal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let expanded = RwSignal::new(wide_window());
    let needle = RwSignal::new(String::new());
    let totals = Memo::new(move |_| match (models.get(), counts.get()) {
        (Some(Ok(catalog)), Some(Ok(exact))) => Some(inclusive_counts(&catalog.models.set, &exact)),
        _ => None,
    });
    let counts_note = move || match counts.get() {
        Some(Err(e)) => Some(view! { <p class="hint workspace-models__note">{e.to_string()}</p> }),
        None => Some(
            view! { <p class="hint workspace-models__note">{"Counting the twins…".to_owned()}</p> },
        ),
        Some(Ok(_)) => None,
    };
    let not_read = |errors: ArcRwSignal<Errors>| {
        view! {
            <div class="alert alert--error" role="alert">
                {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
            </div>
        }
    };
    view! {
        <aside class="workspace-models" aria-labelledby="models-panel-title">
            <div class="workspace-models__head">
                <h2 id="models-panel-title">"Models"</h2>
                <button
                    type="button"
                    class="button button--ghost button--small"
                    aria-expanded=move || expanded.get().to_string()
                    aria-controls="workspace-models-body"
                    on:click=move |_| expanded.update(|e| *e = !*e)
                >
                    {move || if expanded.get() { "Hide" } else { "Show" }}
                    <span class="visually-hidden">" the models"</span>
                </button>
            </div>
            <div id="workspace-models-body" class="workspace-models__body" hidden=move || !expanded.get()>
                <label for="model-search" class="field__label">"Find a model"</label>
                <input
                    id="model-search"
                    class="input"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="Name or DTMI"
                    aria-describedby="model-search-help"
                    prop:value=move || needle.get()
                    on:input=move |e| needle.set(event_target_value(&e))
                />
                <p id="model-search-help" class="hint workspace-models__note">
                    "Choose a model to query its twins. Counts include the models that extend it."
                </p>
                {counts_note}
                <Transition fallback=|| view! { <p class="loading">"Reading the models…"</p> }>
                    <ErrorBoundary fallback=not_read>
                        {move || Suspend::new(async move {
                            models.await.map(|catalog| view! {
                                <ModelTree catalog needle totals current on_pick/>
                            })
                        })}
                    </ErrorBoundary>
                </Transition>
            </div>
        </aside>
    }
}

#[component]
fn ModelTree(
    catalog: Arc<Catalog>,
    needle: RwSignal<String>,
    totals: Memo<Option<BTreeMap<String, usize>>>,
    current: Signal<String>,
    on_pick: Callback<String>,
) -> impl IntoView {
    crate::perf::mark_after_paint(crate::perf::WORKSPACE_SHOWN);
    let all = tree_size(&catalog.tree);
    let unreadable = catalog.models.unreadable.clone();
    let shown = {
        let catalog = catalog.clone();
        move || {
            let tree = needle.with(|n| filter_tree(&catalog.tree, &catalog.names, n));
            if tree.is_empty() {
                let text = if all == 0 {
                    "This instance has no models yet."
                } else {
                    "No model matches."
                };
                return view! { <p class="hint" role="status">{text}</p> }.into_any();
            }
            let found = tree_size(&tree);
            let summary = if needle.with(|n| n.trim().is_empty()) {
                crate::format::count(all, "model", "models")
            } else {
                format!(
                    "{found} of {}",
                    crate::format::count(all, "model", "models")
                )
            };
            let items = tree_items(&tree, &catalog, totals, current, on_pick);
            view! {
                <p class="hint workspace-models__note" role="status">{summary}</p>
                <ul class="workspace-tree" aria-label="Models by inheritance">{items}</ul>
            }
            .into_any()
        }
    };
    let unreadable = (!unreadable.is_empty()).then(|| {
        view! {
            <details class="workspace-models__unreadable">
                <summary>{crate::format::count(unreadable.len(), "model could not be read", "models could not be read")}</summary>
                <ul>
                    {unreadable.into_iter().map(|u| view! { <li><code>{u.id().to_owned()}</code>" "{u.to_string()}</li> }).collect_view()}
                </ul>
            </details>
        }
    });
    view! {
        {shown}
        {unreadable}
    }
}

fn tree_items(
    nodes: &[TreeNode],
    catalog: &Arc<Catalog>,
    totals: Memo<Option<BTreeMap<String, usize>>>,
    current: Signal<String>,
    on_pick: Callback<String>,
) -> Vec<AnyView> {
    nodes
        .iter()
        .map(|node| {
            let id = node.id.clone();
            let name = catalog.names.get(&id).cloned();
            let title = name.clone().unwrap_or_else(|| id.clone());
            let query = model_query(&id);
            let is_current = move || current.with(|c| c.trim() == query);
            let count = {
                let id = id.clone();
                move || {
                    totals.with(|t| {
                        t.as_ref()
                            .map(|t| t.get(&id).copied().unwrap_or(0))
                            .map(|n| {
                                view! {
                                    <span class="workspace-tree__count">
                                        {crate::format::count(n, "twin", "twins")}
                                    </span>
                                }
                            })
                    })
                }
            };
            let pick = id.clone();
            let open = RwSignal::new(false);
            let dtdl = {
                let (catalog, id) = (catalog.clone(), id.clone());
                move || {
                    open.get().then(|| {
                        let text = catalog
                            .models
                            .set
                            .interface(&id)
                            .and_then(|i| serde_json::to_string_pretty(&i.raw).ok())
                            .unwrap_or_else(|| "The definition could not be read.".to_owned());
                        view! {
                            <pre class="workspace-tree__json" tabindex="0">{text}</pre>
                        }
                    })
                }
            };
            let on_toggle = move |e: leptos::ev::Event| {
                let now = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| el.has_attribute("open"));
                open.set(now);
            };
            let children = (!node.children.is_empty()).then(|| {
                view! { <ul>{tree_items(&node.children, catalog, totals, current, on_pick)}</ul> }
            });
            let shown_id = name.as_ref().map(|_| view! { <code class="workspace-tree__id">{id.clone()}</code> });
            view! {
                <li>
                    <button
                        type="button"
                        class="workspace-tree__model"
                        aria-current=move || is_current().then_some("true")
                        on:click=move |_| on_pick.run(pick.clone())
                    >
                        <span class="workspace-tree__name">{title.clone()}</span>
                        {shown_id}
                        {count}
                    </button>
                    <details class="workspace-tree__dtdl" on:toggle=on_toggle>
                        <summary>"DTDL"<span class="visually-hidden">{format!(" of {title}")}</span></summary>
                        {dtdl}
                    </details>
                    {children}
                </li>
            }
            .into_any()
        })
        .collect()
}
