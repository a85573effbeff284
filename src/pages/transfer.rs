//! `/t/{tenant}/i/{host}/transfer`: export the whole graph of an instance (models, twins,
//! relationships with their properties) as JSON, as import-job NDJSON or for Azure Digital
//! Twins Explorer, and import such a file, or an Azure Digital Twins Explorer export (its
//! JSON or its `.xlsx`), with a plan, visible progress and a report of what failed.
//!
//! The formats, the plan and its execution are [`crate::transfer`]'s (this screen is the only
//! user of its `.xlsx` reader, which so lives in this screen's lazily loaded wasm module);
//! this module adds the
//! reads and writes through [`AdtClient`] (whose retry honours 429 `Retry-After`), the
//! download (a `Blob` behind an object URL on an `<a download>`) and the screen.
//!
//! Invariants: write controls appear only for `Twins.Writer` and above, and a model upload is
//! attempted only for `Twins.Admin` (for others it fails in the report with the reason, and
//! the twins of those models are skipped). Every value is rendered as text. A failed or
//! skipped step stays in the report and can be run again ([`retry_plan`]).
//!
//! Long runs can be stopped: Stop during an export ends the reading and writes nothing (what
//! was read is not the whole graph); Stop during an import lets the item being sent finish,
//! sends nothing more, and the report counts what was not sent, which "Go on" sends later.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

use crate::adt::{AdtClient, AdtError, CancelFlag};
use crate::pages::explorer::ExplorerContext;
use crate::transfer::{
    Format, Graph, Header, ImportPlan, ImportReport, Layout, Step, export_explorer_json,
    export_json, export_ndjson, import_file,
};

/// The query that reads every twin.
pub const ALL_TWINS: &str = "SELECT * FROM DIGITALTWINS";
/// The query that reads every relationship.
pub const ALL_RELATIONSHIPS: &str = "SELECT * FROM RELATIONSHIPS";
/// Why a model upload is refused to users below `Twins.Admin`.
pub const MODELS_NEED_ADMIN: &str = "uploading models needs the Twins.Admin role";
/// The label of the import's file input.
pub const FILE_LABEL: &str = "File to import";
/// What the file input accepts (besides its label, which the end-to-end tests find it by).
pub const FILE_HINT: &str = "JSON, import-job NDJSON, or an Azure Digital Twins Explorer export: its JSON (models, twins and relationships) or its spreadsheet (.xlsx: twins and relationships; its models must already be in the instance).";
/// The file types the picker offers.
const ACCEPT: &str = ".json,.ndjson,.xlsx,application/json,application/x-ndjson,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `/t/{tenant}/i/{host}/transfer`.
pub fn transfer_path(tenant: &impl std::fmt::Display, host: &impl std::fmt::Display) -> String {
    format!("/t/{tenant}/i/{host}/transfer")
}

/// The file name of an export: the instance's first host label, then `-export.json`,
/// `-export.ndjson` or `-adt-explorer.json`.
pub fn export_file_name(host: &str, format: Format) -> String {
    let name = host
        .split('.')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("twins");
    match format {
        Format::Json => format!("{name}-export.json"),
        Format::Ndjson => format!("{name}-export.ndjson"),
        Format::ExplorerJson => format!("{name}-adt-explorer.json"),
    }
}

/// The MIME type of an export.
fn mime(format: Format) -> &'static str {
    match format {
        Format::Json | Format::ExplorerJson => "application/json",
        Format::Ndjson => "application/x-ndjson",
    }
}

/// The relationship in a `SELECT * FROM RELATIONSHIPS` row: the row itself, or its single
/// projected value (`SELECT R FROM RELATIONSHIPS R`).
pub fn row_relationship(row: &Value) -> Option<&Value> {
    if row.get("$relationshipId").is_some() {
        return Some(row);
    }
    let object = row.as_object()?;
    (object.len() == 1)
        .then(|| object.values().next())
        .flatten()
        .filter(|v| v.get("$relationshipId").is_some())
}

/// The twin in a `SELECT * FROM DIGITALTWINS` row (itself, or its single projected value).
pub fn row_twin(row: &Value) -> Option<&Value> {
    if row.get("$dtId").is_some() {
        return Some(row);
    }
    let object = row.as_object()?;
    (object.len() == 1)
        .then(|| object.values().next())
        .flatten()
        .filter(|v| v.get("$dtId").is_some())
}

