//! `/t/:tenant/i/:host/twins?q=…&view=graph&twin=…`: the instance's workspace. Write a
//! query (or choose a model in the sidebar), run it, page through the results as a table or
//! as a graph, and look at a twin in the inspector.
//!
//! The query text, the view and the selected twin live in the URL so a view can be shared and
//! Back and reload restore it: choosing a model or a view adds a history entry, Back runs the
//! previous query again. Paging runs until the last page or until Stop ([`run`]); rows arrive
//! into the virtualised results table ([`results`]). History and saved queries are kept per
//! tenant and instance in `localStorage` ([`lists`]).
//!
//! Around the results ([`sidebar`], [`inspector`], [`results_graph`]): the models (read and
//! counted once per instance, `LocalResource`s), and the selected twin (one component, and
//! one resource, per twin id). This module holds what ties them: the address, and what a
//! run, a selection or a view chosen does to it.

mod editor;
mod inspector;
mod lists;
mod results;
mod results_graph;
mod run;
mod sidebar;
pub mod workspace;

use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use self::editor::QueryEditor;
use self::inspector::{Inspector, reveal_inspector};
use self::lists::{QueryLists, QueryListsAside};
use self::results::QueryResults;
use self::run::{QueryRun, caret_offset};
use self::sidebar::{ModelSidebar, load_catalog, load_counts};
use self::workspace::{ResultsView, WorkspaceAddress, model_query};
use super::twin::GuardSlot;
use super::{MissingContext, use_explorer_context};
use crate::components::results_table::Opened;
use crate::graph::pick::GraphPick;

/// What the editor holds when no `?q=` is given.
pub const DEFAULT_QUERY: &str = "SELECT * FROM DIGITALTWINS";

/// Whether a run puts its query into the address, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Share {
    /// The address already holds it (opened from a link, Back, reload).
    No,
    /// Replaces the current entry (Run).
    Replace,
    /// A new history entry (a model chosen in the sidebar), so Back returns.
    Push,
}

