//! Telemetry: accepted (204) for an existing twin or component when it carries a `Message-Id`;
//! nothing is stored or routed (the emulator has no endpoints).

use axum::response::Response;

use super::errors::AdtError;
use super::twins::{existing, is_component};
use super::{Ctx, no_content};

pub const MESSAGE_ID_HEADER: &str = "Message-Id";

pub fn send(ctx: &Ctx<'_>, id: &str, component: Option<&str>) -> Result<Response, AdtError> {
    if ctx
        .req
        .header(MESSAGE_ID_HEADER)
        .is_none_or(|m| m.trim().is_empty())
    {
        return Err(AdtError::InvalidArgument(
            "The Message-Id header is required to send telemetry.".into(),
        ));
    }
    let body = ctx.req.bounded_json()?;
    if !body.is_object() {
        return Err(AdtError::ValidationFailed {
            message: "The telemetry content must be a JSON object.".into(),
            details: Vec::new(),
        });
    }
    let store = ctx.instance.store();
    let twin = existing(&store.state, id)?;
    if let Some(c) = component
        && !twin.get(c).is_some_and(is_component)
    {
        return Err(AdtError::ComponentNotFound(c.to_string()));
    }
    Ok(no_content(None))
}
