//! Relationships: list outgoing (`?relationshipName=`), list incoming, and GET/PUT/PATCH/DELETE
//! one (`If-None-Match: *` on PUT, `If-Match` on PATCH and DELETE). A relationship is validated
//! against the source twin's model (its name, target model and properties).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::errors::{AdtError, Detail, Precondition};
use super::patch;
use super::store::{Record, State};
use super::twins::{etag_of, existing};
use super::{
    Ctx, check_if_match, check_if_none_match, commit, json_response, list_page, no_content,
};

/// Relationships in one list page (outgoing and incoming): the live service pages them by 10
/// (31 relationships came back as 10, 10, 10 and 1 in a recorded reply).
pub const MAX_RELATIONSHIPS_PER_PAGE: usize = 10;

fn key(source: &str, id: &str) -> (String, String) {
    (source.to_string(), id.to_string())
}

fn found<'a>(state: &'a State, source: &str, id: &str) -> Result<&'a Value, AdtError> {
    existing(state, source)?;
    state
        .relationships
        .get(&key(source, id))
        .ok_or_else(|| AdtError::RelationshipNotFound {
            twin: source.to_string(),
            id: id.to_string(),
        })
}

/// The relationship's own properties (no `$` members).
fn properties(rel: &Map<String, Value>) -> Map<String, Value> {
    rel.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn validate(
    state: &State,
    source: &str,
    name: &str,
    target: &str,
    props: &Map<String, Value>,
) -> Result<(), AdtError> {
    let source_model = State::model_of(existing(state, source)?).unwrap_or_default();
    let target_model = state
        .twins
        .get(target)
        .and_then(State::model_of)
        .unwrap_or_default();
    state
        .ontology
        .validate_relationship(source_model, name, target_model, props)
        .map_err(|details: Vec<Detail>| AdtError::ValidationFailed {
            message: format!(
                "Invalid relationship '{name}' from {source} to {target}. See details for the individual errors. See section on relationships https://aka.ms/adtv2twins."
            ),
            details,
        })
}

fn wire(
    source: &str,
    id: &str,
    target: &str,
    name: &str,
    props: &Map<String, Value>,
) -> (Value, String) {
    let etag = super::wire::new_etag();
    let mut rel = Map::new();
    rel.insert("$relationshipId".into(), json!(id));
    rel.insert("$etag".into(), json!(etag));
    rel.insert("$sourceId".into(), json!(source));
    rel.insert("$relationshipName".into(), json!(name));
    rel.insert("$targetId".into(), json!(target));
    rel.extend(props.clone());
    (Value::Object(rel), etag)
}

fn page(
    ctx: &Ctx<'_>,
    items: Vec<Value>,
    extra: Vec<(String, String)>,
) -> Result<Response, AdtError> {
    list_page(ctx, &items, MAX_RELATIONSHIPS_PER_PAGE, &extra)
}

pub fn list(ctx: &Ctx<'_>, source: &str) -> Result<Response, AdtError> {
    let name = ctx.req.param("relationshipName");
    let items: Vec<Value> = {
        let store = ctx.instance.store();
        existing(&store.state, source)?;
        store
            .state
            .outgoing(source)
            .filter(|r| name.is_none_or(|n| r["$relationshipName"] == n))
            .cloned()
            .collect()
    };
    let extra = name
        .map(|n| vec![("relationshipName".to_string(), n.to_string())])
        .unwrap_or_default();
    page(ctx, items, extra)
}

/// An incoming relationship's link as the service writes it: absolute on the instance, with
/// the api-version of the request, ids escaped as path segments.
fn relationship_link(ctx: &Ctx<'_>, source: &str, id: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let segment = |s: &str| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string();
    format!(
        "https://{}/digitaltwins/{}/relationships/{}?api-version={}",
        ctx.host(),
        segment(source),
        segment(id),
        ctx.req.api_version
    )
}

pub fn incoming(ctx: &Ctx<'_>, target: &str) -> Result<Response, AdtError> {
    let items: Vec<Value> = {
        let store = ctx.instance.store();
        existing(&store.state, target)?;
        store
            .state
            .incoming_of(target)
            .map(|r| {
                let source = r["$sourceId"].as_str().unwrap_or_default();
                let id = r["$relationshipId"].as_str().unwrap_or_default();
                json!({
                    "$relationshipId": id,
                    "$sourceId": source,
                    "$relationshipName": r["$relationshipName"],
                    "$relationshipLink": relationship_link(ctx, source, id),
                })
            })
            .collect()
    };
    page(ctx, items, Vec::new())
}

pub fn get(ctx: &Ctx<'_>, source: &str, id: &str) -> Result<Response, AdtError> {
    let store = ctx.instance.store();
    let rel = found(&store.state, source, id)?;
    Ok(json_response(StatusCode::OK, rel, Some(etag_of(rel))))
}

pub fn put(ctx: &Ctx<'_>, source: &str, id: &str) -> Result<Response, AdtError> {
    let body = ctx.req.bounded_json()?;
    let obj = body.as_object().ok_or_else(|| {
        AdtError::InvalidArgument("The relationship payload must be a JSON object.".into())
    })?;
    let field = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                AdtError::InvalidArgument(format!("The relationship payload must have a {name}."))
            })
    };
    let target = field("$targetId")?;
    let name = field("$relationshipName")?;
    let props = properties(obj);
    let mut store = ctx.instance.store();
    existing(&store.state, source)?;
    check_if_none_match(
        ctx.req,
        store.state.relationships.contains_key(&key(source, id)),
        || Precondition::RelationshipExists(id.to_owned()),
    )?;
    if !store.state.twins.contains_key(&target) {
        return Err(AdtError::TargetDigitalTwinNotFound(target));
    }
    validate(&store.state, source, &name, &target, &props)?;
    let (rel, etag) = wire(source, id, &target, &name, &props);
    commit(
        &mut store,
        vec![Record::PutRelationship {
            relationship: rel.clone(),
        }],
    )?;
    Ok(json_response(StatusCode::OK, &rel, Some(&etag)))
}

pub fn patch(ctx: &Ctx<'_>, source: &str, id: &str) -> Result<Response, AdtError> {
    let doc = ctx.req.bounded_json()?;
    let ops = patch::parse(&doc).map_err(|e| AdtError::JsonPatchInvalid(e.to_string()))?;
    let mut store = ctx.instance.store();
    let rel = found(&store.state, source, id)?.clone();
    check_if_match(ctx.req, etag_of(&rel))?;
    let obj = rel.as_object().cloned().unwrap_or_default();
    let props = patch::apply_to_properties(&properties(&obj), &ops, |_| false)
        .map_err(|e| AdtError::JsonPatchInvalid(e.to_string()))?;
    let target = rel["$targetId"].as_str().unwrap_or_default().to_string();
    let name = rel["$relationshipName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    validate(&store.state, source, &name, &target, &props)?;
    let (next, etag) = wire(source, id, &target, &name, &props);
    commit(
        &mut store,
        vec![Record::PutRelationship { relationship: next }],
    )?;
    Ok(no_content(Some(&etag)))
}

pub fn delete(ctx: &Ctx<'_>, source: &str, id: &str) -> Result<Response, AdtError> {
    let mut store = ctx.instance.store();
    let rel = found(&store.state, source, id)?;
    check_if_match(ctx.req, etag_of(rel))?;
    commit(
        &mut store,
        vec![Record::DeleteRelationship {
            source: source.to_string(),
            id: id.to_string(),
        }],
    )?;
    Ok(no_content(None))
}
