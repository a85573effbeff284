//! Editing an outgoing relationship's properties in place ("Edit…" in its row, on the twin
//! page and in the workspace's inspector): a control per property the relationship's model
//! declares, and per property it holds that the model does not (as JSON text), checked by the
//! relationship's rules as the form that adds one checks them. Save sends the JSON Patch
//! between the relationship as listed and as edited with `If-Match` (its `$etag`): a 412 closes
//! the editor, shows the list as it is now and says that someone else changed it; a refusal
//! shows what the service said, each detail beside the field it names.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use wasm_bindgen::JsCast;

use super::editor::TwinState;
use super::relationships::text;
use crate::adt::types::{ETag, user_members};
use crate::adt::{AdtError, diff_twin};
use crate::components::property_editor::{Access, EditRules, EditState, FieldSpec, field_view};
use crate::components::service_error::{Placed, ServiceErrorView, place, property_keys};

/// Where saving the relationship got to.
#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    /// Nothing to send, or fix a value first.
    Said(String),
    /// The service refused the change: what it said, sorted by field.
    Refused(AdtError, Placed),
}

/// The controls of relationship `rel`'s properties: those its model declares, then those it
/// holds that the model does not.
pub(super) fn fields(twin: TwinState, rel: &Value) -> Vec<FieldSpec> {
    let name = text(rel, "$relationshipName");
    let declared: Vec<FieldSpec> = twin.model.with_untracked(|m| {
        m.as_ref()
            .and_then(|m| m.set.interface(&m.model)?.relationship(&name))
            .map(|r| r.properties.iter().map(FieldSpec::property).collect())
            .unwrap_or_default()
    });
    let loose: Vec<FieldSpec> = user_members(rel)
        .keys()
        .filter(|k| !declared.iter().any(|f| &f.name == *k))
        .map(|k| FieldSpec::unmodelled(k))
        .collect();
    declared.into_iter().chain(loose).collect()
}

/// The editor of relationship `rel` of the twin, open while `open` names it: a save or Cancel
/// closes it. (A signal, not a callback: after an await the table may have gone, and a
/// signal's `try_set` then does nothing where a callback would panic.)
#[component]
pub(super) fn RelationshipEdit(
    twin: TwinState,
    rel: Value,
    open: RwSignal<Option<String>>,
) -> impl IntoView {
    let rel_id = text(&rel, "$relationshipId");
    let name = text(&rel, "$relationshipName");
    let specs = fields(twin, &rel);
    let original = Value::Object(user_members(&rel));
    let etag = rel.get("$etag").and_then(Value::as_str).and_then(ETag::new);
    let rules = twin.model.with_untracked(|m| match m {
        Some(m) => EditRules::Relationship {
            set: m.set.clone(),
            source_model: m.model.clone(),
            name: name.clone(),
        },
        None => EditRules::Unchecked,
    });
    let values = EditState::new(original.clone(), rules, Access::Edit, "edit-rel-prop");
    let saving = RwSignal::new(SaveState::Idle);
    // Changes typed here and not saved: the twin's leave guard asks about them too.
    let unsaved = twin.relationships.unsaved;
    {
        let (original, rel_id) = (original.clone(), rel_id.clone());
        Effect::new(move |_| {
            let changed = values.edited.with(|e| !diff_twin(&original, e).is_empty())
                || values.invalid.with(|i| !i.is_empty());
            let mine = unsaved.with_untracked(|u| u.as_deref() == Some(rel_id.as_str()));
            if changed && !mine {
                unsaved.set(Some(rel_id.clone()));
            } else if !changed && mine {
                unsaved.set(None);
            }
        });
    }
    // Closing the editor (saved, cancelled, or their version shown) drops its changes.
    let close = move || {
        unsaved.try_set(None);
        open.try_set(None);
    };
    let keys = property_keys(&specs);
    let (source, id_sent) = (twin.id.get_value(), rel_id.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if values.invalid.with_untracked(|i| !i.is_empty()) {
            saving.set(SaveState::Said("Fix the highlighted values first.".into()));
            return;
        }
        let ops = values.edited.with_untracked(|e| diff_twin(&original, e));
        if ops.is_empty() {
            saving.set(SaveState::Said("Nothing has changed.".into()));
            return;
        }
        let Some(client) = twin.client.try_get_value() else {
            return;
        };
        let (source, id, etag, keys) =
            (source.clone(), id_sent.clone(), etag.clone(), keys.clone());
        saving.set(SaveState::Saving);
        values.service.set(BTreeMap::new());
        spawn_local(async move {
            match client
                .patch_relationship(&source, &id, &ops, etag.as_ref())
                .await
            {
                Ok(()) => {
                    twin.relationships.load();
                    close();
                }
                Err(AdtError::PreconditionFailed) => {
                    // The list is read again (which makes its rows afresh): the editor closes
                    // and the list says what happened above their version.
                    let relationships = twin.relationships;
                    relationships.read().await;
                    relationships.error.try_set(Some(format!(
                        "Someone else changed relationship {id} meanwhile, so nothing was saved. The list shows their version; edit it again."
                    )));
                    close();
                }
                Err(e) => {
                    let placed = place(&e, &keys);
                    values.service.try_set(placed.by_field());
                    saving.try_set(SaveState::Refused(e, placed));
                }
            }
        });
    };
    let writable = specs.iter().any(|f| f.writable);
    let specs_empty = specs.is_empty();
    let controls = if specs.is_empty() {
        view! { <p class="hint">"Its model declares no properties for this relationship."</p> }
            .into_any()
    } else {
        specs
            .into_iter()
            .map(|f| {
                let path = vec![f.name.clone()];
                field_view(f, path, values)
            })
            .collect_view()
            .into_any()
    };
    let message = move || match saving.get() {
        SaveState::Idle => None,
        SaveState::Saving => Some(view! { <p class="hint" role="status">"Saving…"</p> }.into_any()),
        SaveState::Said(said) => {
            Some(view! { <p class="property__error" role="alert">{said}</p> }.into_any())
        }
        SaveState::Refused(error, placed) => {
            Some(view! { <ServiceErrorView error placed/> }.into_any())
        }
    };
    let busy = move || saving.get() == SaveState::Saving;
    // Opened: shown and ready for typing (its first field focused, scrolled into view).
    let form_ref = NodeRef::<leptos::html::Form>::new();
    request_animation_frame(move || {
        let Some(form) = form_ref.try_get_untracked().flatten() else {
            return;
        };
        let first = form
            .query_selector(
                "input:not([disabled]), select:not([disabled]), textarea:not([disabled])",
            )
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        match first {
            Some(field) => {
                let _ = field.focus();
            }
            None => form.scroll_into_view(),
        }
    });
    view! {
        <form node_ref=form_ref class="relationship-edit" on:submit=save aria-label=format!("Edit relationship {rel_id}")>
            <p class="hint">{format!("{name} → {}", text(&rel, "$targetId"))}</p>
            <div class="twin-properties">{controls}</div>
            {(!writable && !specs_empty).then(|| view! {
                <p class="hint">"None of its properties is writable (the model says so); they are shown as they are."</p>
            })}
            <div class="toolbar">
                {writable.then(|| view! {
                    <button type="submit" class="button button--small" disabled=busy>"Save relationship"</button>
                })}
                <button type="button" class="button button--ghost button--small" on:click=move |_| close()>
                    {if writable { "Cancel" } else { "Close" }}
                </button>
            </div>
            {message}
        </form>
    }
}
