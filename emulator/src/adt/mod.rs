//! The Azure Digital Twins data plane (api-version 2023-10-31), one store per instance, at
//! `/adt/{instance-host}/…` (the path the SPA's gateway forwards to).
//!
//! Every request goes through the same gate, in this order: the instance exists (404
//! `InstanceNotFound`), a valid bearer token for `https://digitaltwins.azure.net` (401), issued
//! by the instance's tenant (else 404 `Sub-domain not found.`, as the service answers), the
//! instance's throttle (429 + `Retry-After`), a supported `api-version` (400), a known route
//! (404), and a data-plane role allowing the operation (403, empty body). No CORS headers are
//! ever sent: the service sends none either. Resource handlers live in one module each.

pub mod auth;
pub mod components;
pub mod errors;
pub mod event_routes;
pub mod jobs;
pub mod models;
pub mod ontology;
pub mod paging;
pub mod patch;
pub mod query;
pub mod relationships;
pub mod seed_graph;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod twins;
pub mod wire;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::clock::Clock;
use crate::instances::{InstanceConfig, Instances, SeedKind};
use crate::service::AppState;
use errors::{AdtError, Precondition};
use ontology::Ontology;
use store::{Store, StoreError};
use throttle::{Throttle, Throttler};

/// The api-version this emulator implements; older ones the service still takes are accepted,
/// and the preview that the 2023-10-31 spec's own examples are written for (seven of them send
/// `2023-07-31-preview`), which the error message, listing the stable versions, leaves out.
pub const API_VERSION: &str = "2023-10-31";
pub const ACCEPTED_API_VERSIONS: [&str; 5] = [
    "2020-10-31",
    "2022-05-31",
    "2023-06-30",
    "2023-07-31-preview",
    API_VERSION,
];
/// The largest twin (PUT/PATCH body) the service takes.
pub const MAX_PAYLOAD_BYTES: usize = 32 * 1024;

/// Path segments of the data-plane resources.
pub const SEG_MODELS: &str = "models";
pub const SEG_QUERY: &str = "query";
pub const SEG_TWINS: &str = "digitaltwins";
pub const SEG_RELATIONSHIPS: &str = "relationships";
pub const SEG_INCOMING: &str = "incomingrelationships";
pub const SEG_COMPONENTS: &str = "components";
pub const SEG_TELEMETRY: &str = "telemetry";
pub const SEG_EVENT_ROUTES: &str = "eventroutes";
pub const SEG_JOBS: &str = "jobs";
pub const SEG_DELETE: &str = "delete";
pub const SEG_IMPORTS: &str = "imports";

/// The resource a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Models,
    Model(String),
    Query,
    Twin(String),
    Relationships(String),
    Relationship(String, String),
    Incoming(String),
    Component(String, String),
    Telemetry(String),
    ComponentTelemetry(String, String),
    EventRoutes,
    EventRoute(String),
    DeleteJobs,
    DeleteJob(String),
    /// `/jobs/imports` and below: not emulated (they read and write Azure Blob Storage).
    ImportJobs,
}

impl Route {
    /// Parses decoded path segments.
    pub fn parse(segments: &[String]) -> Option<Route> {
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let route = match s.as_slice() {
            [SEG_MODELS] => Route::Models,
            [SEG_MODELS, id] => Route::Model(id.to_string()),
            [SEG_QUERY] => Route::Query,
            [SEG_TWINS, id] => Route::Twin(id.to_string()),
            [SEG_TWINS, id, SEG_RELATIONSHIPS] => Route::Relationships(id.to_string()),
            [SEG_TWINS, id, SEG_RELATIONSHIPS, rel] => {
                Route::Relationship(id.to_string(), rel.to_string())
            }
            [SEG_TWINS, id, SEG_INCOMING] => Route::Incoming(id.to_string()),
            [SEG_TWINS, id, SEG_COMPONENTS, c] => Route::Component(id.to_string(), c.to_string()),
            [SEG_TWINS, id, SEG_TELEMETRY] => Route::Telemetry(id.to_string()),
            [SEG_TWINS, id, SEG_COMPONENTS, c, SEG_TELEMETRY] => {
                Route::ComponentTelemetry(id.to_string(), c.to_string())
            }
            [SEG_EVENT_ROUTES] => Route::EventRoutes,
            [SEG_EVENT_ROUTES, id] => Route::EventRoute(id.to_string()),
            [SEG_JOBS, SEG_DELETE] => Route::DeleteJobs,
            [SEG_JOBS, SEG_DELETE, id] => Route::DeleteJob(id.to_string()),
            [SEG_JOBS, SEG_IMPORTS, ..] => Route::ImportJobs,
            _ => return None,
        };
        Some(route)
    }
}

