//! [`AdtClient`]: typed calls to one Azure Digital Twins instance through the same-origin
//! pass-through (`{prefix}/{host}/…`).
//!
//! Every request carries `api-version` and a bearer from the [`TokenProvider`]; transient
//! failures are retried by the rules in [`super::retry`]; every other answer becomes an
//! [`AdtError`]. The client holds no tenant data: it is cheap to clone and to drop.

use std::rc::Rc;

use serde_json::{Value, json};

use super::error::{AdtError, RequestKind, classify};
use super::paging::{PageCursor, data_plane_url, encode_component, next_link_path};
use super::patch::PatchOp;
use super::retry::{Backoff, Outcome, Runtime, parse_retry_after};
use super::types::{
    CancelFlag, ETag, IncomingRelationship, ModelData, QueryCharge, QueryPage, QuerySummary,
    TokenProvider, Twin,
};
use crate::auth::http::{Headers, HttpClient, HttpRequest, Method, header};
use crate::config::AdtPathPrefix;
use crate::ids::AdtHost;
use crate::json;

/// Data-plane paths, relative to the instance.
pub mod routes {
    pub const QUERY: &str = "/query";
    pub const TWINS: &str = "/digitaltwins";
    pub const RELATIONSHIPS: &str = "relationships";
    pub const INCOMING: &str = "incomingrelationships";
    pub const MODELS: &str = "/models";
}

/// The header carrying a query page's cost.
pub const QUERY_CHARGE_HEADER: &str = "query-charge";
const JSON: &str = "application/json";
const JSON_PATCH: &str = "application/json-patch+json";

/// A client for one instance. Clone freely (one `Rc` inside).
#[derive(Clone)]
pub struct AdtClient(Rc<Inner>);

struct Inner {
    prefix: AdtPathPrefix,
    host: AdtHost,
    http: HttpClient,
    token: TokenProvider,
    runtime: Runtime,
}

impl std::fmt::Debug for AdtClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdtClient")
            .field("prefix", &self.0.prefix)
            .field("host", &self.0.host)
            .finish_non_exhaustive()
    }
}

