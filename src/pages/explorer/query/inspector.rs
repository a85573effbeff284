//! The selected twin beside (or below) the results: its properties and components as its
//! model declares them (read through the `dtdl` crate's resolved interface, as the twin page
//! reads them), read-only, with a link to the twin's page for editing.
//!
//! One [`InspectedTwin`] per twin id: a late reply for twin A lands in A's resource, which
//! nothing shows once B is selected.

use std::sync::Arc;

use leptos::prelude::*;
use serde_json::Value;

use super::sidebar::{Catalog, ModelsResource};
use super::workspace::WorkspaceError;
use crate::components::property_editor::{FieldSpec, TwinForm};
use crate::pages::explorer::{twin_path, use_explorer_context};

/// Longest value text shown; longer values are cut (the twin page shows them whole).
const MAX_VALUE_CHARS: usize = 400;

/// The inspector panel: the twin `selected` names, or a hint.
#[component]
pub fn Inspector(
    #[prop(into)] selected: Signal<Option<String>>,
    models: ModelsResource,
) -> impl IntoView {
    view! {
        <aside class="workspace-inspector card" aria-labelledby="inspector-title">
            <h2 id="inspector-title">"Selected twin"</h2>
            {move || match selected.get() {
                None => view! {
                    <p class="hint">"Select a twin in the results to see its properties here."</p>
                }
                .into_any(),
                Some(id) => view! { <InspectedTwin id models/> }.into_any(),
            }}
        </aside>
    }
}

#[component]
fn InspectedTwin(id: String, models: ModelsResource) -> impl IntoView {
    let Some(ctx) = use_explorer_context() else {
        return ().into_any();
    };
    let (adt, asked) = (ctx.adt.clone(), id.clone());
    let twin = LocalResource::new(move || {
        let (adt, id) = (adt.clone(), asked.clone());
        async move {
            adt.get_twin(&id)
                .await
                .map(|t| t.value)
                .map_err(|error| WorkspaceError::Twin { id, error })
        }
    });
    let link = twin_path(&ctx.tenant, &ctx.host, &id);
    let not_read = |errors: ArcRwSignal<Errors>| {
        view! {
            <div class="alert alert--error" role="alert">
                {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
            </div>
        }
    };
    view! {
        <p class="workspace-inspector__id"><code>{id.clone()}</code></p>
        <p><a class="button button--small" href=link>"Open twin"</a></p>
        <Suspense fallback=|| view! { <p class="loading">"Reading the twin…"</p> }>
            <ErrorBoundary fallback=not_read>
                {move || Suspend::new(async move {
                    let twin = twin.await?;
                    let catalog = models.await.ok();
                    Ok::<_, WorkspaceError>(view! { <TwinProperties twin catalog/> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
    .into_any()
}

/// A value as text: strings as they are, other JSON compact, cut to [`MAX_VALUE_CHARS`].
pub fn value_text(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        let mut cut: String = text.chars().take(MAX_VALUE_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

fn field_row(spec: &FieldSpec, value: Option<&Value>) -> impl IntoView + use<> {
    let shown = match value {
        Some(v) => {
            let unit = spec.beside().map(|u| format!(" {u}")).unwrap_or_default();
            view! { <dd>{value_text(v)}{unit}</dd> }.into_any()
        }
        None => view! { <dd class="hint">"not set"</dd> }.into_any(),
    };
    let name = (spec.label != spec.name)
        .then(|| view! { <span class="property__name">{format!(" ({})", spec.name)}</span> });
    view! {
        <dt>{spec.label.clone()}{name}</dt>
        {shown}
    }
}

#[component]
fn TwinProperties(twin: Value, catalog: Option<Arc<Catalog>>) -> impl IntoView {
    let model = twin
        .pointer("/$metadata/$model")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let form = catalog
        .as_deref()
        .zip(model.as_deref())
        .and_then(|(c, m)| TwinForm::of(&c.models.set, m).ok());
    let model_name = catalog
        .as_deref()
        .zip(model.as_deref())
        .and_then(|(c, m)| c.names.get(m).cloned());
    let model_line = model.clone().map(|m| {
        view! {
            <p class="workspace-inspector__model">
                "Model "{model_name.map(|n| view! { <strong>{n}</strong>" " })}<code>{m}</code>
            </p>
        }
    });
    let rows = match &form {
        Some(form) => {
            let properties = form
                .properties
                .iter()
                .map(|spec| field_row(spec, twin.get(&spec.name)).into_any())
                .collect::<Vec<_>>();
            let components = form
                .components
                .iter()
                .map(|component| {
                    let inner = twin.get(&component.name);
                    let fields = component
                        .properties
                        .iter()
                        .map(|spec| {
                            field_row(spec, inner.and_then(|c| c.get(&spec.name))).into_any()
                        })
                        .collect::<Vec<_>>();
                    view! {
                        <dt>{format!("Component {}", component.label)}</dt>
                        <dd><dl class="workspace-inspector__props">{fields}</dl></dd>
                    }
                    .into_any()
                })
                .collect::<Vec<_>>();
            let unmodelled = form
                .unmodelled(&twin)
                .into_iter()
                .map(|name| {
                    let spec = FieldSpec::unmodelled(&name);
                    field_row(&spec, twin.get(&name)).into_any()
                })
                .collect::<Vec<_>>();
            properties
                .into_iter()
                .chain(components)
                .chain(unmodelled)
                .collect::<Vec<_>>()
        }
        None => twin
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(k, _)| !k.starts_with('$'))
                    .map(|(k, v)| field_row(&FieldSpec::unmodelled(k), Some(v)).into_any())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let note = (form.is_none() && model.is_some()).then(|| {
        view! { <p class="hint">"Its model could not be read; the values are shown as the service sent them."</p> }
    });
    let empty = rows.is_empty();
    view! {
        {model_line}
        {note}
        {if empty {
            view! { <p class="hint">"No properties."</p> }.into_any()
        } else {
            view! { <dl class="workspace-inspector__props">{rows}</dl> }.into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_text_and_long_ones_are_cut() {
        assert_eq!(value_text(&json!("Lobby")), "Lobby");
        assert_eq!(value_text(&json!(21.5)), "21.5");
        assert_eq!(value_text(&json!({"a": [1]})), "{\"a\":[1]}");
        let long = value_text(&json!("x".repeat(1000)));
        assert_eq!(long.chars().count(), MAX_VALUE_CHARS);
        assert!(long.ends_with('…'));
    }
}