/// How many of each thing a plan will send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanCounts {
    pub models: usize,
    pub model_uploads: usize,
    pub twins: usize,
    pub relationships: usize,
}

impl PlanCounts {
    pub fn of(plan: &ImportPlan) -> PlanCounts {
        let mut counts = PlanCounts::default();
        for step in &plan.steps {
            match step {
                Step::Models(models) => {
                    counts.model_uploads += 1;
                    counts.models += models.len();
                }
                Step::Twin { .. } => counts.twins += 1,
                Step::Relationship { .. } => counts.relationships += 1,
            }
        }
        counts
    }
}

/// A checked file, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub file_name: String,
    /// What the file was read as.
    pub layout: Layout,
    pub plan: ImportPlan,
    /// Models of the file the instance already has (left out of the plan).
    pub models_present: usize,
    /// Models that twins of the file use but neither the instance nor the file has, with how
    /// many twins use each: those twins will fail unless the models are uploaded first.
    pub missing_models: BTreeMap<String, usize>,
}

impl Prepared {
    /// How many twins use a model in [`Prepared::missing_models`].
    pub fn twins_without_model(&self) -> usize {
        self.missing_models.values().sum()
    }
}

/// The plan for `graph` (read as `layout`) on an instance that already has the models
/// `existing`: those models are left out (uploading them again would be refused as a
/// conflict); everything else is planned by [`ImportPlan::new`]. Twins whose model is
/// nowhere are still planned (their failure is reported with the service's reason), and
/// counted in [`Prepared::missing_models`].
pub fn prepare(
    file_name: &str,
    layout: Layout,
    mut graph: Graph,
    existing: &BTreeSet<String>,
) -> Prepared {
    let before = graph.models.len();
    let in_file: BTreeSet<&str> = graph
        .models
        .iter()
        .filter_map(|m| m.get("@id").and_then(Value::as_str))
        .collect();
    let mut missing_models = BTreeMap::new();
    for twin in &graph.twins {
        if let Some(model) = twin.pointer("/$metadata/$model").and_then(Value::as_str)
            && !existing.contains(model)
            && !in_file.contains(model)
        {
            *missing_models.entry(model.to_owned()).or_insert(0) += 1;
        }
    }
    graph.models.retain(|m| {
        m.get("@id")
            .and_then(Value::as_str)
            .is_none_or(|id| !existing.contains(id))
    });
    Prepared {
        file_name: file_name.to_owned(),
        layout,
        models_present: before - graph.models.len(),
        missing_models,
        plan: ImportPlan::new(&graph),
    }
}

/// The warning about twins whose model is nowhere, if there are any.
pub fn missing_models_text(prepared: &Prepared) -> Option<String> {
    let twins = prepared.twins_without_model();
    (twins > 0).then(|| {
        let models: Vec<&str> = prepared.missing_models.keys().map(String::as_str).collect();
        let (twin_word, model_word) = match (twins, models.len()) {
            (1, _) => ("twin uses a model", "it"),
            (_, 1) => ("twins use a model", "it"),
            _ => ("twins use models", "them"),
        };
        format!(
            "{twins} {twin_word} the instance does not have: {}. Upload {model_word} first (on the Models screen), or those twins will fail.",
            models.join(", ")
        )
    })
}

/// The steps of `plan` that did not succeed in `report` (failed or skipped), in their order,
/// to run again. `report` must come from executing `plan` (one outcome per step).
pub fn retry_plan(plan: &ImportPlan, report: &ImportReport) -> ImportPlan {
    ImportPlan {
        steps: plan
            .steps
            .iter()
            .zip(&report.outcomes)
            .filter(|(_, (_, outcome))| *outcome != crate::transfer::Outcome::Done)
            .map(|(step, _)| step.clone())
            .collect(),
    }
}

/// Why `step` may not be sent by this user, if it may not.
pub fn refusal(step: &Step, can_manage_models: bool) -> Option<&'static str> {
    matches!(step, Step::Models(_))
        .then_some(MODELS_NEED_ADMIN)
        .filter(|_| !can_manage_models)
}

