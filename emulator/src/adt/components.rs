//! Components: GET one (its properties and `$metadata`, with the twin's ETag) and PATCH it
//! (a JSON Patch rooted at the component, `If-Match` on the twin's ETag).

use axum::http::StatusCode;
use axum::response::Response;

use super::errors::AdtError;
use super::store::Record;
use super::twins::{etag_of, existing, is_component, patched};
use super::{Ctx, check_if_match, commit, json_response, no_content};

fn check_component(twin: &serde_json::Value, component: &str) -> Result<(), AdtError> {
    if twin.get(component).is_some_and(is_component) {
        Ok(())
    } else {
        Err(AdtError::ComponentNotFound(component.to_string()))
    }
}

pub fn get(ctx: &Ctx<'_>, id: &str, component: &str) -> Result<Response, AdtError> {
    let store = ctx.instance.store();
    let twin = existing(&store.state, id)?;
    check_component(twin, component)?;
    Ok(json_response(
        StatusCode::OK,
        &twin[component],
        Some(etag_of(twin)),
    ))
}

pub fn patch(ctx: &Ctx<'_>, id: &str, component: &str) -> Result<Response, AdtError> {
    let doc = ctx.req.bounded_json()?;
    let mut store = ctx.instance.store();
    let twin = existing(&store.state, id)?;
    check_component(twin, component)?;
    check_if_match(ctx.req, etag_of(twin))?;
    let next = patched(&store, id, Some(component), &doc, &ctx.now())?;
    let etag = etag_of(&next).to_string();
    commit(&mut store, vec![Record::PutTwin { twin: next }])?;
    Ok(no_content(Some(&etag)))
}
