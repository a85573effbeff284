//! `/t/:tenant/i/:host/twins/:twin_id`: one twin, its properties, components and
//! relationships.
//!
//! The twin's model is read with what it depends on (`GET /models?dependenciesFor=`) into a
//! `dtdl::ModelSet`; properties and components get a control per DTDL schema from the crate's
//! resolved interface (else JSON text), and new relationships offer the relationship's
//! properties. Save
//! sends the JSON Patch between the twin as read and as edited, with `If-Match` (a
//! relationship's properties likewise, under its row); a 412 opens
//! the conflict view (server version beside yours: keep mine, or take theirs). A lost
//! connection keeps the edits and offers Retry. A save or a new relationship the service
//! refuses shows its code, message and details, each detail beside the field it names. Write
//! controls appear only for writers.
//!
//! Nothing goes without a question: deleting the twin names the relationships that go with
//! it (ADT deletes a twin only once none point from or to it), deleting a relationship names
//! it and offers Undo for a while (the same relationship is created again), and leaving with
//! unsaved edits asks first (`components::leave_guard`).
//!
//! The page is made of small parts, one module each, which share the twin's signals through
//! one `Copy` struct (`editor::TwinState`) given to each as a prop:
//! - here: the route ([`TwinDetail`], [`TwinPage`]) and opening a twin ([`open_twin`]);
//! - `model`: the twin's model read through the crate ([`twin_model`]);
//! - `editor`: `TwinEditor`, the shared state, the leave guard, the layout;
//! - `draft`: unsaved edits kept through a sign-in the identity platform forced;
//! - `properties`: the facts and the property controls; `save`: saving, the conflict view;
//! - `relationships`: the lists, the outgoing table with edit, delete and Undo, the incoming
//!   table; `relationship_edit`: a relationship's properties edited under its row;
//! - `relationship_form`: "Add a relationship"; `delete`: deleting the twin and its
//!   relationships;
//! - `panel`: the same parts in the Twins workspace's inspector ([`TwinPanel`]).

mod delete;
mod draft;
mod editor;
mod model;
mod panel;
mod properties;
mod relationship_edit;
mod relationship_form;
mod relationships;
mod save;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::{MissingContext, decode_twin_param, twins_path, use_explorer_context};
use crate::adt::{AdtClient, AdtError, Twin};
use editor::TwinEditor;
use model::load_model;

pub use delete::{GoingRelationship, going_text, relationships_going_with};
pub use model::{ModelLoadError, TwinModel, twin_model};
pub use panel::{GuardSlot, TwinPanel};
pub use relationships::{
    Deleted, Lists, Relationships, UNDO_FOR, relationship_body, relationship_properties,
};

/// The route parameter holding the twin id.
pub const TWIN_ID_PARAM: &str = "twin_id";

/// A twin as opened: the twin, and its model read through the crate (or why it could not be;
/// the values are then edited as JSON). `None` for a twin without `$metadata.$model`.
#[derive(Debug, Clone)]
pub struct OpenedTwin {
    pub id: String,
    pub twin: Twin,
    pub model: Option<Result<TwinModel, ModelLoadError>>,
}

/// Why a twin's page has no twin to show.
#[derive(Debug, Clone, thiserror::Error)]
#[error("Twin {id} could not be read: {error}")]
pub struct TwinNotOpened {
    pub id: String,
    pub error: AdtError,
}

/// Reads twin `id`, then its model with what it depends on.
pub async fn open_twin(client: &AdtClient, id: String) -> Result<OpenedTwin, TwinNotOpened> {
    let twin = client.get_twin(&id).await.map_err(|error| TwinNotOpened {
        id: id.clone(),
        error,
    })?;
    let model = match twin.model().map(str::to_owned) {
        Some(model) => Some(load_model(client, &model).await),
        None => None,
    };
    Ok(OpenedTwin { id, twin, model })
}

/// `/t/:tenant/i/:host/twins/:twin_id`: the page of the twin the route names, made afresh for
/// each twin id ([`TwinPage`]), so everything of twin A (its read, its editor, its requests)
/// goes when the route names twin B.
///
/// Why keyed by a component, not by the resource's source: a `LocalResource` whose source
/// changes while its future is pending runs the new future only after the old one finishes,
/// and then shows the old one's value first (Leptos 0.8's `AsyncDerived` awaits in order): a
/// held reply for A would keep B from loading and then flash A under B's address
/// (`tests/it/stale_replies.rs` shows both). A page per id owns its resource; when it goes,
/// A's late reply lands in a resource nothing shows.
#[component]
pub fn TwinDetail() -> impl IntoView {
    let params = use_params_map();
    let twin_id = Memo::new(move |_| {
        decode_twin_param(&params.with(|p| p.get(TWIN_ID_PARAM).unwrap_or_default()))
    });
    move || view! { <TwinPage id=twin_id.get()/> }
}

/// Twin `id`: read once, then its editor; while reading, the heading and a loading line; if it
/// cannot be read, the heading and why (no forms).
#[component]
fn TwinPage(id: String) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <MissingContext/> }.into_any();
    };
    let client = ctx.adt.clone();
    let asked = id.clone();
    let relationships =
        Relationships::read_from_now(client.clone(), id.clone(), Lists::OutgoingAndIncoming);
    let opened = LocalResource::new(move || {
        let (client, id) = (client.clone(), asked.clone());
        async move { open_twin(&client, id).await }
    });
    let list_path = twins_path(&ctx.tenant, &ctx.host);
    let heading = move || {
        view! {
            <p><A href=list_path.clone()>"← Back to the query"</A></p>
            <h1 id="twin-title">"Twin " <code>{id.clone()}</code></h1>
        }
    };
    let heading_again = heading.clone();
    let not_opened = move |errors: ArcRwSignal<Errors>| {
        let said = move || {
            errors
                .get()
                .into_iter()
                .map(|(_, e)| view! { <p>{e.to_string()}</p> })
                .collect_view()
        };
        view! {
            <main id="main" class="page page--explorer" aria-labelledby="twin-title" tabindex="-1">
                {heading_again()}
                <div class="alert alert--error" role="alert">{said}</div>
            </main>
        }
    };
    let loading = move || {
        view! {
            <main id="main" class="page page--explorer" aria-labelledby="twin-title" aria-busy="true" tabindex="-1">
                {heading()}
                <p class="loading">"Loading the twin…"</p>
            </main>
        }
    };
    view! {
        <Suspense fallback=loading>
            <ErrorBoundary fallback=not_opened>
                {move || Suspend::new(async move {
                    opened.await.map(|opened| view! { <TwinEditor opened relationships/> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
    .into_any()
}