/// Whether an operation only reads (allowed to Data Readers).
pub fn is_read(method: &Method, route: &Route) -> bool {
    method == Method::GET || (method == Method::POST && *route == Route::Query)
}

/// One instance: its configuration, its data and its throttle.
#[derive(Debug)]
pub struct Instance {
    pub config: InstanceConfig,
    store: Mutex<Store>,
    throttle: Mutex<Throttler>,
}

impl Instance {
    /// The store, locked: requests on one instance are serialised.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn throttler(&self) -> MutexGuard<'_, Throttler> {
        self.throttle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The data plane: every instance, with test hooks.
#[derive(Debug)]
pub struct Adt {
    instances: BTreeMap<String, Arc<Instance>>,
    config: Instances,
    durable: bool,
}

/// A new, empty model set of the kind the data plane uses.
pub fn new_ontology() -> Box<dyn Ontology> {
    Box::new(ontology::DtdlOntology::default())
}

impl Adt {
    /// Opens every instance: replays its log under `data_dir` (seeding it on first start), or
    /// seeds it in memory. `scale` replaces the campus seed with about that many twins.
    pub fn open(
        config: Instances,
        data_dir: Option<&Path>,
        scale: Option<u32>,
        clock: &Clock,
    ) -> Result<Self, StoreError> {
        let time = wire::now(clock);
        let mut instances = BTreeMap::new();
        for c in &config.instances {
            let seed = match (c.seed, scale) {
                (SeedKind::Campus, Some(n)) => SeedKind::Scale(n),
                (kind, _) => kind,
            };
            let store = match data_dir {
                Some(dir) => Store::open(dir, &c.host_name, new_ontology(), seed, &time)?,
                None => Store::in_memory(new_ontology(), seed, &time).map_err(|e| {
                    StoreError::Corrupt {
                        path: seed_graph::models_dir(),
                        line: 0,
                        problem: format!("the seed for {} cannot be loaded: {e}", c.host_name),
                    }
                })?,
            };
            instances.insert(
                c.host_name.clone(),
                Arc::new(Instance {
                    config: c.clone(),
                    store: Mutex::new(store),
                    throttle: Mutex::new(Throttler::new(c.throttle)),
                }),
            );
        }
        Ok(Self {
            instances,
            config,
            durable: data_dir.is_some(),
        })
    }

    /// An instance by host name (case-insensitive).
    pub fn instance(&self, host: &str) -> Option<&Arc<Instance>> {
        self.instances.get(&host.to_ascii_lowercase())
    }

    /// The subscriptions and instances, as configured.
    pub fn config(&self) -> &Instances {
        &self.config
    }

    /// Whether writes go to a data directory.
    pub fn is_durable(&self) -> bool {
        self.durable
    }

    /// Test hook: changes an instance's throttle (false for an unknown host).
    pub fn set_throttle(&self, host: &str, mode: Throttle) -> bool {
        match self.instance(host) {
            Some(i) => {
                i.throttler().set(mode);
                true
            }
            None => false,
        }
    }

    /// Test hook: how many twins an instance holds.
    pub fn twin_count(&self, host: &str) -> Option<usize> {
        self.instance(host).map(|i| i.store().state.twins.len())
    }
}

/// A parsed data-plane request.
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    /// The path after the host, as sent (for `nextLink`s), e.g. `/models`.
    pub path: String,
    pub route: Route,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub api_version: String,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (400 `InvalidArgument` when it is not).
    pub fn json(&self) -> Result<Value, AdtError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            AdtError::InvalidArgument(format!("The request body is not valid JSON: {e}."))
        })
    }

    /// The body as JSON, refusing bodies over the service's payload limit.
    pub fn bounded_json(&self) -> Result<Value, AdtError> {
        if self.body.len() > MAX_PAYLOAD_BYTES {
            return Err(AdtError::InvalidArgument(format!(
                "The request payload is {} bytes, over the maximum of 32 KB ({MAX_PAYLOAD_BYTES} bytes) for a digital twin. See the service limits https://aka.ms/adt-limits.",
                self.body.len()
            )));
        }
        self.json()
    }
}

