//! The twin's relationships: the lists as last read ([`Relationships`], read again after
//! every change), the outgoing table (Edit… opens the relationship's properties under its row,
//! `relationship_edit`; Delete… asks first, then the row offers Undo for [`UNDO_FOR`]: the
//! same relationship created again), the incoming table, and the text of relationships
//! (request bodies, properties as text).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;

use super::draft::{self, Part};
use super::editor::TwinState;
use super::relationship_edit::{self, KeptEdit, RelationshipEdit};
use crate::adt::types::{IncomingRelationship, user_members};
use crate::adt::{AdtClient, AdtError};
use crate::components::confirm::{ConfirmDialog, focus_if_connected};

/// The body of `PUT …/relationships/{id}`: target, name and the given properties (members
/// starting with `$` are dropped).
pub fn relationship_body(name: &str, target: &str, properties: &Value) -> Value {
    let mut body = user_members(properties);
    body.insert("$targetId".into(), json!(target));
    body.insert("$relationshipName".into(), json!(name));
    Value::Object(body)
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

/// Member `key` of a listed relationship, as text ("" if absent).
pub(super) fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// Whether a list on screen is what the service said: until the first reply it is not known,
/// and "No outgoing relationships." would be a guess (the service lists them ten to a page,
/// so a twin with hundreds takes a while).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListRead {
    /// Not wholly answered yet (its first pages may be on screen).
    Reading,
    /// The list holds the service's last answer.
    Read,
    /// Never answered: the error says why.
    Unreadable,
}

impl ListRead {
    /// After a reply: a list read once stays `Read` (its last answer stays on screen) when a
    /// later read fails.
    fn after(self, ok: bool) -> ListRead {
        match (self, ok) {
            (_, true) => ListRead::Read,
            (ListRead::Read, false) => ListRead::Read,
            (_, false) => ListRead::Unreadable,
        }
    }
}

/// Which of a twin's relationship lists a screen shows (and so reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lists {
    /// The twin's page: both tables, and deleting the twin names every relationship.
    OutgoingAndIncoming,
    /// The Twins workspace's inspector: the outgoing table only.
    Outgoing,
}

/// The twin's relationships as last read, shared by the tables, the relationship form and
/// the delete section: each reads them again after a change.
#[derive(Debug, Clone, Copy)]
pub struct Relationships {
    pub(super) client: StoredValue<AdtClient, LocalStorage>,
    pub(super) id: StoredValue<String>,
    lists: Lists,
    pub(super) outgoing: RwSignal<Vec<Value>>,
    pub(super) incoming: RwSignal<Vec<IncomingRelationship>>,
    /// Whether each list is what the service said.
    pub(super) outgoing_read: RwSignal<ListRead>,
    pub(super) incoming_read: RwSignal<ListRead>,
    /// Why the lists could not be read, or a relationship deleted.
    pub(super) error: RwSignal<Option<String>>,
    /// The relationship whose editor holds changes not saved yet (for the leave guard).
    pub(super) unsaved: RwSignal<Option<String>>,
    /// Counts reads: only the latest one writes the lists.
    reads: StoredValue<u64>,
}

impl Relationships {
    /// Twin `id`'s, read from now on. The lists need only the id, so whoever opens a twin asks
    /// for them beside the twin itself, not after it and its model: each list may take several
    /// pages, and two round trips more before the first of them is the slowest part of opening
    /// a twin on Azure.
    pub fn read_from_now(client: AdtClient, id: String, lists: Lists) -> Self {
        let read = Relationships {
            client: StoredValue::new_local(client),
            id: StoredValue::new(id),
            lists,
            outgoing: RwSignal::new(Vec::new()),
            incoming: RwSignal::new(Vec::new()),
            outgoing_read: RwSignal::new(ListRead::Reading),
            incoming_read: RwSignal::new(ListRead::Reading),
            error: RwSignal::new(None),
            unsaved: RwSignal::new(None),
            reads: StoredValue::new(0),
        };
        read.load();
        read
    }

