//! The protected-resource map: which request URLs may carry which token.
//!
//! A bearer is attached only to the same-origin Digital Twins path of an allowed instance
//! host (`{origin}{adtPathPrefix}/{host}/…`) and to Azure Resource Manager's origin. Every
//! other URL, including look-alikes (`/adt/evil.example/`, `…azure.net.evil.example`,
//! `/adt/../`, encoded separators, another origin), gets no token at all.

use std::rc::Rc;

use super::http::{HttpClient, HttpRequest, NetworkError, describe_request, header};
use crate::config::{AdtPathPrefix, RuntimeConfig, WebUrl};
use crate::ids::{ADT_HOST_SUFFIX, AdtHost};

/// Which token a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtectedResource {
    /// Azure Digital Twins data plane of this instance, via the gateway.
    DigitalTwins(AdtHost),
    /// Azure Resource Manager.
    ResourceManager,
}

/// Built once from the configuration; consulted before every request.
#[derive(Debug, Clone)]
pub struct ResourceMap {
    page_origin: String,
    adt_prefix: String,
    adt_host_suffixes: Vec<String>,
    arm_origin: String,
}

impl ResourceMap {
    /// `page_origin` and `arm_origin` are `scheme://host[:port]`.
    pub fn new(
        page_origin: &str,
        adt_prefix: &AdtPathPrefix,
        adt_host_suffixes: &[&str],
        arm_origin: &str,
    ) -> Self {
        Self {
            page_origin: page_origin.trim_end_matches('/').to_ascii_lowercase(),
            adt_prefix: adt_prefix.as_str().to_owned(),
            adt_host_suffixes: adt_host_suffixes
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            arm_origin: arm_origin.trim_end_matches('/').to_ascii_lowercase(),
        }
    }

    /// The map a deployment's configuration describes: its own origin (where the redirect
    /// URI is) with the ADT path prefix, instance hosts under `.digitaltwins.azure.net`,
    /// and the configured Resource Manager origin.
    pub fn from_config(config: &RuntimeConfig) -> Self {
        Self::new(
            config.redirect_uri.origin(),
            &config.adt_path_prefix,
            &[ADT_HOST_SUFFIX],
            config.arm_endpoint.origin(),
        )
    }

    /// The resource whose token `url` may carry, or `None`: then the request carries none.
    /// `url` is either absolute or a path on this page's origin.
    pub fn resource_for(&self, url: &str) -> Option<ProtectedResource> {
        if url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        {
            return None;
        }
        let (origin, path) = split_origin(url, &self.page_origin)?;
        let path_only = path.split(['?', '#']).next().unwrap_or_default();
        let lower = path_only.to_ascii_lowercase();
        if lower.contains("%2e")
            || lower.contains("%2f")
            || lower.contains("%5c")
            || lower.contains('@')
        {
            return None;
        }
        if path_only
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return None;
        }
        if origin == self.arm_origin && origin != self.page_origin {
            return Some(ProtectedResource::ResourceManager);
        }
        if origin != self.page_origin {
            return None;
        }
        let rest = path_only
            .strip_prefix(&self.adt_prefix)?
            .strip_prefix('/')?;
        let host = rest.split('/').next()?;
        let suffixes: Vec<&str> = self.adt_host_suffixes.iter().map(String::as_str).collect();
        AdtHost::parse_with_suffixes(host, &suffixes)
            .ok()
            .filter(|h| h.as_str() == host)
            .map(ProtectedResource::DigitalTwins)
    }
}

/// `inner`, for a client of `resource`: a request carrying `Authorization` leaves the page
/// only if the map gives its URL to exactly that resource; any other is refused unsent, so
/// no bug elsewhere can hand a bearer to a URL outside the map (or one instance's token to
/// another instance). Requests without a bearer pass unchanged.
pub fn guard(map: Rc<ResourceMap>, resource: ProtectedResource, inner: HttpClient) -> HttpClient {
    Rc::new(move |request: HttpRequest| {
        let carries_bearer = request.headers.contains(header::AUTHORIZATION);
        if carries_bearer && map.resource_for(&request.url).as_ref() != Some(&resource) {
            let refused = NetworkError {
                request: describe_request(&request),
                reason: "refused before sending: this URL is outside the protected-resource \
                         map, so it may not carry a token"
                    .to_owned(),
            };
            return Box::pin(std::future::ready(Err(refused)));
        }
        inner(request)
    })
}

