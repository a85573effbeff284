//! The HTTP client the auth core uses: a closure from request to response.
//!
//! The auth core, the ARM and the ADT clients take any `Fn(HttpRequest) -> ResponseFuture`,
//! so the browser uses [`browser_fetch`] (its `fetch`, `credentials: omit`, never cached) and
//! tests use a closure that answers from a table and counts calls.

use std::future::Future;
use std::pin::Pin;

/// The methods the app sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header names the app reads or sends (lowercase; [`Headers`] compares names without
/// regard to case, as HTTP does).
pub mod header {
    pub const ACCEPT: &str = "accept";
    pub const AUTHORIZATION: &str = "authorization";
    pub const CONTENT_TYPE: &str = "content-type";
    pub const ETAG: &str = "etag";
    pub const IF_MATCH: &str = "if-match";
    pub const IF_NONE_MATCH: &str = "if-none-match";
    pub const RETRY_AFTER: &str = "retry-after";
    pub const X_MS_ERROR_CODE: &str = "x-ms-error-code";
}

/// Header fields in the order given. Names are compared without regard to ASCII case
/// (RFC 9110 §5.1): `Authorization` and `authorization` are one field, so a check for a
/// bearer cannot be passed by spelling the name differently. `Debug` shows no
/// `Authorization` value, and there is no `PartialEq`: a bearer is not compared or printed.
#[derive(Clone, Default)]
pub struct Headers(Vec<(String, String)>);

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(name, value)| {
                let shown = if name.eq_ignore_ascii_case(header::AUTHORIZATION) {
                    "[redacted]"
                } else {
                    value
                };
                (name, shown)
            }))
            .finish()
    }
}

impl Headers {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds a field (after any of the same name).
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_owned(), value.into()));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// A request: method, absolute or origin-relative URL, headers, body bytes. `Debug` shows the
/// body's length only (a token request's body holds a code or a refresh token).
#[derive(Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &describe_request(self))
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url)
    }

    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::Post, url)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }
}

/// A response: status, headers, body bytes. `Debug` shows the body's length only (a token
/// response's body holds tokens).
#[derive(Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl HttpResponse {
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

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
/// method and the URL without query or fragment (which could carry a secret), for error
/// messages.
pub fn describe_request(request: &HttpRequest) -> String {
    let url = &request.url;
    let end = url.find(['?', '#']).unwrap_or(url.len());
    format!("{} {}", request.method, &url[..end])
}

/// Whether a header field can be sent as it is: the name an RFC 9110 token, the value
/// visible ASCII, spaces and tabs (no line breaks, which could end the field and start
/// another).
pub fn sendable(name: &str, value: &str) -> bool {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    !name.is_empty()
        && name.bytes().all(token)
        && value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
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
        let described = describe_request(&request);
        let fail = |reason: String| NetworkError {
            request: described.clone(),
            reason,
        };
        let carries_bearer = request.headers.contains(header::AUTHORIZATION);
        // The request is built as given (gloo-net's builder, once used here, parsed the URL
        // again and appended its own, here empty, query after an `&`).
        let init = web_sys::RequestInit::new();
        init.set_method(request.method.as_str());
        init.set_cache(web_sys::RequestCache::NoStore);
        init.set_credentials(web_sys::RequestCredentials::Omit);
        if carries_bearer {
            init.set_redirect(web_sys::RequestRedirect::Manual);
        }
        let headers = web_sys::Headers::new().map_err(|e| fail(js_reason(&e)))?;
        for (name, value) in request.headers.iter() {
            // The browser's `Headers` throws on these, which would abort the app.
            if !sendable(name, value) {
                return Err(fail(format!(
                    "refused before sending: the {name} header holds characters HTTP does not allow"
                )));
            }
            headers
                .append(name, value)
                .map_err(|e| fail(js_reason(&e)))?;
        }
        init.set_headers(&headers);
        if !request.body.is_empty() {
            // The bytes as they are (`set_body` with a string would re-encode them).
            init.set_body(&js_sys::Uint8Array::from(request.body.as_slice()));
        }
        let raw = web_sys::Request::new_with_str_and_init(&request.url, &init)
            .map_err(|e| fail(js_reason(&e)))?;
        let response = fetch(&raw).await.map_err(|e| {
            log::warn!("{described}: {e}");
            fail(NO_ANSWER.to_owned())
        })?;
        // `manual` turns a 3xx into an opaque redirect; `redirected` would mean one was followed.
        if carries_bearer
            && (response.type_() == web_sys::ResponseType::Opaqueredirect || response.redirected())
        {
            return Err(fail(REDIRECTED.to_owned()));
        }
        let mut out = HttpResponse::new(response.status());
        let entries = js_sys::try_iter(response.headers().as_ref()).ok().flatten();
        for entry in entries.into_iter().flatten().flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.headers.append(&name, value);
            }
        }
        out.body = body(&response).await.map_err(|e| fail(js_reason(&e)))?;
        Ok(out)
    })
}

