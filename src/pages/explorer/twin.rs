//! `/t/:tenant/i/:host/twins/:twin_id`: one twin, its properties, components and
//! relationships.
//!
//! The twin's model is read with what it depends on (`GET /models?dependenciesFor=`) into a
//! `dtdl::ModelSet`; properties and components get a control per DTDL schema from the crate's
//! resolved interface (else JSON text), and new relationships offer the relationship's
//! properties. Save
//! sends the JSON Patch between the twin as read and as edited, with `If-Match`; a 412 opens
//! the conflict view (server version beside yours: keep mine, or take theirs). A lost
//! connection keeps the edits and offers Retry. A save or a new relationship the service
//! refuses shows its code, message and details, each detail beside the field it names. Write
//! controls appear only for writers.
//!
//! Nothing goes without a question: deleting the twin names the relationships that go with
//! it (ADT deletes a twin only once none point from or to it), deleting a relationship names
//! it and offers Undo for a while (the same relationship is created again), and leaving with
//! unsaved edits asks first (`components::leave_guard`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use dtdl::ModelSet;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde_json::{Map, Value, json};
use wasm_bindgen::JsCast;

use super::{MissingContext, decode_twin_param, twin_path, twins_path, use_explorer_context};
use crate::adt::types::IncomingRelationship;
use crate::adt::{AdtClient, AdtError, ModelData, Twin, diff_twin, differences};
use crate::components::confirm::{ConfirmDialog, focus_if_connected};
use crate::components::leave_guard::use_leave_guard;
use crate::components::local_time::LocalTime;
use crate::components::property_editor::{
    Access, EditRules, EditState, FieldSpec, FormError, TwinForm, component_view, field_view,
};
use crate::components::service_error::{Placed, ServiceErrorView, field_keys, place};
use crate::model_set::{Unreadable, instance_set};

/// The route parameter holding the twin id.
pub const TWIN_ID_PARAM: &str = "twin_id";

/// A twin's model, read through the `dtdl` crate.
#[derive(Debug, Clone)]
pub struct TwinModel {
    /// The model and everything it depends on.
    pub set: Arc<ModelSet>,
    pub model: String,
    pub form: TwinForm,
}

/// Why the twin's model could not be read (its values are then edited as JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelLoadError {
    #[error("the service did not list it: {0}")]
    Service(String),
    #[error("{0}")]
    Unreadable(Unreadable),
    #[error("{0}")]
    Form(FormError),
}

/// The twin's model from what `GET /models?dependenciesFor={model}` listed.
pub fn twin_model(listed: &[ModelData], model: &str) -> Result<TwinModel, ModelLoadError> {
    let built = instance_set(listed.iter().map(|m| (m.id.as_str(), m.model.as_ref())));
    match TwinForm::of(&built.set, model) {
        Ok(form) => Ok(TwinModel {
            set: Arc::new(built.set),
            model: model.to_owned(),
            form,
        }),
        Err(e) => Err(built
            .unreadable
            .into_iter()
            .find(|u| u.id() == model)
            .map_or(ModelLoadError::Form(e), ModelLoadError::Unreadable)),
    }
}

async fn load_model(client: &AdtClient, id: &str) -> Result<TwinModel, ModelLoadError> {
    let listed = client
        .list_model_dependencies(id)
        .await
        .map_err(|e| ModelLoadError::Service(e.to_string()))?;
    twin_model(&listed, id)
}

/// The body of `PUT …/relationships/{id}`: target, name and the given properties (members
/// starting with `$` are dropped).
pub fn relationship_body(name: &str, target: &str, properties: &Value) -> Value {
    let mut body: Map<String, Value> = properties
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    body.insert("$targetId".into(), json!(target));
    body.insert("$relationshipName".into(), json!(name));
    Value::Object(body)
}

/// One relationship that goes when a twin is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoingRelationship {
    /// The twin it starts from (the one deleted, or another pointing at it).
    pub source: String,
    pub id: String,
    pub name: String,
    /// The twin at the other end.
    pub other: String,
    pub outgoing: bool,
}

/// The relationships ADT requires deleting before twin `twin` can go: every outgoing one and
/// every incoming one, each once (a relationship from the twin to itself is both).
pub fn relationships_going_with(
    twin: &str,
    outgoing: &[Value],
    incoming: &[IncomingRelationship],
) -> Vec<GoingRelationship> {
    let mut seen = BTreeSet::new();
    let mut going = Vec::new();
    for rel in outgoing {
        let id = text(rel, "$relationshipId");
        if seen.insert((twin.to_owned(), id.clone())) {
            going.push(GoingRelationship {
                source: twin.to_owned(),
                id,
                name: text(rel, "$relationshipName"),
                other: text(rel, "$targetId"),
                outgoing: true,
            });
        }
    }
    for rel in incoming {
        if seen.insert((rel.source_id.clone(), rel.relationship_id.clone())) {
            going.push(GoingRelationship {
                source: rel.source_id.clone(),
                id: rel.relationship_id.clone(),
                name: rel.relationship_name.clone(),
                other: rel.source_id.clone(),
                outgoing: false,
            });
        }
    }
    going
}