    /// Reads the lists again; false if one could not be read. Only the latest read
    /// writes the lists: one started before a change and answered after a later read would
    /// otherwise show the lists from before the change. (A reply after the editor has gone
    /// lands in signals that have gone with it: Leptos drops such writes.)
    pub fn read(self) -> impl Future<Output = bool> {
        let reads = self.client.try_get_value().zip(self.id.try_get_value());
        let ticket = self.reads.try_update_value(|n| {
            *n += 1;
            *n
        });
        async move {
            let (Some((client, id)), Some(ticket)) = (reads, ticket) else {
                return false;
            };
            // Both lists at once: each may take several pages (the service pages them by 10),
            // shown as they come while a list has never been read.
            let mut outgoing_pages =
                pages_into(self.outgoing, self.outgoing_read, self.reads, ticket);
            let mut incoming_pages =
                pages_into(self.incoming, self.incoming_read, self.reads, ticket);
            let incoming = async {
                match self.lists {
                    Lists::OutgoingAndIncoming => {
                        Some(client.list_incoming_by_page(&id, &mut incoming_pages).await)
                    }
                    Lists::Outgoing => None,
                }
            };
            let (outgoing, incoming) = futures::future::join(
                client.list_relationships_by_page(&id, None, &mut outgoing_pages),
                incoming,
            )
            .await;
            let ok = outgoing.is_ok() && incoming.as_ref().is_none_or(Result::is_ok);
            if self.reads.try_get_value() != Some(ticket) {
                return ok;
            }
            let mut error = None;
            // (`try_`: the page may have gone while the lists were read.)
            self.outgoing_read
                .try_update(|r| *r = r.after(outgoing.is_ok()));
            if let Some(incoming) = &incoming {
                self.incoming_read
                    .try_update(|r| *r = r.after(incoming.is_ok()));
            }
            // A list never read whose read failed shows none of the pages it did get: they were
            // on screen only while the rest came.
            if self.outgoing_read.try_get_untracked() == Some(ListRead::Unreadable) {
                self.outgoing.try_set(Vec::new());
            }
            if self.incoming_read.try_get_untracked() == Some(ListRead::Unreadable) {
                self.incoming.try_set(Vec::new());
            }
            match outgoing {
                Ok(list) => self.outgoing.set(list),
                Err(e) => error = Some(e.to_string()),
            }
            match incoming {
                Some(Ok(list)) => self.incoming.set(list),
                Some(Err(e)) => error = error.or(Some(e.to_string())),
                None => {}
            }
            self.error.set(error);
            ok
        }
    }

    /// Reads both lists again, in the background.
    pub fn load(self) {
        spawn_local(async move {
            self.read().await;
        });
    }
}

/// Puts a list on screen page by page while it has never been read (so a twin with hundreds
/// of relationships shows its first ones at once), and only for the latest read (`ticket`):
/// this read's first page replaces what an older read had put there, the next ones extend it.
/// A list read once stays as it is until the whole new list is in.
fn pages_into<T: Clone + Send + Sync + 'static>(
    list: RwSignal<Vec<T>>,
    read: RwSignal<ListRead>,
    reads: StoredValue<u64>,
    ticket: u64,
) -> impl FnMut(&[T]) {
    let mut first = true;
    move |page: &[T]| {
        let latest = reads.try_get_value() == Some(ticket);
        if latest && read.try_get_untracked() == Some(ListRead::Reading) {
            if first {
                list.try_set(page.to_vec());
            } else {
                list.try_update(|items| items.extend_from_slice(page));
            }
        }
        first = false;
    }
}

/// Deleting outgoing relationships one at a time, with Undo: the one being asked about, those
/// just deleted, and why an Undo failed.
#[derive(Debug, Clone, Copy)]
struct Deletions {
    twin: TwinState,
    asking: RwSignal<Option<Value>>,
    recent: RwSignal<Vec<Deleted>>,
    undo_error: RwSignal<Option<String>>,
    /// The relationship whose properties are open for editing under its row (its id).
    editing: RwSignal<Option<String>>,
    /// Its edits from before a sign-in, to open the editor with.
    kept: StoredValue<Option<KeptEdit>, LocalStorage>,
}

impl Deletions {
    /// Deletes an outgoing relationship (once confirmed) and offers Undo in its row.
    fn delete(self, rel: Value) {
        let Deletions {
            twin,
            recent,
            undo_error,
            ..
        } = self;
        let relationships = twin.relationships;
        let client = twin.client.get_value();
        let id = twin.id.get_value();
        let rel_id = text(&rel, "$relationshipId");
        let row = relationships
            .outgoing
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
                    recent.update(|d| {
                        d.retain(|x| x.id != rel_id);
                        d.push(gone.clone());
                    });
                    relationships
                        .outgoing
                        .update(|o| o.retain(|r| text(r, "$relationshipId") != rel_id));
                    relationships.load();
                    let undo_button = format!(
                        "button[aria-label={}]",
                        json!(format!("Undo deleting relationship {rel_id}"))
                    );
                    request_animation_frame(move || focus_selector(&undo_button));
                    set_timeout(
                        move || {
                            recent.try_update(|d| d.retain(|x| x != &gone));
                        },
                        UNDO_FOR,
                    );
                }
                Err(e) => relationships.error.set(Some(e.to_string())),
            }
        });
    }

    /// Creates the deleted relationship again: same id, name, target and properties.
    fn undo(self, gone: Deleted) {
        let Deletions {
            twin,
            recent,
            undo_error,
            ..
        } = self;
        let relationships = twin.relationships;
        let client = twin.client.get_value();
        undo_error.set(None);
        spawn_local(async move {
            match client
                .create_relationship(&gone.source, &gone.id, &gone.undo_body())
                .await
            {
                Ok(_) => {
                    recent.update(|d| d.retain(|x| x.id != gone.id));
                    relationships.read().await;
                    let delete_button = format!(
                        "button[aria-label={}]",
                        json!(format!("Delete relationship {}", gone.id))
                    );
                    request_animation_frame(move || focus_selector(&delete_button));
                }
                Err(AdtError::PreconditionFailed) => {
                    recent.update(|d| d.retain(|x| x.id != gone.id));
                    undo_error.set(Some(format!(
                        "A relationship {} exists again (someone made one meanwhile); nothing was changed.",
                        gone.id
                    )));
                    relationships.load();
                }
                Err(e) => undo_error.set(Some(format!(
                    "The relationship {} could not be made again: {}",
                    gone.id,
                    crate::components::service_error::headline(&e)
                ))),
            }
        });
    }
}

