//! `/t/:tenant/i/:host/twins?q=…&view=graph&twin=…`: the instance's workspace. Write a
//! query (or choose a model in the sidebar), run it, page through the results as a table or
//! as a graph, and look at a twin in the inspector.
//!
//! The query text, the view and the selected twin live in the URL so a view can be shared and
//! Back and reload restore it: choosing a model or a view adds a history entry, Back runs the
//! previous query again. Paging runs until the last page or until Stop; rows arrive into the
//! virtualised [`ResultsTable`]. History and saved queries are kept per tenant and instance in
//! `localStorage`.
//!
//! Around the results ([`sidebar`], [`inspector`], [`results_graph`]): the models (read and
//! counted once per instance, `LocalResource`s), and the selected twin (one component, and
//! one resource, per twin id).

mod inspector;
mod results_graph;
mod sidebar;
pub mod workspace;

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::Value;

use self::inspector::Inspector;
use self::results_graph::ResultsGraph;
use self::sidebar::{ModelSidebar, load_catalog, load_counts};
use self::workspace::{
    MAX_GRAPH_TWINS, ResultsView, WorkspaceAddress, model_query, result_twins, row_twins,
};
use super::twin::GuardSlot;
use super::{
    MissingContext, QueryList, QueryListKind, load_queries, query_list_key, store_queries,
    suggested_name, use_explorer_context,
};
use crate::adt::{AdtError, CancelFlag, QueryPage};
use crate::components::results_table::ResultsTable;
use crate::graph::pick::GraphPick;

/// What the editor holds when no `?q=` is given.
pub const DEFAULT_QUERY: &str = "SELECT * FROM DIGITALTWINS";

/// Rows, pages and query units so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    pub rows: usize,
    pub pages: usize,
    pub charge: Option<f64>,
}

