//! The models of an instance: list, upload (checked locally with the `dtdl` crate before
//! anything is sent), decommission and delete (each asked first in a dialog naming the model
//! and what follows from it), create a twin of a model (for writers), and two views of the
//! models: a list (with the inheritance tree and every relationship) and a graph (extends,
//! components and relationships between models, [`crate::graph::model_graph`]) where selecting
//! a model shows its details. The view and the selected model live in the address
//! (`?view=graph&model=…`), so Back and reloads come back to them.
//!
//! The page does not know how models are fetched: it gets a [`ModelsSource`] (the ADT client
//! in the app, a fake in tests).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use dtdl::{ModelError, ModelSet};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use serde_json::Value;
use wasm_bindgen::JsCast;

use crate::adt::ModelData;
use crate::components::confirm::ConfirmDialog;
use crate::components::create_twin::CreateTwinForm;
use crate::components::local_time::LocalTime;
use crate::format::count;
use crate::graph::model_graph::{ModelGraphView, connection_phrase, model_graph};
use crate::model_set::{InstanceModels, Unreadable, in_dependency_order, instance_set};
use crate::pages::explorer::use_explorer_context;

/// The route of this page.
pub const MODELS_PATH: &str = "/models";

/// How the page shows the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelsView {
    /// Cards, the inheritance tree and the relationships table.
    #[default]
    List,
    /// The model graph.
    Graph,
}

impl ModelsView {
    pub const ALL: [ModelsView; 2] = [ModelsView::List, ModelsView::Graph];

    /// The value of `?view=`.
    pub fn key(self) -> &'static str {
        match self {
            ModelsView::List => "list",
            ModelsView::Graph => "graph",
        }
    }

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            ModelsView::List => "List",
            ModelsView::Graph => "Graph",
        }
    }

    pub fn from_key(key: &str) -> Option<ModelsView> {
        ModelsView::ALL.into_iter().find(|v| v.key() == key)
    }
}

/// `path?view=graph&model=…`: the view (only when it is not the list) and the selected model.
pub fn models_address(path: &str, view: ModelsView, selected: Option<&str>) -> String {
    let mut query = Vec::new();
    if view != ModelsView::List {
        query.push(format!("view={}", view.key()));
    }
    if let Some(id) = selected.filter(|id| !id.is_empty()) {
        query.push(format!(
            "model={}",
            crate::adt::paging::encode_component(id)
        ));
    }
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// What a [`ModelsSource`] call returns: the value, or a message for the user.
pub type ModelsFuture<T> = Pin<Box<dyn Future<Output = Result<T, String>>>>;

/// One model of the instance, as `GET /models?includeModelDefinition=true` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    /// The best display name (English first), if the model has one.
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub decommissioned: bool,
    pub upload_time: Option<String>,
    /// The DTDL document, when the listing included it.
    pub model: Option<Value>,
}

impl ModelInfo {
    /// Reads one item of the ADT model list (`DigitalTwinsModelData`). `None` without an `id`.
    pub fn from_api(item: &Value) -> Option<ModelInfo> {
        ModelData::from_json(item).map(ModelInfo::from)
    }

    /// The display name, or the id when there is none.
    pub fn title(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.id)
    }
}

impl From<ModelData> for ModelInfo {
    fn from(data: ModelData) -> ModelInfo {
        ModelInfo {
            display_name: data.display_name.best().map(str::to_owned),
            description: data.description.best().map(str::to_owned),
            id: data.id,
            decommissioned: data.decommissioned,
            upload_time: data.upload_time,
            model: data.model.filter(Value::is_object),
        }
    }
}

/// Where models come from and go to.
pub trait ModelsSource {
    /// Every model, with definitions.
    fn list(&self) -> ModelsFuture<Vec<ModelInfo>>;
    /// `POST /models` with these documents (at most [`dtdl::MAX_MODELS_PER_BATCH`]).
    fn upload(&self, models: Vec<Value>) -> ModelsFuture<()>;
    /// Marks a model decommissioned (no new twins of it).
    fn decommission(&self, id: String) -> ModelsFuture<()>;
    fn delete(&self, id: String) -> ModelsFuture<()>;
}

/// A file the user picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickedFile {
    pub name: String,
    pub text: String,
}

/// Why an upload was refused before anything was sent. Each names its file, model and place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("no files were chosen")]
    NoFiles,
    #[error("{file}: line {line}, column {column}: not valid JSON ({message})")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: must hold one DTDL model (a JSON object) or an array of them")]
    NotModels { file: String },
    #[error("{}: {}{}: {message}", file.as_deref().unwrap_or("upload"), model.as_deref().unwrap_or("(model without an @id)"), path_suffix(path))]
    Invalid {
        /// The file holding the model, when the model could be identified.
        file: Option<String>,
        model: Option<String>,
        /// JSON pointer inside the model (empty: the whole model).
        path: String,
        message: String,
    },
}