/// The service's words for a failed step: its message, then the individual errors it lists
/// in `details` (for an invalid twin, which property and why).
pub fn failure_text(error: &AdtError) -> String {
    match error {
        AdtError::Validation {
            message, details, ..
        } if !details.is_empty() => {
            let details: Vec<&str> = details.iter().map(|d| d.message.as_str()).collect();
            format!("{message} {}", details.join(" "))
        }
        other => other.to_string(),
    }
}

/// Sends one step through the client.
async fn send_step(adt: &AdtClient, step: &Step) -> Result<(), AdtError> {
    match step {
        Step::Models(models) => adt.add_models(models).await.map(drop),
        Step::Twin { id, twin } => adt.create_twin(id, twin, false).await.map(drop),
        Step::Relationship {
            source,
            id,
            relationship,
        } => adt
            .put_relationship(source, id, relationship)
            .await
            .map(drop),
    }
}

/// Counts read so far by an export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Read {
    models: usize,
    twins: usize,
    relationships: usize,
}

/// Reads the whole graph, reporting counts as pages arrive.
async fn read_graph(
    adt: &AdtClient,
    progress: RwSignal<Read>,
    cancel: CancelFlag,
) -> Result<Graph, AdtError> {
    let models: Vec<Value> = adt
        .list_models(true)
        .await?
        .into_iter()
        .filter_map(|m| m.model)
        .collect();
    progress.update(|p| p.models = models.len());
    let mut twins = Vec::new();
    adt.query_all(
        ALL_TWINS,
        |page| {
            twins.extend(page.items.iter().filter_map(row_twin).cloned());
            progress.update(|p| p.twins = twins.len());
        },
        cancel.clone(),
    )
    .await?;
    let mut relationships = Vec::new();
    adt.query_all(
        ALL_RELATIONSHIPS,
        |page| {
            relationships.extend(page.items.iter().filter_map(row_relationship).cloned());
            progress.update(|p| p.relationships = relationships.len());
        },
        cancel,
    )
    .await?;
    Ok(Graph {
        models,
        twins,
        relationships,
    })
}

/// Through `Reflect`, so no extra `web-sys` features are needed.
fn js_get(target: &JsValue, key: &str) -> Result<JsValue, String> {
    js_sys::Reflect::get(target, &key.into()).map_err(|_| format!("the browser has no {key}"))
}

fn js_function(target: &JsValue, key: &str) -> Result<js_sys::Function, String> {
    js_get(target, key)?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| format!("the browser has no {key}()"))
}

/// An object URL for a `Blob` holding `text`.
fn object_url(text: &str, mime: &str) -> Result<String, String> {
    let global = js_sys::global();
    let blob_class = js_function(&global, "Blob")?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &mime.into())
        .map_err(|_| "the download could not be prepared".to_owned())?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = js_sys::Reflect::construct(&blob_class, &js_sys::Array::of2(&parts, &options))
        .map_err(|_| "the download could not be prepared".to_owned())?;
    let url = js_get(&global, "URL")?;
    js_function(&url, "createObjectURL")?
        .call1(&url, &blob)
        .ok()
        .and_then(|u| u.as_string())
        .ok_or_else(|| "the download could not be prepared".to_owned())
}

fn revoke_object_url(object_url: &str) {
    let global = js_sys::global();
    if let Ok(url) = js_get(&global, "URL")
        && let Ok(revoke) = js_function(&url, "revokeObjectURL")
    {
        let _ = revoke.call1(&url, &JsValue::from_str(object_url));
    }
}

/// The name and bytes of the first file of an `<input type=file>` (`File.arrayBuffer()`).
async fn read_file(input: &web_sys::HtmlInputElement) -> Result<Option<(String, Vec<u8>)>, String> {
    let files = js_get(input, "files")?;
    let Ok(file) = js_sys::Reflect::get_u32(&files, 0) else {
        return Ok(None);
    };
    if file.is_undefined() || file.is_null() {
        return Ok(None);
    }
    let name = js_get(&file, "name")?.as_string().unwrap_or_default();
    let promise = js_function(&file, "arrayBuffer")?
        .call0(&file)
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        .ok_or_else(|| format!("{name} could not be read"))?;
    let buffer = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| format!("{name} could not be read"))?;
    Ok(Some((name, js_sys::Uint8Array::new(&buffer).to_vec())))
}

