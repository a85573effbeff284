//! Picking a twin in a drawn graph for a form: the Twins workspace's inspector picks the
//! target of a new relationship by a click on the target in the graph beside it.
//!
//! The workspace provides one [`GraphPick`] as context; the drawing (`query::results_graph`)
//! and the relationship form (`twin::relationship_form`) each read it. Neither knows the
//! other: the drawing sends a clicked twin where [`GraphPick::into`] says, the form sends the
//! relationships it creates into [`GraphPick::created`], which the drawing adds.
//!
//! Nothing here is written while a component goes (a write in `on_cleanup` wakes readers
//! whose owners may already be gone): a field that went away is simply skipped.

use leptos::prelude::*;

use super::GraphEdge;

/// The workspace's picking state (all handles, so `Copy`).
#[derive(Debug, Clone, Copy)]
pub struct GraphPick {
    /// While it holds a form's field, the next twin clicked in the drawing goes into that
    /// field (instead of being selected), and picking ends.
    pub into: RwSignal<Option<RwSignal<String>>>,
    /// Relationships created while the drawing is on screen, for it to draw.
    pub created: RwSignal<Vec<GraphEdge>>,
    /// Whether a drawing is on screen to pick from.
    pub drawn: Signal<bool>,
}

impl GraphPick {
    /// Picking in the drawing `drawn` says is on screen.
    pub fn new(drawn: Signal<bool>) -> Self {
        GraphPick {
            into: RwSignal::new(None),
            created: RwSignal::new(Vec::new()),
            drawn,
        }
    }

    /// Whether `field` waits for a click in the drawing.
    pub fn picking_for(self, field: RwSignal<String>) -> bool {
        self.into.get() == Some(field)
    }

    /// `field` waits for a click in the drawing, or (if it already did) no longer does.
    pub fn toggle(self, field: RwSignal<String>) {
        self.into.update(|into| {
            *into = if *into == Some(field) {
                None
            } else {
                Some(field)
            }
        });
    }

    /// A twin clicked in the drawing: into the waiting field, if one waits and is still on
    /// screen (`true`: taken).
    pub fn take_click(self, twin: &str) -> bool {
        let Some(field) = self.into.get_untracked() else {
            return false;
        };
        self.into.set(None);
        field.try_set(twin.to_owned()).is_none()
    }

    /// Whether a field on screen waits for a click.
    pub fn active(self) -> bool {
        self.into
            .with(|into| into.is_some_and(|field| !field.is_disposed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_goes_into_the_waiting_field_once_and_never_into_one_that_went() {
        let owner = Owner::new();
        owner.set();
        let pick = GraphPick::new(Signal::derive(|| true));
        let field = RwSignal::new(String::new());
        assert!(
            !pick.take_click("room-1"),
            "nothing waits: the click selects"
        );

        pick.toggle(field);
        assert!(pick.picking_for(field) && pick.active());
        pick.toggle(field);
        assert!(!pick.active(), "the button again stops waiting");

        pick.toggle(field);
        assert!(pick.take_click("equipment-7"));
        assert_eq!(field.get_untracked(), "equipment-7");
        assert!(!pick.active(), "one click, one target");
        assert!(!pick.take_click("room-2"));
        assert_eq!(field.get_untracked(), "equipment-7");

        // The form that waited went away (another twin inspected): the click is not taken.
        let form = Owner::new();
        let gone = form.with(|| RwSignal::new(String::new()));
        pick.toggle(gone);
        form.cleanup();
        assert!(!pick.active());
        assert!(!pick.take_click("room-3"));
    }
}
