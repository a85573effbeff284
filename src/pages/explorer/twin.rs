//! `/t/:tenant/i/:host/twins/:twin_id`: one twin, its properties, components and
//! relationships.
//!
//! Properties get a control per DTDL schema when the model is known (else JSON text). Save
//! sends the JSON Patch between the twin as read and as edited, with `If-Match`; a 412 opens
//! the conflict view (server version beside yours: keep mine, or take theirs). A lost
//! connection keeps the edits and offers Retry. Write controls appear only for writers.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::{Value, json};

use super::{MissingContext, decode_twin_param, twin_path, twins_path, use_explorer_context};
use crate::adt::types::IncomingRelationship;
use crate::adt::{AdtClient, AdtError, Twin, diff_twin, differences};
use crate::components::property_editor::{Field, InterfaceShape, Schema, field_view};

/// Interfaces read while resolving `extends` and components (a guard against cycles).
const MAX_MODELS: usize = 32;

/// The route parameter holding the twin id.
pub const TWIN_ID_PARAM: &str = "twin_id";

/// The merged shape of a model, with its components' shapes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelView {
    pub shape: InterfaceShape,
    pub components: Vec<(String, InterfaceShape)>,
}

/// Reads `id`, everything it extends, and its components' interfaces.
async fn load_model(client: &AdtClient, id: &str) -> Result<ModelView, AdtError> {
    let mut budget = MAX_MODELS;
    let shape = load_shape(client, id, &mut budget).await?;
    let mut components = Vec::new();
    for (name, schema) in &shape.components {
        let inner = load_shape(client, schema, &mut budget).await?;
        components.push((name.clone(), inner));
    }
    Ok(ModelView { shape, components })
}

async fn load_shape(
    client: &AdtClient,
    id: &str,
    budget: &mut usize,
) -> Result<InterfaceShape, AdtError> {
    let mut pending = vec![id.to_owned()];
    let mut seen = BTreeSet::new();
    let mut merged: Option<InterfaceShape> = None;
    while let Some(next) = pending.pop() {
        if !seen.insert(next.clone()) || *budget == 0 {
            continue;
        }
        *budget -= 1;
        let data = client.get_model(&next, true).await?;
        let shape = InterfaceShape::from_dtdl(data.model.as_ref().unwrap_or(&Value::Null));
        pending.extend(shape.extends.iter().cloned());
        match merged.as_mut() {
            Some(m) => m.merge(shape),
            None => merged = Some(shape),
        }
    }
    Ok(merged.unwrap_or_default())
}

/// Members of a twin (or component) that no model field covers: shown as JSON text.
pub fn unmodelled_members(
    value: &Value,
    shape: &InterfaceShape,
    components: &[String],
) -> Vec<String> {
    value
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| !k.starts_with('$'))
                .filter(|k| !shape.properties.iter().any(|p| &p.name == *k))
                .filter(|k| !components.contains(k))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

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
}

