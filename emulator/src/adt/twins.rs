//! Digital twins: GET, PUT (add or replace, `If-None-Match: *`), PATCH (JSON Patch on
//! properties, components and `$metadata` source times, `If-Match`) and DELETE (`If-Match`,
//! refused while relationships remain).
//!
//! Wire form: `$dtId`, `$etag`, the properties, components (objects carrying their own
//! `$metadata`), and `$metadata` with `$model`, `$lastUpdateTime` and per property
//! `{"lastUpdateTime", "sourceTime"?}`.

use std::collections::HashSet;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::errors::{AdtError, Detail, Precondition};
use super::patch::{self, Op};
use super::store::{Record, State, Store};
use super::{Ctx, check_if_match, check_if_none_match, commit, json_response, no_content};

/// The `$metadata` member.
pub const METADATA: &str = "$metadata";

/// A twin in wire form from its parts, every property stamped `time`.
pub fn wire_twin(
    id: &str,
    model: &str,
    props: &Map<String, Value>,
    components: &Map<String, Value>,
    time: &str,
    etag: &str,
) -> Value {
    let mut content = props.clone();
    for (name, c) in components {
        let mut c = c.as_object().cloned().unwrap_or_default();
        c.insert(METADATA.into(), json!({}));
        content.insert(name.clone(), Value::Object(c));
    }
    let all = Touched::All;
    assemble(id, model, &content, None, &all, &Map::new(), time, etag)
}

/// Which properties a change touched (their `lastUpdateTime` moves).
#[derive(Debug)]
pub enum Touched {
    All,
    /// `(component, property)`; `(None, p)` a top-level property, `(Some(c), None)` all of `c`.
    Some(HashSet<(Option<String>, Option<String>)>),
}

impl Touched {
    fn has(&self, component: Option<&str>, prop: &str) -> bool {
        match self {
            Touched::All => true,
            Touched::Some(set) => match component {
                None => set.contains(&(None, Some(prop.to_string()))),
                Some(c) => {
                    set.contains(&(Some(c.to_string()), None))
                        || set.contains(&(Some(c.to_string()), Some(prop.to_string())))
                        || set.contains(&(None, Some(c.to_string())))
                }
            },
        }
    }
}

/// Whether a content member is a component (an object carrying `$metadata`).
pub fn is_component(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.contains_key(METADATA))
}

