//! The query editor: the text, Run (or Ctrl+Enter), Stop while a run goes, "Save query…"
//! (asks for a name first), the run's status line and the error with its place (the caret is
//! put there by the run, see [`QueryRun::start`]).

use leptos::prelude::*;

use super::lists::QueryLists;
use super::run::{QueryRun, Run};

#[component]
pub fn QueryEditor(
    text: RwSignal<String>,
    textarea: NodeRef<leptos::html::Textarea>,
    run: QueryRun,
    lists: QueryLists,
    /// Run the editor's query (Run or Ctrl+Enter).
    on_run: Callback<()>,
) -> impl IntoView {
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            on_run.run(());
        }
    };
    let running = move || run.running();
    let failed = move || run.state.with(|s| matches!(s, Run::Failed { .. }));
    let error_view = move || match run.state.get() {
        Run::Failed { error, .. } => Some(view! {
            <div class="alert alert--error query-error" role="alert">
                <h2>"The query failed"</h2>
                {error.place().map(|p| view! { <p class="query-error__place"><strong>{p}</strong></p> })}
                <p>{error.message}</p>
            </div>
        }),
        _ => None,
    };
    // Saving asks for a name first (prefilled); Enter or "Save" stores it, Esc cancels.
    let naming = RwSignal::new(None::<String>);
    let name_ref = NodeRef::<leptos::html::Input>::new();
    view! {
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
                aria-invalid=move || failed().to_string()
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_key
            ></textarea>
            <p id="query-help" class="hint">"Ctrl+Enter runs the query. Results page in as they arrive."</p>
            <div class="toolbar">
                <button type="button" class="button" on:click=move |_| on_run.run(()) disabled=running>
                    "Run"
                </button>
                <Show when=running>
                    <button type="button" class="button button--ghost" on:click=move |_| run.stop()>
                        "Stop"
                    </button>
                </Show>
                <button type="button" class="button button--ghost"
                    on:click=move |_| start_saving(text, lists, naming, name_ref)>
                    "Save query…"
                </button>
            </div>
            <SaveForm naming name_ref text lists/>
            <p class="query-progress" role="status" aria-live="polite">{move || run.state.with(Run::status)}</p>
            {error_view}
        </section>
    }
}

/// Opens the name form for the editor's query (nothing to save in an empty editor), the
/// name offered selected.
fn start_saving(
    text: RwSignal<String>,
    lists: QueryLists,
    naming: RwSignal<Option<String>>,
    name_ref: NodeRef<leptos::html::Input>,
) {
    let query = text.get_untracked();
    if query.trim().is_empty() {
        return;
    }
    naming.set(Some(lists.name_for(&query)));
    request_animation_frame(move || {
        if let Some(input) = name_ref.get_untracked() {
            let _ = input.focus();
            input.select();
        }
    });
}

/// The name form while `naming` holds the name being typed.
#[component]
fn SaveForm(
    naming: RwSignal<Option<String>>,
    name_ref: NodeRef<leptos::html::Input>,
    text: RwSignal<String>,
    lists: QueryLists,
) -> impl IntoView {
    let open = Memo::new(move |_| naming.with(Option::is_some));
    let finish = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if let Some(name) = naming.get_untracked() {
            lists.save(&name, &text.get_untracked());
            naming.set(None);
        }
    };
    move || {
        open.get().then(|| {
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
    }
}
