//! "Add a relationship" (for writers): a relationship the twin's model declares (or any name),
//! a target twin (twins of the relationship's target model offered), an optional id, and the
//! relationship's own properties with their checks. A refusal shows what the service said,
//! each detail beside the property it names. What is filled in is kept through a sign-in (forced,
//! or "Sign in again now"; [`super::draft`]) and is there again after it.
//!
//! In the Twins workspace's inspector, beside a drawn graph, the target can also be picked
//! with a click on it in the graph ([`GraphPick`]), and the relationship created is drawn.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::draft::{self, Part};
use super::editor::TwinState;
use super::relationships::relationship_body;
use crate::adt::AdtError;
use crate::components::property_editor::{Access, EditRules, EditState, FieldSpec, field_view};
use crate::components::service_error::{Placed, ServiceErrorView, place, property_keys};
use crate::graph::GraphEdge;
use crate::graph::pick::GraphPick;

/// A relationship the model declares: name, display name, target model (if it names one).
type Declared = (String, String, Option<String>);

/// The form's state: what is typed and chosen, the twins offered as targets, the chosen
/// relationship's properties, and what went wrong.
#[derive(Debug, Clone, Copy)]
struct Draft {
    name: RwSignal<String>,
    target: RwSignal<String>,
    id: RwSignal<String>,
    target_options: RwSignal<Vec<String>>,
    /// The chosen relationship's properties, with their own values and checks.
    values: EditState,
    /// The chosen relationship and its properties' controls (if the model declares it).
    fields: Memo<Option<(String, Vec<FieldSpec>)>>,
    error: RwSignal<Option<String>>,
    refusal: RwSignal<Option<(AdtError, Placed)>>,
    /// The workspace's graph to pick the target in, when there is one.
    pick: Option<GraphPick>,
}

/// The form as filled in, kept through a sign-in.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    name: String,
    target: String,
    id: String,
    edited: Value,
    #[serde(default)]
    typed: BTreeMap<String, String>,
}

impl Kept {
    fn is_empty(&self) -> bool {
        [&self.name, &self.target, &self.id]
            .iter()
            .all(|t| t.trim().is_empty())
            && self.typed.is_empty()
            && self.edited.as_object().is_none_or(|o| o.is_empty())
    }
}

