//! Deleting the twin (for writers): ADT deletes a twin only once no relationship points from
//! or to it, so the dialog counts and names the relationships that go first (read again when
//! it opens), deletes them, then the twin, and leaves for the query page without asking
//! about edits that no longer matter.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use super::editor::TwinState;
use super::relationships::text;
use crate::adt::types::IncomingRelationship;
use crate::components::confirm::ConfirmDialog;
use crate::components::leave_guard::LeaveGuard;

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

/// Deleting the twin: whether the question is open, whether deleting is under way, and why
/// it failed.
#[derive(Debug, Clone, Copy)]
struct TwinDeletion {
    twin: TwinState,
    guard: LeaveGuard,
    asking: RwSignal<bool>,
    deleting: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl TwinDeletion {
    /// The relationships that go with the twin, as last read.
    fn going(self) -> Vec<GoingRelationship> {
        let id = self.twin.id.get_value();
        let relationships = self.twin.relationships;
        relationships.outgoing.with_untracked(|out| {
            relationships
                .incoming
                .with_untracked(|inc| relationships_going_with(&id, out, inc))
        })
    }

    /// "Delete twin…": the lists are read again first, so the dialog counts what goes now.
    fn ask(self) {
        self.error.set(None);
        spawn_local(async move {
            if self.twin.relationships.read().await {
                self.asking.set(true);
            }
        });
    }

    /// Deletes the relationships that go with the twin, then the twin (against the version
    /// read), then leaves for the query page.
    fn delete(self) {
        let TwinDeletion {
            twin,
            guard,
            deleting,
            error,
            ..
        } = self;
        let Some(base) = twin.original.get_untracked() else {
            return;
        };
        let client = twin.client.get_value();
        let id = twin.id.get_value();
        let going = self.going();
        let list_path = twin.list_path();
        error.set(None);
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
                    error.set(Some(e.to_string()));
                    twin.relationships.load();
                }
            }
        });
    }
}

/// "Delete this twin": what goes with it, the button, progress and failure, and the dialog.
#[component]
pub(super) fn DeleteTwin(twin: TwinState, guard: LeaveGuard) -> impl IntoView {
    let deletion = TwinDeletion {
        twin,
        guard,
        asking: RwSignal::new(false),
        deleting: RwSignal::new(false),
        error: RwSignal::new(None),
    };
    let TwinDeletion {
        deleting, error, ..
    } = deletion;
    view! {
        <section class="card twin-delete" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete this twin"</h2>
            <p class="hint">"Its relationships, outgoing and incoming, are deleted with it: Azure Digital Twins deletes a twin only once none are left."</p>
            <button type="button" class="button button--danger" disabled=move || deleting.get() on:click=move |_| deletion.ask()>
                "Delete twin…"
            </button>
            {move || deleting.get().then(|| view! { <p class="loading" role="status">"Deleting…"</p> })}
            {move || error.get().map(|e| view! { <p class="property__error" role="alert">{e}</p> })}
            <DeleteTwinDialog deletion/>
        </section>
    }
}

/// "Delete twin X?": the relationships that go with it, counted and named.
#[component]
fn DeleteTwinDialog(deletion: TwinDeletion) -> impl IntoView {
    let asking = deletion.asking;
    move || {
        if !asking.get() {
            return None;
        }
        let id = deletion.twin.id.get_value();
        // Read when the dialog opens (the lists were just read again), not followed after.
        let going = deletion.going();
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
        Some(view! {
            <ConfirmDialog
                title=format!("Delete twin {id}?")
                confirm=confirm_label
                on_confirm=move |()| {
                    asking.set(false);
                    deletion.delete();
                }
                on_cancel=move |()| asking.set(false)
            >
                <p>{going_text(&going)}</p>
                {(!listed.is_empty()).then(|| view! { <ul class="problems">{listed}</ul> })}
                {(more > 0).then(|| view! { <p>{format!("…and {more} more.")}</p> })}
                <p>"This cannot be undone."</p>
            </ConfirmDialog>
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
}