/// Properties and components without any `$` member (except components' `$metadata`).
pub fn content_of(twin: &Value) -> Map<String, Value> {
    twin.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn property_metadata(
    prev: Option<&Value>,
    touched: bool,
    source_time: Option<&Value>,
    time: &str,
) -> Value {
    match (prev, touched) {
        (Some(p), false) => p.clone(),
        _ => {
            let mut m = json!({ "lastUpdateTime": time });
            let kept = source_time.or_else(|| prev.and_then(|p| p.get("sourceTime")));
            if let Some(st) = kept {
                m["sourceTime"] = st.clone();
            }
            m
        }
    }
}

/// Builds the wire twin from content, keeping untouched metadata from `prev`. `source_times`
/// maps a top-level property, or a component to its own map, to `sourceTime`s given anew.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    id: &str,
    model: &str,
    content: &Map<String, Value>,
    prev: Option<&Value>,
    touched: &Touched,
    source_times: &Map<String, Value>,
    time: &str,
    etag: &str,
) -> Value {
    let prev_meta = prev.and_then(|p| p.get(METADATA));
    let mut twin = Map::new();
    twin.insert("$dtId".into(), json!(id));
    twin.insert("$etag".into(), json!(etag));
    let mut meta = Map::new();
    meta.insert("$model".into(), json!(model));
    meta.insert("$lastUpdateTime".into(), json!(time));
    for (name, value) in content {
        if is_component(value) {
            let obj = value.as_object().cloned().unwrap_or_default();
            let prev_c = prev.and_then(|p| p.get(name)).and_then(|c| c.get(METADATA));
            let given = obj.get(METADATA).cloned().unwrap_or(json!({}));
            let mut c_meta = Map::new();
            let any_touched = obj
                .keys()
                .any(|k| !k.starts_with('$') && touched.has(Some(name), k));
            let c_last = match prev_c.and_then(|m| m.get("$lastUpdateTime")) {
                Some(t) if !any_touched && !matches!(touched, Touched::All) => t.clone(),
                _ => json!(time),
            };
            c_meta.insert("$lastUpdateTime".into(), c_last);
            let mut component = Map::new();
            for (k, v) in obj.iter().filter(|(k, _)| !k.starts_with('$')) {
                component.insert(k.clone(), v.clone());
                let source = given
                    .get(k)
                    .and_then(|m| m.get("sourceTime"))
                    .or_else(|| source_times.get(name).and_then(|m| m.get(k)));
                c_meta.insert(
                    k.clone(),
                    property_metadata(
                        prev_c.and_then(|m| m.get(k)),
                        touched.has(Some(name), k),
                        source,
                        time,
                    ),
                );
            }
            component.insert(METADATA.into(), Value::Object(c_meta));
            twin.insert(name.clone(), Value::Object(component));
        } else {
            twin.insert(name.clone(), value.clone());
            meta.insert(
                name.clone(),
                property_metadata(
                    prev_meta.and_then(|m| m.get(name)),
                    touched.has(None, name),
                    source_times.get(name),
                    time,
                ),
            );
        }
    }
    twin.insert(METADATA.into(), Value::Object(meta));
    Value::Object(twin)
}

/// The twin, or 404 `DigitalTwinNotFound`.
pub fn existing<'a>(state: &'a State, id: &str) -> Result<&'a Value, AdtError> {
    state
        .twins
        .get(id)
        .ok_or_else(|| AdtError::DigitalTwinNotFound(id.to_string()))
}

pub fn etag_of(v: &Value) -> &str {
    v.get("$etag").and_then(Value::as_str).unwrap_or_default()
}

fn invalid_twin(details: Vec<Detail>) -> AdtError {
    AdtError::ValidationFailed {
        message: "Invalid twin specified. See details for the individual errors. See section on creating twins https://aka.ms/adtv2twins.".into(),
        details,
    }
}

/// Checks a model can hold new content: it exists, is not decommissioned (unless `allow_old`),
/// and the content is valid for it.
pub fn validate(
    state: &State,
    model: &str,
    content: &Map<String, Value>,
    allow_decommissioned: bool,
) -> Result<(), AdtError> {
    let entry = state.models.get(model).ok_or_else(|| {
        invalid_twin(vec![Detail {
            code: "ModelNotFound".into(),
            message: format!("The model {model} is not uploaded to this instance."),
        }])
    })?;
    if entry.decommissioned && !allow_decommissioned {
        return Err(AdtError::ModelDecommissioned(model.to_string()));
    }
    state
        .ontology
        .validate_twin(model, content)
        .map_err(invalid_twin)
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let store = ctx.instance.store();
    let twin = existing(&store.state, id)?;
    Ok(json_response(StatusCode::OK, twin, Some(etag_of(twin))))
}

