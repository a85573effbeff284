//! The HTTP client the auth core uses: a closure from request to response.
//!
//! The auth core, the ARM and the ADT clients take any `Fn(HttpRequest) -> ResponseFuture`,
//! so the browser uses [`browser_fetch`] (gloo-net, `credentials: omit`, never cached) and
//! tests use a closure that answers from a table and counts calls.

use std::future::Future;
use std::pin::Pin;

/// A request: `http`'s, with the body as bytes.
pub type HttpRequest = http::Request<Vec<u8>>;
/// A response: `http`'s, with the body as bytes.
pub type HttpResponse = http::Response<Vec<u8>>;

/// A request that did not get a usable HTTP answer: none at all, a redirect (never followed
/// with a token), or refused before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{request}: {reason}")]
pub struct NetworkError {
    /// Which request, as [`describe_request`] names it: method and URL without the query or
    /// fragment (which could carry a secret).
    pub request: String,
    pub reason: String,
}

/// Why a `fetch` got no answer: the browser does not say (a network failure, a server that
/// is down, and a server that does not allow this site's cross-origin requests all look
/// alike), so the message names all three.
pub const NO_ANSWER: &str = "no answer (the network failed, the server is down, or it does not accept requests from this site)";

/// Why a request that would carry a token was stopped at a redirect.
pub const REDIRECTED: &str = "the server answered with a redirect to another address; a request that carries a token never follows a redirect, so it was stopped";

/// `GET /adt/{host}/models` or `POST https://login.example/{tenant}/oauth2/v2.0/token`: the
/// method and the URL without query or fragment, for error messages.
pub fn describe_request(method: &http::Method, uri: &http::Uri) -> String {
    let path = uri.path();
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{method} {scheme}://{authority}{path}"),
        _ => format!("{method} {path}"),
    }
}

/// A boxed future, so the client can be stored behind `Rc<dyn Fn>`.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, NetworkError>>>>;

/// The shape of every HTTP client the auth core accepts.
pub type HttpClient = std::rc::Rc<dyn Fn(HttpRequest) -> ResponseFuture>;

/// The browser's `fetch`, without cookies, never from the HTTP cache. A request that carries
/// `Authorization` never follows a redirect (`redirect: "manual"`): a 3xx ends it with
/// [`REDIRECTED`], so the bearer cannot travel to the address a server names.
pub fn browser_fetch(request: HttpRequest) -> ResponseFuture {
    Box::pin(async move {
        use gloo_net::http::{Method, RequestBuilder};
        let described = describe_request(request.method(), request.uri());
        let fail = |reason: String| NetworkError {
            request: described.clone(),
            reason,
        };
        let carries_bearer = request.headers().contains_key(http::header::AUTHORIZATION);
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
        if carries_bearer {
            builder = builder.redirect(web_sys::RequestRedirect::Manual);
        }
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
        let response = sent.map_err(|e| {
            log::warn!("{described}: {e}");
            fail(NO_ANSWER.to_owned())
        })?;
        // `manual` turns a 3xx into an opaque redirect; `redirected` would mean one was followed.
        if carries_bearer
            && (response.type_() == web_sys::ResponseType::Opaqueredirect || response.redirected())
        {
            return Err(fail(REDIRECTED.to_owned()));
        }
        let mut out = http::Response::builder().status(response.status());
        for (name, value) in response.headers().entries() {
            out = out.header(name, value);
        }
        let body = response.binary().await.map_err(|e| fail(e.to_string()))?;
        out.body(body).map_err(|e| fail(e.to_string()))
    })
}