/// What a handler gets: the instance, the request and the clock.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub instance: &'a Instance,
    pub req: &'a Request,
    pub clock: &'a Clock,
}

impl Ctx<'_> {
    pub fn host(&self) -> &str {
        &self.instance.config.host_name
    }

    pub fn now(&self) -> String {
        wire::now(self.clock)
    }
}

/// A JSON response with an optional `ETag` header.
pub fn json_response(status: StatusCode, body: &Value, etag: Option<&str>) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

/// 204 with an optional `ETag` header.
/// One page of a list held in memory: `max-items-per-page` (at most `limit`) items from the
/// request's continuation, as `{"value", "nextLink"}`; `extra` query pairs travel in the link.
pub fn list_page(
    ctx: &Ctx<'_>,
    items: &[Value],
    limit: usize,
    extra: &[(String, String)],
) -> Result<Response, AdtError> {
    let size = paging::page_size(&ctx.req.headers, limit)?;
    let offset = paging::offset(ctx.req.param(paging::CONTINUATION_PARAM))?;
    let (items, next) = paging::slice(items, offset, size);
    let link =
        next.map(|n| paging::next_link(ctx.host(), &ctx.req.path, &ctx.req.api_version, extra, n));
    Ok(json_response(
        StatusCode::OK,
        &paging::list_body(items, link),
        None,
    ))
}

pub fn no_content(etag: Option<&str>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

/// Commits records, turning a storage failure into a 500.
pub fn commit(store: &mut Store, records: Vec<store::Record>) -> Result<(), AdtError> {
    store.commit(records).map_err(AdtError::Storage)
}

/// Splits `/adt/{host}/{rest}` into the host, the rest as sent and its decoded segments.
fn split_path(uri: &Uri) -> Option<(String, String, Vec<String>)> {
    let rest = uri.path().strip_prefix("/adt/")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    Some((host.to_ascii_lowercase(), format!("/{path}"), segments))
}

/// The one handler behind [`crate::service::ROUTE_ADT`].
pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((host, path, segments)) = split_path(&uri) else {
        return AdtError::ResourceNotFound(uri.path().to_string()).into_response();
    };
    let Some(instance) = state.adt.instance(&host).cloned() else {
        return AdtError::InstanceNotFound(host).into_response();
    };
    let caller = match auth::verify(
        &state.identity,
        state.clock.now(),
        auth::bearer(&headers),
        auth::ADT_AUDIENCE,
    ) {
        Ok(c) => c,
        Err(e) => return AdtError::Unauthorized(e.to_string()).into_response(),
    };
    if caller.tid != instance.config.tenant_id {
        return AdtError::SubDomainNotFound.into_response();
    }
    let route = Route::parse(&segments);
    if let Some(retry_after) = instance.throttler().admit(state.clock.now()) {
        return AdtError::Throttled {
            retry_after,
            query: route == Some(Route::Query),
        }
        .into_response();
    }
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let api_version = query
        .iter()
        .find(|(k, _)| k == "api-version")
        .map(|(_, v)| v.clone());
    let api_version = match api_version {
        None => return AdtError::ApiVersion(None).into_response(),
        Some(v) if !ACCEPTED_API_VERSIONS.contains(&v.as_str()) => {
            return AdtError::ApiVersion(Some(v)).into_response();
        }
        Some(v) => v,
    };
    let Some(route) = route else {
        return AdtError::ResourceNotFound(path).into_response();
    };
    let allowed = match instance.config.role_of(&caller.oid) {
        None => false,
        Some(role) => role.can_write() || is_read(&method, &route),
    };
    if !allowed {
        return AdtError::Forbidden.into_response();
    }
    let req = Request {
        method,
        path,
        route,
        query,
        headers,
        body,
        api_version,
    };
    let ctx = Ctx {
        instance: &instance,
        req: &req,
        clock: &state.clock,
    };
    dispatch(&ctx).unwrap_or_else(IntoResponse::into_response)
}

