//! One twin edited in place in the Twins workspace's inspector ([`TwinPanel`]): the same
//! parts as the twin page (facts, a control per property, saving with its conflict view,
//! the outgoing relationships with Edit…, Delete… and Undo, adding a relationship with its
//! target pickable in the graph), in a panel. Incoming relationships and deleting the twin
//! stay on the twin's page ("Open twin").
//!
//! The panel guards its edits as the page does (links, Back, reload), and gives its guard to
//! the workspace ([`GuardSlot`]), which asks through it before it selects another twin or runs
//! a query (either would drop the panel and its edits).

use leptos::prelude::*;

use super::OpenedTwin;
use super::editor::{TwinState, Unsaved};
use super::properties::{PropertyControls, TwinFacts};
use super::relationship_form::RelationshipForm;
use super::relationships::{OutgoingRelationships, Relationships};
use super::save::SaveBar;
use crate::components::leave_guard::{LeaveGuard, use_leave_guard};
use crate::pages::explorer::{MissingContext, use_explorer_context};

/// Where the panel on screen keeps its leave guard for the workspace: at most one at a time.
#[derive(Debug, Clone, Copy)]
pub struct GuardSlot(StoredValue<Option<LeaveGuard>, LocalStorage>);

impl GuardSlot {
    pub fn new() -> Self {
        GuardSlot(StoredValue::new_local(None))
    }

    /// Does `action` now, or (when the panel on screen holds unsaved edits) once the person
    /// agrees to drop them.
    pub fn ask_before(self, action: impl FnOnce() + 'static) {
        match self.0.try_get_value().flatten() {
            Some(guard) => guard.ask_before(action),
            None => action(),
        }
    }

    /// `guard` is the slot's until its owner goes (unless another took the slot first).
    fn hold(self, guard: LeaveGuard) {
        self.0.set_value(Some(guard));
        on_cleanup(move || {
            self.0.try_update_value(|held| {
                if held.is_some_and(|h| h.same(guard)) {
                    *held = None;
                }
            });
        });
    }
}

impl Default for GuardSlot {
    fn default() -> Self {
        Self::new()
    }
}

/// Twin `opened`, editable in place (for writers; read-only otherwise).
#[component]
pub fn TwinPanel(
    opened: OpenedTwin,
    /// Its relationships, read since the twin was asked for
    /// ([`Relationships::read_from_now`]).
    relationships: Relationships,
    /// The relationship to open for editing, when the address names one.
    relationship: Signal<Option<String>>,
    guards: GuardSlot,
) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <MissingContext/> }.into_any();
    };
    let can_write = ctx.roles.can_write();
    let twin = TwinState::new(
        relationships,
        (ctx.tenant.clone(), ctx.host.clone()),
        can_write,
        "inspect",
    );
    let model_note = RwSignal::new(None::<String>);
    let Unsaved { dirty, text } = twin.unsaved();
    let guard = use_leave_guard(dirty.into());
    guards.hold(guard);
    twin.open(opened, model_note);
    let restored = twin.keep_and_restore();
    let rel_error = twin.relationships.error;
    view! {
        <TwinFacts twin/>
        {move || model_note.get().map(|n| view! { <p class="hint">{n}</p> })}
        {restored.map(|r| view! { <div class="notice notice--draft" role="status"><p>{r.text()}</p></div> })}
        <section class="workspace-inspector__section" aria-labelledby="inspect-props-title">
            <h3 id="inspect-props-title">"Properties"</h3>
            {(!can_write).then(|| view! { <p class="hint">"You can read this twin; changing it needs the Twins.Writer role."</p> })}
            <PropertyControls twin/>
            <SaveBar twin dirty/>
        </section>
        <section class="workspace-inspector__section" aria-labelledby="inspect-rels-title">
            <h3 id="inspect-rels-title">"Outgoing relationships"</h3>
            {move || rel_error.get().map(|e| view! { <div class="alert alert--error" role="alert"><p>{e}</p></div> })}
            <OutgoingRelationships twin open=relationship/>
        </section>
        {can_write.then(|| view! { <RelationshipForm twin/> })}
        {guard.dialog(text)}
    }
    .into_any()
}
