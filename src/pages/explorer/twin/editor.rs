//! One opened twin's editor: [`TwinEditor`] puts the twin as read into the signals its parts
//! share ([`TwinState`]), asks before unsaved edits are left behind, and lays the page out
//! from the parts (facts and properties, saving, relationships, the relationship form,
//! deleting the twin), each a component of its own module given the same [`TwinState`].

use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::Value;

use super::OpenedTwin;
use super::delete::DeleteTwin;
use super::model::TwinModel;
use super::properties::{PropertyControls, TwinFacts};
use super::relationship_form::RelationshipForm;
use super::relationships::{IncomingRelationships, OutgoingRelationships, Relationships};
use super::save::SaveBar;
use crate::adt::{AdtClient, Twin, diff_twin};
use crate::components::leave_guard::use_leave_guard;
use crate::components::property_editor::{Access, EditRules, EditState};
use crate::ids::{AdtHost, TenantId};
use crate::pages::explorer::{MissingContext, twin_path, twins_path, use_explorer_context};

/// What the parts of one twin's editor share, handed to each as a prop (all handles, so
/// `Copy`). Every request names `id`; all of it goes with the editor.
#[derive(Debug, Clone, Copy)]
pub(super) struct TwinState {
    pub client: StoredValue<AdtClient, LocalStorage>,
    /// The twin's id.
    pub id: StoredValue<String>,
    /// The organisation and instance, for links.
    pub instance: StoredValue<(TenantId, AdtHost)>,
    pub can_write: bool,
    /// The twin as last read: what the edits are compared with and saved against.
    pub original: RwSignal<Option<Twin>>,
    /// The property form: the values as edited, the text that does not fit, what the service
    /// said about a field, the model's rules.
    pub edit: EditState,
    /// The twin's model, once read through the crate.
    pub model: RwSignal<Option<TwinModel>>,
    pub relationships: Relationships,
}

impl TwinState {
    /// The editor of the twin whose lists `relationships` reads (its client and id are the
    /// editor's). `id_prefix` keeps the controls' element ids apart from others on the same
    /// page.
    pub(super) fn new(
        relationships: Relationships,
        instance: (TenantId, AdtHost),
        can_write: bool,
        id_prefix: &'static str,
    ) -> Self {
        TwinState {
            client: relationships.client,
            id: relationships.id,
            instance: StoredValue::new(instance),
            can_write,
            original: RwSignal::new(None),
            edit: EditState::new(
                Value::Null,
                EditRules::Unchecked,
                if can_write {
                    Access::Edit
                } else {
                    Access::Read
                },
                id_prefix,
            ),
            model: RwSignal::new(None),
            relationships,
        }
    }

    /// The page of twin `id` of the same instance.
    pub fn twin_href(self, id: &str) -> String {
        self.instance
            .with_value(|(tenant, host)| twin_path(tenant, host, id))
    }

    /// The query page of the instance.
    pub fn list_path(self) -> String {
        self.instance
            .with_value(|(tenant, host)| twins_path(tenant, host))
    }