/// The outgoing relationships: why an Undo failed, the table, and the question before one
/// is deleted.
#[component]
pub(super) fn OutgoingRelationships(
    twin: TwinState,
    /// A relationship to open for editing whenever it changes (the workspace's `&rel=`).
    #[prop(optional)]
    open: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let deletions = Deletions {
        twin,
        asking: RwSignal::new(None),
        recent: RwSignal::new(Vec::new()),
        undo_error: RwSignal::new(None),
        editing: RwSignal::new(None),
        kept: StoredValue::new_local(None),
    };
    if let Some(kept) = draft::take::<KeptEdit>(twin, Part::RelationshipEdit) {
        let rel_id = kept.rel_id.clone();
        deletions.editing.set(Some(rel_id.clone()));
        deletions.kept.set_value(Some(kept));
        // Once the list is in: a relationship deleted meanwhile has no row to open its editor
        // in, so its kept edits cannot come back. Say so rather than drop them unsaid.
        let (outgoing, read, undo_error) = (
            twin.relationships.outgoing,
            twin.relationships.outgoing_read,
            deletions.undo_error,
        );
        Effect::new(move |said: Option<bool>| {
            if said == Some(true) || read.get() != ListRead::Read {
                return said.unwrap_or(false);
            }
            let gone = outgoing.with(|o| !o.iter().any(|r| text(r, "$relationshipId") == rel_id));
            if gone {
                undo_error.set(Some(format!(
                    "Relationship {rel_id}, which you were editing before you signed in again, was deleted meanwhile: your unsaved changes to it could not be kept."
                )));
            }
            true
        });
    }
    let undo_error = deletions.undo_error;
    if let Some(open) = open {
        let editing = deletions.editing;
        Effect::new(move |_| {
            if let Some(rel) = open.get() {
                editing.set(Some(rel));
            }
        });
    }
    view! {
        {move || undo_error.get().map(|e| view! { <div class="alert alert--error" role="alert"><p>{e}</p></div> })}
        <OutgoingTable deletions/>
        <DeleteRelationshipDialog deletions/>
    }
}

/// One row per outgoing relationship (with Edit… and Delete… for writers; the relationship
/// being edited has its properties in a row under it); each just deleted stays in its row,
/// with Undo, for [`UNDO_FOR`].
#[component]
fn OutgoingTable(deletions: Deletions) -> impl IntoView {
    let twin = deletions.twin;
    let can_write = twin.can_write;
    let (outgoing, read, asking, recent, editing) = (
        twin.relationships.outgoing,
        twin.relationships.outgoing_read,
        deletions.asking,
        deletions.recent,
        deletions.editing,
    );
    move || {
        let rels = outgoing.get();
        let ghosts = recent.get();
        let open = editing.get();
        let read = read.get();
        if rels.is_empty() && ghosts.is_empty() {
            return list_hint(read, "outgoing").into_any();
        }
        let mut rows: Vec<AnyView> = rels
            .iter()
            .map(|r| {
                let rel_id = text(r, "$relationshipId");
                let target = text(r, "$targetId");
                let is_open = open.as_deref() == Some(rel_id.as_str());
                // Edit… only where there is something to edit: properties its model declares
                // for this relationship, or properties it holds (the model read tracked, so
                // the buttons follow it when it arrives).
                twin.model.track();
                let editable = !relationship_edit::fields(twin, r).is_empty();
                let actions = can_write.then(|| {
                    let (rel_id, rel) = (rel_id.clone(), r.clone());
                    let edit_id = rel_id.clone();
                    let edit = editable.then(|| {
                        view! {
                            <button type="button" class="button button--ghost button--small"
                                aria-label=format!("Edit relationship {rel_id}")
                                aria-expanded=is_open.to_string()
                                on:click=move |_| {
                                    // Another editor (or none): the one open goes with its changes.
                                    twin.relationships.unsaved.set(None);
                                    editing.set((!is_open).then(|| edit_id.clone()));
                                }>
                                "Edit…"
                            </button>
                        }
                    });
                    view! {
                        <td class="table__actions">
                            {edit}
                            <button type="button" class="button button--ghost button--small"
                                aria-label=format!("Delete relationship {rel_id}")
                                on:click=move |_| asking.set(Some(rel.clone()))>
                                "Delete…"
                            </button>
                        </td>
                    }
                });
                let href = twin.twin_href(&target);
                let editor = is_open.then(|| {
                    let rel = r.clone();
                    view! {
                        <tr class="relationship-edit-row">
                            <td colspan="5"><RelationshipEdit twin rel open=editing kept=deletions.kept/></td>
                        </tr>
                    }
                });
                view! {
                    <tr>
                        <td data-label="Name">{text(r, "$relationshipName")}</td>
                        <td data-label="Target"><A href=href>{target}</A></td>
                        <td data-label="Id"><code>{rel_id.clone()}</code></td>
                        <td data-label="Properties">{properties_or_none(r)}</td>
                        {actions}
                    </tr>
                    {editor}
                }
                .into_any()
            })
            .collect();
        for gone in ghosts {
            let row = gone.row.min(rows.len());
            rows.insert(row, undo_row(gone, deletions));
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
            {reading_more(read)}
        }
        .into_any()
    }
}

