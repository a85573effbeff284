//! Event routes: stored only (the emulator has no endpoints to deliver to). At most six.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::AdtError;
use super::store::Record;
use super::{Ctx, commit, json_response, list_page, no_content};

/// Routes per instance, as the service limits them.
pub const MAX_EVENT_ROUTES: usize = 6;
pub const MAX_ROUTES_PER_PAGE: usize = 100;

pub fn list(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let all: Vec<Value> = ctx
        .instance
        .store()
        .state
        .event_routes
        .values()
        .cloned()
        .collect();
    list_page(ctx, &all, MAX_ROUTES_PER_PAGE, &[])
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let store = ctx.instance.store();
    let route = store
        .state
        .event_routes
        .get(id)
        .ok_or_else(|| AdtError::EventRouteNotFound(id.to_string()))?;
    Ok(json_response(StatusCode::OK, route, None))
}

pub fn put(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let body = ctx.req.json()?;
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    let endpoint = field("endpointName").ok_or_else(|| {
        AdtError::InvalidArgument("The event route must name an endpointName.".into())
    })?;
    let filter = field("filter").ok_or_else(|| {
        AdtError::InvalidArgument(
            "The event route must have a filter (\"true\" routes everything).".into(),
        )
    })?;
    let mut store = ctx.instance.store();
    let routes = &store.state.event_routes;
    if !routes.contains_key(id) && routes.len() >= MAX_EVENT_ROUTES {
        return Err(AdtError::LimitExceeded(format!(
            "The maximum number of event routes ({MAX_EVENT_ROUTES}) has been reached."
        )));
    }
    let route = json!({ "id": id, "endpointName": endpoint, "filter": filter });
    commit(&mut store, vec![Record::PutEventRoute { route }])?;
    Ok(no_content(None))
}

pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let mut store = ctx.instance.store();
    if !store.state.event_routes.contains_key(id) {
        return Err(AdtError::EventRouteNotFound(id.to_string()));
    }
    commit(
        &mut store,
        vec![Record::DeleteEventRoute { id: id.to_string() }],
    )?;
    Ok(no_content(None))
}