    /// Shows the twin as opened, and its model (or says why the model could not be read).
    pub(super) fn open(self, opened: OpenedTwin, model_note: RwSignal<Option<String>>) {
        let OpenedTwin { twin, model, .. } = opened;
        self.edit.edited.set(twin.value.clone());
        self.original.set(Some(twin));
        match model {
            Some(Ok(m)) => {
                self.edit.rules.set_value(EditRules::Twin {
                    set: m.set.clone(),
                    model: m.model.clone(),
                });
                self.model.set(Some(m));
            }
            Some(Err(e)) => {
                let model_id = self.original.with_untracked(|t| {
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
    }
}

/// Whether a twin's edits are unsaved, and what would be lost, for the leave guard.
pub(super) struct Unsaved {
    /// Edits that differ from the twin as read, or text typed that does not fit (writers only).
    pub dirty: Memo<bool>,
    /// The guard's question: what would be lost.
    pub text: Signal<String>,
}

impl TwinState {
    pub(super) fn unsaved(self) -> Unsaved {
        let (original, edited, invalid) = (self.original, self.edit.edited, self.edit.invalid);
        let rel_unsaved = self.relationships.unsaved;
        let can_write = self.can_write;
        let changed = Memo::new(move |_| {
            original.with(|o| {
                o.as_ref()
                    .map_or(0, |o| edited.with(|e| diff_twin(&o.value, e).len()))
            })
        });
        // A relationship's editor with changes counts too.
        let dirty = Memo::new(move |_| {
            can_write
                && (changed.get() > 0
                    || invalid.with(|i| !i.is_empty())
                    || rel_unsaved.with(Option::is_some))
        });
        let id = self.id;
        let text = Signal::derive(move || {
            let id = id.get_value();
            if changed.get() == 0
                && let Some(rel) = rel_unsaved.get()
            {
                return format!(
                    "Your changes to relationship {rel} of twin {id} are not saved and will be lost."
                );
            }
            match changed.get() {
                0 => format!("What you typed in twin {id} is not saved and will be lost."),
                1 => format!("Your change to twin {id} is not saved and will be lost."),
                n => format!("Your {n} changes to twin {id} are not saved and will be lost."),
            }
        });
        Unsaved { dirty, text }
    }
}

/// One opened twin: its properties, relationships (`relationships`, read since the twin was
/// asked for) and the actions on it. Every request names `opened.id`; the editor is replaced,
/// not reused, when another twin opens.
#[component]
pub(super) fn TwinEditor(opened: OpenedTwin, relationships: Relationships) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <MissingContext/> }.into_any();
    };
    let can_write = ctx.roles.can_write();
    let twin_id = opened.id.clone();
    let twin = TwinState::new(
        relationships,
        (ctx.tenant.clone(), ctx.host.clone()),
        can_write,
        "prop",
    );
    let model_note = RwSignal::new(None::<String>);
    let Unsaved {
        dirty,
        text: unsaved_text,
    } = twin.unsaved();
    let guard = use_leave_guard(dirty.into());
    let original = twin.original;

    twin.open(opened, model_note);
    let restored = twin.keep_and_restore();

    let list_path = twin.list_path();
    let rel_error = twin.relationships.error;
    view! {
        <main id="main" class="page page--explorer" aria-labelledby="twin-title" tabindex="-1">
            <p><A href=list_path.clone()>"← Back to the query"</A></p>
            <h1 id="twin-title">"Twin " <code>{twin_id}</code></h1>
            <Show when=move || original.with(Option::is_some)>
                <TwinFacts twin/>
                {move || model_note.get().map(|n| view! { <p class="hint">{n}</p> })}
                {restored.map(|r| view! { <div class="notice notice--draft" role="status"><p>{r.text()}</p></div> })}
                <section class="card" aria-labelledby="props-title">
                    <h2 id="props-title">"Properties"</h2>
                    {(!can_write).then(|| view! { <p class="hint">"You can read this twin; changing it needs the Twins.Writer role."</p> })}
                    <PropertyControls twin/>
                    <SaveBar twin dirty/>
                </section>
            </Show>
            <section class="card" aria-labelledby="rels-title">
                <h2 id="rels-title">"Relationships"</h2>
                {move || rel_error.get().map(|e| view! { <div class="alert alert--error" role="alert"><p>{e}</p></div> })}
                <h3>"Outgoing"</h3>
                <OutgoingRelationships twin/>
                <h3>"Incoming"</h3>
                <IncomingRelationships twin/>
                {can_write.then(|| view! { <RelationshipForm twin/> })}
            </section>
            {can_write.then(|| view! { <DeleteTwin twin guard/> })}
            {guard.dialog(unsaved_text)}
        </main>
    }
    .into_any()
}
