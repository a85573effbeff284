//! Models: upload a batch (atomic, at most 250), list (with `dependenciesFor`,
//! `includeModelDefinition`, paging), get, decommission (the one patch allowed) and delete
//! (refused while other models reference it).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::AdtError;
use super::ontology::ModelsRefused;
use super::paging;
use super::store::{ModelEntry, Record};
use super::{Ctx, commit, json_response, no_content};

/// Models in one upload.
pub const MAX_MODELS_PER_UPLOAD: usize = 250;
/// Models in one list page.
pub const MAX_MODELS_PER_PAGE: usize = 100;

/// A DTDL language map (`"x"` or `{"en": "x"}`) as the service returns it: always a map.
fn language_map(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => Some(json!({ "en": s })),
        Value::Object(o) => Some(Value::Object(o.clone())),
        _ => None,
    }
}

/// A model's metadata, with the definition when asked.
pub fn model_data(id: &str, entry: &ModelEntry, include_definition: bool) -> Value {
    let mut v = json!({
        "id": id,
        "description": language_map(entry.model.get("description")).unwrap_or(json!({})),
        "displayName": language_map(entry.model.get("displayName")).unwrap_or(json!({})),
        "decommissioned": entry.decommissioned,
        "uploadTime": entry.upload_time,
    });
    if include_definition {
        v["model"] = entry.model.clone();
    }
    v
}

fn include_definition(ctx: &Ctx<'_>) -> bool {
    ctx.req
        .param("includeModelDefinition")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub fn add(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let body = ctx.req.json()?;
    let models = body.as_array().ok_or_else(|| {
        AdtError::InvalidArgument("The request body must be a JSON array of models.".into())
    })?;
    if models.is_empty() {
        return Err(AdtError::InvalidArgument(
            "No models were provided. Send a JSON array with at least one model.".into(),
        ));
    }
    if models.len() > MAX_MODELS_PER_UPLOAD {
        return Err(AdtError::LimitExceeded(format!(
            "{} models were provided; at most {MAX_MODELS_PER_UPLOAD} can be uploaded in one call.",
            models.len()
        )));
    }
    let mut store = ctx.instance.store();
    // Validated once, by the instance's own set: the batch is all or nothing there (a refused
    // batch leaves the set as it was), so it needs no copy to try it on.
    let ids = store.state.ontology.add_models(models).map_err(|e| match e {
        ModelsRefused::AlreadyExist(ids) => AdtError::ModelIdAlreadyExists(ids),
        ModelsRefused::TooMany(n) => AdtError::LimitExceeded(format!(
            "{n} models were provided; at most {MAX_MODELS_PER_UPLOAD} can be uploaded in one call."
        )),
        ModelsRefused::Invalid(details) => AdtError::DtdlParser(details),
    })?;
    let upload_time = super::wire::upload_time_form(&ctx.now());
    store
        .commit_added_models(models.clone(), upload_time, &ids)
        .map_err(AdtError::Storage)?;
    let created: Vec<Value> = ids
        .iter()
        .filter_map(|id| store.state.models.get(id).map(|e| model_data(id, e, false)))
        .collect();
    Ok(json_response(
        StatusCode::CREATED,
        &Value::Array(created),
        None,
    ))
}

pub fn list(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let size = paging::page_size(&ctx.req.headers, MAX_MODELS_PER_PAGE)?;
    let offset = paging::offset(ctx.req.param(paging::CONTINUATION_PARAM))?;
    let store = ctx.instance.store();
    let state = &store.state;
    let roots = ctx.req.params("dependenciesFor");
    let mut ids: Vec<String> = if roots.is_empty() {
        let mut all: Vec<(&String, &ModelEntry)> = state.models.iter().collect();
        all.sort_by_key(|(_, e)| e.seq);
        all.into_iter().map(|(id, _)| id.clone()).collect()
    } else {
        let mut out = Vec::new();
        for root in &roots {
            if !state.models.contains_key(*root) {
                return Err(AdtError::ModelNotFound(root.to_string()));
            }
            for id in std::iter::once(root.to_string()).chain(state.ontology.dependencies(root)) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    };
    ids.retain(|id| state.models.contains_key(id));
    let (page, next) = paging::slice(&ids, offset, size);
    let include = include_definition(ctx);
    let items = page
        .iter()
        .filter_map(|id| state.models.get(id).map(|e| model_data(id, e, include)))
        .collect();
    let extra: Vec<(String, String)> = ctx
        .req
        .query
        .iter()
        .filter(|(k, _)| k == "dependenciesFor" || k == "includeModelDefinition")
        .cloned()
        .collect();
    let link =
        next.map(|n| paging::next_link(ctx.host(), &ctx.req.path, &ctx.req.api_version, &extra, n));
    Ok(json_response(
        StatusCode::OK,
        &paging::list_body(items, link),
        None,
    ))
}

/// A model id in a path must be a DTMI; anything else is a 400, not a 404 (as the service
/// answers `GET /models/thisIsNotAValidModelId`).
fn check_model_id(id: &str) -> Result<(), AdtError> {
    dtdl::Dtmi::parse(id).map(drop).map_err(|_| {
        AdtError::InvalidArgument(format!(
            "The format of the Model ID {id} provided is not supported. See model documentation(https://aka.ms/ADTv2Models) for supported format."
        ))
    })
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    check_model_id(id)?;
    let store = ctx.instance.store();
    let entry = store
        .state
        .models
        .get(id)
        .ok_or_else(|| AdtError::ModelNotFound(id.to_string()))?;
    Ok(json_response(
        StatusCode::OK,
        &model_data(id, entry, include_definition(ctx)),
        None,
    ))
}

pub fn update(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let body = ctx.req.json()?;
    check_model_id(id)?;
    let expected = json!([{ "op": "replace", "path": "/decommissioned", "value": true }]);
    let mut store = ctx.instance.store();
    if !store.state.models.contains_key(id) {
        return Err(AdtError::ModelNotFound(id.to_string()));
    }
    if body != expected {
        return Err(AdtError::JsonPatchInvalid(
            "Only [{\"op\": \"replace\", \"path\": \"/decommissioned\", \"value\": true}] can be applied to a model.".into(),
        ));
    }
    commit(
        &mut store,
        vec![Record::DecommissionModel { id: id.to_string() }],
    )?;
    Ok(no_content(None))
}

pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    check_model_id(id)?;
    let mut store = ctx.instance.store();
    if !store.state.models.contains_key(id) {
        return Err(AdtError::ModelNotFound(id.to_string()));
    }
    let by = store.state.ontology.dependants(id);
    if !by.is_empty() {
        return Err(AdtError::ModelReferencesNotDeleted { by });
    }
    commit(&mut store, vec![Record::DeleteModel { id: id.to_string() }])?;
    Ok(no_content(None))
}