pub fn put(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let body = ctx.req.bounded_json()?;
    let obj = body.as_object().ok_or_else(|| {
        AdtError::InvalidArgument("The digital twin payload must be a JSON object.".into())
    })?;
    if let Some(given) = obj.get("$dtId").and_then(Value::as_str)
        && given != id
    {
        return Err(AdtError::InvalidArgument(format!(
            "The $dtId '{given}' in the payload does not match the twin id '{id}' in the path."
        )));
    }
    let meta = obj.get(METADATA).and_then(Value::as_object);
    let model = meta
        .and_then(|m| m.get("$model"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid_twin(vec![Detail {
                code: "ValidationFailed".into(),
                message: "$metadata.$model is required.".into(),
            }])
        })?;
    let source_times: Map<String, Value> = meta
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.get("sourceTime").map(|st| (k.clone(), st.clone())))
                .collect()
        })
        .unwrap_or_default();
    let content = content_of(&body);
    let mut store = ctx.instance.store();
    let prev = store.state.twins.get(id).cloned();
    check_if_none_match(ctx.req, prev.is_some(), || {
        Precondition::TwinExists(id.to_owned())
    })?;
    validate(&store.state, model, &content, false)?;
    let etag = super::wire::new_etag();
    let twin = assemble(
        id,
        model,
        &content,
        None,
        &Touched::All,
        &source_times,
        &ctx.now(),
        &etag,
    );
    commit(&mut store, vec![Record::PutTwin { twin: twin.clone() }])?;
    Ok(json_response(StatusCode::OK, &twin, Some(&etag)))
}

/// A twin patch split into operations on content and on `$metadata`.
#[derive(Debug, Default)]
struct SplitPatch {
    content_ops: Vec<Op>,
    /// A new `$metadata.$model`.
    model: Option<String>,
    /// New `sourceTime`s by top-level property.
    source_times: Map<String, Value>,
}

/// Splits patch operations into those on content and the `$metadata` ones ADT allows:
/// `/$metadata/$model` (replace) and `/$metadata/{property}/sourceTime`.
fn split_metadata_ops(ops: Vec<Op>) -> Result<SplitPatch, AdtError> {
    let mut content_ops = Vec::new();
    let mut model = None;
    let mut source_times = Map::new();
    for op in ops {
        let path = op.path().to_vec();
        if path.first().map(String::as_str) != Some(METADATA) {
            if path.first().is_some_and(|p| p.starts_with('$')) {
                return Err(AdtError::JsonPatchInvalid(format!(
                    "The path /{} cannot be patched.",
                    path.join("/")
                )));
            }
            content_ops.push(op);
            continue;
        }
        match (&op, path.as_slice()) {
            (Op::Replace(_, v) | Op::Add(_, v), [_, m]) if m == "$model" => {
                model = Some(
                    v.as_str()
                        .ok_or_else(|| {
                            AdtError::JsonPatchInvalid("$model must be a string.".into())
                        })?
                        .to_string(),
                );
            }
            (Op::Replace(_, v) | Op::Add(_, v), [_, prop, st]) if st == "sourceTime" => {
                source_times.insert(prop.clone(), v.clone());
            }
            _ => {
                return Err(AdtError::JsonPatchInvalid(format!(
                    "The path /{} cannot be patched.",
                    path.join("/")
                )));
            }
        }
    }
    Ok(SplitPatch {
        content_ops,
        model,
        source_times,
    })
}

