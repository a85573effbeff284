//! What the twin is and holds: its facts (model, last update, ETag) and a control per
//! property and component, from the model's form (a property the model does not declare is
//! edited as JSON text).

use leptos::prelude::*;

use super::editor::TwinState;
use crate::components::local_time::LocalTime;
use crate::components::property_editor::{FieldSpec, component_view, field_view};

/// The twin's model, last update (in local time) and ETag.
#[component]
pub(super) fn TwinFacts(twin: TwinState) -> impl IntoView {
    let original = twin.original;
    move || {
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
    }
}

/// The property controls, rebuilt when the model arrives or the twin is (re)loaded: the
/// modelled properties, then those the model does not declare, then each component's.
#[component]
pub(super) fn PropertyControls(twin: TwinState) -> impl IntoView {
    let TwinState {
        original,
        model,
        edit: state,
        ..
    } = twin;
    let loaded_version = Memo::new(move |_| original.with(|o| o.as_ref().map(|t| t.etag.clone())));
    move || {
        // Read, not `track()`ed: a memo only runs (and so only changes) when read.
        let _version = loaded_version.get();
        let form = model.with(|m| m.as_ref().map(|m| m.form.clone()).unwrap_or_default());
        let value = state.edited.get_untracked();
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
    }
}
