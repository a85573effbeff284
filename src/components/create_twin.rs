//! The form that creates a twin of one model: its id and, optionally, first values of its
//! properties and its components' properties (the schema-driven controls of the property
//! editor, read from the instance's model set; read-only properties can be given here, once).
//! It is sent with `If-None-Match: *`, so an existing twin is never replaced; on success the
//! page moves to the new twin. When the service refuses it, its code, message and details are
//! shown: each detail beside the field it names, the rest under the form.
//!
//! The form reads the instance's client from the explorer context; outside an instance it
//! explains that instead of offering a control that cannot work.

use std::collections::BTreeMap;
use std::sync::Arc;

use dtdl::ModelSet;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use serde_json::{Value, json};

use crate::adt::AdtError;
use crate::adt::types::user_members;
use crate::components::property_editor::{
    Access, EditRules, EditState, TwinForm, component_view, field_view,
};
use crate::components::service_error::{Placed, ServiceErrorView, field_keys, place};
use crate::pages::explorer::{twin_path, use_explorer_context};

/// Why a new twin was not created. Each says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateTwinError {
    #[error("Enter an id for the new twin.")]
    MissingId,
    #[error("A twin id cannot start or end with spaces.")]
    PaddedId,
    #[error("Fix the highlighted values first.")]
    InvalidValues,
    #[error("A twin with the id {0} already exists; choose another id.")]
    Exists(String),
}

/// The id as typed, when it can name a twin (non-empty, no surrounding whitespace).
pub fn check_twin_id(id: &str) -> Result<&str, CreateTwinError> {
    if id.trim().is_empty() {
        Err(CreateTwinError::MissingId)
    } else if id.trim() != id {
        Err(CreateTwinError::PaddedId)
    } else {
        Ok(id)
    }
}

/// The body of `PUT /digitaltwins/{id}` for a new twin of `model_id`: the user members of
/// `values` (entries starting with `$` are dropped), `$metadata.$model`, and every component
/// of the model present (the service requires them) with `$metadata` and any values given.
pub fn new_twin_body(model_id: &str, values: &Value, components: &[String]) -> Value {
    let mut body = user_members(values);
    for name in components {
        let component = body.entry(name.clone()).or_insert_with(|| json!({}));
        if !component.is_object() {
            *component = json!({});
        }
        if let Some(c) = component.as_object_mut() {
            c.entry("$metadata").or_insert_with(|| json!({}));
        }
    }
    body.insert("$metadata".into(), json!({ "$model": model_id }));
    Value::Object(body)
}