fn path_suffix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at {path}")
    }
}

/// The instance's models as a [`ModelSet`] ([`instance_set`]), with the models it could not
/// take (uploads are then checked against the rest).
pub fn model_set(models: &[ModelInfo]) -> InstanceModels {
    instance_set(models.iter().map(|m| (m.id.as_str(), m.model.as_ref())))
}

/// Reads the picked files and checks their models against `existing` (the instance's models
/// plus the new ones must form a valid set). Returns the documents to send, in dependency
/// order, or every problem found.
pub fn check_upload(
    existing: &ModelSet,
    files: &[PickedFile],
) -> Result<Vec<Value>, Vec<UploadError>> {
    if files.is_empty() {
        return Err(vec![UploadError::NoFiles]);
    }
    let mut errors = Vec::new();
    // (document, file name)
    let mut documents: Vec<(Value, String)> = Vec::new();
    for file in files {
        match serde_json::from_slice::<Value>(file.text.as_bytes()) {
            Err(e) => errors.push(UploadError::Json {
                file: file.name.clone(),
                line: e.line(),
                column: e.column(),
                message: e
                    .to_string()
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            }),
            Ok(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_object) => {
                documents.extend(items.into_iter().map(|d| (d, file.name.clone())));
            }
            Ok(object @ Value::Object(_)) => documents.push((object, file.name.clone())),
            Ok(_) => errors.push(UploadError::NotModels {
                file: file.name.clone(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let file_of: BTreeMap<String, String> = documents
        .iter()
        .filter_map(|(d, f)| Some((d.get("@id")?.as_str()?.to_owned(), f.clone())))
        .collect();
    let docs: Vec<Value> = documents.into_iter().map(|(d, _)| d).collect();
    let mut trial = existing.clone();
    match trial.add_models(&docs) {
        Ok(_) => Ok(in_dependency_order(&docs)),
        Err(batch) => Err(batch
            .errors
            .into_iter()
            .map(|e: ModelError| UploadError::Invalid {
                file: e.model_id.as_ref().and_then(|id| file_of.get(id).cloned()),
                // The validator may start with the model id; it is shown once, before.
                message: e
                    .model_id
                    .as_deref()
                    .and_then(|id| e.message.strip_prefix(&format!("{id}: ")))
                    .unwrap_or(&e.message)
                    .to_owned(),
                model: e.model_id,
                path: e.path,
            })
            .collect()),
    }
}

/// Models that extend or use `id` (the service refuses to delete it while there are any).
pub fn delete_blockers(set: &ModelSet, id: &str) -> Vec<String> {
    set.dependants(id).iter().map(ToString::to_string).collect()
}

/// One model in the inheritance tree; a model with several parents appears under each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    pub id: String,
    pub children: Vec<TreeNode>,
}

/// The `extends` hierarchy: roots are models that extend no model of the set.
pub fn inheritance_tree(set: &ModelSet) -> Vec<TreeNode> {
    let ids = set.ids();
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut roots = Vec::new();
    for id in &ids {
        let parents: Vec<String> = set
            .interface(id.as_str())
            .map(|i| {
                i.extends
                    .iter()
                    .map(ToString::to_string)
                    .filter(|p| set.contains(p))
                    .collect()
            })
            .unwrap_or_default();
        if parents.is_empty() {
            roots.push(id.to_string());
        }
        for parent in parents {
            children.entry(parent).or_default().push(id.to_string());
        }
    }
    // `extends` is acyclic in a ModelSet, so the recursion ends.
    fn grow(id: &str, children: &BTreeMap<String, Vec<String>>) -> TreeNode {
        TreeNode {
            id: id.to_owned(),
            children: children
                .get(id)
                .map(|c| c.iter().map(|child| grow(child, children)).collect())
                .unwrap_or_default(),
        }
    }
    roots.iter().map(|r| grow(r, &children)).collect()
}

/// One relationship a model declares or inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRow {
    pub model: String,
    pub name: String,
    /// `None`: any twin may be the target.
    pub target: Option<String>,
    /// True when it comes from a model this one extends.
    pub inherited: bool,
}

/// Every model's relationships (own and inherited), by model id then name.
pub fn relationship_rows(set: &ModelSet) -> Vec<RelationshipRow> {
    let mut rows = Vec::new();
    for id in set.ids() {
        let Some(interface) = set.interface(id.as_str()) else {
            continue;
        };
        for r in &interface.relationships {
            rows.push(RelationshipRow {
                model: id.to_string(),
                name: r.name.clone(),
                target: r.target.as_ref().map(ToString::to_string),
                // Parents' interfaces are flattened too: one level tells.
                inherited: interface.extends.iter().any(|parent| {
                    set.interface(parent.as_str())
                        .is_some_and(|p| p.relationship(&r.name).is_some())
                }),
            });
        }
    }
    rows.sort_by(|a, b| (&a.model, &a.name).cmp(&(&b.model, &b.name)));
    rows
}

/// Reads the files of an `<input type=file>` (`File.text()`), through `Reflect` so no extra
/// `web-sys` features are needed.
async fn read_files(input: &web_sys::HtmlInputElement) -> Result<Vec<PickedFile>, String> {
    let get = |target: &wasm_bindgen::JsValue, key: &str| js_sys::Reflect::get(target, &key.into());
    let files =
        get(input, "files").map_err(|_| "the browser did not give the chosen files".to_owned())?;
    let count = get(&files, "length")
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u32;
    let mut picked = Vec::with_capacity(count as usize);
    for i in 0..count {
        let file = js_sys::Reflect::get_u32(&files, i)
            .map_err(|_| "a chosen file went missing".to_owned())?;
        let name = get(&file, "name")
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let text_fn = get(&file, "text")
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| "this browser cannot read files (File.text)".to_owned())?;
        let promise = text_fn
            .call0(&file)
            .ok()
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
            .ok_or_else(|| format!("{name}: could not be read"))?;
        let text = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .ok_or_else(|| format!("{name}: could not be read as text"))?;
        picked.push(PickedFile { name, text });
    }
    Ok(picked)
}

/// What the page is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Idle,
    Busy(String),
    Done(String),
    Failed(String),
}

/// The models page.
#[component]
pub fn ModelsPage(
    source: Rc<dyn ModelsSource>,
    /// Shows upload, decommission and delete controls.
    can_manage: bool,
) -> impl IntoView {
    let source = StoredValue::new_local(source);
    let models = RwSignal::new(Vec::<ModelInfo>::new());
    let set = RwSignal::new(Arc::new(ModelSet::new()));
    let unreadable = RwSignal::new(Vec::<Unreadable>::new());
    let status = RwSignal::new(Status::Idle);
    // Until the list has loaded once, there is nothing to count or draw: a failed first load
    // shows its error alone, never "0 models" beside it.
    let loaded = RwSignal::new(false);
    let pending = RwSignal::new(None::<Vec<Value>>);
    let problems = RwSignal::new(Vec::<UploadError>::new());
    let confirm_delete = RwSignal::new(None::<String>);
    let confirm_decommission = RwSignal::new(None::<String>);
    // Creating twins needs Twins.Writer in the instance the page belongs to.
    let can_create = use_explorer_context().is_some_and(|c| c.roles.can_write());
    let creating = RwSignal::new(None::<String>);

    // The view and the selected model live in the address (`?view=graph&model=…`), so Back
    // from another screen, a reload or a shared link shows the same thing.
    let params = use_query_map().get_untracked();
    let view_choice = RwSignal::new(
        params
            .get("view")
            .and_then(|v| ModelsView::from_key(&v))
            .unwrap_or_default(),
    );
    let selected = RwSignal::new(params.get("model").filter(|m| !m.is_empty()));
    let navigate = StoredValue::new_local(use_navigate());
    let pathname = use_location().pathname;
    let remember = move || {
        let address = models_address(
            &pathname.get_untracked(),
            view_choice.get_untracked(),
            selected.get_untracked().as_deref(),
        );
        navigate.with_value(|go| {
            go(
                &address,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            )
        });
    };
    let choose_view = move |choice: ModelsView| {
        view_choice.set(choice);
        remember();
    };
    let select = Callback::new(move |id: String| {
        selected.set(Some(id));
        remember();
    });
    let graph = Memo::new(move |_| set.with(|s| model_graph(s)));

    // Reloads the list; `after` is the message to show once it is loaded.
    let refresh = move |after: Option<String>| {
        status.set(Status::Busy("Loading models…".to_owned()));
        let future = source.with_value(|s| s.list());
        spawn_local(async move {
            match future.await {
                Ok(list) => {
                    let built = model_set(&list);
                    status.set(after.map_or(Status::Idle, Status::Done));
                    set.set(Arc::new(built.set));
                    unreadable.set(built.unreadable);
                    models.set(list);
                    loaded.set(true);
                }
                Err(message) => status.set(Status::Failed(message)),
            }
        });
    };
    Effect::new(move |previous: Option<()>| {
        if previous.is_none() {
            refresh(None);
        }
    });

    // Runs a change, then reloads the list.
    let act = move |busy: String, done: String, future: ModelsFuture<()>| {
        status.set(Status::Busy(busy));
        spawn_local(async move {
            match future.await {
                Ok(()) => refresh(Some(done)),
                Err(message) => status.set(Status::Failed(message)),
            }
        });
    };

    let on_files = move |e: leptos::ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        pending.set(None);
        problems.set(Vec::new());
        spawn_local(async move {
            let files = match read_files(&input).await {
                Ok(files) => files,
                Err(message) => {
                    status.set(Status::Failed(message));
                    return;
                }
            };
            let checked = set.with_untracked(|s| check_upload(s, &files));
            match checked {
                Ok(docs) => pending.set(Some(docs)),
                Err(errors) => problems.set(errors),
            }
        });
    };
    let send = move |_| {
        let Some(docs) = pending.get_untracked() else {
            return;
        };
        pending.set(None);
        let docs_count = docs.len();
        let future = source.with_value(|s| s.upload(docs));
        let models = count(docs_count, "model", "models");
        act(
            format!("Uploading {models}…"),
            format!("Uploaded {models}."),
            future,
        );
    };

    let status_view = move || match status.get() {
        Status::Idle => ().into_any(),
        Status::Busy(text) => view! { <p class="loading">{text}</p> }.into_any(),
        Status::Done(text) => view! { <p class="hint">{text}</p> }.into_any(),
        Status::Failed(text) => {
            view! { <div class="alert alert--error" role="alert"><p>{text}</p></div> }.into_any()
        }
    };

    let upload_view = move || {
        can_manage.then(|| {
            view! {
                <section class="card models-upload" aria-labelledby="models-upload-title">
                    <h2 id="models-upload-title">"Add models"</h2>
                    <label for="models-files">"DTDL files (one model or an array of models per file)"</label>
                    <input id="models-files" type="file" multiple accept=".json,application/json" on:change=on_files/>
                    {move || {
                        let errors = problems.get();
                        (!errors.is_empty()).then(|| view! {
                            <div class="alert alert--error" role="alert">
                                <p>{format!("Nothing was sent: {} to fix first.", count(errors.len(), "problem", "problems"))}</p>
                                <ul class="problems">
                                    {errors.into_iter().map(|e| {
                                        let (model, path) = match &e {
                                            UploadError::Invalid { model, path, .. } => (model.clone().unwrap_or_default(), path.clone()),
                                            _ => (String::new(), String::new()),
                                        };
                                        view! {
                                            <li data-model=model data-path=path>{e.to_string()}</li>
                                        }
                                    }).collect::<Vec<_>>()}
                                </ul>
                            </div>
                        })
                    }}
                    {move || pending.get().map(|docs| view! {
                        <p>{format!(
                            "{} {} valid and ready to upload.",
                            count(docs.len(), "model", "models"),
                            if docs.len() == 1 { "is" } else { "are" }
                        )}</p>
                        <button type="button" class="button" on:click=send>"Upload"</button>
                    })}
                </section>
            }
        })
    };

    // Create twin, decommission and delete for one model (as the person's roles allow).
    let actions = move |info: &ModelInfo| {
        let decommission_id = info.id.clone();
        let delete_id = info.id.clone();
        let create_id = info.id.clone();
        let create = (can_create && !info.decommissioned).then(|| {
            view! {
                <button type="button" class="button button--ghost"
                    aria-label=format!("Create twin of {}", info.title())
                    on:click=move |_| creating.set(Some(create_id.clone()))>
                    "Create twin…"
                </button>
            }
        });
        (can_manage || create.is_some()).then(|| {
            view! {
                <div class="models-list__actions">
                    {create}
                    {(can_manage && !info.decommissioned).then(|| view! {
                        <button type="button" class="button button--ghost"
                            on:click=move |_| confirm_decommission.set(Some(decommission_id.clone()))>
                            "Decommission…"
                        </button>
                    })}
                    {can_manage.then(|| view! {
                        <button type="button" class="button button--ghost" on:click=move |_| confirm_delete.set(Some(delete_id.clone()))>
                            "Delete…"
                        </button>
                    })}
                </div>
            }
        })
    };
    let model_row = move |info: ModelInfo| {
        view! {
            <li class="models-list__item">
                <div class="models-list__head">
                    <h3>{info.title().to_owned()}</h3>
                    {info.decommissioned.then(|| view! { <span class="models-badge">"Decommissioned"</span> })}
                </div>
                <code>{info.id.clone()}</code>
                {info.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
                {uploaded(&info)}
                {actions(&info)}
            </li>
        }
    };

    let create_view = move || {
        let id = creating.get()?;
        // Untracked: a refreshed list must not reset what is being typed.
        let title = models.with_untracked(|list| {
            list.iter()
                .find(|m| m.id == id)
                .map_or_else(|| id.clone(), |m| m.title().to_owned())
        });
        let models = set.get_untracked();
        Some(view! {
            <CreateTwinForm model_id=id title models on_cancel=move |()| creating.set(None)/>
        })
    };

    let title_of = move |id: &str| {
        models.with_untracked(|list| {
            list.iter()
                .find(|m| m.id == id)
                .map_or_else(|| id.to_owned(), |m| m.title().to_owned())
        })
    };
    let delete_view = move || {
        let id = confirm_delete.get()?;
        let blockers = set.with_untracked(|s| delete_blockers(s, &id));
        let title = title_of(&id);
        let cancel = move |()| confirm_delete.set(None);
        Some(if blockers.is_empty() {
            let target = id.clone();
            let confirm = move |()| {
                confirm_delete.set(None);
                let id = target.clone();
                let future = source.with_value(|s| s.delete(id.clone()));
                act(
                    format!("Deleting {id}…"),
                    format!("{id} is deleted."),
                    future,
                );
            };
            view! {
                <ConfirmDialog
                    title=format!("Delete the model {title}?")
                    confirm="Delete model"
                    on_confirm=confirm
                    on_cancel=cancel
                >
                    <p>"The model " <code>{id}</code> " is removed from the instance."</p>
                    <p>"Twins of this model stay, but they can no longer be updated until the model is uploaded again."</p>
                </ConfirmDialog>
            }
            .into_any()
        } else {
            let count = blockers.len();
            view! {
                <ConfirmDialog title=format!("{title} cannot be deleted yet") cancel="Close" on_cancel=cancel>
                    <p>
                        {if count == 1 {
                            "This model extends or uses it, and must be deleted first:".to_owned()
                        } else {
                            format!("These {count} models extend or use it, and must be deleted first:")
                        }}
                    </p>
                    <ul class="problems">
                        {blockers.into_iter().map(|b| view! { <li><code>{b}</code></li> }).collect::<Vec<_>>()}
                    </ul>
                </ConfirmDialog>
            }
            .into_any()
        })
    };

    let decommission_view = move || {
        let id = confirm_decommission.get()?;
        let title = title_of(&id);
        let target = id.clone();
        let confirm = move |()| {
            confirm_decommission.set(None);
            let id = target.clone();
            let future = source.with_value(|s| s.decommission(id.clone()));
            act(
                format!("Decommissioning {id}…"),
                format!("{id} is decommissioned."),
                future,
            );
        };
        Some(view! {
            <ConfirmDialog
                title=format!("Decommission the model {title}?")
                confirm="Decommission model"
                on_confirm=confirm
                on_cancel=move |()| confirm_decommission.set(None)
            >
                <p>"No new twins of " <code>{id}</code> " can be created once it is decommissioned. Its twins stay and can still be edited."</p>
                <p>"Decommissioning cannot be undone."</p>
            </ConfirmDialog>
        })
    };

    let titles = move || -> BTreeMap<String, String> {
        models.with(|m| {
            m.iter()
                .map(|i| (i.id.clone(), i.title().to_owned()))
                .collect()
        })
    };
    let tree_view = move || {
        let names = titles();
        let tree = set.with(|s| inheritance_tree(s));
        view! { <ul class="model-tree">{tree_items(tree, &names)}</ul> }
    };
    let relationships_view = move || {
        let rows = set.with(|s| relationship_rows(s));
        if rows.is_empty() {
            return view! { <p class="hint">"No model declares a relationship."</p> }.into_any();
        }
        view! {
            <table class="models-relationships">
                <thead><tr><th scope="col">"Model"</th><th scope="col">"Relationship"</th><th scope="col">"Target"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td><code>{r.model}</code></td>
                            <td>{r.name}{r.inherited.then_some(" (inherited)")}</td>
                            <td>{match r.target { Some(t) => view! { <code>{t}</code> }.into_any(), None => view! { <span>"any twin"</span> }.into_any() }}</td>
                        </tr>
                    }).collect::<Vec<_>>()}
                </tbody>
            </table>
        }
        .into_any()
    };

    // The selected model, beside (or below) the graph: what it is and what it is connected
    // to, each other model a button that selects it.
    let details_view = move || {
        let hint = || {
            view! {
                <section class="card model-details" aria-labelledby="model-details-title">
                    <h3 id="model-details-title">"No model selected"</h3>
                    <p class="hint">"Select a model in the graph (click it, or Tab to it and press Enter) to see its details."</p>
                </section>
            }
            .into_any()
        };
        let Some(id) = selected.get() else {
            return hint();
        };
        let Some(info) = models.with(|list| list.iter().find(|m| m.id == id).cloned()) else {
            return hint();
        };
        let connections = graph.with(|g| {
            g.edges
                .iter()
                .filter(|e| e.source == id || e.target == id)
                .map(|e| {
                    let outgoing = e.source == id;
                    let other = if outgoing { &e.target } else { &e.source };
                    (
                        connection_phrase(e, outgoing),
                        other.clone(),
                        g.name_of(other).to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        });
        let connections = if connections.is_empty() {
            view! { <p class="hint">"It extends no model, has no components and no relationship with a target, and no model refers to it."</p> }
                .into_any()
        } else {
            view! {
                <ul class="model-details__connections">
                    {connections.into_iter().map(|(phrase, other, name)| view! {
                        <li>
                            <span>{phrase}</span>" "
                            <button type="button" class="model-details__link" title=other.clone()
                                on:click=move |_| select.run(other.clone())>
                                {name}
                            </button>
                        </li>
                    }).collect::<Vec<_>>()}
                </ul>
            }
            .into_any()
        };
        view! {
            <section class="card model-details" aria-labelledby="model-details-title">
                <div class="models-list__head">
                    <h3 id="model-details-title">{info.title().to_owned()}</h3>
                    {info.decommissioned.then(|| view! { <span class="models-badge">"Decommissioned"</span> })}
                </div>
                <code>{info.id.clone()}</code>
                {info.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
                {uploaded(&info)}
                <h4>"Connections"</h4>
                {connections}
                {actions(&info)}
            </section>
        }
        .into_any()
    };

    let view_switch = move || {
        view! {
            <div class="models-views" role="group" aria-label="Show the models as">
                {ModelsView::ALL.into_iter().map(|choice| view! {
                    <button
                        type="button"
                        class="button button--ghost models-views__choice"
                        aria-pressed=move || (view_choice.get() == choice).to_string()
                        on:click=move |_| choose_view(choice)
                    >
                        {choice.label()}
                    </button>
                }).collect::<Vec<_>>()}
            </div>
        }
    };

    view! {
        // The instance shell provides the page's `main` landmark and its heading.
        <div class="models-page">
            <div aria-live="polite">{status_view}</div>
            {move || {
                let problems = unreadable.get();
                let ids: Vec<&str> = problems.iter().map(Unreadable::id).collect();
                (!problems.is_empty()).then(|| view! {
                    <div class="hint">
                        <p>{format!(
                            "{} could not be checked locally ({}); uploads that use them are checked by the service only.",
                            count(ids.len(), "model", "models"), ids.join(", ")
                        )}</p>
                        <details>
                            <summary>"Why"</summary>
                            <ul class="problems">
                                {problems.iter().map(|p| view! { <li>{p.to_string()}</li> }).collect::<Vec<_>>()}
                            </ul>
                        </details>
                    </div>
                })
            }}
            {upload_view}
            {create_view}
            {delete_view}
            {decommission_view}
            {move || loaded.get().then(|| view! {
                <section aria-labelledby="models-list-title">
                    <div class="models-views__head">
                        <h2 id="models-list-title">{move || count(models.with(Vec::len), "model", "models")}</h2>
                        {view_switch}
                    </div>
                    {move || match view_choice.get() {
                        ModelsView::List => view! {
                            <ul class="models-list">
                                {move || models.get().into_iter().map(model_row).collect::<Vec<_>>()}
                            </ul>
                        }
                        .into_any(),
                        ModelsView::Graph => view! {
                            <div class="models-graph">
                                <ModelGraphView graph=graph selected=selected on_select=select/>
                                {details_view}
                            </div>
                        }
                        .into_any(),
                    }}
                </section>
                {move || (view_choice.get() == ModelsView::List).then(|| view! {
                    <section class="card models-section" aria-labelledby="models-tree-title">
                        <h2 id="models-tree-title">"Inheritance"</h2>
                        {tree_view}
                    </section>
                    <section class="card models-section" aria-labelledby="models-relationships-title">
                        <h2 id="models-relationships-title">"Relationships"</h2>
                        {relationships_view}
                    </section>
                })}
            })}
        </div>
    }
}

/// "Uploaded …" in the person's locale, with the service's value on hover.
fn uploaded(info: &ModelInfo) -> Option<impl IntoView + use<>> {
    info.upload_time.clone().map(|raw| {
        view! { <p class="hint models-uploaded">"Uploaded " <LocalTime raw/></p> }
    })
}

/// Nested list items of the inheritance tree (display name, then id).
fn tree_items(nodes: Vec<TreeNode>, names: &BTreeMap<String, String>) -> Vec<AnyView> {
    nodes
        .into_iter()
        .map(|node| {
            let name = names
                .get(&node.id)
                .cloned()
                .unwrap_or_else(|| node.id.clone());
            let children = (!node.children.is_empty())
                .then(|| view! { <ul>{tree_items(node.children, names)}</ul> });
            view! {
                <li><span>{name}</span>" "<code>{node.id}</code>{children}</li>
            }
            .into_any()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::components::property_editor::{FormError, TwinForm};

    fn space() -> Value {
        json!({"@id": "dtmi:x:Space;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
               "displayName": "Space",
               "contents": [{"@type": "Relationship", "name": "contains"}]})
    }

    fn room() -> Value {
        json!({"@id": "dtmi:x:Room;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
        "extends": "dtmi:x:Space;1",
        "contents": [
            {"@type": "Property", "name": "temperature", "schema": "double"},
            {"@type": "Relationship", "name": "feeds", "target": "dtmi:x:Room;1"}
        ]})
    }

    fn info(model: Value) -> ModelInfo {
        ModelInfo::from_api(&json!({
            "id": model["@id"].clone(), "decommissioned": false, "model": model
        }))
        .expect("valid item")
    }

    fn file(name: &str, value: &Value) -> PickedFile {
        PickedFile {
            name: name.into(),
            text: value.to_string(),
        }
    }

    #[test]
    fn the_address_keeps_the_view_and_the_selected_model() {
        let check = |view: ModelsView, selected: Option<&str>, expected: &str| {
            assert_eq!(models_address("/t/x/i/h/models", view, selected), expected);
        };
        check(ModelsView::List, None, "/t/x/i/h/models");
        check(ModelsView::List, Some(""), "/t/x/i/h/models");
        check(ModelsView::Graph, None, "/t/x/i/h/models?view=graph");
        check(
            ModelsView::Graph,
            Some("dtmi:x:Room;1"),
            "/t/x/i/h/models?view=graph&model=dtmi%3Ax%3ARoom%3B1",
        );
        check(
            ModelsView::List,
            Some("dtmi:x:Room;1"),
            "/t/x/i/h/models?model=dtmi%3Ax%3ARoom%3B1",
        );
        for view in ModelsView::ALL {
            assert_eq!(ModelsView::from_key(view.key()), Some(view));
        }
        assert_eq!(ModelsView::from_key("tree"), None);
    }

    #[test]
    fn api_items_give_names_descriptions_and_flags() {
        let item = json!({
            "id": "dtmi:x:A;1", "displayName": {"de": "Raum", "en": "Room"},
            "description": {"fr": "Une pièce"}, "decommissioned": true, "uploadTime": "2024-01-01T00:00:00Z"
        });
        let m = ModelInfo::from_api(&item).expect("valid");
        assert_eq!(m.title(), "Room");
        assert_eq!(m.description.as_deref(), Some("Une pièce"));
        assert!(m.decommissioned);
        assert_eq!(m.model, None);
        assert!(ModelInfo::from_api(&json!({"displayName": "x"})).is_none());
        let bare = ModelInfo::from_api(&json!({"id": "dtmi:x:B;1"})).expect("valid");
        assert_eq!(bare.title(), "dtmi:x:B;1");
    }

    #[test]
    fn the_instance_set_is_built_in_dependency_order_and_reports_what_it_cannot_read() {
        // Room (extends Space) listed first; one model without a definition; one invalid.
        let broken = json!({"@id": "dtmi:x:Broken;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
                            "contents": [{"@type": "Property", "name": "p", "schema": "flaot"}]});
        let mut list = vec![info(room()), info(space()), info(broken)];
        list.push(ModelInfo::from_api(&json!({"id": "dtmi:x:NoDef;1"})).expect("valid"));
        let built = model_set(&list);
        assert!(built.set.contains("dtmi:x:Room;1") && built.set.contains("dtmi:x:Space;1"));
        let rejected: Vec<&str> = built.unreadable.iter().map(Unreadable::id).collect();
        assert_eq!(rejected, ["dtmi:x:NoDef;1", "dtmi:x:Broken;1"]);
    }

    #[test]
    fn uploads_are_checked_against_the_instance_and_errors_name_file_model_and_path() {
        let set = model_set(&[info(space())]).set;
        // A valid upload: one file with an array, in any order.
        let pump = json!({"@id": "dtmi:x:Pump;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
                          "extends": "dtmi:x:Room;1"});
        let ok =
            check_upload(&set, &[file("b.json", &json!([pump, room()]))]).expect("valid upload");
        let ids: Vec<&str> = ok.iter().filter_map(|d| d["@id"].as_str()).collect();
        assert_eq!(ids, ["dtmi:x:Room;1", "dtmi:x:Pump;1"]);

        // A bad schema in one file, an existing id in another, broken JSON, a non-model.
        let mut bad = room();
        bad["contents"][0]["schema"] = json!("flaot");
        let errors = check_upload(
            &set,
            &[file("room.json", &bad), file("space.json", &space())],
        )
        .expect_err("invalid upload");
        let check = |model: &str, file: &str, path_prefix: &str| {
            assert!(
                errors.iter().any(
                    |e| matches!(e, UploadError::Invalid { model: Some(m), file: Some(f), path, .. }
                    if m == model && f == file && path.starts_with(path_prefix))
                ),
                "no error for {model} in {file} at {path_prefix}: {errors:#?}"
            );
        };
        check("dtmi:x:Room;1", "room.json", "/contents/0");
        check("dtmi:x:Space;1", "space.json", "/@id");
        // Each message names the model it is about, not only the file.
        for e in &errors {
            if let UploadError::Invalid {
                model: Some(m),
                file: Some(f),
                message,
                ..
            } = e
            {
                let shown = e.to_string();
                assert!(shown.starts_with(&format!("{f}: {m}")), "{shown}");
                assert!(!message.starts_with(m.as_str()), "said once: {shown}");
            }
        }

        let errors = check_upload(
            &set,
            &[
                PickedFile {
                    name: "a.json".into(),
                    text: "{\n \"@id\": ".into(),
                },
                file("n.json", &json!(42)),
            ],
        )
        .expect_err("unreadable files");
        assert!(matches!(&errors[0], UploadError::Json { file, line: 2, .. } if file == "a.json"));
        assert_eq!(
            errors[1],
            UploadError::NotModels {
                file: "n.json".into()
            }
        );
        assert_eq!(check_upload(&set, &[]), Err(vec![UploadError::NoFiles]));
    }

    #[test]
    fn the_create_form_reads_inherited_properties_from_the_instance_set() {
        let set = model_set(&[info(room()), info(space())]).set;
        let form = TwinForm::of(&set, "dtmi:x:Room;1").expect("room is readable");
        let names: Vec<&str> = form.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["temperature"]);
        // Without the model it extends, Room is not in the set: no form, and why.
        let alone = model_set(&[info(room())]);
        assert_eq!(
            TwinForm::of(&alone.set, "dtmi:x:Room;1"),
            Err(FormError::UnknownModel("dtmi:x:Room;1".into()))
        );
        assert!(
            matches!(&alone.unreadable[..], [Unreadable::Invalid { id, reason }] if id == "dtmi:x:Room;1" && reason.contains("dtmi:x:Space;1")),
            "{:?}",
            alone.unreadable
        );
    }

    #[test]
    fn deleting_a_model_others_extend_is_blocked_by_name() {
        let set = model_set(&[info(space()), info(room())]).set;
        assert_eq!(delete_blockers(&set, "dtmi:x:Space;1"), ["dtmi:x:Room;1"]);
        assert!(delete_blockers(&set, "dtmi:x:Room;1").is_empty());
    }

    #[test]
    fn the_inheritance_tree_and_relationship_rows_follow_the_models() {
        let pump = json!({"@id": "dtmi:x:Pump;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3"});
        let set = model_set(&[info(room()), info(space()), info(pump)]).set;
        assert_eq!(
            inheritance_tree(&set),
            [
                TreeNode {
                    id: "dtmi:x:Pump;1".into(),
                    children: vec![]
                },
                TreeNode {
                    id: "dtmi:x:Space;1".into(),
                    children: vec![TreeNode {
                        id: "dtmi:x:Room;1".into(),
                        children: vec![]
                    }]
                },
            ]
        );
        let rows = relationship_rows(&set);
        let summary: Vec<(&str, &str, Option<&str>, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r.model.as_str(),
                    r.name.as_str(),
                    r.target.as_deref(),
                    r.inherited,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("dtmi:x:Room;1", "contains", None, true),
                ("dtmi:x:Room;1", "feeds", Some("dtmi:x:Room;1"), false),
                ("dtmi:x:Space;1", "contains", None, false),
            ]
        );
    }
}