/// What the delete dialog says goes with the twin.
pub fn going_text(going: &[GoingRelationship]) -> String {
    let out = going.iter().filter(|g| g.outgoing).count();
    let inc = going.len() - out;
    match going.len() {
        0 => "It has no relationships; only the twin goes.".to_owned(),
        1 => format!(
            "Its 1 relationship ({}) is deleted first, as Azure Digital Twins requires.",
            if out == 1 { "outgoing" } else { "incoming" }
        ),
        n => format!(
            "Its {n} relationships ({out} outgoing, {inc} incoming) are deleted first, as Azure Digital Twins requires."
        ),
    }
}

/// A relationship just deleted, kept so that Undo can create it again.
#[derive(Debug, Clone, PartialEq)]
pub struct Deleted {
    pub source: String,
    pub id: String,
    /// Where its row was in the outgoing table.
    pub row: usize,
    /// The relationship as listed (`$relationshipName`, `$targetId`, its properties).
    pub relationship: Value,
}

impl Deleted {
    /// The body that creates the same relationship again: same name, target and properties
    /// (sent to the same id).
    pub fn undo_body(&self) -> Value {
        relationship_body(
            &text(&self.relationship, "$relationshipName"),
            &text(&self.relationship, "$targetId"),
            &self.relationship,
        )
    }
}

/// How long Undo is offered after a relationship is deleted.
pub const UNDO_FOR: Duration = Duration::from_secs(30);