/// A form creating a twin of `model_id`, whose interface in `models` (own and inherited
/// contents, components) gives the value controls. `on_cancel` runs when the user gives up.
#[component]
pub fn CreateTwinForm(
    model_id: String,
    /// The model's display name, for the heading.
    title: String,
    /// The instance's models.
    models: Arc<ModelSet>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return view! { <p class="hint">"Twins can be created from an instance's models page."</p> }
            .into_any();
    };
    let client = StoredValue::new_local(ctx.adt.clone());
    let navigate = StoredValue::new_local(use_navigate());
    let twin_id = RwSignal::new(String::new());
    let error = RwSignal::new(None::<CreateTwinError>);
    // What the service said when it refused the twin.
    let refusal = RwSignal::new(None::<(AdtError, Placed)>);
    let busy = RwSignal::new(false);
    let form = TwinForm::of(&models, &model_id);
    let keys = form
        .as_ref()
        .map(|f| field_keys(f, &Value::Null))
        .unwrap_or_default();
    let state = EditState::new(
        json!({}),
        EditRules::Twin {
            set: models,
            model: model_id.clone(),
        },
        Access::Create,
        "prop",
    );
    let EditState {
        edited: values,
        invalid,
        service,
        ..
    } = state;
    let components: Vec<String> = form
        .as_ref()
        .map(TwinForm::component_names)
        .unwrap_or_default();
    let fields = match form {
        Ok(form) => {
            let properties = form
                .properties
                .into_iter()
                .map(|f| {
                    let path = vec![f.name.clone()];
                    field_view(f, path, state)
                })
                .collect_view();
            let sections = form
                .components
                .into_iter()
                .map(|c| component_view(c, state))
                .collect_view();
            view! { <div class="twin-properties">{properties}</div>{sections} }.into_any()
        }
        Err(why) => view! {
            <p class="hint">{format!("No values can be given here: {why}.")}</p>
        }
        .into_any(),
    };

    let submit = {
        let model_id = model_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let typed = twin_id.get_untracked();
            let id = match check_twin_id(&typed) {
                Ok(id) => id.to_owned(),
                Err(e) => return error.set(Some(e)),
            };
            if invalid.with_untracked(|i| !i.is_empty()) {
                return error.set(Some(CreateTwinError::InvalidValues));
            }
            let body = values.with_untracked(|v| new_twin_body(&model_id, v, &components));
            let client = client.get_value();
            let path = twin_path(&ctx.tenant, &ctx.host, &id);
            error.set(None);
            refusal.set(None);
            service.set(BTreeMap::new());
            busy.set(true);
            let keys = keys.clone();
            spawn_local(async move {
                match client.create_twin(&id, &body, true).await {
                    Ok(_) => navigate.with_value(|n| n(&path, Default::default())),
                    Err(AdtError::PreconditionFailed) => {
                        busy.set(false);
                        error.set(Some(CreateTwinError::Exists(id)));
                    }
                    Err(other) => {
                        busy.set(false);
                        let placed = place(&other, &keys);
                        service.set(placed.by_field());
                        refusal.set(Some((other, placed)));
                    }
                }
            });
        }
    };

    let heading = format!("New twin of {title}");
    view! {
        <form class="card create-twin" aria-labelledby="create-twin-title" on:submit=submit>
            <h2 id="create-twin-title">{heading}</h2>
            <p class="hint">"Model " <code>{model_id.clone()}</code></p>
            <div class="create-twin__id">
                <label class="field__label" for="create-twin-id">"Twin id"</label>
                <input id="create-twin-id" class="input" required=true autocomplete="off"
                    prop:value=move || twin_id.get() on:input=move |ev| twin_id.set(event_target_value(&ev))/>
            </div>
            {fields}
            {move || error.get().map(|e| view! { <p class="property__error" role="alert">{e.to_string()}</p> })}
            {move || refusal.get().map(|(error, placed)| view! { <ServiceErrorView error placed/> })}
            <div class="toolbar">
                <button type="submit" class="button" disabled=move || busy.get()>"Create twin"</button>
                <button type="button" class="button button--ghost" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_non_empty_and_unpadded() {
        let check = |id: &str, expected: Result<&str, CreateTwinError>| {
            assert_eq!(check_twin_id(id), expected, "{id:?}");
        };
        check("room-1", Ok("room-1"));
        check("", Err(CreateTwinError::MissingId));
        check("   ", Err(CreateTwinError::MissingId));
        check(" room-1", Err(CreateTwinError::PaddedId));
        check("room-1\t", Err(CreateTwinError::PaddedId));
    }

    #[test]
    fn the_body_names_the_model_and_carries_every_component() {
        let values = json!({"name": "Lab", "$dtId": "ignored", "nameplate": {"serial": "A1"}});
        let body = new_twin_body(
            "dtmi:x:Room;1",
            &values,
            &["nameplate".into(), "thermostat".into()],
        );
        assert_eq!(
            body,
            json!({
                "$metadata": {"$model": "dtmi:x:Room;1"},
                "name": "Lab",
                "nameplate": {"$metadata": {}, "serial": "A1"},
                "thermostat": {"$metadata": {}},
            })
        );
        assert_eq!(
            new_twin_body("dtmi:x:A;1", &Value::Null, &[]),
            json!({"$metadata": {"$model": "dtmi:x:A;1"}})
        );
    }
}