impl PartialEq for AdtClient {
    /// Same client object (for Leptos contexts and memos).
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// One request before it is sent.
struct Call {
    method: Method,
    url: String,
    body: Option<(Vec<u8>, &'static str)>,
    headers: Vec<(&'static str, String)>,
    /// May be sent again after a transient failure.
    idempotent: bool,
    /// Changes the instance (decides the role a 403 names).
    write: bool,
}

impl Call {
    fn new(method: Method, url: String) -> Self {
        let write = method != Method::Get;
        let idempotent = matches!(method, Method::Get | Method::Put | Method::Delete);
        Self {
            method,
            url,
            body: None,
            headers: Vec::new(),
            idempotent,
            write,
        }
    }

    fn json(mut self, value: &Value) -> Self {
        self.body = Some((json::to_string(value).into_bytes(), JSON));
        self
    }

    fn json_patch(mut self, ops: &[PatchOp]) -> Self {
        let body = serde_json::to_vec(ops).unwrap_or_else(|_| b"[]".to_vec());
        self.body = Some((body, JSON_PATCH));
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn if_match(self, etag: Option<&ETag>) -> Self {
        match etag {
            Some(tag) => self.header(header::IF_MATCH, tag.as_str()),
            None => self,
        }
    }
}

/// A successful answer.
struct Answer {
    headers: Headers,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Result<Value, AdtError> {
        serde_json::from_slice(&self.body).map_err(|e| AdtError::Malformed(e.to_string()))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    fn etag(&self) -> Option<ETag> {
        self.header(header::ETAG).and_then(ETag::new)
    }
}

impl AdtClient {
    /// A client for `host` through `prefix`, with the browser's timer and clock.
    pub fn new(
        path_prefix: &AdtPathPrefix,
        host: AdtHost,
        http: HttpClient,
        token: TokenProvider,
    ) -> Self {
        Self::with_runtime(path_prefix, host, http, token, Runtime::browser())
    }

    /// As [`AdtClient::new`], with an injected sleep, clock and jitter (tests).
    pub fn with_runtime(
        path_prefix: &AdtPathPrefix,
        host: AdtHost,
        http: HttpClient,
        token: TokenProvider,
        runtime: Runtime,
    ) -> Self {
        Self(Rc::new(Inner {
            prefix: path_prefix.clone(),
            host,
            http,
            token,
            runtime,
        }))
    }

    pub fn host(&self) -> &AdtHost {
        &self.0.host
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> String {
        data_plane_url(&self.0.prefix, &self.0.host, path, query)
    }

    fn twin_path(id: &str) -> String {
        format!("{}/{}", routes::TWINS, encode_component(id))
    }

    fn relationship_path(source: &str, relationship_id: &str) -> String {
        format!(
            "{}/{}/{}",
            Self::twin_path(source),
            routes::RELATIONSHIPS,
            encode_component(relationship_id)
        )
    }

    fn model_path(id: &str) -> String {
        format!("{}/{}", routes::MODELS, encode_component(id))
    }

    /// Sends `call`, retrying transient failures; the first success or the final error.
    async fn send(&self, call: Call) -> Result<Answer, AdtError> {
        let runtime = &self.0.runtime;
        let mut backoff = Backoff::new(runtime.policy);
        let kind = RequestKind {
            host: self.0.host.clone(),
            write: call.write,
        };
        loop {
            let token = (self.0.token)().await.map_err(AdtError::Auth)?;
            let mut request = HttpRequest::new(call.method, &call.url)
                .header(header::ACCEPT, JSON)
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", token.secret.expose()),
                );
            for (name, value) in &call.headers {
                request = request.header(name, value.as_str());
            }
            if let Some((bytes, content_type)) = &call.body {
                request = request
                    .header(header::CONTENT_TYPE, *content_type)
                    .with_body(bytes.clone());
            }
            let (outcome, failure) = match (self.0.http)(request).await {
                Ok(response) if response.is_success() => {
                    return Ok(Answer {
                        headers: response.headers,
                        body: response.body,
                    });
                }
                Ok(response) => {
                    let status = response.status;
                    let retry_after = response
                        .headers
                        .get(header::RETRY_AFTER)
                        .and_then(|v| parse_retry_after(v, (runtime.now_unix)()));
                    let error = classify(
                        status,
                        response.headers.get(header::X_MS_ERROR_CODE),
                        &response.body,
                        retry_after,
                        &kind,
                    );
                    (
                        Outcome::Status {
                            status,
                            retry_after,
                        },
                        error,
                    )
                }
                Err(error) => (
                    Outcome::Network,
                    AdtError::Network {
                        error,
                        write: kind.write,
                    },
                ),
            };
            let wait =
                backoff.next_wait(outcome, call.idempotent, &mut runtime.jitter.borrow_mut());
            match wait {
                Some(wait) => (runtime.sleep)(wait).await,
                None => return Err(failure),
            }
        }
    }

    /// `GET`s a list and every page after it (following `nextLink`s on this host only).
    async fn list_all(&self, first: String) -> Result<Vec<Value>, AdtError> {
        self.list_pages(first, &mut |_| {}).await
    }

    /// [`Self::list_all`], handing each page to `on_page` as it arrives.
    async fn list_pages(
        &self,
        first: String,
        on_page: &mut dyn FnMut(&[Value]),
    ) -> Result<Vec<Value>, AdtError> {
        let mut items = Vec::new();
        let mut cursor = PageCursor::default();
        let mut url = first;
        loop {
            let page = self.send(Call::new(Method::Get, url)).await?.json()?;
            let page_items = list_items(&page)?;
            on_page(&page_items);
            items.extend(page_items);
            let next = cursor.advance(page.get("nextLink").and_then(Value::as_str));
            match next {
                Some(link) => {
                    url = next_link_path(&self.0.prefix, &self.0.host, &link)
                        .map_err(|e| AdtError::Malformed(e.to_string()))?;
                }
                None => return Ok(items),
            }
        }
    }

    fn query_call(&self, text: &str, continuation: Option<&str>) -> Call {
        let mut spec = json::object! { "query": text };
        if let Some(token) = continuation {
            spec["continuationToken"] = token.into();
        }
        let mut call = Call::new(Method::Post, self.url(routes::QUERY, &[])).json(&spec);
        // A query changes nothing, so it is safe to send again and needs only read access.
        call.idempotent = true;
        call.write = false;
        call
    }

    /// Runs a query for its outcome only: whether this user may read the instance. Its
    /// rows are not read, so the first load, whose tenant page probes every instance, carries
    /// no reader of Digital Twins' answers ([`crate::json`] reads its error bodies).
    pub async fn probe(&self, text: &str) -> Result<(), AdtError> {
        self.send(self.query_call(text, None)).await.map(drop)
    }

    /// One page of a query (`continuation` from the previous page's token).
    pub async fn query(
        &self,
        text: &str,
        continuation: Option<&str>,
    ) -> Result<QueryPage, AdtError> {
        let answer = self.send(self.query_call(text, continuation)).await?;
        let body = answer.json()?;
        Ok(QueryPage {
            items: list_items(&body)?,
            continuation_token: body
                .get("continuationToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            charge: answer.header(QUERY_CHARGE_HEADER).map(QueryCharge::new),
        })
    }

    /// Every page of a query, each handed to `on_page` as it arrives. Stops before the next
    /// request (and drops a page that arrives) once `cancel` is raised. A page is delivered
    /// only after it fully succeeded, so a retried page never repeats rows.
    pub async fn query_all(
        &self,
        text: &str,
        mut on_page: impl FnMut(&QueryPage),
        cancel: CancelFlag,
    ) -> Result<QuerySummary, AdtError> {
        let mut summary = QuerySummary::default();
        let mut cursor = PageCursor::default();
        let mut token: Option<String> = None;
        loop {
            if cancel.is_cancelled() {
                summary.cancelled = true;
                return Ok(summary);
            }
            let page = self.query(text, token.as_deref()).await?;
            if cancel.is_cancelled() {
                summary.cancelled = true;
                return Ok(summary);
            }
            summary.pages += 1;
            summary.rows += page.items.len();
            summary.charge += page
                .charge
                .as_ref()
                .and_then(QueryCharge::units)
                .unwrap_or(0.0);
            on_page(&page);
            token = cursor.advance(page.continuation_token.as_deref());
            if token.is_none() {
                return Ok(summary);
            }
        }
    }

    /// A twin and its ETag (from the `ETag` header, else `$etag`).
    pub async fn get_twin(&self, id: &str) -> Result<Twin, AdtError> {
        let answer = self
            .send(Call::new(Method::Get, self.url(&Self::twin_path(id), &[])))
            .await?;
        twin_from(&answer)
    }

    /// Creates (or replaces) a twin; with `if_none_match_star` only if none exists.
    pub async fn create_twin(
        &self,
        id: &str,
        body: &Value,
        if_none_match_star: bool,
    ) -> Result<Twin, AdtError> {
        let mut call = Call::new(Method::Put, self.url(&Self::twin_path(id), &[])).json(body);
        if if_none_match_star {
            call = call.header(header::IF_NONE_MATCH, "*");
        }
        twin_from(&self.send(call).await?)
    }

    /// Applies a JSON Patch; with `if_match` only to that version. The new ETag.
    pub async fn patch_twin(
        &self,
        id: &str,
        ops: &[PatchOp],
        if_match: Option<&ETag>,
    ) -> Result<ETag, AdtError> {
        let mut call = Call::new(Method::Patch, self.url(&Self::twin_path(id), &[]))
            .json_patch(ops)
            .if_match(if_match);
        // Sent twice, a conditional patch fails its precondition instead of applying twice.
        call.idempotent = if_match.is_some();
        let answer = self.send(call).await?;
        match answer.etag() {
            Some(tag) => Ok(tag),
            None => Ok(self.get_twin(id).await?.etag),
        }
    }

    /// Deletes a twin (it must have no relationships); with `if_match` only that version.
    pub async fn delete_twin(&self, id: &str, if_match: Option<&ETag>) -> Result<(), AdtError> {
        let call =
            Call::new(Method::Delete, self.url(&Self::twin_path(id), &[])).if_match(if_match);
        self.send(call).await.map(drop)
    }

    /// A twin's outgoing relationships, optionally only those named `name`.
    pub async fn list_relationships(
        &self,
        id: &str,
        name: Option<&str>,
    ) -> Result<Vec<Value>, AdtError> {
        self.list_relationships_by_page(id, name, &mut |_| {}).await
    }

    /// [`Self::list_relationships`], each page handed to `on_page` as it arrives (the service
    /// lists them ten to a page).
    pub async fn list_relationships_by_page(
        &self,
        id: &str,
        name: Option<&str>,
        on_page: &mut dyn FnMut(&[Value]),
    ) -> Result<Vec<Value>, AdtError> {
        let path = format!("{}/{}", Self::twin_path(id), routes::RELATIONSHIPS);
        let query: Vec<(&str, &str)> = name.map(|n| ("relationshipName", n)).into_iter().collect();
        self.list_pages(self.url(&path, &query), on_page).await
    }

    /// Relationships pointing at a twin.
    pub async fn list_incoming(&self, id: &str) -> Result<Vec<IncomingRelationship>, AdtError> {
        self.list_incoming_by_page(id, &mut |_| {}).await
    }

    /// [`Self::list_incoming`], each page handed to `on_page` as it arrives (a page with an
    /// unreadable item is not handed on; the whole list is then an error).
    pub async fn list_incoming_by_page(
        &self,
        id: &str,
        on_page: &mut dyn FnMut(&[IncomingRelationship]),
    ) -> Result<Vec<IncomingRelationship>, AdtError> {
        let path = format!("{}/{}", Self::twin_path(id), routes::INCOMING);
        let parse = |items: &[Value]| -> Result<Vec<IncomingRelationship>, AdtError> {
            items
                .iter()
                .map(|v| {
                    IncomingRelationship::from_json(v).ok_or_else(|| {
                        AdtError::Malformed("an incoming relationship lacks its ids".into())
                    })
                })
                .collect()
        };
        // Each page parsed once, as it arrives; after an unreadable one nothing more is shown.
        let mut parsed = Vec::new();
        let mut unreadable = None;
        self.list_pages(self.url(&path, &[]), &mut |page| {
            if unreadable.is_some() {
                return;
            }
            match parse(page) {
                Ok(items) => {
                    on_page(&items);
                    parsed.extend(items);
                }
                Err(e) => unreadable = Some(e),
            }
        })
        .await?;
        match unreadable {
            Some(e) => Err(e),
            None => Ok(parsed),
        }
    }

    /// Creates or replaces relationship `relationship_id` of `source`.
    pub async fn put_relationship(
        &self,
        source: &str,
        relationship_id: &str,
        body: &Value,
    ) -> Result<Value, AdtError> {
        let path = Self::relationship_path(source, relationship_id);
        self.send(Call::new(Method::Put, self.url(&path, &[])).json(body))
            .await?
            .json()
    }

    /// Creates relationship `relationship_id` of `source` only if it does not exist
    /// (`If-None-Match: *`): a 412 means someone else made one with that id meanwhile.
    pub async fn create_relationship(
        &self,
        source: &str,
        relationship_id: &str,
        body: &Value,
    ) -> Result<Value, AdtError> {
        let path = Self::relationship_path(source, relationship_id);
        let call = Call::new(Method::Put, self.url(&path, &[]))
            .json(body)
            .header(header::IF_NONE_MATCH, "*");
        self.send(call).await?.json()
    }

    /// Applies a JSON Patch to the properties of relationship `relationship_id` of `source`;
    /// with `if_match` only to that version (a 412 means someone else changed it).
    pub async fn patch_relationship(
        &self,
        source: &str,
        relationship_id: &str,
        ops: &[PatchOp],
        if_match: Option<&ETag>,
    ) -> Result<(), AdtError> {
        let path = Self::relationship_path(source, relationship_id);
        let mut call = Call::new(Method::Patch, self.url(&path, &[]))
            .json_patch(ops)
            .if_match(if_match);
        call.idempotent = if_match.is_some();
        self.send(call).await.map(drop)
    }

    pub async fn delete_relationship(
        &self,
        source: &str,
        relationship_id: &str,
    ) -> Result<(), AdtError> {
        let path = Self::relationship_path(source, relationship_id);
        self.send(Call::new(Method::Delete, self.url(&path, &[])))
            .await
            .map(drop)
    }

    /// Every model, with its DTDL when `include_definition`.
    pub async fn list_models(&self, include_definition: bool) -> Result<Vec<ModelData>, AdtError> {
        let flag = if include_definition { "true" } else { "false" };
        let items = self
            .list_all(self.url(routes::MODELS, &[("includeModelDefinition", flag)]))
            .await?;
        items.iter().map(model_from).collect()
    }

    /// `id` and every model it depends on (what it extends, its components' models, the models
    /// whose schemas it uses), transitively, with their DTDL: `GET /models?dependenciesFor=`.
    pub async fn list_model_dependencies(&self, id: &str) -> Result<Vec<ModelData>, AdtError> {
        let items = self
            .list_all(self.url(
                routes::MODELS,
                &[("dependenciesFor", id), ("includeModelDefinition", "true")],
            ))
            .await?;
        items.iter().map(model_from).collect()
    }

    /// One model, with its DTDL when `include_definition`.
    pub async fn get_model(
        &self,
        id: &str,
        include_definition: bool,
    ) -> Result<ModelData, AdtError> {
        let flag = if include_definition { "true" } else { "false" };
        let url = self.url(&Self::model_path(id), &[("includeModelDefinition", flag)]);
        model_from(&self.send(Call::new(Method::Get, url)).await?.json()?)
    }

    /// Uploads DTDL interfaces (all or none). Retried only after a 429 (nothing was added);
    /// after a lost connection or a 5xx a repeat could conflict, so the error is returned.
    pub async fn add_models(&self, models: &[Value]) -> Result<Vec<ModelData>, AdtError> {
        let call = Call::new(Method::Post, self.url(routes::MODELS, &[])).json(&json!(models));
        match self.send(call).await?.json()? {
            Value::Array(items) => items.iter().map(model_from).collect(),
            _ => Err(AdtError::Malformed("expected a list of models".into())),
        }
    }

    /// Marks a model decommissioned (no new twins of it).
    pub async fn decommission_model(&self, id: &str) -> Result<(), AdtError> {
        let ops = [PatchOp::Replace {
            path: "/decommissioned".into(),
            value: json!(true),
        }];
        let mut call =
            Call::new(Method::Patch, self.url(&Self::model_path(id), &[])).json_patch(&ops);
        call.idempotent = true;
        self.send(call).await.map(drop)
    }

    pub async fn delete_model(&self, id: &str) -> Result<(), AdtError> {
        self.send(Call::new(
            Method::Delete,
            self.url(&Self::model_path(id), &[]),
        ))
        .await
        .map(drop)
    }
}

fn list_items(page: &Value) -> Result<Vec<Value>, AdtError> {
    match page.get("value") {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(AdtError::Malformed(
            "a list answer has no `value` array".into(),
        )),
    }
}

fn model_from(value: &Value) -> Result<ModelData, AdtError> {
    ModelData::from_json(value).ok_or_else(|| AdtError::Malformed("a model has no `id`".into()))
}

fn twin_from(answer: &Answer) -> Result<Twin, AdtError> {
    let value = answer.json()?;
    let etag = answer
        .etag()
        .or_else(|| {
            value
                .get("$etag")
                .and_then(Value::as_str)
                .and_then(ETag::new)
        })
        .ok_or_else(|| AdtError::Malformed("the twin has no ETag".into()))?;
    Ok(Twin { value, etag })
}