impl Progress {
    pub fn add(&mut self, page: &QueryPage) {
        self.rows += page.items.len();
        self.pages += 1;
        if let Some(c) = page.charge {
            self.charge = Some(self.charge.unwrap_or(0.0) + c);
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1,000 rows · page 1 · charge 12.5` (the charge only when the service reported one).
pub fn format_progress(p: &Progress) -> String {
    let rows = match p.rows {
        1 => "1 row".to_owned(),
        n => format!("{} rows", group_thousands(n)),
    };
    let mut text = format!("{rows} · page {}", group_thousands(p.pages));
    if let Some(charge) = p.charge {
        let shown = format!("{charge:.2}");
        let shown = shown.trim_end_matches('0').trim_end_matches('.');
        text.push_str(&format!(" · charge {shown}"));
    }
    text
}

/// The UTF-16 offset of 1-based `line` and character `position` in `text`, clamped to the
/// text (for placing the caret at a query error).
pub fn caret_offset(text: &str, line: u32, position: u32) -> u32 {
    let mut offset = 0usize;
    for (i, content) in text.split('\n').enumerate() {
        if i + 1 == line.max(1) as usize {
            let column = position.max(1) as usize - 1;
            let within: usize = content.chars().take(column).map(char::len_utf16).sum();
            return (offset + within) as u32;
        }
        offset += content.chars().map(char::len_utf16).sum::<usize>() + 1;
    }
    text.encode_utf16().count() as u32
}

/// An error as the page shows it.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    message: String,
    line: Option<u32>,
    position: Option<u32>,
}

impl From<&AdtError> for Shown {
    fn from(e: &AdtError) -> Self {
        match e {
            AdtError::Query {
                line,
                position,
                message,
            } => Self {
                message: message.clone(),
                line: *line,
                position: *position,
            },
            other => Self {
                message: other.to_string(),
                line: None,
                position: None,
            },
        }
    }
}

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

#[derive(Debug, Clone, PartialEq)]
enum Run {
    Idle,
    Running(Progress),
    Done { progress: Progress, stopped: bool },
    Failed { progress: Progress, error: Shown },
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
    let initial = url_query.get_untracked();
    let text = RwSignal::new(initial.unwrap_or_else(|| DEFAULT_QUERY.to_owned()));
    // The query of the results on screen (what the sidebar marks, what Back compares with).
    let shown_query = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Value>::new());
    let run_state = RwSignal::new(Run::Idle);
    // Counts runs, so the graph is drawn once per finished run.
    let run_number = RwSignal::new(0u64);
    let cancel = StoredValue::new_local(None::<CancelFlag>);
    let client = StoredValue::new_local(ctx.adt.clone());
    let history_key = query_list_key(QueryListKind::History, &ctx.tenant, &ctx.host);
    let saved_key = query_list_key(QueryListKind::Saved, &ctx.tenant, &ctx.host);
    let history = RwSignal::new(load_queries(&history_key));
    let saved = RwSignal::new(load_queries(&saved_key));
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let navigate = use_navigate();
    let (tenant, host) = (ctx.tenant.clone(), ctx.host.clone());
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
        let navigate = StoredValue::new_local(navigate.clone());
        let (tenant, host) = (tenant.clone(), host.clone());
        StoredValue::new_local(Rc::new(move |to: WorkspaceAddress, replace: bool| {
            let path = to.path(&tenant, &host);
            navigate.with_value(|n| {
                n(
                    &path,
                    NavigateOptions {
                        replace,
                        scroll: false,
                        ..NavigateOptions::default()
                    },
                )
            });
        }) as Rc<dyn Fn(WorkspaceAddress, bool)>)
    };

    let stop = move || {
        cancel.with_value(|c| {
            if let Some(c) = c {
                c.cancel();
            }
        });
    };

    // Runs the editor's query; `share` says whether and how it goes into the address bar.
    let run: Rc<dyn Fn(Share)> = {
        let history_key = history_key.clone();
        Rc::new(move |share: Share| {
            let query = text.get_untracked();
            if query.trim().is_empty() {
                return;
            }
            crate::perf::mark(crate::perf::QUERY_RUN);
            stop();
            let flag = CancelFlag::new();
            cancel.set_value(Some(flag.clone()));
            history.update(|h| h.push(&query));
            store_queries(&history_key, &history.get_untracked());
            shown_query.set(query.clone());
            if share != Share::No {
                let to = WorkspaceAddress {
                    query: Some(query.clone()),
                    view: results_view.get_untracked(),
                    twin: None,
                    rel: None,
                };
                go.with_value(|go| go(to, share == Share::Replace));
            }
            rows.set(Vec::new());
            run_number.update(|n| *n += 1);
            run_state.set(Run::Running(Progress::default()));
            let client = client.get_value();
            spawn_local(async move {
                let mut progress = Progress::default();
                let result = client
                    .query_all(
                        &query,
                        |page| {
                            progress.add(page);
                            rows.update(|r| r.extend(page.items.iter().cloned()));
                            run_state.set(Run::Running(progress));
                            if progress.pages == 1 {
                                crate::perf::mark_after_paint(crate::perf::QUERY_FIRST_ROWS);
                            }
                        },
                        flag.clone(),
                    )
                    .await;
                // A newer run replaced this one: leave its state alone.
                if cancel.with_value(|c| c.as_ref().is_some_and(|c| !c.same(&flag))) {
                    return;
                }
                if result.as_ref().is_ok_and(|s| !s.cancelled) {
                    crate::perf::mark_after_paint(crate::perf::QUERY_ALL_ROWS);
                }
                run_state.set(match result {
                    Ok(summary) => Run::Done {
                        progress,
                        stopped: summary.cancelled,
                    },
                    Err(error) => {
                        let shown = Shown::from(&error);
                        if let (Some(line), Some(el)) = (shown.line, textarea.get_untracked()) {
                            let at = caret_offset(
                                &text.get_untracked(),
                                line,
                                shown.position.unwrap_or(1),
                            );
                            let _ = el.set_selection_range(at, at);
                        }
                        Run::Failed {
                            progress,
                            error: shown,
                        }
                    }
                });
            });
        })
    };

    // Shows twin `id` in the inspector (kept in the address, so Back from its page shows it).
    // (Unsaved edits in the inspector are asked about first.)
    let select = Callback::new(move |id: String| {
        if selected.get_untracked().as_deref() == Some(id.as_str()) {
            return;
        }
        let to = WorkspaceAddress {
            twin: Some(id),
            rel: None,
            ..address.get_untracked()
        };
        inspector_guard.ask_before(move || go.with_value(|go| go(to, true)));
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
            return;
        }
        let same_twin = address.with_untracked(|a| a.twin == to.twin);
        let go_there = move || go.with_value(|go| go(to, true));
        if same_twin {
            // The same panel stays (its edits too): only the relationship opens.
            go_there();
        } else {
            inspector_guard.ask_before(go_there);
        }
    });
    // A row's twin (the first, for a JOIN row) goes to the inspector.
    let open_row = Callback::new(move |index: usize| {
        let id = rows.with_untracked(|r| {
            r.get(index).and_then(|row| {
                row_twins(row)
                    .first()?
                    .get("$dtId")?
                    .as_str()
                    .map(str::to_owned)
            })
        });
        if let Some(id) = id {
            select.run(id);
        }
    });
    let choose_view = move |view: ResultsView| {
        if results_view.get_untracked() == view {
            return;
        }
        let to = WorkspaceAddress {
            view,
            ..address.get_untracked()
        };
        go.with_value(|go| go(to, false));
    };

    // A run a person starts drops the selection (and the inspector's edits: asked first).
    let run_asking = {
        let run = run.clone();
        move |share: Share| {
            let run = run.clone();
            inspector_guard.ask_before(move || run(share));
        }
    };
    let run_click = run_asking.clone();
    let run_key = run_asking.clone();
    let run_model = run_asking;
    let on_editor_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            run_key(Share::Replace);
        }
    };
    let pick_model = {
        let run_model = StoredValue::new_local(run_model);
        Callback::new(move |model: String| {
            text.set(model_query(&model));
            run_model.with_value(|run| run(Share::Push));
        })
    };
    let running = move || matches!(run_state.get(), Run::Running(_));

    let progress_text = move || match run_state.get() {
        Run::Idle => String::new(),
        Run::Running(p) => format!("Running… {}", format_progress(&p)),
        Run::Done {
            progress,
            stopped: true,
        } => format!("Stopped: {}", format_progress(&progress)),
        Run::Done { progress, .. } => format!("Done: {}", format_progress(&progress)),
        Run::Failed { progress, .. } if progress.pages > 0 => {
            format!("Failed after {}", format_progress(&progress))
        }
        Run::Failed { .. } => "Failed".to_owned(),
    };
    let error_view = move || match run_state.get() {
        Run::Failed { error, .. } => {
            let place = match (error.line, error.position) {
                (Some(l), Some(p)) => Some(format!("Line {l}, position {p}")),
                (Some(l), None) => Some(format!("Line {l}")),
                _ => None,
            };
            Some(view! {
                <div class="alert alert--error query-error" role="alert">
                    <h2>"The query failed"</h2>
                    {place.map(|p| view! { <p class="query-error__place"><strong>{p}</strong></p> })}
                    <p>{error.message}</p>
                </div>
            })
        }
        _ => None,
    };

    let list_view =
        move |list: RwSignal<QueryList>, key: String, removable: bool, empty: &'static str| {
            let key = StoredValue::new(key);
            move || {
                let entries = list.with(|l| l.entries().to_vec());
                if entries.is_empty() {
                    return view! { <li class="hint">{empty}</li> }.into_any();
                }
                entries
                    .into_iter()
                    .map(|entry| {
                        let q = entry.query.clone();
                        let title = entry.title().to_owned();
                        let named = entry.name.is_some();
                        let load = q.clone();
                        let gone = q.clone();
                        let remove = removable.then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="button button--ghost button--small"
                                    aria-label=format!("Remove saved query: {}", short(&title))
                                    on:click=move |_| {
                                        list.update(|l| l.remove(&gone));
                                        key.with_value(|k| store_queries(k, &list.get_untracked()));
                                    }
                                >
                                    "Remove"
                                </button>
                            }
                        });
                        view! {
                            <li class="query-list__item">
                                <button
                                    type="button"
                                    class="query-list__load"
                                    title=q.clone()
                                    on:click=move |_| text.set(load.clone())
                                >
                                    {if named {
                                        view! {
                                            <span class="query-list__name">{title.clone()}</span>
                                            <code class="query-list__text">{short(&q)}</code>
                                        }.into_any()
                                    } else {
                                        view! { <code>{short(&q)}</code> }.into_any()
                                    }}
                                </button>
                                {remove}
                            </li>
                        }
                    })
                    .collect_view()
                    .into_any()
            }
        };

    // Saving asks for a name first (prefilled); Enter or "Save" stores it, Esc cancels.
    let naming = RwSignal::new(None::<String>);
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let start_saving = move |_| {
        let query = text.get_untracked();
        if query.trim().is_empty() {
            return;
        }
        let current = saved.with_untracked(|l| {
            l.entries()
                .iter()
                .find(|e| e.query == query)
                .and_then(|e| e.name.clone())
        });
        naming.set(Some(current.unwrap_or_else(|| suggested_name(&query))));
        request_animation_frame(move || {
            if let Some(input) = name_ref.get_untracked() {
                let _ = input.focus();
                input.select();
            }
        });
    };
    let finish_saving = {
        let saved_key = saved_key.clone();
        move || {
            let Some(name) = naming.get_untracked() else {
                return;
            };
            saved.update(|s| s.save(&name, &text.get_untracked()));
            store_queries(&saved_key, &saved.get_untracked());
            naming.set(None);
        }
    };
    let finish_on_submit = {
        let finish = finish_saving.clone();
        move |e: leptos::ev::SubmitEvent| {
            e.prevent_default();
            finish();
        }
    };
    let name_form = move || {
        naming.get().map(|_| {
            let finish = finish_on_submit.clone();
            view! {
                <form class="query-save" on:submit=finish>
                    <label for="query-save-name">"Name"</label>
                    <input
                        id="query-save-name"
                        class="input"
                        node_ref=name_ref
                        prop:value=move || naming.get().unwrap_or_default()
                        on:input=move |e| naming.set(Some(event_target_value(&e)))
                        on:keydown=move |e: leptos::ev::KeyboardEvent| {
                            if e.key() == "Escape" {
                                e.prevent_default();
                                naming.set(None);
                            }
                        }
                    />
                    <button type="submit" class="button">"Save"</button>
                    <button type="button" class="button button--ghost" on:click=move |_| naming.set(None)>"Cancel"</button>
                </form>
            }
        })
    };

    // The address's query runs when it is not the one on screen: at once for a shared link
    // or a reload, and again after Back or Forward to another query.
    let run_address = StoredValue::new_local(run.clone());
    Effect::new(move |_| {
        let Some(query) = url_query.get() else {
            // Back to the address without a query: nothing is shown for one.
            if shown_query.with_untracked(|shown| !shown.is_empty()) {
                stop();
                // A run still answering is no longer the one on screen.
                cancel.set_value(Some(CancelFlag::new()));
                shown_query.set(String::new());
                text.set(DEFAULT_QUERY.to_owned());
                rows.set(Vec::new());
                run_state.set(Run::Idle);
            }
            return;
        };
        if shown_query.with_untracked(|shown| *shown != query) {
            text.set(query);
            run_address.with_value(|run| run(Share::No));
        }
    });

    let finished_run = Memo::new(move |_| match run_state.get() {
        Run::Done { .. } => Some(run_number.get_untracked()),
        _ => None,
    });
    // The inspector's relationship form picks its target in the graph, while one is drawn.
    provide_context(GraphPick::new(Signal::derive(move || {
        results_view.get() == ResultsView::Graph
            && finished_run.get().is_some()
            && rows.with(|r| !r.is_empty())
    })));
    let hint = move || {
        view! {
            <p class="hint">{move || match run_state.get() {
                Run::Done { .. } => "The query returned no rows.",
                Run::Running(_) => "Waiting for the first page…",
                _ => "Run a query or choose a model to see twins here.",
            }}</p>
        }
    };
    let graph_part = move || {
        if finished_run.get().is_none() {
            return if rows.with(Vec::is_empty) {
                hint().into_any()
            } else {
                view! { <p class="hint">"The graph is drawn when the query has finished."</p> }
                    .into_any()
            };
        }
        let (nodes, total) = rows.with_untracked(|r| result_twins(r, MAX_GRAPH_TWINS));
        if nodes.is_empty() {
            return if rows.with_untracked(Vec::is_empty) {
                hint().into_any()
            } else {
                view! { <p class="hint">"These rows hold no twins to draw (a graph needs twins: SELECT * or SELECT T, CT …)."</p> }
                    .into_any()
            };
        }
        view! { <ResultsGraph nodes total on_select=select on_relationship=select_relationship/> }
            .into_any()
    };
    let results_part = move || match results_view.get() {
        ResultsView::Table => view! {
            <Show when=move || rows.with(|r| !r.is_empty()) fallback=hint>
                <ResultsTable rows=rows label="Query results" on_open=open_row/>
            </Show>
        }
        .into_any(),
        ResultsView::Graph => graph_part.into_any(),
    };
    let view_switch = move || {
        ResultsView::ALL
            .into_iter()
            .map(|choice| {
                view! {
                    <button
                        type="button"
                        class="button button--ghost models-views__choice"
                        aria-pressed=move || (results_view.get() == choice).to_string()
                        on:click=move |_| choose_view(choice)
                    >
                        {choice.label()}
                    </button>
                }
            })
            .collect::<Vec<_>>()
    };

    let host_text = host.to_string();
    view! {
        <main id="main" class="page page--explorer page--workspace" aria-labelledby="query-title" tabindex="-1">
            <h1 id="query-title">"Query twins"</h1>
            <p class="hint">"Instance " <code>{host_text}</code></p>
            <div class="workspace">
                <ModelSidebar models counts current=shown_query on_pick=pick_model/>
                <div class="workspace__main">
                    <section class="card query-editor" aria-labelledby="query-label">
                        <label id="query-label" for="query-text" class="field__label">"Query"</label>
                        <textarea
                            id="query-text"
                            class="query-editor__text"
                            node_ref=textarea
                            rows="6"
                            spellcheck="false"
                            autocomplete="off"
                            aria-describedby="query-help"
                            aria-invalid=move || if matches!(run_state.get(), Run::Failed { .. }) { "true" } else { "false" }
                            prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))
                            on:keydown=on_editor_key
                        ></textarea>
                        <p id="query-help" class="hint">"Ctrl+Enter runs the query. Results page in as they arrive."</p>
                        <div class="toolbar">
                            <button type="button" class="button" on:click=move |_| run_click(Share::Replace) disabled=running>
                                "Run"
                            </button>
                            <Show when=running>
                                <button type="button" class="button button--ghost" on:click=move |_| stop()>
                                    "Stop"
                                </button>
                            </Show>
                            <button type="button" class="button button--ghost" on:click=start_saving>
                                "Save query…"
                            </button>
                        </div>
                        {name_form}
                        <p class="query-progress" role="status" aria-live="polite">{progress_text}</p>
                        {error_view}
                    </section>
                    <section class="query-results" aria-labelledby="results-title">
                        <div class="models-views__head">
                            <h2 id="results-title">"Results"</h2>
                            <div class="models-views" role="group" aria-label="Show the results as">
                                {view_switch}
                            </div>
                        </div>
                        {results_part}
                    </section>
                </div>
                <div class="workspace__aside">
                    <Inspector selected relationship=selected_rel guards=inspector_guard/>
                    <aside class="query-lists" aria-label="Your queries">
                        <section aria-labelledby="saved-title">
                            <h2 id="saved-title">"Saved queries"</h2>
                            <ul class="query-list">{list_view(saved, saved_key.clone(), true, "Nothing saved yet.")}</ul>
                        </section>
                        <section aria-labelledby="history-title">
                            <h2 id="history-title">"History"</h2>
                            <ul class="query-list">{list_view(history, history_key.clone(), false, "No queries run yet.")}</ul>
                        </section>
                    </aside>
                </div>
            </div>
        </main>
    }
    .into_any()
}

/// The first line of a query, cut to 80 characters, for lists.
fn short(query: &str) -> String {
    let first = query.lines().next().unwrap_or("").trim();
    let mut cut: String = first.chars().take(80).collect();
    if first.chars().count() > 80 || query.lines().count() > 1 {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_a_sentence() {
        let check = |rows, pages, charge, expected: &str| {
            assert_eq!(
                format_progress(&Progress {
                    rows,
                    pages,
                    charge
                }),
                expected
            );
        };
        check(1000, 1, Some(12.5), "1,000 rows · page 1 · charge 12.5");
        check(1, 1, None, "1 row · page 1");
        check(0, 1, Some(1.0), "0 rows · page 1 · charge 1");
        check(
            1_234_567,
            1_200,
            Some(3.456),
            "1,234,567 rows · page 1,200 · charge 3.46",
        );
    }

    #[test]
    fn progress_adds_pages() {
        let mut p = Progress::default();
        p.add(&QueryPage {
            items: vec![Value::Null; 3],
            continuation_token: None,
            charge: Some(2.0),
        });
        p.add(&QueryPage {
            items: vec![Value::Null; 2],
            continuation_token: None,
            charge: None,
        });
        assert_eq!(
            p,
            Progress {
                rows: 5,
                pages: 2,
                charge: Some(2.0)
            }
        );
    }

    #[test]
    fn the_caret_goes_to_the_error_position() {
        let text = "SELECT *\nFROM digitaltwins\nWHERE tmp = 1";
        assert_eq!(caret_offset(text, 1, 1), 0);
        assert_eq!(caret_offset(text, 2, 6), 14);
        assert_eq!(caret_offset(text, 3, 7), 33);
        // Past the end of a line stays on that line; past the last line goes to the end.
        assert_eq!(caret_offset(text, 1, 99), 8);
        assert_eq!(caret_offset(text, 9, 1), text.len() as u32);
        // UTF-16 units, as the browser counts them.
        assert_eq!(caret_offset("é😀x", 1, 3), 3);
    }

    #[test]
    fn long_queries_are_shortened_for_lists() {
        assert_eq!(short("SELECT *\nFROM x"), "SELECT *…");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"x".repeat(100)).chars().count(), 81);
    }
}