/// The export part of the screen.
#[derive(Debug, Clone, PartialEq)]
enum Export {
    Idle,
    Reading(Format),
    Ready {
        format: Format,
        url: String,
        file_name: String,
        bytes: usize,
        read: Read,
    },
    /// Stopped by the person: nothing was written.
    Stopped(Read),
    Failed(String),
}

/// The import part of the screen.
#[derive(Debug, Clone, PartialEq)]
enum Import {
    Idle,
    Checking,
    Invalid(Vec<String>),
    Planned(Prepared),
    Running {
        done: usize,
        total: usize,
    },
    Reported {
        plan: ImportPlan,
        report: ImportReport,
    },
    Failed(String),
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "JSON",
        Format::Ndjson => "NDJSON",
        Format::ExplorerJson => "ADT Explorer JSON",
    }
}

/// Where the screen keeps its outcomes in the instance's [`ScreenMemory`](crate::pages::explorer::ScreenMemory).
const IMPORT_MEMORY: &str = "transfer/import";
const EXPORT_MEMORY: &str = "transfer/export";

/// The import/export screen of one instance.
#[component]
pub fn TransferPage(ctx: ExplorerContext) -> impl IntoView {
    let can_write = ctx.roles.can_write();
    let can_manage_models = ctx.roles.can_manage_models();
    let host = ctx.host.to_string();
    let organization = ctx.tenant.to_string();
    let adt = StoredValue::new_local(ctx.adt.clone());
    // Coming back (Back from a twin, or the tab again): the last export's and import's
    // outcome as they were; a run still going when the person left was stopped then.
    let memory = ctx.memory;
    let export = RwSignal::new(
        memory
            .recall::<Export>(EXPORT_MEMORY)
            .filter(|e| !matches!(e, Export::Reading(_)))
            .unwrap_or(Export::Idle),
    );
    let read = RwSignal::new(Read::default());
    let state = RwSignal::new(
        memory
            .recall::<Import>(IMPORT_MEMORY)
            .filter(|s| !matches!(s, Import::Running { .. } | Import::Checking))
            .unwrap_or(Import::Idle),
    );
    Effect::new(move |_| memory.keep(IMPORT_MEMORY, state.get()));
    Effect::new(move |_| memory.keep(EXPORT_MEMORY, export.get()));
    // The export's and the import's runs: each run gets a fresh flag, which Stop (or leaving
    // the screen) sets.
    let cancel = StoredValue::new_local(CancelFlag::new());
    let import_stop = StoredValue::new_local(CancelFlag::new());

    let release_url = move || {
        if let Export::Ready { url, .. } = export.get_untracked() {
            revoke_object_url(&url);
        }
    };
    // An export's end, kept also when the screen has gone meanwhile.
    let finish_export = move |done: Export| {
        memory.keep(EXPORT_MEMORY, done.clone());
        export.try_set(done);
    };
    // Leaving stops what runs. A finished export's download stays (the screen's memory holds
    // it for coming back); the next export releases it.
    on_cleanup(move || {
        cancel.with_value(CancelFlag::cancel);
        import_stop.with_value(CancelFlag::cancel);
    });

    let start_export = move |format: Format| {
        let host = host.clone();
        let organization = organization.clone();
        move |_| {
            release_url();
            read.set(Read::default());
            export.set(Export::Reading(format));
            let client = adt.get_value();
            let flag = CancelFlag::new();
            cancel.set_value(flag.clone());
            let (host, organization) = (host.clone(), organization.clone());
            spawn_local(async move {
                let graph = match read_graph(&client, read, flag.clone()).await {
                    // Stopped: what was read so far is not a whole graph, so nothing is written.
                    Ok(_) if flag.is_cancelled() => {
                        let read = read.try_get_untracked().unwrap_or_default();
                        finish_export(Export::Stopped(read));
                        return;
                    }
                    Ok(graph) => graph,
                    Err(e) => {
                        finish_export(Export::Failed(e.to_string()));
                        return;
                    }
                };
                let text = match format {
                    Format::Json => export_json(&graph),
                    Format::ExplorerJson => export_explorer_json(&graph),
                    Format::Ndjson => {
                        export_ndjson(&graph, &Header::new("twinscope", organization))
                    }
                };
                match object_url(&text, mime(format)) {
                    Ok(url) => finish_export(Export::Ready {
                        format,
                        url,
                        file_name: export_file_name(&host, format),
                        bytes: text.len(),
                        read: read.try_get_untracked().unwrap_or_default(),
                    }),
                    Err(message) => finish_export(Export::Failed(message)),
                }
            });
        }
    };

    let export_view = move || {
        match export.get() {
        Export::Idle => view! { <p class="hint">"Choose a format to read the whole graph."</p> }.into_any(),
        Export::Reading(format) => view! {
            <p class="transfer-progress">{move || {
                let r = read.get();
                format!(
                    "Reading for {}: {} models, {} twins, {} relationships so far…",
                    format_name(format), r.models, r.twins, r.relationships
                )
            }}</p>
            <button type="button" class="button button--ghost" on:click=move |_| cancel.with_value(CancelFlag::cancel)>
                "Stop"
            </button>
        }
        .into_any(),
        Export::Stopped(read) => view! {
            <p>{format!(
                "Export stopped after reading {} models, {} twins and {} relationships; nothing was written.",
                read.models, read.twins, read.relationships
            )}</p>
        }
        .into_any(),
        Export::Ready { format, url, file_name, bytes, read } => view! {
            <p>{format!(
                "Exported {} models, {} twins and {} relationships as {} ({} bytes).",
                read.models, read.twins, read.relationships, format_name(format), bytes
            )}</p>
            <p><a class="button button--primary" href=url download=file_name.clone()>{format!("Download {file_name}")}</a></p>
        }
        .into_any(),
        Export::Failed(message) => view! {
            <div class="alert alert--error" role="alert"><p>{format!("The export failed: {message}")}</p></div>
        }
        .into_any(),
    }
    };
    let exporting = move || matches!(export.get(), Export::Reading(_));

    let on_file = move |e: leptos::ev::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        state.set(Import::Checking);
        let client = adt.get_value();
        spawn_local(async move {
            let (name, bytes) = match read_file(&input).await {
                Ok(Some(file)) => file,
                Ok(None) => {
                    state.set(Import::Idle);
                    return;
                }
                Err(message) => {
                    state.set(Import::Failed(message));
                    return;
                }
            };
            let imported = match import_file(&name, &bytes) {
                Ok(imported) => imported,
                Err(errors) => {
                    state.set(Import::Invalid(
                        errors.0.iter().map(ToString::to_string).collect(),
                    ));
                    return;
                }
            };
            let existing: BTreeSet<String> = match client.list_models(false).await {
                Ok(models) => models.into_iter().map(|m| m.id).collect(),
                Err(e) => {
                    state.set(Import::Failed(format!(
                        "the instance's models could not be read: {e}"
                    )));
                    return;
                }
            };
            state.set(Import::Planned(prepare(
                &name,
                imported.layout,
                imported.graph,
                &existing,
            )));
        });
    };

    let stopping = RwSignal::new(false);
    let run = move |plan: ImportPlan| {
        stopping.set(false);
        let total = plan.steps.len();
        state.set(Import::Running { done: 0, total });
        let client = adt.get_value();
        let stop = CancelFlag::new();
        import_stop.set_value(stop.clone());
        spawn_local(async move {
            let report = plan
                .execute(
                    || stop.is_cancelled(),
                    |step| {
                        let client = client.clone();
                        let step = step.clone();
                        async move {
                            let result = match refusal(&step, can_manage_models) {
                                Some(reason) => Err(reason.to_owned()),
                                None => send_step(&client, &step)
                                    .await
                                    .map_err(|e| failure_text(&e)),
                            };
                            state.try_update(|s| {
                                if let Import::Running { done, .. } = s {
                                    *done += 1;
                                }
                            });
                            result
                        }
                    },
                )
                .await;
            // Kept also when the screen has gone meanwhile (leaving stops the run): coming
            // back shows what was done and offers the rest.
            let reported = Import::Reported { plan, report };
            memory.keep(IMPORT_MEMORY, reported.clone());
            state.try_set(reported);
        });
    };

    // Which part to show; the running counter updates inside its part, so the Stop button
    // is not made afresh under the person's pointer at every step.
    let phase = Memo::new(move |_| state.with(std::mem::discriminant));
    let import_view = move || {
        // Read, not only tracked: a memo that is never read never runs, so never changes.
        let _part = phase.get();
        match state.get_untracked() {
        Import::Idle => ().into_any(),
        Import::Checking => view! { <p class="loading" role="status">"Checking the file…"</p> }.into_any(),
        Import::Invalid(errors) => view! {
            <div class="alert alert--error" role="alert">
                <p>"The file cannot be imported:"</p>
                <ul class="problems">{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
        Import::Failed(message) => view! {
            <div class="alert alert--error" role="alert"><p>{message}</p></div>
        }
        .into_any(),
        Import::Planned(prepared) => {
            let counts = PlanCounts::of(&prepared.plan);
            let needs_admin = counts.models > 0 && !can_manage_models;
            let plan = prepared.plan.clone();
            let holds_models = prepared.layout.holds_models();
            let missing = missing_models_text(&prepared);
            view! {
                <section class="transfer-plan" aria-labelledby="transfer-plan-title">
                    <h3 id="transfer-plan-title">{format!("Plan for {}", prepared.file_name)}</h3>
                    <p class="transfer-layout">{format!("Read as {}.", prepared.layout.describe())}</p>
                    {(!holds_models).then(|| view! {
                        <p class="hint">"A spreadsheet holds no models: the instance must already have the models of its twins (upload them on the Models screen)."</p>
                    })}
                    <ul class="transfer-counts">
                        {holds_models.then(|| view! {
                            <li>{format!("{} models to upload in {} requests", counts.models, counts.model_uploads)}</li>
                            <li>{format!("{} models already in the instance (left out)", prepared.models_present)}</li>
                        })}
                        <li>{format!("{} twins to create or replace", counts.twins)}</li>
                        <li>{format!("{} relationships to create or replace", counts.relationships)}</li>
                    </ul>
                    {missing.map(|text| view! { <p class="alert">{text}</p> })}
                    {needs_admin.then(|| view! {
                        <p class="alert">{format!(
                            "The instance lacks {} of these models and {MODELS_NEED_ADMIN}: those uploads will fail and the twins of those models will be skipped.",
                            counts.models
                        )}</p>
                    })}
                    <button type="button" class="button button--primary" on:click=move |_| run(plan.clone())>
                        {format!("Import {} items", prepared.plan.steps.len())}
                    </button>
                </section>
            }
            .into_any()
        }
        Import::Running { total, .. } => {
            let done = move || state.with(|s| match s {
                Import::Running { done, .. } => *done,
                _ => 0,
            });
            view! {
                <p class="transfer-progress">
                    <progress max=total.to_string() value=move || done().to_string() aria-label="Import progress"></progress>
                    " "
                    {move || format!("Imported {} of {total}…", done())}
                </p>
                <button type="button" class="button button--ghost" disabled=move || stopping.get()
                    on:click=move |_| {
                        stopping.set(true);
                        import_stop.with_value(CancelFlag::cancel);
                    }>
                    {move || if stopping.get() { "Stopping after the item being sent…" } else { "Stop" }}
                </button>
            }
            .into_any()
        }
        Import::Reported { plan, report } => {
            let retry = retry_plan(&plan, &report);
            let retry_count = retry.steps.len();
            let retry_label = if report.stopped() > 0 {
                format!("Go on with the {retry_count} not done")
            } else {
                format!("Retry the {retry_count} that did not succeed")
            };
            let problems: Vec<(String, String)> = report
                .problems()
                .map(|(what, why)| (what.to_owned(), why.to_owned()))
                .collect();
            view! {
                <section class="transfer-report" aria-labelledby="transfer-report-title">
                    <h3 id="transfer-report-title">"Import report"</h3>
                    <p>{match report.stopped() {
                        0 => format!(
                            "{} done, {} failed, {} skipped.",
                            report.done(), report.failed(), report.skipped()
                        ),
                        stopped => format!(
                            "Stopped: {} done, {} failed, {} skipped, {stopped} not sent.",
                            report.done(), report.failed(), report.skipped()
                        ),
                    }}</p>
                    {(!problems.is_empty()).then(|| view! {
                        <ul class="problems transfer-failures" aria-label="Failures">
                            {problems.into_iter().map(|(what, why)| view! {
                                <li><strong>{what}</strong>": "{why}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    {(retry_count > 0).then(|| view! {
                        <button type="button" class="button" on:click=move |_| run(retry.clone())>
                            {retry_label}
                        </button>
                    })}
                </section>
            }
            .into_any()
        }
    }
    };
    let busy = move || matches!(state.get(), Import::Running { .. } | Import::Checking);

    let import_section = if can_write {
        view! {
            <div class="transfer-file">
                <label class="field__label" for="transfer-file">{FILE_LABEL}</label>
                <p id="transfer-file-hint" class="hint">{FILE_HINT}</p>
                <input id="transfer-file" type="file" accept=ACCEPT aria-describedby="transfer-file-hint"
                    prop:disabled=busy on:change=on_file/>
            </div>
            <div role="status" aria-live="polite" class="transfer-status">{import_view}</div>
        }
        .into_any()
    } else {
        view! {
            <p class="hint">"Importing needs the Twins.Writer role (and Twins.Admin for models)."</p>
        }
        .into_any()
    };

    view! {
        <section class="card transfer-section" aria-labelledby="transfer-export-title">
            <h2 id="transfer-export-title">"Export"</h2>
            <p class="hint">"Every model, twin and relationship of this instance, with their properties."</p>
            <div class="toolbar">
                <button type="button" class="button" prop:disabled=exporting on:click=start_export(Format::Json)>"Export JSON"</button>
                <button type="button" class="button" prop:disabled=exporting on:click=start_export(Format::Ndjson)>"Export NDJSON"</button>
                <button type="button" class="button" prop:disabled=exporting on:click=start_export(Format::ExplorerJson)>"Export ADT Explorer JSON"</button>
            </div>
            <div role="status" aria-live="polite" class="transfer-status">{export_view}</div>
        </section>
        <section class="card transfer-section" aria-labelledby="transfer-import-title">
            <h2 id="transfer-import-title">"Import"</h2>
            {import_section}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::transfer::Outcome;

    fn graph() -> Graph {
        Graph {
            models: vec![
                json!({"@id": "dtmi:x:Space;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3"}),
                json!({"@id": "dtmi:x:Room;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3", "extends": "dtmi:x:Space;1"}),
            ],
            twins: vec![
                json!({"$dtId": "a", "$metadata": {"$model": "dtmi:x:Room;1"}}),
                json!({"$dtId": "b", "$metadata": {"$model": "dtmi:x:Room;1"}}),
            ],
            relationships: vec![json!({
                "$relationshipId": "r", "$sourceId": "a", "$targetId": "b", "$relationshipName": "next"
            })],
        }
    }

    #[test]
    fn models_the_instance_has_are_left_out_of_the_plan() {
        let check = |existing: &[&str], models: usize, present: usize| {
            let existing = existing.iter().map(|s| (*s).to_owned()).collect();
            let prepared = prepare("f.json", Layout::Json, graph(), &existing);
            let counts = PlanCounts::of(&prepared.plan);
            assert_eq!((counts.models, prepared.models_present), (models, present));
            assert_eq!((counts.twins, counts.relationships), (2, 1));
            assert_eq!(counts.model_uploads, usize::from(models > 0));
        };
        check(&[], 2, 0);
        check(&["dtmi:x:Space;1"], 1, 1);
        check(&["dtmi:x:Space;1", "dtmi:x:Room;1", "dtmi:other;1"], 0, 2);
    }

    #[test]
    fn twins_whose_model_is_nowhere_are_planned_and_named() {
        let mut g = graph();
        g.models.clear();
        g.twins
            .push(json!({"$dtId": "p", "$metadata": {"$model": "dtmi:x:Pump;1"}}));
        let sheet = Layout::ExplorerSheet {
            sheet: "Twins".into(),
            rows: 3,
        };
        let existing: BTreeSet<String> = ["dtmi:x:Room;1".to_owned()].into();
        let prepared = prepare("f.xlsx", sheet.clone(), g.clone(), &existing);
        assert_eq!(prepared.layout, sheet);
        assert_eq!(PlanCounts::of(&prepared.plan).twins, 3);
        assert_eq!(
            prepared.missing_models,
            BTreeMap::from([("dtmi:x:Pump;1".to_owned(), 1)])
        );
        assert_eq!(
            missing_models_text(&prepared).unwrap(),
            "1 twin uses a model the instance does not have: dtmi:x:Pump;1. Upload it first (on the Models screen), or those twins will fail."
        );
        let prepared = prepare("f.xlsx", sheet.clone(), g.clone(), &BTreeSet::new());
        assert_eq!(
            missing_models_text(&prepared).unwrap(),
            "3 twins use models the instance does not have: dtmi:x:Pump;1, dtmi:x:Room;1. Upload them first (on the Models screen), or those twins will fail."
        );
        // Models in the file count as present; all present: no warning.
        let prepared = prepare("f.json", Layout::Json, graph(), &BTreeSet::new());
        assert!(prepared.missing_models.is_empty());
        assert_eq!(missing_models_text(&prepared), None);
    }

    #[test]
    fn a_retry_plan_holds_exactly_the_steps_that_did_not_succeed() {
        let plan = ImportPlan::new(&graph());
        let outcomes = vec![
            ("models".to_owned(), Outcome::Done),
            ("twin a".to_owned(), Outcome::Failed("bad".into())),
            ("twin b".to_owned(), Outcome::Done),
            (
                "relationship a/r".to_owned(),
                Outcome::Skipped("twin a".into()),
            ),
        ];
        let retry = retry_plan(&plan, &ImportReport { outcomes });
        let described: Vec<String> = retry.steps.iter().map(Step::describe).collect();
        assert_eq!(described, vec!["twin a", "relationship a/r"]);
        let all_done = ImportReport {
            outcomes: plan
                .steps
                .iter()
                .map(|s| (s.describe(), Outcome::Done))
                .collect(),
        };
        assert!(retry_plan(&plan, &all_done).steps.is_empty());
        // A stopped import resumes with what was not sent.
        let mut stopped = all_done.clone();
        let last = stopped.outcomes.len() - 1;
        stopped.outcomes[last].1 = Outcome::Stopped;
        let retry = retry_plan(&plan, &stopped);
        assert_eq!(retry.steps.len(), 1);
        assert_eq!(retry.steps[0].describe(), plan.steps[last].describe());
    }

    #[test]
    fn only_admins_may_upload_models() {
        let plan = ImportPlan::new(&graph());
        let refused: Vec<bool> = plan
            .steps
            .iter()
            .map(|s| refusal(s, false).is_some())
            .collect();
        assert_eq!(refused, vec![true, false, false, false]);
        assert!(plan.steps.iter().all(|s| refusal(s, true).is_none()));
    }

    #[test]
    fn failures_carry_the_services_details() {
        let detail = |m: &str| crate::adt::error::ErrorDetail {
            code: "ValidationFailed".into(),
            message: m.into(),
        };
        let check = |details: Vec<crate::adt::error::ErrorDetail>, expected: &str| {
            let error = AdtError::Validation {
                code: "ValidationFailed".into(),
                message: "Invalid twin specified.".into(),
                details,
                inner: Vec::new(),
            };
            assert_eq!(failure_text(&error), expected);
        };
        check(vec![], "Invalid twin specified.");
        check(
            vec![detail("level must be an integer."), detail("x is unknown.")],
            "Invalid twin specified. level must be an integer. x is unknown.",
        );
        assert_eq!(
            failure_text(&AdtError::PreconditionFailed),
            AdtError::PreconditionFailed.to_string()
        );
    }

    #[test]
    fn export_names_come_from_the_instance_host() {
        assert_eq!(
            export_file_name(
                "contoso-campus.api.weu.digitaltwins.azure.net",
                Format::Json
            ),
            "contoso-campus-export.json"
        );
        assert_eq!(
            export_file_name("lab.api.weu.digitaltwins.azure.net", Format::Ndjson),
            "lab-export.ndjson"
        );
        assert_eq!(export_file_name("", Format::Json), "twins-export.json");
        assert_eq!(
            export_file_name("lab.api.weu.digitaltwins.azure.net", Format::ExplorerJson),
            "lab-adt-explorer.json"
        );
    }

    #[test]
    fn query_rows_yield_their_twin_or_relationship() {
        let twin = json!({"$dtId": "a", "$metadata": {"$model": "m"}});
        let rel = json!({"$relationshipId": "r", "$sourceId": "a"});
        assert_eq!(row_twin(&twin), Some(&twin));
        assert_eq!(row_twin(&json!({"T": twin.clone()})), Some(&twin));
        assert_eq!(row_twin(&json!({"n": 1})), None);
        assert_eq!(row_relationship(&rel), Some(&rel));
        assert_eq!(row_relationship(&json!({"R": rel.clone()})), Some(&rel));
        assert_eq!(row_relationship(&json!({"R": rel.clone(), "x": 1})), None);
    }
}