#[component]
pub fn TwinDetail() -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <MissingContext/> }.into_any();
    };
    let params = use_params_map();
    let twin_id = Memo::new(move |_| {
        decode_twin_param(&params.with(|p| p.get(TWIN_ID_PARAM).unwrap_or_default()))
    });
    let client = StoredValue::new_local(ctx.adt.clone());
    let can_write = ctx.roles.can_write();
    let tenant = ctx.tenant.clone();
    let host = ctx.host.clone();

    let original = RwSignal::new(None::<Twin>);
    let edited = RwSignal::new(Value::Null);
    let invalid = RwSignal::new(BTreeSet::<String>::new());
    let model = RwSignal::new(None::<ModelView>);
    let load_error = RwSignal::new(None::<String>);
    let model_note = RwSignal::new(None::<String>);
    let outgoing = RwSignal::new(Vec::<Value>::new());
    let incoming = RwSignal::new(Vec::<IncomingRelationship>::new());
    let rel_error = RwSignal::new(None::<String>);
    let save_state = RwSignal::new(SaveState::Idle);
    let confirm_delete = RwSignal::new(false);
    let delete_relationships_too = RwSignal::new(true);
    let delete_error = RwSignal::new(None::<String>);

    let load_relationships = move || {
        let client = client.get_value();
        let id = twin_id.get_untracked();
        spawn_local(async move {
            match client.list_relationships(&id, None).await {
                Ok(list) => outgoing.set(list),
                Err(e) => rel_error.set(Some(e.to_string())),
            }
            match client.list_incoming(&id).await {
                Ok(list) => incoming.set(list),
                Err(e) => rel_error.set(Some(e.to_string())),
            }
        });
    };

    // (Re)load whenever the twin id changes.
    Effect::new(move |_| {
        let id = twin_id.get();
        let client = client.get_value();
        original.set(None);
        load_error.set(None);
        model.set(None);
        save_state.set(SaveState::Idle);
        spawn_local(async move {
            match client.get_twin(&id).await {
                Ok(twin) => {
                    edited.set(twin.value.clone());
                    invalid.set(BTreeSet::new());
                    let model_id = twin.model().map(str::to_owned);
                    original.set(Some(twin));
                    if let Some(model_id) = model_id {
                        match load_model(&client, &model_id).await {
                            Ok(m) => model.set(Some(m)),
                            Err(e) => model_note.set(Some(format!(
                                "The model {model_id} could not be read ({e}); properties are shown as JSON."
                            ))),
                        }
                    }
                }
                Err(e) => load_error.set(Some(e.to_string())),
            }
        });
        load_relationships();
    });

    let dirty = Memo::new(move |_| {
        original.with(|o| {
            o.as_ref()
                .is_some_and(|o| edited.with(|e| !diff_twin(&o.value, e).is_empty()))
        })
    });

    // Sends the edits against `base` (the version they are applied to).
    let save_against = move |base: Twin| {
        let ops = edited.with_untracked(|e| diff_twin(&base.value, e));
        if ops.is_empty() {
            return;
        }
        save_state.set(SaveState::Saving);
        let client = client.get_value();
        let id = twin_id.get_untracked();
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
                Err(e) => save_state.set(SaveState::Failed(e.to_string())),
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

    let navigate = StoredValue::new_local(use_navigate());
    let list_path = twins_path(&tenant, &host);
    let delete = {
        let list_path = list_path.clone();
        move |_| {
            let Some(base) = original.get_untracked() else {
                return;
            };
            let client = client.get_value();
            let id = twin_id.get_untracked();
            let with_relationships = delete_relationships_too.get_untracked();
            let out = outgoing.get_untracked();
            let inc = incoming.get_untracked();
            let list_path = list_path.clone();
            delete_error.set(None);
            spawn_local(async move {
                let mut result = Ok(());
                if with_relationships {
                    for rel in &out {
                        if result.is_ok() {
                            result = client
                                .delete_relationship(&id, &text(rel, "$relationshipId"))
                                .await;
                        }
                    }
                    for rel in &inc {
                        if result.is_ok() {
                            result = client
                                .delete_relationship(&rel.source_id, &rel.relationship_id)
                                .await;
                        }
                    }
                }
                if result.is_ok() {
                    result = client.delete_twin(&id, Some(&base.etag)).await;
                }
                match result {
                    Ok(()) => navigate.with_value(|n| n(&list_path, NavigateOptions::default())),
                    Err(e) => delete_error.set(Some(e.to_string())),
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
    let relationship_names = Memo::new(move |_| {
        model.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.shape
                        .relationships
                        .iter()
                        .map(|r| (r.name.clone(), r.label.clone(), r.target.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
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
        let rel_id = Some(new_id.get_untracked())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("{name}-{target}"));
        let client = client.get_value();
        let id = twin_id.get_untracked();
        create_error.set(None);
        spawn_local(async move {
            let body = json!({"$targetId": target, "$relationshipName": name});
            match client.put_relationship(&id, &rel_id, &body).await {
                Ok(_) => {
                    new_target.set(String::new());
                    new_id.set(String::new());
                    load_relationships();
                }
                Err(e) => create_error.set(Some(e.to_string())),
            }
        });
    };
    let delete_relationship = move |rel_id: String| {
        let client = client.get_value();
        let id = twin_id.get_untracked();
        spawn_local(async move {
            match client.delete_relationship(&id, &rel_id).await {
                Ok(()) => load_relationships(),
                Err(e) => rel_error.set(Some(e.to_string())),
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
                    <dd>{t.last_update_time().unwrap_or("(unknown)").to_owned()}</dd>
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
        let m = model.get();
        let value = edited.get_untracked();
        let (shape, components) = match &m {
            Some(m) => (m.shape.clone(), m.components.clone()),
            None => (InterfaceShape::default(), Vec::new()),
        };
        let component_names: Vec<String> = components.iter().map(|c| c.0.clone()).collect();
        let modelled = shape
            .properties
            .iter()
            .cloned()
            .map(|f| {
                let path = vec![f.name.clone()];
                field_view(f, path, edited, invalid, can_write)
            })
            .collect_view();
        let loose = unmodelled_members(&value, &shape, &component_names)
            .into_iter()
            .map(|name| {
                let field = Field {
                    label: name.clone(),
                    name: name.clone(),
                    schema: Schema::Other,
                    writable: true,
                };
                field_view(field, vec![name], edited, invalid, can_write)
            })
            .collect_view();
        let component_sections = components
            .into_iter()
            .map(|(name, inner)| {
                let fields = inner
                    .properties
                    .into_iter()
                    .map(|f| {
                        let path = vec![name.clone(), f.name.clone()];
                        field_view(f, path, edited, invalid, can_write)
                    })
                    .collect_view();
                let heading = format!("Component {name}");
                let label = heading.clone();
                view! {
                    <section class="card twin-component" aria-label=label>
                        <h3>{heading}</h3>
                        {fields}
                    </section>
                }
            })
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
            if rels.is_empty() {
                return view! { <p class="hint">"No outgoing relationships."</p> }.into_any();
            }
            let rows = rels
                .iter()
                .map(|r| {
                    let rel_id = text(r, "$relationshipId");
                    let target = text(r, "$targetId");
                    let remove = can_write.then(|| {
                        let rel_id = rel_id.clone();
                        view! {
                            <td>
                                <button type="button" class="button button--ghost button--small"
                                    aria-label=format!("Delete relationship {rel_id}")
                                    on:click=move |_| delete_relationship(rel_id.clone())>
                                    "Delete"
                                </button>
                            </td>
                        }
                    });
                    let href = link_to(&target);
                    view! {
                        <tr>
                            <td>{text(r, "$relationshipName")}</td>
                            <td><A href=href>{target}</A></td>
                            <td><code>{rel_id.clone()}</code></td>
                            <td>{relationship_properties(r)}</td>
                            {remove}
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="table">
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
                            <td><A href=href>{source}</A></td>
                            <td>{r.relationship_name}</td>
                            <td><code>{r.relationship_id}</code></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="table">
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
                <div class="toolbar"><button type="submit" class="button">"Add relationship"</button></div>
                {move || create_error.get().map(|e| view! { <p class="property__error" role="alert">{e}</p> })}
            </form>
        }
    });

    let delete_section = can_write.then(|| {
        view! {
            <section class="card twin-delete" aria-labelledby="delete-title">
                <h2 id="delete-title">"Delete this twin"</h2>
                <Show
                    when=move || confirm_delete.get()
                    fallback=move || view! {
                        <button type="button" class="button button--danger" on:click=move |_| confirm_delete.set(true)>
                            "Delete twin…"
                        </button>
                    }
                >
                    {
                        let delete = delete.clone();
                        move || {
                            let count = outgoing.with(Vec::len) + incoming.with(Vec::len);
                            let delete = delete.clone();
                            view! {
                                <p>"A twin can be deleted only when no relationships point from or to it."</p>
                                {(count > 0).then(|| view! {
                                    <label class="check">
                                        <input type="checkbox" prop:checked=move || delete_relationships_too.get()
                                            on:change=move |ev| delete_relationships_too.set(event_target_checked(&ev))/>
                                        {format!(" Also delete its {count} relationship(s) first")}
                                    </label>
                                })}
                                <div class="toolbar">
                                    <button type="button" class="button button--danger" on:click=delete>"Delete permanently"</button>
                                    <button type="button" class="button button--ghost" on:click=move |_| confirm_delete.set(false)>"Cancel"</button>
                                </div>
                                {move || delete_error.get().map(|e| view! { <p class="property__error" role="alert">{e}</p> })}
                            }
                        }
                    }
                </Show>
            </section>
        }
    });

    view! {
        <main id="main" class="page page--explorer" aria-labelledby="twin-title" tabindex="-1">
            <p><A href=list_path.clone()>"← Back to the query"</A></p>
            <h1 id="twin-title">"Twin " <code>{move || twin_id.get()}</code></h1>
            {move || load_error.get().map(|e| view! { <div class="alert alert--error" role="alert"><p>{e}</p></div> })}
            <Show when=move || original.with(Option::is_some) fallback=move || view! {
                {move || load_error.with(Option::is_none).then(|| view! { <p class="loading" aria-busy="true">"Loading the twin…"</p> })}
            }>
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
                {outgoing_rows}
                <h3>"Incoming"</h3>
                {incoming_rows}
                {create_form}
            </section>
            {delete_section}
        </main>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_without_a_model_field_are_listed() {
        let shape = InterfaceShape::from_dtdl(&json!({"contents": [
            {"@type": "Property", "name": "temp", "schema": "double"},
        ]}));
        let twin = json!({"$dtId": "a", "$metadata": {}, "temp": 1, "extra": 2, "thermostat": {"$metadata": {}}});
        assert_eq!(
            unmodelled_members(&twin, &shape, &["thermostat".into()]),
            vec!["extra".to_owned()]
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