/// The relationships the twin's model declares.
fn declared(twin: TwinState) -> Memo<Vec<Declared>> {
    let model = twin.model;
    Memo::new(move |_| {
        model.with(|m| {
            m.as_ref()
                .and_then(|m| m.set.interface(&m.model))
                .map(|i| {
                    i.relationships
                        .iter()
                        .map(|r| {
                            (
                                r.name.clone(),
                                r.display_name.best().unwrap_or(&r.name).to_owned(),
                                r.target.as_ref().map(ToString::to_string),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    })
}

impl Draft {
    fn new(twin: TwinState) -> Self {
        let model = twin.model;
        let name = RwSignal::new(String::new());
        let fields = Memo::new(move |_| {
            let name = name.get();
            model.with(|m| {
                let m = m.as_ref()?;
                let relationship = m.set.interface(&m.model)?.relationship(&name)?;
                let fields: Vec<FieldSpec> = relationship
                    .properties
                    .iter()
                    .map(FieldSpec::property)
                    .collect();
                Some((name.clone(), fields))
            })
        });
        Draft {
            name,
            target: RwSignal::new(String::new()),
            id: RwSignal::new(String::new()),
            target_options: RwSignal::new(Vec::new()),
            values: EditState::new(
                json!({}),
                EditRules::Unchecked,
                Access::Create,
                "new-rel-prop",
            ),
            fields,
            error: RwSignal::new(None),
            refusal: RwSignal::new(None),
            pick: use_context::<GraphPick>(),
        }
    }

    /// Keeps what is filled in should the session end, and fills in what was kept for this
    /// twin before the sign-in that follows; true if it did.
    fn keep_and_restore(self, twin: TwinState) -> bool {
        draft::keep(twin, Part::NewRelationship, move || {
            let kept = Kept {
                name: self.name.try_get_untracked()?,
                target: self.target.try_get_untracked()?,
                id: self.id.try_get_untracked()?,
                edited: self.values.edited.try_get_untracked()?,
                typed: self.values.invalid.try_get_untracked().unwrap_or_default(),
            };
            (!kept.is_empty()).then_some(kept)
        });
        let Some(kept) = draft::take::<Kept>(twin, Part::NewRelationship) else {
            return false;
        };
        self.name.set(kept.name);
        self.target.set(kept.target);
        self.id.set(kept.id);
        self.values.edited.set(kept.edited);
        self.values.type_back(kept.typed);
        true
    }

    /// Another relationship chosen: its properties start empty, checked by its rules. (The
    /// model arriving, or the form filled in again after a sign-in, keeps the values.)
    fn follow_choice(self, twin: TwinState) {
        let (model, fields, values, name) = (twin.model, self.fields, self.values, self.name);
        Effect::new(move |last: Option<String>| {
            let chosen = fields.with(|r| r.as_ref().map(|(name, _)| name.clone()));
            let rules = model.with_untracked(|m| match (m, chosen) {
                (Some(m), Some(name)) => EditRules::Relationship {
                    set: m.set.clone(),
                    source_model: m.model.clone(),
                    name,
                },
                _ => EditRules::Unchecked,
            });
            values.rules.set_value(rules);
            let typed = name.get_untracked();
            if last.is_some_and(|last| last != typed) {
                values.edited.set(json!({}));
                values.invalid.set(BTreeMap::new());
            }
            typed
        });
    }

    /// Offers twins of the chosen relationship's target model.
    fn offer_targets(self, twin: TwinState, declared: Memo<Vec<Declared>>) {
        let (name, target_options) = (self.name, self.target_options);
        Effect::new(move |_| {
            let name = name.get();
            let target_model =
                declared.with(|rs| rs.iter().find(|r| r.0 == name).and_then(|r| r.2.clone()));
            target_options.set(Vec::new());
            if let Some(target_model) = target_model.filter(|t| !t.contains('\'')) {
                let client = twin.client.get_value();
                spawn_local(async move {
                    let query = format!(
                        "SELECT TOP(50) T.$dtId FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, '{target_model}')"
                    );
                    if let Ok(page) = client.query(&query, None).await {
                        target_options.set(
                            page.items
                                .iter()
                                .filter_map(|r| {
                                    r.get("$dtId").and_then(Value::as_str).map(str::to_owned)
                                })
                                .collect(),
                        );
                    }
                });
            }
        });
    }

    /// Creates the relationship (`PUT`, its id given or `name-target`), then reads the lists
    /// again; or says what is missing, or what the service refused.
    fn create(self, twin: TwinState) {
        let Draft {
            values,
            fields,
            error,
            refusal,
            pick,
            ..
        } = self;
        let (name, target) = (self.name.get_untracked(), self.target.get_untracked());
        if name.trim().is_empty() || target.trim().is_empty() {
            error.set(Some("Choose a relationship name and a target twin.".into()));
            return;
        }
        if values.invalid.with_untracked(|i| !i.is_empty()) {
            error.set(Some("Fix the highlighted values first.".into()));
            return;
        }
        let body = values
            .edited
            .with_untracked(|v| relationship_body(&name, &target, v));
        let rel_id = Some(self.id.get_untracked())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("{name}-{target}"));
        let client = twin.client.get_value();
        let source = twin.id.get_value();
        let keys = fields.with_untracked(|r| {
            r.as_ref()
                .map(|(_, f)| property_keys(f))
                .unwrap_or_default()
        });
        error.set(None);
        refusal.set(None);
        values.service.set(BTreeMap::new());
        spawn_local(async move {
            match client.put_relationship(&source, &rel_id, &body).await {
                Ok(_) => {
                    if let Some(pick) = pick {
                        pick.created.update(|c| {
                            c.push(GraphEdge {
                                id: rel_id,
                                source,
                                target: target.clone(),
                                name,
                            })
                        });
                    }
                    self.target.set(String::new());
                    self.id.set(String::new());
                    values.edited.set(json!({}));
                    twin.relationships.load();
                }
                Err(e) => {
                    let placed = place(&e, &keys);
                    values.service.set(placed.by_field());
                    refusal.set(Some((e, placed)));
                }
            }
        });
    }
}

/// The form that adds an outgoing relationship.
#[component]
pub(super) fn RelationshipForm(twin: TwinState) -> impl IntoView {
    let declared = declared(twin);
    let draft = Draft::new(twin);
    let restored = draft.keep_and_restore(twin);
    draft.follow_choice(twin);
    draft.offer_targets(twin, declared);
    let Draft {
        name: new_name,
        target: new_target,
        id: new_id,
        target_options,
        values: rel_state,
        fields: rel_properties,
        error: create_error,
        refusal: create_refusal,
        pick,
    } = draft;
    let pick_in_graph = pick.map(|pick| view! { <PickInGraph pick field=new_target/> });
    let create_relationship = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        draft.create(twin);
    };
    view! {
        <form class="card relationship-form" on:submit=create_relationship aria-labelledby="new-rel-title">
            <h3 id="new-rel-title">"Add a relationship"</h3>
            {restored.then(|| view! {
                <p class="notice notice--draft" role="status">"What you had filled in here before you signed in again is back."</p>
            })}
            <label class="field__label" for="new-rel-name">"Relationship"</label>
            <input id="new-rel-name" class="input" list="new-rel-names"
                prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev))/>
            <datalist id="new-rel-names">
                {move || declared.get().into_iter().map(|(n, label, _)| view! { <option value=n>{label}</option> }).collect_view()}
            </datalist>
            <label class="field__label" for="new-rel-target">"Target twin id"</label>
            <input id="new-rel-target" class="input" list="new-rel-targets"
                prop:value=move || new_target.get() on:input=move |ev| new_target.set(event_target_value(&ev))/>
            <datalist id="new-rel-targets">
                {move || target_options.get().into_iter().map(|t| view! { <option value=t></option> }).collect_view()}
            </datalist>
            {pick_in_graph}
            <label class="field__label" for="new-rel-id">"Relationship id (optional)"</label>
            <input id="new-rel-id" class="input" placeholder="name-target"
                prop:value=move || new_id.get() on:input=move |ev| new_id.set(event_target_value(&ev))/>
            {move || rel_properties.get().filter(|(_, fields)| !fields.is_empty()).map(|(_, fields)| {
                let inputs = fields
                    .into_iter()
                    .map(|f| {
                        let path = vec![f.name.clone()];
                        field_view(f, path, rel_state)
                    })
                    .collect_view();
                view! { <div class="twin-properties relationship-form__properties">{inputs}</div> }
            })}
            <div class="toolbar"><button type="submit" class="button">"Add relationship"</button></div>
            {move || create_error.get().map(|e| view! { <p class="property__error" role="alert">{e}</p> })}
            {move || create_refusal.get().map(|(error, placed)| view! { <ServiceErrorView error placed/> })}
        </form>
    }
}

/// "Pick in the graph" while a graph is drawn: the next twin clicked there becomes the target
/// (the button again, or Esc, stops waiting).
#[component]
fn PickInGraph(pick: GraphPick, field: RwSignal<String>) -> impl IntoView {
    let picking = move || pick.picking_for(field);
    let drawn = move || pick.drawn.get();
    let esc = window_event_listener(leptos::ev::keydown, move |e| {
        if e.key() == "Escape" && pick.into.with_untracked(|i| *i == Some(field)) {
            pick.toggle(field);
        }
    });
    on_cleanup(move || esc.remove());
    view! {
        <Show when=drawn>
            <div class="relationship-form__pick">
                <button
                    type="button"
                    class="button button--ghost button--small"
                    aria-pressed=move || picking().to_string()
                    on:click=move |_| pick.toggle(field)
                >
                    {move || if picking() { "Stop picking" } else { "Pick the target in the graph" }}
                </button>
                <span class="hint" role="status">
                    {move || picking().then_some("Click the target twin in the graph.")}
                </span>
            </div>
        </Show>
    }
}