#[component]
pub fn QueryExplorer() -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <MissingContext/> }.into_any();
    };
    let params = use_query_map();
    let address = Memo::new(move |_| {
        params.with(|p| {
            WorkspaceAddress::from_params(
                p.get_str("q"),
                p.get_str("view"),
                p.get_str("twin"),
                p.get_str("rel"),
            )
        })
    });
    let url_query = Memo::new(move |_| address.with(|a| a.query.clone()));
    let results_view = Memo::new(move |_| address.with(|a| a.view));
    let selected = Memo::new(move |_| address.with(|a| a.twin.clone()));
    let selected_rel = Memo::new(move |_| address.with(|a| a.rel.clone()));
    let text = RwSignal::new(
        url_query
            .get_untracked()
            .unwrap_or_else(|| DEFAULT_QUERY.to_owned()),
    );
    let results = QueryRun::new(ctx.adt.clone());
    let lists = QueryLists::load(&ctx.tenant, &ctx.host);
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    // The instance's models and their twin counts: read once per instance (the screen is made
    // afresh for another one).
    let models = {
        let adt = ctx.adt.clone();
        LocalResource::new(move || load_catalog(adt.clone()))
    };
    let counts = {
        let adt = ctx.adt.clone();
        LocalResource::new(move || load_counts(adt.clone()))
    };
    // The inspector's unsaved edits, asked about before they would go.
    let inspector_guard = GuardSlot::new();
    // Goes to `to` (this screen's address with other parameters).
    let go = {
        let navigate = use_navigate();
        let (tenant, host) = (ctx.tenant.clone(), ctx.host.clone());
        StoredValue::new_local(Rc::new(move |to: WorkspaceAddress, replace: bool| {
            let options = NavigateOptions {
                replace,
                scroll: false,
                ..NavigateOptions::default()
            };
            navigate(&to.path(&tenant, &host), options);
        }) as Rc<dyn Fn(WorkspaceAddress, bool)>)
    };

    // Runs the editor's query; `share` says whether and how it goes into the address bar. A
    // failure puts the editor's caret where the service says the query is wrong.
    let run = move |share: Share| {
        let query = text.get_untracked();
        if query.trim().is_empty() {
            return;
        }
        lists.record(&query);
        if share != Share::No {
            let to = WorkspaceAddress {
                query: Some(query.clone()),
                view: results_view.get_untracked(),
                twin: None,
                rel: None,
            };
            go.with_value(|go| go(to, share == Share::Replace));
        }
        results.start(query, move |error| {
            if let (Some(line), Some(el)) = (error.line, textarea.get_untracked()) {
                let position = error.position.unwrap_or(1);
                let at = caret_offset(&text.get_untracked(), line, position);
                let _ = el.set_selection_range(at, at);
            }
        });
    };
    // A run a person starts drops the selection (and the inspector's edits: asked first).
    let run_asking = move |share: Share| inspector_guard.ask_before(move || run(share));
    let on_run = Callback::new(move |()| run_asking(Share::Replace));
    let pick_model = Callback::new(move |model: String| {
        text.set(model_query(&model));
        run_asking(Share::Push);
    });

    // Shows twin `id` in the inspector (kept in the address, so Back from its page shows it),
    // brought into view if it lies below the fold (a phone). (Unsaved edits in the inspector
    // are asked about first.)
    let select = Callback::new(move |id: String| {
        if selected.get_untracked().as_deref() == Some(id.as_str()) {
            reveal_inspector();
            return;
        }
        let to = WorkspaceAddress {
            twin: Some(id),
            rel: None,
            ..address.get_untracked()
        };
        inspector_guard.ask_before(move || {
            go.with_value(|go| go(to, true));
            reveal_inspector();
        });
    });
    // A relationship clicked in the graph: its source in the inspector, the relationship open
    // for editing there. (Another twin's edits are asked about first.)
    let select_relationship = Callback::new(move |(source, rel): (String, String)| {
        let to = WorkspaceAddress {
            twin: Some(source),
            rel: Some(rel),
            ..address.get_untracked()
        };
        if address.with_untracked(|a| a.twin == to.twin && a.rel == to.rel) {
            reveal_inspector();
            return;
        }
        let same_twin = address.with_untracked(|a| a.twin == to.twin);
        let go_there = move || {
            go.with_value(|go| go(to, true));
            reveal_inspector();
        };
        if same_twin {
            // The same panel stays (its edits too): only the relationship opens.
            go_there();
        } else {
            inspector_guard.ask_before(go_there);
        }
    });
    // What a table row or cell holds goes to the inspector: a twin, or a relationship open in
    // its source's.
    let open_row = Callback::new(move |opened: Opened| match opened {
        Opened::Twin(id) => select.run(id),
        Opened::Relationship { source, id } => select_relationship.run((source, id)),
    });
    let choose_view = Callback::new(move |view: ResultsView| {
        if results_view.get_untracked() == view {
            return;
        }
        let to = WorkspaceAddress {
            view,
            ..address.get_untracked()
        };
        go.with_value(|go| go(to, false));
    });

    // The address's query runs when it is not the one on screen: at once for a shared link
    // or a reload, and again after Back or Forward to another query.
    Effect::new(move |_| {
        let Some(query) = url_query.get() else {
            // Back to the address without a query: nothing is shown for one.
            if results.shown.with_untracked(|shown| !shown.is_empty()) {
                results.clear();
                text.set(DEFAULT_QUERY.to_owned());
            }
            return;
        };
        if results.shown.with_untracked(|shown| *shown != query) {
            text.set(query);
            run(Share::No);
        }
    });

    let finished = Memo::new(move |_| results.finished());
    // The inspector's relationship form picks its target in the graph, while one is drawn.
    provide_context(GraphPick::new(Signal::derive(move || {
        results_view.get() == ResultsView::Graph
            && finished.get().is_some()
            && results.rows.with(|r| !r.is_empty())
    })));

    let host_text = ctx.host.to_string();
    view! {
        <main id="main" class="page page--explorer page--workspace" aria-labelledby="query-title" tabindex="-1">
            <h1 id="query-title">"Query twins"</h1>
            <p class="hint">"Instance " <code>{host_text}</code></p>
            <div class="workspace">
                <ModelSidebar models counts current=results.shown on_pick=pick_model/>
                <div class="workspace__main">
                    <QueryEditor text textarea run=results lists on_run/>
                    <QueryResults run=results finished shown_as=results_view on_view=choose_view
                        on_open_row=open_row on_select=select on_relationship=select_relationship/>
                </div>
                <div class="workspace__aside">
                    <Inspector selected relationship=selected_rel guards=inspector_guard/>
                    <QueryListsAside lists text/>
                </div>
            </div>
        </main>
    }
    .into_any()
}
