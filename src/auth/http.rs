//! The HTTP client the auth core uses: a closure from request to response.
//!
//! `oauth2` accepts any `Fn(HttpRequest) -> Future<Output = Result<HttpResponse, E>>`, so
//! the browser uses [`browser_fetch`] (gloo-net, `credentials: omit`, never cached) and
//! tests use a closure that answers from a table and counts calls.

use std::future::Future;
use std::pin::Pin;

pub use oauth2::{HttpRequest, HttpResponse};

/// A request that did not get an HTTP answer at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no answer from {origin}: {reason}")]
pub struct NetworkError {
    /// `scheme://host[:port]` only: never a path or query that could carry a secret.
    pub origin: String,
    pub reason: String,
}

/// A boxed future, so the client can be stored behind `Rc<dyn Fn>`.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, NetworkError>>>>;

/// The shape of every HTTP client the auth core accepts.
pub type HttpClient = std::rc::Rc<dyn Fn(HttpRequest) -> ResponseFuture>;

/// `scheme://host[:port]` of a URI, for error messages.
pub fn origin_of(uri: &http::Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
        _ => "(relative URL)".to_owned(),
    }
}

/// The browser's `fetch`, without cookies, never from the HTTP cache.
pub fn browser_fetch(request: HttpRequest) -> ResponseFuture {
    Box::pin(async move {
        use gloo_net::http::{Method, RequestBuilder};
        let origin = origin_of(request.uri());
        let fail = |reason: String| NetworkError {
            origin: origin.clone(),
            reason,
        };
        let method = match *request.method() {
            http::Method::POST => Method::POST,
            http::Method::PUT => Method::PUT,
            http::Method::PATCH => Method::PATCH,
            http::Method::DELETE => Method::DELETE,
            _ => Method::GET,
        };
        let mut builder = RequestBuilder::new(&request.uri().to_string())
            .method(method)
            .cache(web_sys::RequestCache::NoStore)
            .credentials(web_sys::RequestCredentials::Omit);
        for (name, value) in request.headers() {
            if let Ok(value) = value.to_str() {
                builder = builder.header(name.as_str(), value);
            }
        }
        let sent = if request.body().is_empty() {
            builder
                .build()
                .map_err(|e| fail(e.to_string()))?
                .send()
                .await
        } else {
            let body = String::from_utf8_lossy(request.body()).into_owned();
            builder
                .body(body)
                .map_err(|e| fail(e.to_string()))?
                .send()
                .await
        };
        let response = sent.map_err(|e| fail(e.to_string()))?;
        let mut out = http::Response::builder().status(response.status());
        for (name, value) in response.headers().entries() {
            out = out.header(name, value);
        }
        let body = response.binary().await.map_err(|e| fail(e.to_string()))?;
        out.body(body).map_err(|e| fail(e.to_string()))
    })
}