/// Splits an absolute URL into (origin, path), or gives a path the page's origin. Absolute
/// URLs go through the configuration's URL parser (no user info, no dot segments, https
/// except on loopback).
fn split_origin(url: &str, page_origin: &str) -> Option<(String, String)> {
    if url.starts_with("//") {
        return None;
    }
    if url.starts_with('/') {
        return Some((page_origin.to_owned(), url.to_owned()));
    }
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    let parsed = WebUrl::parse(without_query).ok()?;
    Some((parsed.origin().to_owned(), parsed.path().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::http::HttpResponse;

    const ORIGIN: &str = "https://twinscope.contoso.com";
    const HOST: &str = "contoso-twins.api.weu.digitaltwins.azure.net";

    fn map() -> ResourceMap {
        let prefix = AdtPathPrefix::parse("/adt").unwrap();
        ResourceMap::new(
            ORIGIN,
            &prefix,
            &[".digitaltwins.azure.net"],
            "https://management.azure.com",
        )
    }

    fn adt() -> Option<ProtectedResource> {
        Some(ProtectedResource::DigitalTwins(
            AdtHost::parse(HOST).unwrap(),
        ))
    }

    /// A transport that records what reached it.
    fn recording() -> (HttpClient, Rc<std::cell::RefCell<Vec<String>>>) {
        let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
        let log = seen.clone();
        let client: HttpClient = Rc::new(move |request: HttpRequest| {
            log.borrow_mut().push(request.url);
            Box::pin(std::future::ready(Ok(HttpResponse::new(200))))
        });
        (client, seen)
    }

    fn send(client: &HttpClient, url: &str, bearer: bool) -> Result<(), NetworkError> {
        let mut request = HttpRequest::get(url);
        if bearer {
            request = request.header(header::AUTHORIZATION, "Bearer secret");
        }
        let future = client(request);
        crate::auth::signature::finished(future).map(|_| ())
    }

    #[test]
    fn the_guard_sends_a_bearer_only_to_its_own_resource() {
        let (inner, seen) = recording();
        let guarded = guard(Rc::new(map()), adt().unwrap(), inner);
        let own = format!("/adt/{HOST}/models?api-version=2023-10-31");
        assert!(send(&guarded, &own, true).is_ok());
        let other_instance = "/adt/fabrikam-plant.api.eus.digitaltwins.azure.net/models";
        for url in [
            other_instance,
            "https://management.azure.com/tenants",
            "https://evil.example/adt/x",
            "/adt/evil.example/models",
        ] {
            let refused = send(&guarded, url, true).expect_err(url);
            assert!(refused.reason.contains("protected-resource map"), "{url}");
        }
        // Without a bearer nothing is at stake: it goes through.
        assert!(send(&guarded, "https://evil.example/", false).is_ok());
        assert_eq!(
            *seen.borrow(),
            vec![own, "https://evil.example/".to_owned()]
        );
    }

    #[test]
    fn adt_paths_of_allowed_hosts_carry_that_instances_token() {
        for url in [
            format!("/adt/{HOST}/models?api-version=2023-10-31"),
            format!("/adt/{HOST}/query"),
            format!("{ORIGIN}/adt/{HOST}/digitaltwins/room-1"),
            format!("HTTPS://TwinScope.Contoso.com/adt/{HOST}/digitaltwins/room-1"),
        ] {
            assert_eq!(map().resource_for(&url), adt(), "{url}");
        }
    }

    #[test]
    fn resource_manager_carries_the_arm_token() {
        for url in [
            "https://management.azure.com/tenants?api-version=2022-12-01",
            "https://management.azure.com/subscriptions",
        ] {
            assert_eq!(
                map().resource_for(url),
                Some(ProtectedResource::ResourceManager),
                "{url}"
            );
        }
    }

    #[test]
    fn everything_else_carries_nothing() {
        for url in [
            "/config.json".to_owned(),
            "/".to_owned(),
            "/adt/".to_owned(),
            "/adt/evil.example/models".to_owned(),
            format!("/adt/{HOST}.evil.example/models"),
            format!("/adtx/{HOST}/models"),
            format!("/api/adt/{HOST}/models"),
            format!("/adt/{HOST}/../../config.json"),
            format!("/adt/{HOST}/%2e%2e/x"),
            format!("/adt/{HOST}%2fevil.example/x"),
            format!("/adt/{}/models", HOST.to_uppercase()),
            format!("//evil.example/adt/{HOST}/models"),
            format!("https://evil.example/adt/{HOST}/models"),
            format!("https://{HOST}/models"),
            format!("https://user@twinscope.contoso.com/adt/{HOST}/models"),
            format!("http://twinscope.contoso.com/adt/{HOST}/models"),
            format!("/adt/{HOST}\\..\\x"),
            "https://management.azure.com.evil.example/subscriptions".to_owned(),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token".to_owned(),
            "javascript:alert(1)".to_owned(),
            "https://graph.microsoft.com/v1.0/me".to_owned(),
        ] {
            assert_eq!(map().resource_for(&url), None, "{url}");
        }
    }
}
