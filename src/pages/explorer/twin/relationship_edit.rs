//! Editing an outgoing relationship's properties in place ("Edit…" in its row, on the twin
//! page and in the workspace's inspector): a control per property the relationship's model
//! declares, and per property it holds that the model does not (as JSON text), checked by the
//! relationship's rules as the form that adds one checks them. Save sends the JSON Patch
//! between the relationship as listed and as edited with `If-Match` (its `$etag`): a 412 closes
//! the editor, shows the list as it is now and says that someone else changed it; a refusal
//! shows what the service said, each detail beside the field it names. Should the session end
//! with the editor open and changed, its edits are kept through the sign-in ([`KeptEdit`]) and
//! the editor opens with them again, against the `$etag` they were made on.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsCast;

use super::draft::{self, Part};
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

/// A relationship's unsaved edits kept through a sign-in ([`super::draft`]): the
/// relationship as listed when the editor opened (its `$etag`, its properties), the edits, and
/// text typed that did not fit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct KeptEdit {
    pub rel_id: String,
    etag: Option<String>,
    base: Value,
    edited: Value,
    #[serde(default)]
    typed: BTreeMap<String, String>,
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
/// signal's `try_set` then does nothing where a callback would panic.) It starts from `kept`
/// when that holds this relationship's edits from before a sign-in; closing drops them.
#[component]
pub(super) fn RelationshipEdit(
    twin: TwinState,
    rel: Value,
    open: RwSignal<Option<String>>,
    kept: StoredValue<Option<KeptEdit>, LocalStorage>,
) -> impl IntoView {
    let rel_id = text(&rel, "$relationshipId");
    let name = text(&rel, "$relationshipName");
    let specs = fields(twin, &rel);
    let listed_etag = rel.get("$etag").and_then(Value::as_str).and_then(ETag::new);
    let restored = kept.with_value(|k| k.as_ref().filter(|k| k.rel_id == rel_id).cloned());
    let changed_since = restored
        .as_ref()
        .is_some_and(|k| k.etag.as_deref() != listed_etag.as_ref().map(ETag::as_str));
    let (original, etag) = match &restored {
        Some(k) => (k.base.clone(), k.etag.as_deref().and_then(ETag::new)),
        None => (Value::Object(user_members(&rel)), listed_etag),
    };
    let rules = twin.model.with_untracked(|m| match m {
        Some(m) => EditRules::Relationship {
            set: m.set.clone(),
            source_model: m.model.clone(),
            name: name.clone(),
        },
        None => EditRules::Unchecked,
    });
    let values = EditState::new(
        restored
            .as_ref()
            .map_or_else(|| original.clone(), |k| k.edited.clone()),
        rules,
        Access::Edit,
        "edit-rel-prop",
    );
    let restored = restored.map(|k| values.type_back(k.typed)).is_some();
    {
        let (original, rel_id, etag) = (original.clone(), rel_id.clone(), etag.clone());
        draft::keep(twin, Part::RelationshipEdit, move || {
            let edited = values.edited.try_get_untracked()?;
            let typed = values.invalid.try_get_untracked().unwrap_or_default();
            if typed.is_empty() && diff_twin(&original, &edited).is_empty() {
                return None;
            }
            Some(KeptEdit {
                rel_id: rel_id.clone(),
                etag: etag.as_ref().map(|e| e.as_str().to_owned()),
                base: original.clone(),
                edited,
                typed,
            })
        });
    }
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
        kept.try_set_value(None);
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
            {restored.then(|| view! {
                <p class="notice notice--draft" role="status">
                    {if changed_since {
                        "Your unsaved changes to this relationship from before you signed in again are back. Someone changed it since: saving will not overwrite their version."
                    } else {
                        "Your unsaved changes to this relationship from before you signed in again are back."
                    }}
                </p>
            })}
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