/// The user members of a relationship (its properties), as `name: value` text.
pub fn relationship_properties(rel: &Value) -> String {
    rel.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}: {s}"),
                    other => format!("{k}: {other}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The relationship's properties for its row: "none" rather than an empty cell, which a
/// screen reader (and the stacked rows of a phone) would read as missing.
fn properties_or_none(rel: &Value) -> String {
    let shown = relationship_properties(rel);
    if shown.is_empty() {
        "none".to_owned()
    } else {
        shown
    }
}

/// Focuses the first element matching `selector`, if there is one.
fn focus_selector(selector: &str) {
    let found = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    focus_if_connected(found.as_ref());
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// The state of saving.
#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Someone else changed the twin; their version.
    Conflict(Twin),
    /// No connection: edits kept, Retry offered.
    Offline(String),
    Failed(String),
    /// The service refused the change; what it said, sorted by field.
    Refused(AdtError, Placed),
}

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
                    opened.await.map(|opened| view! { <TwinEditor opened/> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
    .into_any()
}

/// One opened twin: its properties, relationships and the actions on it. Every request names
/// `opened.id`; the editor is replaced, not reused, when another twin opens.
#[component]
fn TwinEditor(opened: OpenedTwin) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <MissingContext/> }.into_any();
    };
    let OpenedTwin {
        id: twin_id,
        twin,
        model: opened_model,
    } = opened;
    let client = StoredValue::new_local(ctx.adt.clone());
    let can_write = ctx.roles.can_write();
    let tenant = ctx.tenant.clone();
    let host = ctx.host.clone();

    let original = RwSignal::new(None::<Twin>);
    let edited = RwSignal::new(Value::Null);
    let invalid = RwSignal::new(BTreeSet::<String>::new());
    let model = RwSignal::new(None::<TwinModel>);
    let rules = StoredValue::new(EditRules::Unchecked);
    let service = RwSignal::new(BTreeMap::<String, String>::new());
    let state = EditState {
        edited,
        invalid,
        service,
        rules,
        access: if can_write {
            Access::Edit
        } else {
            Access::Read
        },
        id_prefix: "prop",
    };
    let model_note = RwSignal::new(None::<String>);
    let outgoing = RwSignal::new(Vec::<Value>::new());
    let incoming = RwSignal::new(Vec::<IncomingRelationship>::new());
    let rel_error = RwSignal::new(None::<String>);
    let save_state = RwSignal::new(SaveState::Idle);
    let confirm_delete = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    // The relationship whose deletion is being asked about, and those just deleted (Undo).
    let confirm_relationship = RwSignal::new(None::<Value>);
    let recently_deleted = RwSignal::new(Vec::<Deleted>::new());
    let undo_error = RwSignal::new(None::<String>);

    // Unsaved: edits that differ from the twin as read, or text typed that does not fit.
    let changed = Memo::new(move |_| {
        original.with(|o| {
            o.as_ref()
                .map_or(0, |o| edited.with(|e| diff_twin(&o.value, e).len()))
        })
    });
    let dirty =
        Memo::new(move |_| can_write && (changed.get() > 0 || invalid.with(|i| !i.is_empty())));
    let guard = use_leave_guard(dirty.into());
    let unsaved_id = twin_id.clone();
    let unsaved_text = Signal::derive(move || {
        let id = &unsaved_id;
        match changed.get() {
            0 => format!("What you typed in twin {id} is not saved and will be lost."),
            1 => format!("Your change to twin {id} is not saved and will be lost."),
            n => format!("Your {n} changes to twin {id} are not saved and will be lost."),
        }
    });
    // The fields the form shows now, for placing what the service says.
    let form_keys = move || {
        let twin = edited.get_untracked();
        model.with_untracked(|m| match m {
            Some(m) => field_keys(&m.form, &twin),
            None => field_keys(&TwinForm::default(), &twin),
        })
    };

    // Reads both lists again; false if either could not be read. (A reply after the editor
    // has gone lands in signals that have gone with it: Leptos drops such writes.)
    let id_for_reads = StoredValue::new(twin_id.clone());
    let read_relationships = move || {
        let reads = client.try_get_value().zip(id_for_reads.try_get_value());
        async move {
            let Some((client, id)) = reads else {
                return false;
            };
            let mut ok = true;
            rel_error.set(None);
            match client.list_relationships(&id, None).await {
                Ok(list) => outgoing.set(list),
                Err(e) => {
                    ok = false;
                    rel_error.set(Some(e.to_string()));
                }
            }
            match client.list_incoming(&id).await {
                Ok(list) => incoming.set(list),
                Err(e) => {
                    ok = false;
                    rel_error.set(Some(e.to_string()));
                }
            }
            ok
        }
    };
    let load_relationships = move || {
        spawn_local(async move {
            read_relationships().await;
        });
    };

    // The twin as opened, and its model.
    edited.set(twin.value.clone());
    original.set(Some(twin));
    match opened_model {
        Some(Ok(m)) => {
            rules.set_value(EditRules::Twin {
                set: m.set.clone(),
                model: m.model.clone(),
            });
            model.set(Some(m));
        }
        Some(Err(e)) => {
            let model_id = original.with_untracked(|t| {
                t.as_ref()
                    .and_then(|t| t.model().map(str::to_owned))
                    .unwrap_or_default()
            });
            model_note.set(Some(format!(
                "The model {model_id} could not be read ({e}); properties are shown as JSON."
            )));
        }
        None => {}
    }
    load_relationships();

    // Sends the edits against `base` (the version they are applied to).
    let save_against = move |base: Twin| {
        let ops = edited.with_untracked(|e| diff_twin(&base.value, e));
        if ops.is_empty() {
            return;
        }
        save_state.set(SaveState::Saving);
        service.set(BTreeMap::new());
        let client = client.get_value();
        let id = id_for_reads.get_value();
        let keys = form_keys();
        spawn_local(async move {
            match client.patch_twin(&id, &ops, Some(&base.etag)).await {
                Ok(_) => match client.get_twin(&id).await {
                    Ok(fresh) => {
                        edited.set(fresh.value.clone());
                        original.set(Some(fresh));
                        save_state.set(SaveState::Saved);
                    }
                    Err(e) => save_state.set(SaveState::Failed(format!(
                        "Saved, but the twin could not be read again: {e}"
                    ))),
                },
                Err(AdtError::PreconditionFailed) => match client.get_twin(&id).await {
                    Ok(theirs) => save_state.set(SaveState::Conflict(theirs)),
                    Err(e) => save_state.set(SaveState::Failed(e.to_string())),
                },
                Err(e @ AdtError::Network(_)) => save_state.set(SaveState::Offline(e.to_string())),
                Err(e) => {
                    let placed = place(&e, &keys);
                    service.set(placed.by_field());
                    save_state.set(SaveState::Refused(e, placed));
                }
            }
        });
    };
    let save = move || {
        if let Some(base) = original.get_untracked() {
            save_against(base);
        }
    };
    let keep_mine = move |_| {
        if let SaveState::Conflict(theirs) = save_state.get_untracked() {
            original.set(Some(theirs.clone()));
            save_against(theirs);
        }
    };
    let take_theirs = move |_| {
        if let SaveState::Conflict(theirs) = save_state.get_untracked() {
            edited.set(theirs.value.clone());
            invalid.set(BTreeSet::new());
            original.set(Some(theirs));
            save_state.set(SaveState::Idle);
        }
    };

    let list_path = twins_path(&tenant, &host);
    // "Delete twin…": the lists are read again first, so the dialog counts what goes now.
    let ask_delete = move |_| {
        delete_error.set(None);
        spawn_local(async move {
            if read_relationships().await {
                confirm_delete.set(true);
            }
        });
    };
    let delete = {
        let list_path = list_path.clone();
        move || {
            let Some(base) = original.get_untracked() else {
                return;
            };
            let client = client.get_value();
            let id = id_for_reads.get_value();
            let going = outgoing.with_untracked(|out| {
                incoming.with_untracked(|inc| relationships_going_with(&id, out, inc))
            });
            let list_path = list_path.clone();
            delete_error.set(None);
            deleting.set(true);
            spawn_local(async move {
                let mut result = Ok(());
                for rel in &going {
                    if result.is_ok() {
                        result = client.delete_relationship(&rel.source, &rel.id).await;
                    }
                }
                if result.is_ok() {
                    result = client.delete_twin(&id, Some(&base.etag)).await;
                }
                deleting.set(false);
                match result {
                    // Its edits no longer matter: leave without asking.
                    Ok(()) => guard.leave_to(&list_path),
                    Err(e) => {
                        delete_error.set(Some(e.to_string()));
                        load_relationships();
                    }
                }
            });
        }
    };

    // New relationship form.
    let new_name = RwSignal::new(String::new());
    let new_target = RwSignal::new(String::new());
    let new_id = RwSignal::new(String::new());
    let target_options = RwSignal::new(Vec::<String>::new());
    let create_error = RwSignal::new(None::<String>);
    let create_refusal = RwSignal::new(None::<(AdtError, Placed)>);
    let relationship_names = Memo::new(move |_| {
        model.with(|m| {
            m.as_ref()
                .and_then(|m| m.set.interface(&m.model))
                .map(|i| {
                    i.relationships
                        .iter()
                        .map(|r| {
                            (
                                r.name.clone(),
                                r.display_name.best().unwrap_or(&r.name).to_owned(),
                                r.target.as_ref().map(ToString::to_string),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    // The chosen relationship's properties, with their own values and checks.
    let rel_values = RwSignal::new(json!({}));
    let rel_invalid = RwSignal::new(BTreeSet::<String>::new());
    let rel_state = EditState {
        edited: rel_values,
        invalid: rel_invalid,
        service: RwSignal::new(BTreeMap::new()),
        rules: StoredValue::new(EditRules::Unchecked),
        access: Access::Create,
        id_prefix: "new-rel-prop",
    };
    let rel_properties = Memo::new(move |_| {
        let name = new_name.get();
        model.with(|m| {
            let m = m.as_ref()?;
            let relationship = m.set.interface(&m.model)?.relationship(&name)?;
            let fields: Vec<FieldSpec> = relationship
                .properties
                .iter()
                .map(FieldSpec::property)
                .collect();
            Some((name.clone(), fields))
        })
    });
    Effect::new(move |_| {
        let chosen = rel_properties.with(|r| r.as_ref().map(|(name, _)| name.clone()));
        let rules = model.with_untracked(|m| match (m, chosen) {
            (Some(m), Some(name)) => EditRules::Relationship {
                set: m.set.clone(),
                source_model: m.model.clone(),
                name,
            },
            _ => EditRules::Unchecked,
        });
        rel_state.rules.set_value(rules);
        rel_values.set(json!({}));
        rel_invalid.set(BTreeSet::new());
    });
    // Offer twins of the relationship's target model.
    Effect::new(move |_| {
        let name = new_name.get();
        let target_model =
            relationship_names.with(|rs| rs.iter().find(|r| r.0 == name).and_then(|r| r.2.clone()));
        target_options.set(Vec::new());
        if let Some(target_model) = target_model.filter(|t| !t.contains('\'')) {
            let client = client.get_value();
            spawn_local(async move {
                let query = format!(
                    "SELECT TOP(50) T.$dtId FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, '{target_model}')"
                );
                if let Ok(page) = client.query(&query, None).await {
                    target_options.set(
                        page.items
                            .iter()
                            .filter_map(|r| {
                                r.get("$dtId").and_then(Value::as_str).map(str::to_owned)
                            })
                            .collect(),
                    );
                }
            });
        }
    });
    let create_relationship = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (name, target) = (new_name.get_untracked(), new_target.get_untracked());
        if name.trim().is_empty() || target.trim().is_empty() {
            create_error.set(Some("Choose a relationship name and a target twin.".into()));
            return;
        }
        if rel_invalid.with_untracked(|i| !i.is_empty()) {
            create_error.set(Some("Fix the highlighted values first.".into()));
            return;
        }
        let body = rel_values.with_untracked(|v| relationship_body(&name, &target, v));
        let rel_id = Some(new_id.get_untracked())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("{name}-{target}"));
        let client = client.get_value();
        let id = id_for_reads.get_value();
        let keys = rel_properties.with_untracked(|r| {
            let properties = r.as_ref().map(|(_, f)| f.clone()).unwrap_or_default();
            let form = TwinForm {
                properties,
                components: Vec::new(),
            };
            field_keys(&form, &Value::Null)
        });
        create_error.set(None);
        create_refusal.set(None);
        rel_state.service.set(BTreeMap::new());
        spawn_local(async move {
            match client.put_relationship(&id, &rel_id, &body).await {
                Ok(_) => {
                    new_target.set(String::new());
                    new_id.set(String::new());
                    rel_values.set(json!({}));
                    load_relationships();
                }
                Err(e) => {
                    let placed = place(&e, &keys);
                    rel_state.service.set(placed.by_field());
                    create_refusal.set(Some((e, placed)));
                }
            }
        });
    };
    // Deletes an outgoing relationship (once confirmed) and offers Undo in its row.
    let delete_relationship = move |rel: Value| {
        let client = client.get_value();
        let id = id_for_reads.get_value();
        let rel_id = text(&rel, "$relationshipId");
        let row = outgoing
            .with_untracked(|o| o.iter().position(|r| text(r, "$relationshipId") == rel_id))
            .unwrap_or(0);
        undo_error.set(None);
        spawn_local(async move {
            match client.delete_relationship(&id, &rel_id).await {
                Ok(()) => {
                    let gone = Deleted {
                        source: id,
                        id: rel_id.clone(),
                        row,
                        relationship: rel,
                    };
                    recently_deleted.update(|d| {
                        d.retain(|x| x.id != rel_id);
                        d.push(gone.clone());
                    });
                    outgoing.update(|o| o.retain(|r| text(r, "$relationshipId") != rel_id));
                    load_relationships();
                    let undo_button = format!(
                        "button[aria-label={}]",
                        json!(format!("Undo deleting relationship {rel_id}"))
                    );
                    request_animation_frame(move || focus_selector(&undo_button));
                    set_timeout(
                        move || {
                            recently_deleted.try_update(|d| d.retain(|x| x != &gone));
                        },
                        UNDO_FOR,
                    );
                }
                Err(e) => rel_error.set(Some(e.to_string())),
            }
        });
    };
    // Creates the deleted relationship again: same id, name, target and properties.
    let undo = move |gone: Deleted| {
        let client = client.get_value();
        undo_error.set(None);
        spawn_local(async move {
            match client
                .create_relationship(&gone.source, &gone.id, &gone.undo_body())
                .await
            {
                Ok(_) => {
                    recently_deleted.update(|d| d.retain(|x| x.id != gone.id));
                    read_relationships().await;
                    let delete_button = format!(
                        "button[aria-label={}]",
                        json!(format!("Delete relationship {}", gone.id))
                    );
                    request_animation_frame(move || focus_selector(&delete_button));
                }
                Err(AdtError::PreconditionFailed) => {
                    recently_deleted.update(|d| d.retain(|x| x.id != gone.id));
                    undo_error.set(Some(format!(
                        "A relationship {} exists again (someone made one meanwhile); nothing was changed.",
                        gone.id
                    )));
                    load_relationships();
                }
                Err(e) => undo_error.set(Some(format!(
                    "The relationship {} could not be made again: {}",
                    gone.id,
                    crate::components::service_error::headline(&e)
                ))),
            }
        });
    };

    let (tenant_s, host_s) = (tenant.clone(), host.clone());
    let link_to = move |id: &str| twin_path(&tenant_s, &host_s, id);

    let facts = move || {
        original.get().map(|t| {
            view! {
                <dl class="facts twin-facts">
                    <dt>"Model"</dt>
                    <dd><code>{t.model().unwrap_or("(none)").to_owned()}</code></dd>
                    <dt>"Last updated"</dt>
                    <dd>{match t.last_update_time() {
                        Some(at) => view! { <LocalTime raw=at.to_owned()/> }.into_any(),
                        None => "(unknown)".into_any(),
                    }}</dd>
                    <dt>"ETag"</dt>
                    <dd><code>{t.etag.to_string()}</code></dd>
                </dl>
            }
        })
    };

    // The property controls, rebuilt when the model arrives or the twin is (re)loaded.
    let loaded_version = Memo::new(move |_| original.with(|o| o.as_ref().map(|t| t.etag.clone())));
    let properties = move || {
        loaded_version.track();
        let form = model.with(|m| m.as_ref().map(|m| m.form.clone()).unwrap_or_default());
        let value = edited.get_untracked();
        let loose = form
            .unmodelled(&value)
            .into_iter()
            .map(|name| field_view(FieldSpec::unmodelled(&name), vec![name], state))
            .collect_view();
        let modelled = form
            .properties
            .into_iter()
            .map(|f| {
                let path = vec![f.name.clone()];
                field_view(f, path, state)
            })
            .collect_view();
        let component_sections = form
            .components
            .into_iter()
            .map(|c| component_view(c, state))
            .collect_view();
        view! {
            <div class="twin-properties">{modelled}{loose}</div>
            {component_sections}
        }
    };

    let save_bar = move || {
        can_write.then(|| {
            let state = save_state.get();
            let busy = state == SaveState::Saving;
            let blocked = move || !dirty.get() || invalid.with(|i| !i.is_empty());
            let message = match &state {
                SaveState::Saved => Some(view! { <p class="hint" role="status">"Saved."</p> }.into_any()),
                SaveState::Saving => Some(view! { <p class="hint" role="status">"Saving…"</p> }.into_any()),
                SaveState::Offline(why) => Some(view! {
                    <div class="alert alert--error" role="alert">
                        <p>{why.clone()}</p>
                        <button type="button" class="button" on:click=move |_| save()>"Retry"</button>
                    </div>
                }.into_any()),
                SaveState::Failed(why) => Some(view! {
                    <div class="alert alert--error" role="alert"><p>{why.clone()}</p></div>
                }.into_any()),
                SaveState::Refused(error, placed) => Some(view! {
                    <ServiceErrorView error=error.clone() placed=placed.clone()/>
                }.into_any()),
                SaveState::Conflict(theirs) => {
                    let theirs_text = serde_json::to_string_pretty(&theirs.value).unwrap_or_default();
                    let mine_text = edited.with_untracked(|e| serde_json::to_string_pretty(e).unwrap_or_default());
                    let differing = edited.with_untracked(|mine| differences(&theirs.value, mine));
                    let shown = |value: Option<Value>| value.map_or_else(|| "(not set)".to_owned(), |v| v.to_string());
                    let summary = if differing.is_empty() {
                        view! { <p>"Their version has the same values as yours; only its version tag changed."</p> }.into_any()
                    } else {
                        let rows = differing
                            .into_iter()
                            .map(|d| view! {
                                <tr>
                                    <th scope="row"><code>{d.property}</code></th>
                                    <td><code>{shown(d.before)}</code></td>
                                    <td><code>{shown(d.after)}</code></td>
                                </tr>
                            })
                            .collect_view();
                        view! {
                            <table class="conflict__diff">
                                <caption>"What differs"</caption>
                                <thead><tr>
                                    <th scope="col">"Property"</th>
                                    <th scope="col">"Theirs"</th>
                                    <th scope="col">"Yours"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    };
                    Some(view! {
                        <section class="alert conflict" role="alert" aria-labelledby="conflict-title">
                            <h2 id="conflict-title">"Someone else changed this twin"</h2>
                            <p>"Compare their version with yours, then choose."</p>
                            {summary}
                            <div class="conflict__sides">
                                <figure>
                                    <figcaption>"Their version (on the server)"</figcaption>
                                    <pre class="json">{theirs_text}</pre>
                                </figure>
                                <figure>
                                    <figcaption>"Your version"</figcaption>
                                    <pre class="json">{mine_text}</pre>
                                </figure>
                            </div>
                            <div class="toolbar">
                                <button type="button" class="button" on:click=keep_mine>"Keep mine (overwrite)"</button>
                                <button type="button" class="button button--ghost" on:click=take_theirs>"Take theirs"</button>
                            </div>
                        </section>
                    }.into_any())
                }
                SaveState::Idle => None,
            };
            view! {
                <div class="toolbar twin-save">
                    <button type="button" class="button" disabled=move || busy || blocked() on:click=move |_| save()>
                        "Save changes"
                    </button>
                    <button
                        type="button"
                        class="button button--ghost"
                        disabled=move || busy || !dirty.get()
                        on:click=move |_| {
                            if let Some(o) = original.get_untracked() {
                                edited.set(o.value);
                                invalid.set(BTreeSet::new());
                            }
                        }
                    >
                        "Discard changes"
                    </button>
                </div>
                {message}
            }
        })
    };

    let outgoing_rows = {
        let link_to = link_to.clone();
        move || {
            let rels = outgoing.get();
            let ghosts = recently_deleted.get();
            if rels.is_empty() && ghosts.is_empty() {
                return view! { <p class="hint">"No outgoing relationships."</p> }.into_any();
            }
            let mut rows: Vec<AnyView> = rels
                .iter()
                .map(|r| {
                    let rel_id = text(r, "$relationshipId");
                    let target = text(r, "$targetId");
                    let remove = can_write.then(|| {
                        let (rel_id, rel) = (rel_id.clone(), r.clone());
                        view! {
                            <td>
                                <button type="button" class="button button--ghost button--small"
                                    aria-label=format!("Delete relationship {rel_id}")
                                    on:click=move |_| confirm_relationship.set(Some(rel.clone()))>
                                    "Delete…"
                                </button>
                            </td>
                        }
                    });
                    let href = link_to(&target);
                    view! {
                        <tr>
                            <td data-label="Name">{text(r, "$relationshipName")}</td>
                            <td data-label="Target"><A href=href>{target}</A></td>
                            <td data-label="Id"><code>{rel_id.clone()}</code></td>
                            <td data-label="Properties">{properties_or_none(r)}</td>
                            {remove}
                        </tr>
                    }
                    .into_any()
                })
                .collect();
            // Each relationship just deleted stays in its row, with Undo, for a while.
            for gone in ghosts {
                let (id, name, target) = (
                    gone.id.clone(),
                    text(&gone.relationship, "$relationshipName"),
                    text(&gone.relationship, "$targetId"),
                );
                let row = gone.row.min(rows.len());
                let ghost = view! {
                    <tr class="relationship--deleted">
                        <td colspan="4">
                            "Deleted " <code>{id.clone()}</code> {format!(" ({name} → {target}).")}
                        </td>
                        <td>
                            <button type="button" class="button button--small"
                                aria-label=format!("Undo deleting relationship {id}")
                                on:click=move |_| undo(gone.clone())>
                                "Undo"
                            </button>
                        </td>
                    </tr>
                }
                .into_any();
                rows.insert(row, ghost);
            }
            view! {
                <table class="table table--stack">
                    <caption class="visually-hidden">"Outgoing relationships"</caption>
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Target"</th>
                        <th scope="col">"Id"</th><th scope="col">"Properties"</th>
                        {can_write.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    // "Delete relationship X?": what it is, and that Undo follows.
    let relationship_dialog = move || {
        let rel = confirm_relationship.get()?;
        let (id, name, target) = (
            text(&rel, "$relationshipId"),
            text(&rel, "$relationshipName"),
            text(&rel, "$targetId"),
        );
        let properties = relationship_properties(&rel);
        let source = id_for_reads.get_value();
        let confirm = move |()| {
            confirm_relationship.set(None);
            delete_relationship(rel.clone());
        };
        Some(view! {
            <ConfirmDialog
                title=format!("Delete relationship {id}?")
                confirm="Delete relationship"
                on_confirm=confirm
                on_cancel=move |()| confirm_relationship.set(None)
            >
                <p>
                    "The relationship " <code>{id.clone()}</code>
                    {format!(" ({name}) from {source} to {target}")}
                    {(!properties.is_empty()).then(|| format!(", with {properties},"))}
                    " goes. Both twins stay."
                </p>
                <p>{format!("You can undo this for {} seconds.", UNDO_FOR.as_secs())}</p>
            </ConfirmDialog>
        })
    };
    let incoming_rows = {
        let link_to = link_to.clone();
        move || {
            let rels = incoming.get();
            if rels.is_empty() {
                return view! { <p class="hint">"No incoming relationships."</p> }.into_any();
            }
            let rows = rels
                .into_iter()
                .map(|r| {
                    let href = link_to(&r.source_id);
                    let source = r.source_id;
                    view! {
                        <tr>
                            <td data-label="Source"><A href=href>{source}</A></td>
                            <td data-label="Name">{r.relationship_name}</td>
                            <td data-label="Id"><code>{r.relationship_id}</code></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="table table--stack">
                    <caption class="visually-hidden">"Incoming relationships"</caption>
                    <thead><tr><th scope="col">"Source"</th><th scope="col">"Name"</th><th scope="col">"Id"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };

    let create_form = can_write.then(|| {
        view! {
            <form class="card relationship-form" on:submit=create_relationship aria-labelledby="new-rel-title">
                <h3 id="new-rel-title">"Add a relationship"</h3>
                <label class="field__label" for="new-rel-name">"Relationship"</label>
                <input id="new-rel-name" class="input" list="new-rel-names"
                    prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev))/>
                <datalist id="new-rel-names">
                    {move || relationship_names.get().into_iter().map(|(n, label, _)| view! { <option value=n>{label}</option> }).collect_view()}
                </datalist>
                <label class="field__label" for="new-rel-target">"Target twin id"</label>
                <input id="new-rel-target" class="input" list="new-rel-targets"
                    prop:value=move || new_target.get() on:input=move |ev| new_target.set(event_target_value(&ev))/>
                <datalist id="new-rel-targets">
                    {move || target_options.get().into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
                </datalist>
                <label class="field__label" for="new-rel-id">"Relationship id (optional)"</label>
                <input id="new-rel-id" class="input" placeholder="name-target"
                    prop:value=move || new_id.get() on:input=move |ev| new_id.set(event_target_value(&ev))/>
                {move || rel_properties.get().filter(|(_, fields)| !fields.is_empty()).map(|(_, fields)| {
                    let inputs = fields
                        .into_iter()
                        .map(|f| {
                            let path = vec![f.name.clone()];
                            field_view(f, path, rel_state)
                        })
                        .collect_view();
                    view! { <div class="twin-properties relationship-form__properties">{inputs}</div> }
                })}
                <div class="toolbar"><button type="submit" class="button">"Add relationship"</button></div>
                {move || create_error.get().map(|e| view! { <p class="property__error" role="alert">{e}</p> })}
                {move || create_refusal.get().map(|(error, placed)| view! { <ServiceErrorView error placed/> })}
            </form>
        }
    });

    // "Delete twin X?": the relationships that go with it, counted and named.
    let delete_dialog = move || {
        if !confirm_delete.get() {
            return None;
        }
        let id = id_for_reads.get_value();
        // Read when the dialog opens (the lists were just read again), not followed after.
        let going = outgoing.with_untracked(|out| {
            incoming.with_untracked(|inc| relationships_going_with(&id, out, inc))
        });
        let confirm_label = match going.len() {
            0 => "Delete twin".to_owned(),
            1 => "Delete twin and 1 relationship".to_owned(),
            n => format!("Delete twin and {n} relationships"),
        };
        const LISTED: usize = 10;
        let more = going.len().saturating_sub(LISTED);
        let listed = going
            .iter()
            .take(LISTED)
            .map(|g| {
                let line = if g.outgoing {
                    format!("{} → {} (outgoing, ", g.name, g.other)
                } else {
                    format!("{} from {} (incoming, ", g.name, g.other)
                };
                view! { <li>{line}<code>{g.id.clone()}</code>")"</li> }
            })
            .collect::<Vec<_>>();
        let delete = delete.clone();
        Some(view! {
            <ConfirmDialog
                title=format!("Delete twin {id}?")
                confirm=confirm_label
                on_confirm=move |()| {
                    confirm_delete.set(false);
                    delete();
                }
                on_cancel=move |()| confirm_delete.set(false)
            >
                <p>{going_text(&going)}</p>
                {(!listed.is_empty()).then(|| view! { <ul class="problems">{listed}</ul> })}
                {(more > 0).then(|| view! { <p>{format!("…and {more} more.")}</p> })}
                <p>"This cannot be undone."</p>
            </ConfirmDialog>
        })
    };
    let delete_section = can_write.then(|| {
        view! {
            <section class="card twin-delete" aria-labelledby="delete-title">
                <h2 id="delete-title">"Delete this twin"</h2>
                <p class="hint">"Its relationships, outgoing and incoming, are deleted with it: Azure Digital Twins deletes a twin only once none are left."</p>
                <button type="button" class="button button--danger" disabled=move || deleting.get() on:click=ask_delete>
                    "Delete twin…"
                </button>
                {move || deleting.get().then(|| view! { <p class="loading" role="status">"Deleting…"</p> })}
                {move || delete_error.get().map(|e| view! { <p class="property__error" role="alert">{e}</p> })}
                {delete_dialog}
            </section>
        }
    });

    view! {
        <main id="main" class="page page--explorer" aria-labelledby="twin-title" tabindex="-1">
            <p><A href=list_path.clone()>"← Back to the query"</A></p>
            <h1 id="twin-title">"Twin " <code>{twin_id}</code></h1>
            <Show when=move || original.with(Option::is_some)>
                {facts}
                {move || model_note.get().map(|n| view! { <p class="hint">{n}</p> })}
                <section class="card" aria-labelledby="props-title">
                    <h2 id="props-title">"Properties"</h2>
                    {(!can_write).then(|| view! { <p class="hint">"You can read this twin; changing it needs the Twins.Writer role."</p> })}
                    {properties}
                    {save_bar}
                </section>
            </Show>
            <section class="card" aria-labelledby="rels-title">
                <h2 id="rels-title">"Relationships"</h2>
                {move || rel_error.get().map(|e| view! { <div class="alert alert--error" role="alert"><p>{e}</p></div> })}
                <h3>"Outgoing"</h3>
                {move || undo_error.get().map(|e| view! { <div class="alert alert--error" role="alert"><p>{e}</p></div> })}
                {outgoing_rows}
                {relationship_dialog}
                <h3>"Incoming"</h3>
                {incoming_rows}
                {create_form}
            </section>
            {delete_section}
            {guard.dialog(unsaved_text)}
        </main>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(model: Value) -> ModelData {
        ModelData::from_json(&json!({"id": model["@id"].clone(), "model": model})).expect("an id")
    }

    fn equipment() -> Value {
        json!({"@id": "dtmi:x:Equipment;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
        "extends": "dtmi:x:Asset;1",
        "contents": [
            {"@type": "Component", "name": "nameplate", "schema": "dtmi:x:Nameplate;1"},
            {"@type": "Relationship", "name": "hasSensor",
             "properties": [{"@type": "Property", "name": "installedAt", "schema": "dateTime"}]},
        ]})
    }

    fn asset() -> Value {
        json!({"@id": "dtmi:x:Asset;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
               "contents": [{"@type": "Property", "name": "name", "schema": "string", "writable": true}]})
    }

    fn nameplate() -> Value {
        json!({"@id": "dtmi:x:Nameplate;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
               "contents": [{"@type": "Property", "name": "serial", "schema": "string"}]})
    }

    #[test]
    fn the_twin_model_is_read_from_its_listed_dependencies() {
        let listed = [data(equipment()), data(nameplate()), data(asset())];
        let m = twin_model(&listed, "dtmi:x:Equipment;1").expect("readable");
        let names: Vec<&str> = m.form.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["name"]);
        assert_eq!(m.form.component_names(), ["nameplate"]);
        assert_eq!(m.form.components[0].properties[0].name, "serial");
        let relationship = m
            .set
            .interface(&m.model)
            .and_then(|i| i.relationship("hasSensor"))
            .expect("declared");
        assert_eq!(relationship.properties[0].name, "installedAt");
        let twin = json!({"$dtId": "a", "$metadata": {}, "name": "x", "extra": 2, "nameplate": {"$metadata": {}}});
        assert_eq!(m.form.unmodelled(&twin), ["extra"]);

        // A dependency the listing lacks: the model cannot be read, and the reason says why.
        let missing = twin_model(&[data(equipment()), data(asset())], "dtmi:x:Equipment;1")
            .expect_err("the component's model is missing");
        assert!(
            matches!(&missing, ModelLoadError::Unreadable(Unreadable::Invalid { reason, .. }) if reason.contains("dtmi:x:Nameplate;1")),
            "{missing}"
        );
        assert_eq!(
            twin_model(&[], "dtmi:x:Equipment;1").unwrap_err(),
            ModelLoadError::Form(FormError::UnknownModel("dtmi:x:Equipment;1".into()))
        );
    }

    #[test]
    fn a_new_relationship_carries_its_properties() {
        let body = relationship_body(
            "hasSensor",
            "sensor-1",
            &json!({"installedAt": "2024-05-01T08:00:00Z", "$etag": "x"}),
        );
        assert_eq!(
            body,
            json!({"$targetId": "sensor-1", "$relationshipName": "hasSensor",
                   "installedAt": "2024-05-01T08:00:00Z"})
        );
        assert_eq!(
            relationship_body("r", "t", &json!({})),
            json!({"$targetId": "t", "$relationshipName": "r"})
        );
    }

    fn incoming(source: &str, id: &str, name: &str) -> IncomingRelationship {
        IncomingRelationship {
            relationship_id: id.into(),
            source_id: source.into(),
            relationship_name: name.into(),
        }
    }

    #[test]
    fn a_deleted_twin_takes_its_outgoing_and_incoming_relationships_each_once() {
        let out = [
            json!({"$relationshipId": "r1", "$sourceId": "a", "$targetId": "b", "$relationshipName": "feeds"}),
            json!({"$relationshipId": "self", "$sourceId": "a", "$targetId": "a", "$relationshipName": "loops"}),
        ];
        let inc = [
            incoming("c", "c-contains-a", "contains"),
            // The relationship from the twin to itself is listed as incoming too.
            incoming("a", "self", "loops"),
            incoming("d", "r1", "feeds"),
        ];
        let going = relationships_going_with("a", &out, &inc);
        let ids: Vec<(&str, &str, bool)> = going
            .iter()
            .map(|g| (g.source.as_str(), g.id.as_str(), g.outgoing))
            .collect();
        assert_eq!(
            ids,
            [
                ("a", "r1", true),
                ("a", "self", true),
                ("c", "c-contains-a", false),
                ("d", "r1", false),
            ],
            "same id from another source is another relationship"
        );
        assert_eq!(going[0].other, "b");
        assert_eq!(going[2].other, "c");
        assert_eq!(
            going_text(&going),
            "Its 4 relationships (2 outgoing, 2 incoming) are deleted first, as Azure Digital Twins requires."
        );
        assert_eq!(
            going_text(&going[2..3]),
            "Its 1 relationship (incoming) is deleted first, as Azure Digital Twins requires."
        );
        assert_eq!(
            going_text(&[]),
            "It has no relationships; only the twin goes."
        );
    }

    #[test]
    fn undo_makes_the_same_relationship_again() {
        let gone = Deleted {
            source: "a".into(),
            id: "r1".into(),
            row: 0,
            relationship: json!({"$relationshipId": "r1", "$sourceId": "a", "$targetId": "b",
                "$relationshipName": "feeds", "$etag": "W/\"1\"", "since": "2020", "weight": 2}),
        };
        assert_eq!(
            gone.undo_body(),
            json!({"$targetId": "b", "$relationshipName": "feeds", "since": "2020", "weight": 2})
        );
    }

    #[test]
    fn relationship_properties_are_text() {
        let rel = json!({"$relationshipId": "r", "$targetId": "t", "since": "2020", "weight": 2});
        let shown = relationship_properties(&rel);
        assert!(
            shown.contains("since: 2020") && shown.contains("weight: 2"),
            "{shown}"
        );
        assert!(!shown.contains('$'));
    }
}