fn dispatch(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let m = &ctx.req.method;
    match (&ctx.req.route, m.as_str()) {
        (Route::Models, "GET") => models::list(ctx),
        (Route::Models, "POST") => models::add(ctx),
        (Route::Model(id), "GET") => models::get(ctx, id),
        (Route::Model(id), "PATCH") => models::update(ctx, id),
        (Route::Model(id), "DELETE") => models::delete(ctx, id),
        (Route::Query, "POST") => query::query(ctx),
        (Route::Twin(id), "GET") => twins::get(ctx, id),
        (Route::Twin(id), "PUT") => twins::put(ctx, id),
        (Route::Twin(id), "PATCH") => twins::patch(ctx, id),
        (Route::Twin(id), "DELETE") => twins::delete(ctx, id),
        (Route::Relationships(id), "GET") => relationships::list(ctx, id),
        (Route::Incoming(id), "GET") => relationships::incoming(ctx, id),
        (Route::Relationship(id, rel), "GET") => relationships::get(ctx, id, rel),
        (Route::Relationship(id, rel), "PUT") => relationships::put(ctx, id, rel),
        (Route::Relationship(id, rel), "PATCH") => relationships::patch(ctx, id, rel),
        (Route::Relationship(id, rel), "DELETE") => relationships::delete(ctx, id, rel),
        (Route::Component(id, c), "GET") => components::get(ctx, id, c),
        (Route::Component(id, c), "PATCH") => components::patch(ctx, id, c),
        (Route::Telemetry(id), "POST") => telemetry::send(ctx, id, None),
        (Route::ComponentTelemetry(id, c), "POST") => telemetry::send(ctx, id, Some(c)),
        (Route::EventRoutes, "GET") => event_routes::list(ctx),
        (Route::EventRoute(id), "GET") => event_routes::get(ctx, id),
        (Route::EventRoute(id), "PUT") => event_routes::put(ctx, id),
        (Route::EventRoute(id), "DELETE") => event_routes::delete(ctx, id),
        (Route::DeleteJobs, "POST") => jobs::add(ctx),
        (Route::DeleteJobs, "GET") => jobs::list(ctx),
        (Route::DeleteJob(id), "GET") => jobs::get(ctx, id),
        (Route::ImportJobs, _) => Err(AdtError::NotEmulated(
            "Import jobs are not emulated: they read their input from and write their log to \
             Azure Blob Storage, which the emulator has no stand-in for. Create the twins and \
             relationships with the twin and relationship APIs, or run the import job against \
             an instance in Azure.",
        )),
        _ => Err(AdtError::MethodNotAllowed),
    }
}

/// Checks `If-Match` against the current ETag (`*` matches anything that exists).
pub fn check_if_match(req: &Request, current: &str) -> Result<(), AdtError> {
    match req.header("if-match") {
        None => Ok(()),
        Some(v)
            if v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t == current) =>
        {
            Ok(())
        }
        Some(given) => Err(AdtError::PreconditionFailed(Precondition::EtagMismatch(
            given.to_owned(),
        ))),
    }
}

/// Refuses with 412 when `If-None-Match: *` is sent and the resource exists.
pub fn check_if_none_match(
    req: &Request,
    exists: bool,
    found: impl FnOnce() -> Precondition,
) -> Result<(), AdtError> {
    match req.header("if-none-match") {
        Some(v) if v.trim() == "*" && exists => Err(AdtError::PreconditionFailed(found())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        split_path(
            &format!("/adt/H.api.weu.digitaltwins.azure.net{path}")
                .parse()
                .unwrap(),
        )
        .unwrap()
        .2
    }

    #[test]
    fn routes_decode_each_segment() {
        assert_eq!(
            Route::parse(&segs("/models/dtmi%3Aa%3AB%3B1")),
            Some(Route::Model("dtmi:a:B;1".into()))
        );
        assert_eq!(
            Route::parse(&segs("/digitaltwins/a%2Fb/relationships/r1")),
            Some(Route::Relationship("a/b".into(), "r1".into()))
        );
        assert_eq!(
            Route::parse(&segs("/digitaltwins/t/components/c/telemetry")),
            Some(Route::ComponentTelemetry("t".into(), "c".into()))
        );
        assert_eq!(Route::parse(&segs("/jobs/delete")), Some(Route::DeleteJobs));
        assert_eq!(Route::parse(&segs("/nothing/here/at/all")), None);
        assert!(is_read(&Method::POST, &Route::Query));
        assert!(!is_read(&Method::POST, &Route::Telemetry("t".into())));
    }
}