/// The row of a relationship just deleted: what it was, and Undo.
fn undo_row(gone: Deleted, deletions: Deletions) -> AnyView {
    let (id, name, target) = (
        gone.id.clone(),
        text(&gone.relationship, "$relationshipName"),
        text(&gone.relationship, "$targetId"),
    );
    view! {
        <tr class="relationship--deleted">
            <td colspan="4">
                "Deleted " <code>{id.clone()}</code> {format!(" ({name} → {target}).")}
            </td>
            <td>
                <button type="button" class="button button--small"
                    aria-label=format!("Undo deleting relationship {id}")
                    on:click=move |_| deletions.undo(gone.clone())>
                    "Undo"
                </button>
            </td>
        </tr>
    }
    .into_any()
}

/// "Delete relationship X?": what it is, and that Undo follows.
#[component]
fn DeleteRelationshipDialog(deletions: Deletions) -> impl IntoView {
    let asking = deletions.asking;
    move || {
        let rel = asking.get()?;
        let (id, name, target) = (
            text(&rel, "$relationshipId"),
            text(&rel, "$relationshipName"),
            text(&rel, "$targetId"),
        );
        let properties = relationship_properties(&rel);
        let source = deletions.twin.id.get_value();
        let confirm = move |()| {
            asking.set(None);
            deletions.delete(rel.clone());
        };
        Some(view! {
            <ConfirmDialog
                title=format!("Delete relationship {id}?")
                confirm="Delete relationship"
                on_confirm=confirm
                on_cancel=move |()| asking.set(None)
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
    }
}

/// What an empty `direction` ("outgoing", "incoming") list says: only once read is it "none".
fn list_hint(read: ListRead, direction: &'static str) -> impl IntoView {
    let text = match read {
        ListRead::Reading => format!("Reading the {direction} relationships…"),
        ListRead::Read => format!("No {direction} relationships."),
        ListRead::Unreadable => format!("The {direction} relationships could not be read."),
    };
    let class = if read == ListRead::Reading {
        "hint loading"
    } else {
        "hint"
    };
    view! { <p class=class>{text}</p> }
}

/// Under a list shown page by page: more are coming.
fn reading_more(read: ListRead) -> Option<impl IntoView> {
    (read == ListRead::Reading).then(|| view! { <p class="hint loading">"Reading more…"</p> })
}

/// One row per relationship pointing at the twin, its source a link.
#[component]
pub(super) fn IncomingRelationships(twin: TwinState) -> impl IntoView {
    let (incoming, read) = (
        twin.relationships.incoming,
        twin.relationships.incoming_read,
    );
    move || {
        let rels = incoming.get();
        let read = read.get();
        if rels.is_empty() {
            return list_hint(read, "incoming").into_any();
        }
        let rows = rels
            .into_iter()
            .map(|r| {
                let href = twin.twin_href(&r.source_id);
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
            {reading_more(read)}
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_read_once_stays_read_when_a_later_read_fails() {
        use ListRead::*;
        for (before, ok, after) in [
            (Reading, true, Read),
            (Reading, false, Unreadable),
            (Read, false, Read),
            (Read, true, Read),
            (Unreadable, true, Read),
            (Unreadable, false, Unreadable),
        ] {
            assert_eq!(before.after(ok), after, "{before:?} then ok={ok}");
        }
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
