//! The results of the run on screen, as a table (rows as they arrive) or as a graph (drawn
//! once the run has finished), with the switch between the two.

use leptos::prelude::*;

use super::results_graph::ResultsGraph;
use super::run::{QueryRun, Run};
use super::workspace::{MAX_GRAPH_TWINS, ResultsView, result_twins, selected_columns};
use crate::components::results_table::{Opened, ResultsTable};

#[component]
pub fn QueryResults(
    run: QueryRun,
    /// The number of the finished run on screen (the graph is drawn once per run).
    finished: Memo<Option<u64>>,
    shown_as: Memo<ResultsView>,
    /// The person chose a view.
    on_view: Callback<ResultsView>,
    /// A table row or cell was opened.
    on_open_row: Callback<Opened>,
    /// A twin was clicked in the graph.
    on_select: Callback<String>,
    /// A relationship (source, id) was clicked in the graph.
    on_relationship: Callback<(String, String)>,
) -> impl IntoView {
    let rows = run.rows;
    let order = Memo::new(move |_| run.shown.with(|query| selected_columns(query)));
    let hint = move || {
        view! {
            <p class="hint">{move || match run.state.get() {
                Run::Done { .. } => "The query returned no rows.",
                Run::Running(_) => "Waiting for the first page…",
                _ => "Run a query or choose a model to see twins here.",
            }}</p>
        }
    };
    let graph_part = move || {
        if finished.get().is_none() {
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
        view! { <ResultsGraph nodes total on_select on_relationship/> }.into_any()
    };
    let results_part = move || match shown_as.get() {
        ResultsView::Table => view! {
            <Show when=move || rows.with(|r| !r.is_empty()) fallback=hint>
                <ResultsTable rows=rows label="Query results" order on_open=on_open_row/>
            </Show>
        }
        .into_any(),
        ResultsView::Graph => graph_part.into_any(),
    };
    let switch = ResultsView::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <button
                    type="button"
                    class="button button--ghost models-views__choice"
                    aria-pressed=move || (shown_as.get() == choice).to_string()
                    on:click=move |_| on_view.run(choice)
                >
                    {choice.label()}
                </button>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="query-results" aria-labelledby="results-title">
            <div class="models-views__head">
                <h2 id="results-title">"Results"</h2>
                <div class="models-views" role="group" aria-label="Show the results as">
                    {switch}
                </div>
            </div>
            {results_part}
        </section>
    }
}