/// The browser's `fetch(request)`: its response, or why there is none (the rejection's
/// message, a `TypeError` such as "Failed to fetch").
pub async fn fetch(request: &web_sys::Request) -> Result<web_sys::Response, String> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or("no window to fetch from")?;
    wasm_bindgen_futures::JsFuture::from(window.fetch_with_request(request))
        .await
        .map_err(|e| js_reason(&e))?
        .dyn_into()
        .map_err(|_| "fetch answered something other than a response".to_owned())
}

/// A response's body, as its bytes.
async fn body(response: &web_sys::Response) -> Result<Vec<u8>, wasm_bindgen::JsValue> {
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// What the browser said when it refused a request (a `TypeError`'s message).
pub fn js_reason(error: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    error.dyn_ref::<js_sys::Error>().map_or_else(
        || "the browser refused the request".to_owned(),
        |e| String::from(e.message()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_one_field_whatever_their_case() {
        let request = HttpRequest::get("/adt/h/models").header("Authorization", "Bearer x");
        assert!(request.headers.contains(header::AUTHORIZATION));
        assert_eq!(request.headers.get("AUTHORIZATION"), Some("Bearer x"));
        assert_eq!(request.headers.get("accept"), None);
    }

    #[test]
    fn a_request_is_described_without_its_query_or_fragment() {
        let check = |request: HttpRequest, expected: &str| {
            assert_eq!(describe_request(&request), expected);
        };
        check(
            HttpRequest::post("https://login.example/t/oauth2/v2.0/token?code=secret"),
            "POST https://login.example/t/oauth2/v2.0/token",
        );
        check(
            HttpRequest::get("/adt/h/twins/a#frag"),
            "GET /adt/h/twins/a",
        );
        check(HttpRequest::new(Method::Patch, "/x"), "PATCH /x");
    }

    #[test]
    fn printing_a_request_or_response_shows_no_secret() {
        let request = HttpRequest::post("https://login.example/t/token?x=code-in-query")
            .header("Authorization", "Bearer eyJ.secret")
            .header(header::ACCEPT, "application/json")
            .with_body(b"grant_type=refresh_token&refresh_token=rt-secret".to_vec());
        let printed = format!("{request:?}");
        assert!(printed.contains("application/json"), "{printed}");
        for secret in ["eyJ.secret", "rt-secret", "code-in-query"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        let response = HttpResponse::new(200)
            .header("Authorization", "Bearer eyJ.secret")
            .with_body(r#"{"access_token":"at-secret"}"#);
        let printed = format!("{response:?}");
        assert!(printed.contains("200"), "{printed}");
        assert!(
            !printed.contains("at-secret") && !printed.contains("eyJ.secret"),
            "{printed}"
        );
    }

    #[test]
    fn only_fields_http_allows_are_sent() {
        assert!(sendable("authorization", "Bearer a.b-c_d"));
        assert!(sendable("if-match", "W/\"1\"\t"));
        assert!(!sendable("authorization", "Bearer a\r\nx-evil: 1"));
        assert!(!sendable("authorization", "Bearer é"));
        assert!(!sendable("bad name", "x"));
        assert!(!sendable("", "x"));
    }
}