/// Applies a twin patch (possibly rooted at a component) and returns the new wire twin.
pub fn patched(
    store: &Store,
    id: &str,
    component: Option<&str>,
    doc: &Value,
    now: &str,
) -> Result<Value, AdtError> {
    let invalid = |e: patch::PatchError| AdtError::JsonPatchInvalid(e.to_string());
    let ops = patch::parse(doc).map_err(invalid)?;
    let prev = existing(&store.state, id)?;
    let model = State::model_of(prev).unwrap_or_default().to_string();
    let split = match component {
        None => split_metadata_ops(ops)?,
        Some(c) => {
            // Rooted at the component: prefix every path.
            let prefixed = ops
                .into_iter()
                .map(|op| {
                    let mut p = vec![c.to_string()];
                    p.extend(op.path().iter().cloned());
                    match op {
                        Op::Add(_, v) => Op::Add(p, v),
                        Op::Replace(_, v) => Op::Replace(p, v),
                        Op::Remove(_) => Op::Remove(p),
                    }
                })
                .collect();
            SplitPatch {
                content_ops: prefixed,
                ..SplitPatch::default()
            }
        }
    };
    let SplitPatch {
        content_ops: ops,
        model: new_model,
        source_times,
    } = split;
    let mut touched = HashSet::new();
    for op in &ops {
        let p = op.path();
        match p {
            [] => {}
            [first] => {
                touched.insert((None, Some(first.clone())));
            }
            [first, second, ..] => {
                if prev.get(first).is_some_and(is_component) {
                    touched.insert((Some(first.clone()), Some(second.clone())));
                } else {
                    touched.insert((None, Some(first.clone())));
                }
            }
        }
    }
    for k in source_times.keys() {
        touched.insert((None, Some(k.clone())));
    }
    let content = patch::apply(&Value::Object(content_of(prev)), &ops)
        .map_err(|e| AdtError::JsonPatchInvalid(e.to_string()))?;
    let content = content.as_object().cloned().unwrap_or_default();
    let model = new_model.unwrap_or(model);
    let model_changed = Some(model.as_str()) != State::model_of(prev);
    validate(&store.state, &model, &content, !model_changed)?;
    Ok(assemble(
        id,
        &model,
        &content,
        Some(prev),
        &Touched::Some(touched),
        &source_times,
        now,
        &super::wire::new_etag(),
    ))
}

pub fn patch(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let doc = ctx.req.bounded_json()?;
    let mut store = ctx.instance.store();
    check_if_match(ctx.req, etag_of(existing(&store.state, id)?))?;
    let twin = patched(&store, id, None, &doc, &ctx.now())?;
    let etag = etag_of(&twin).to_string();
    commit(&mut store, vec![Record::PutTwin { twin }])?;
    Ok(no_content(Some(&etag)))
}

pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let mut store = ctx.instance.store();
    check_if_match(ctx.req, etag_of(existing(&store.state, id)?))?;
    if store.state.has_relationships(id) {
        return Err(AdtError::RelationshipsNotDeleted(id.to_string()));
    }
    commit(&mut store, vec![Record::DeleteTwin { id: id.to_string() }])?;
    Ok(no_content(None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_twins_carry_metadata_for_properties_and_components() {
        let props = json!({"name": "Room 1", "capacity": 4});
        let comps = json!({"nameplate": {"serialNumber": "SN-1"}});
        let t = wire_twin(
            "r1",
            "dtmi:a:Room;1",
            props.as_object().unwrap(),
            comps.as_object().unwrap(),
            "T",
            "W/\"e\"",
        );
        assert_eq!(t["$dtId"], "r1");
        assert_eq!(t["$metadata"]["$model"], "dtmi:a:Room;1");
        assert_eq!(t["$metadata"]["$lastUpdateTime"], "T");
        assert_eq!(t["$metadata"]["capacity"]["lastUpdateTime"], "T");
        assert_eq!(t["nameplate"]["$metadata"]["$lastUpdateTime"], "T");
        assert_eq!(
            t["nameplate"]["$metadata"]["serialNumber"]["lastUpdateTime"],
            "T"
        );
        assert!(t["$metadata"].get("nameplate").is_none());
    }

    #[test]
    fn untouched_properties_keep_their_times() {
        let prev = wire_twin(
            "a",
            "m",
            json!({"x": 1, "y": 2}).as_object().unwrap(),
            &Map::new(),
            "OLD",
            "e1",
        );
        let touched = Touched::Some([(None, Some("x".to_string()))].into_iter().collect());
        let next = assemble(
            "a",
            "m",
            &content_of(&prev),
            Some(&prev),
            &touched,
            &Map::new(),
            "NEW",
            "e2",
        );
        assert_eq!(next["$metadata"]["x"]["lastUpdateTime"], "NEW");
        assert_eq!(next["$metadata"]["y"]["lastUpdateTime"], "OLD");
        assert_eq!(next["$metadata"]["$lastUpdateTime"], "NEW");
    }
}
