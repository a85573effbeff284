//! The selected twin beside (or below) the results, edited in place: its properties and
//! components as its model declares them (read through the `dtdl` crate's resolved interface,
//! as the twin page reads them), saved as on the twin page, and "Add a relationship" whose
//! target can be picked in the graph (`twin::TwinPanel`), its outgoing relationships (the one
//! the address names, `&rel=`, open for editing: a relationship clicked in the graph); a link
//! to the twin's page for the rest.
//!
//! One [`InspectedTwin`] per twin id: a late reply for twin A lands in A's resource, which
//! nothing shows once B is selected. Selecting B while A holds unsaved edits asks first
//! (through the [`GuardSlot`] the workspace shares with the panel).

use leptos::prelude::*;

use crate::pages::explorer::twin::{GuardSlot, Lists, Relationships, TwinPanel, open_twin};
use crate::pages::explorer::{twin_path, use_explorer_context};

/// The inspector panel: the twin `selected` names, or a hint.
#[component]
pub fn Inspector(
    #[prop(into)] selected: Signal<Option<String>>,
    /// One of the selected twin's relationships, open for editing.
    #[prop(into)]
    relationship: Signal<Option<String>>,
    guards: GuardSlot,
) -> impl IntoView {
    view! {
        <aside class="workspace-inspector card" aria-labelledby="inspector-title">
            <h2 id="inspector-title">"Selected twin"</h2>
            {move || match selected.get() {
                None => view! {
                    <p class="hint">"Select a twin in the results to see and edit its properties here."</p>
                }
                .into_any(),
                Some(id) => view! { <InspectedTwin id relationship guards/> }.into_any(),
            }}
        </aside>
    }
}

/// Brings the inspector's top into view when it lies below the fold: on a narrow screen it
/// sits under the results, where a twin opened from them would change nothing in sight. Where
/// it shows beside them (or already in view), nothing moves.
pub fn reveal_inspector() {
    let Some(panel) = document()
        .query_selector(".workspace-inspector")
        .ok()
        .flatten()
    else {
        return;
    };
    let fold = window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(f64::INFINITY);
    // Below three quarters of the viewport only its heading would show, if that.
    if panel.get_bounding_client_rect().top() > fold * 0.75 {
        panel.scroll_into_view();
    }
}

#[component]
fn InspectedTwin(
    id: String,
    relationship: Signal<Option<String>>,
    guards: GuardSlot,
) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return ().into_any();
    };
    let (adt, asked) = (ctx.adt.clone(), id.clone());
    let relationships = Relationships::read_from_now(adt.clone(), id.clone(), Lists::Outgoing);
    let opened = LocalResource::new(move || {
        let (adt, id) = (adt.clone(), asked.clone());
        async move { open_twin(&adt, id).await }
    });
    let link = twin_path(&ctx.tenant, &ctx.host, &id);
    // The reason is matched here, not left to an `ErrorBoundary`: nested in the inspector's
    // choice of twin, that showed nothing at all for a twin that could not be read (a deleted
    // twin, or a wrong id in a shared address).
    view! {
        <p class="workspace-inspector__id"><code>{id.clone()}</code></p>
        <p><a class="button button--small" href=link>"Open twin"</a></p>
        <Suspense fallback=|| view! { <p class="loading">"Reading the twin…"</p> }>
            {move || Suspend::new(async move {
                match opened.await {
                    Ok(opened) => view! { <TwinPanel opened relationships relationship guards/> }.into_any(),
                    Err(not_read) => view! {
                        <div class="alert alert--error" role="alert"><p>{not_read.to_string()}</p></div>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}
