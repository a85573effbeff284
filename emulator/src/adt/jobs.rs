//! Delete jobs: `POST /jobs/delete` deletes every relationship, twin and model of the
//! instance (event routes stay), answering 202 with the job, `Operation-Id` and
//! `Operation-Location`. The emulator runs the job at once, so it is `succeeded` when listed.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::AdtError;
use super::store::Record;
use super::{Ctx, commit, json_response, list_page};

pub const OPERATION_ID_HEADER: &str = "operation-id";
pub const MAX_JOBS_PER_PAGE: usize = 100;
/// How long the service keeps a finished job.
const PURGE_AFTER_SECONDS: i64 = 30 * 24 * 3600;

pub fn add(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let id = match ctx.req.header(OPERATION_ID_HEADER) {
        Some(given) if !given.trim().is_empty() => given.trim().to_string(),
        _ => crate::identity::jwt::random_guid(),
    };
    let mut store = ctx.instance.store();
    if store.state.delete_jobs.contains_key(&id) {
        return Err(AdtError::ValidationFailed {
            message: "Operation-Id already exists.".into(),
            details: Vec::new(),
        });
    }
    let now = super::wire::offset_form(&ctx.now());
    let purge = super::wire::offset_form(&super::wire::timestamp(
        ctx.clock.now() + PURGE_AFTER_SECONDS,
        0,
    ));
    let job = json!({
        "id": id,
        "status": "succeeded",
        "createdDateTime": now,
        "finishedDateTime": now,
        "purgeDateTime": purge,
    });
    commit(
        &mut store,
        vec![Record::DeleteAll, Record::PutDeleteJob { job: job.clone() }],
    )?;
    let mut response = json_response(StatusCode::ACCEPTED, &job, None);
    let location = format!(
        "https://{}/jobs/delete/{id}?api-version={}",
        ctx.host(),
        ctx.req.api_version
    );
    let headers = response.headers_mut();
    for (name, value) in [("Operation-Location", location), ("Operation-Id", id)] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    Ok(response)
}

pub fn list(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let all: Vec<Value> = ctx
        .instance
        .store()
        .state
        .delete_jobs
        .values()
        .cloned()
        .collect();
    list_page(ctx, &all, MAX_JOBS_PER_PAGE, &[])
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Response, AdtError> {
    let store = ctx.instance.store();
    let job = store
        .state
        .delete_jobs
        .get(id)
        .ok_or_else(|| AdtError::DeleteJobNotFound(id.to_string()))?;
    Ok(json_response(StatusCode::OK, job, None))
}
