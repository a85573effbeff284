//! The runtime configuration (`config.json`), fetched at start-up so one build serves many
//! deployments.
//!
//! Parsing is pure ([`RuntimeConfig::from_json`]) and reports *every* problem at once, each
//! naming its field, so a deployment can be fixed in one round trip. Unknown fields are
//! refused (a typo such as `clientID` must not silently fall back to a default).

use std::fmt;

use serde_json::{Map, Value};

use crate::ids::{ClientId, TenantId, is_guid};
use crate::json;

/// Where tokens are cached in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheLocation {
    /// Per tab, gone when the tab closes. The default: nothing outlives the tab.
    #[default]
    SessionStorage,
    /// Shared by tabs of this origin, survives restarts.
    LocalStorage,
    /// Only in the running page; a reload signs the user in again.
    Memory,
}

impl CacheLocation {
    const NAMES: [(&'static str, CacheLocation); 3] = [
        ("sessionStorage", CacheLocation::SessionStorage),
        ("localStorage", CacheLocation::LocalStorage),
        ("memory", CacheLocation::Memory),
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(n, _)| *n)
            .unwrap_or("sessionStorage")
    }
}

/// The tenant segment of an authority URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorityTenant {
    /// `organizations`: any work or school account (the default for a multitenant app).
    Organizations,
    /// `common`: work or school accounts and personal accounts.
    Common,
    /// One directory by id.
    Id(TenantId),
    /// One directory by a verified domain name (`contoso.com`).
    Domain(String),
}

impl fmt::Display for AuthorityTenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Organizations => f.write_str("organizations"),
            Self::Common => f.write_str("common"),
            Self::Id(id) => write!(f, "{id}"),
            Self::Domain(d) => f.write_str(d),
        }
    }
}

/// An absolute `http(s)` URL reduced to what we allow: scheme, host, optional port, path.
/// No user info, query or fragment. Plain `http` only for loopback hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl {
    origin: String,
    path: String,
}

impl WebUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(format!(
                "`{s}` contains whitespace, control characters or backslashes"
            ));
        }
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| format!("`{s}` is not an absolute URL (expected https://host/...)"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(format!("`{s}` must use https"));
        }
        if rest.contains(['?', '#']) {
            return Err(format!("`{s}` must not have a query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(format!("`{s}` must not contain user information (`user@`)"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => {
                let port: u16 = p
                    .parse()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("`{s}` has an invalid port `{p}`"))?;
                (h, Some(port))
            }
            None => (authority, None),
        };
        let host = host.to_ascii_lowercase();
        let host_ok = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !host_ok {
            return Err(format!("`{s}` has an invalid host name `{host}`"));
        }
        if scheme == "http" && !is_loopback_host(&host) {
            return Err(format!(
                "`{s}` must use https (plain http is accepted only for localhost and 127.0.0.1)"
            ));
        }
        if path.split('/').any(|seg| seg == "." || seg == "..") {
            return Err(format!("`{s}` must not contain `.` or `..` path segments"));
        }
        let origin = match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        };
        Ok(Self {
            origin,
            path: path.to_owned(),
        })
    }

    /// `scheme://host[:port]`, lowercase.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The path, always starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.path)
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1" || host.ends_with(".localhost")
}

/// The Microsoft identity platform authority: `{host}/{tenant}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    host: String,
    tenant: AuthorityTenant,
}

impl Authority {
    pub fn parse(s: &str) -> Result<Self, String> {
        let url = WebUrl::parse(s)?;
        let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
        let [tenant] = segments.as_slice() else {
            return Err(format!(
                "`{s}` must be the authority host followed by exactly one tenant segment, e.g. https://login.microsoftonline.com/organizations"
            ));
        };
        let tenant = match tenant.to_ascii_lowercase().as_str() {
            "organizations" => AuthorityTenant::Organizations,
            "common" => AuthorityTenant::Common,
            "consumers" => {
                return Err(format!(
                    "`{s}`: `consumers` admits only personal Microsoft accounts, which cannot use Azure Digital Twins; use `organizations`"
                ));
            }
            t if is_guid(t) => AuthorityTenant::Id(TenantId::parse(t).map_err(|e| e.to_string())?),
            t if t.contains('.') => AuthorityTenant::Domain(t.to_owned()),
            t => {
                return Err(format!(
                    "`{s}`: tenant segment `{t}` is neither `organizations`, `common`, a tenant id (GUID) nor a domain name"
                ));
            }
        };
        Ok(Self {
            host: url.origin().to_owned(),
            tenant,
        })
    }

    /// `scheme://host[:port]` of the identity platform.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn tenant(&self) -> &AuthorityTenant {
        &self.tenant
    }

    /// The authority for one tenant on the same host (tokens for a tenant's resources are
    /// always acquired there, never at `organizations`).
    pub fn for_tenant(&self, tenant: &TenantId) -> Self {
        Self {
            host: self.host.clone(),
            tenant: AuthorityTenant::Id(tenant.clone()),
        }
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.host, self.tenant)
    }
}

/// The same-origin path under which the ADT pass-through gateway listens (`/adt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdtPathPrefix(String);

impl AdtPathPrefix {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = s.starts_with('/')
            && s.len() > 1
            && !s.ends_with('/')
            && !s.contains("//")
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "`{s}` must be a same-origin path such as `/adt`: start with `/`, no trailing `/`, letters, digits, `-` and `_` only"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The validated runtime configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub client_id: ClientId,
    pub authority: Authority,
    /// Where the identity platform sends the user back; same origin as the app.
    pub redirect_uri: WebUrl,
    pub adt_path_prefix: AdtPathPrefix,
    pub cache_location: CacheLocation,
    /// When non-empty, only these tenants may sign in.
    pub tenant_allow_list: Vec<TenantId>,
    /// Discover tenants and instances through Azure Resource Manager.
    pub arm_discovery: bool,
    /// Azure Resource Manager endpoint (the emulator's during development).
    pub arm_endpoint: WebUrl,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: FieldProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Missing,
    Invalid(String),
    Unknown { did_you_mean: Option<&'static str> },
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.problem {
            FieldProblem::Missing => write!(f, "`{field}` is required but missing"),
            FieldProblem::Invalid(reason) => write!(f, "`{field}` is invalid: {reason}"),
            FieldProblem::Unknown {
                did_you_mean: Some(known),
            } => {
                write!(f, "`{field}` is not a known field; did you mean `{known}`?")
            }
            FieldProblem::Unknown { did_you_mean: None } => write!(
                f,
                "`{field}` is not a known field (known fields: {})",
                FIELDS
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Why the app could not get a usable configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config.json could not be fetched ({0}); check that the server is reachable and reload"
    )]
    Unreachable(String),
    #[error("config.json answered HTTP {status}; the deployment must serve it next to index.html")]
    HttpStatus { status: u16 },
    #[error("config.json is not valid JSON at line {line}, column {column}: {message}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("config.json must hold a JSON object, but holds {found}")]
    NotAnObject { found: &'static str },
    #[error("config.json has {}: {}", crate::format::count(.0.len(), "problem", "problems"), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldError>),
}

impl ConfigError {
    /// The fields this error is about, for the error page to point at.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Self::Fields(errors) => errors.iter().map(|e| e.field.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

const CLIENT_ID: &str = "clientId";
const AUTHORITY: &str = "authority";
const REDIRECT_URI: &str = "redirectUri";
const ADT_PATH_PREFIX: &str = "adtPathPrefix";
const CACHE_LOCATION: &str = "cacheLocation";
const TENANT_ALLOW_LIST: &str = "tenantAllowList";
const ARM_DISCOVERY: &str = "armDiscovery";
const ARM_ENDPOINT: &str = "armEndpoint";
const FIELDS: [&str; 8] = [
    CLIENT_ID,
    AUTHORITY,
    REDIRECT_URI,
    ADT_PATH_PREFIX,
    CACHE_LOCATION,
    TENANT_ALLOW_LIST,
    ARM_DISCOVERY,
    ARM_ENDPOINT,
];

pub const DEFAULT_ARM_ENDPOINT: &str = "https://management.azure.com";

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Collects field problems while reading the object, so all of them are reported together.
struct Reader<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn fail(&mut self, field: &str, problem: FieldProblem) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            problem,
        });
    }

    /// A string field, parsed; `None` (and a recorded error) when missing or invalid.
    fn string<T>(
        &mut self,
        field: &str,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.object.get(field) {
            None if required => {
                self.fail(field, FieldProblem::Missing);
                None
            }
            None => None,
            Some(Value::String(s)) => match parse(s.trim()) {
                Ok(v) => Some(v),
                Err(reason) => {
                    self.fail(field, FieldProblem::Invalid(reason));
                    None
                }
            },
            Some(other) => {
                let reason = format!("expected a string, found {}", json_kind(other));
                self.fail(field, FieldProblem::Invalid(reason));
                None
            }
        }
    }

    fn value(&self, field: &str) -> Option<&'a Value> {
        self.object.get(field)
    }
}

impl RuntimeConfig {
    /// Parses and validates `config.json`. `page_origin` is the origin the app runs on
    /// (`window.location.origin`); the redirect URI defaults to `{page_origin}/` and must be
    /// on that origin.
    pub fn from_json(text: &str, page_origin: &str) -> Result<Self, ConfigError> {
        let value: Value = json::parse(text.as_bytes()).map_err(|e| ConfigError::NotJson {
            line: e.line,
            column: e.column,
            message: e.problem.to_string(),
        })?;
        let Value::Object(object) = &value else {
            return Err(ConfigError::NotAnObject {
                found: json_kind(&value),
            });
        };
        let mut r = Reader {
            object,
            errors: Vec::new(),
        };

        for key in object.keys() {
            if !FIELDS.contains(&key.as_str()) {
                let did_you_mean = FIELDS.iter().copied().find(|f| f.eq_ignore_ascii_case(key));
                r.fail(key, FieldProblem::Unknown { did_you_mean });
            }
        }

        let client_id = r.string(CLIENT_ID, true, |s| {
            ClientId::parse(s).map_err(|e| e.to_string())
        });
        let authority = r.string(AUTHORITY, true, Authority::parse);
        let page_origin = page_origin.trim_end_matches('/').to_ascii_lowercase();
        let redirect_uri = r.string(REDIRECT_URI, false, |s| {
            let url = WebUrl::parse(s)?;
            if url.origin() == page_origin {
                Ok(url)
            } else {
                Err(format!(
                    "`{s}` is not on this app's origin `{page_origin}`; the sign-in response must come back to this app"
                ))
            }
        });
        let adt_path_prefix = r.string(ADT_PATH_PREFIX, false, AdtPathPrefix::parse);
        let cache_location = r.string(CACHE_LOCATION, false, |s| {
            CacheLocation::NAMES
                .iter()
                .find(|(n, _)| *n == s)
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    format!("`{s}` must be one of `sessionStorage`, `localStorage` or `memory`")
                })
        });
        let arm_endpoint = r.string(ARM_ENDPOINT, false, |s| {
            let url = WebUrl::parse(s)?;
            if url.path() == "/" {
                Ok(url)
            } else {
                Err(format!("`{s}` must be an origin with no path"))
            }
        });

        let arm_discovery = match r.value(ARM_DISCOVERY) {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                let reason = format!("expected true or false, found {}", json_kind(other));
                r.fail(ARM_DISCOVERY, FieldProblem::Invalid(reason));
                true
            }
        };

        let mut tenant_allow_list = Vec::new();
        match r.value(TENANT_ALLOW_LIST) {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().map(TenantId::parse) {
                        Some(Ok(id)) => tenant_allow_list.push(id),
                        Some(Err(e)) => r.fail(
                            &format!("{TENANT_ALLOW_LIST}[{i}]"),
                            FieldProblem::Invalid(e.to_string()),
                        ),
                        None => {
                            let reason =
                                format!("expected a tenant id string, found {}", json_kind(item));
                            r.fail(
                                &format!("{TENANT_ALLOW_LIST}[{i}]"),
                                FieldProblem::Invalid(reason),
                            )
                        }
                    }
                }
            }
            Some(other) => {
                let reason = format!(
                    "expected an array of tenant ids, found {}",
                    json_kind(other)
                );
                r.fail(TENANT_ALLOW_LIST, FieldProblem::Invalid(reason));
            }
        }

        if let Some(Authority {
            tenant: AuthorityTenant::Id(t),
            ..
        }) = &authority
            && !tenant_allow_list.is_empty()
            && !tenant_allow_list.contains(t)
        {
            r.fail(
                TENANT_ALLOW_LIST,
                FieldProblem::Invalid(format!(
                    "the authority's tenant `{t}` is not in the allow-list"
                )),
            );
        }

        match (client_id, authority, r.errors.is_empty()) {
            (Some(client_id), Some(authority), true) => Ok(Self {
                client_id,
                authority,
                redirect_uri: match redirect_uri {
                    Some(u) => u,
                    None => WebUrl::parse(&format!("{page_origin}/")).map_err(|reason| {
                        ConfigError::Fields(vec![FieldError {
                            field: REDIRECT_URI.to_owned(),
                            problem: FieldProblem::Invalid(format!(
                                "not set, and this app's origin cannot serve as one: {reason}"
                            )),
                        }])
                    })?,
                },
                adt_path_prefix: adt_path_prefix
                    .unwrap_or_else(|| AdtPathPrefix("/adt".to_owned())),
                cache_location: cache_location.unwrap_or_default(),
                tenant_allow_list,
                arm_discovery,
                arm_endpoint: arm_endpoint.unwrap_or_else(|| WebUrl {
                    origin: DEFAULT_ARM_ENDPOINT.to_owned(),
                    path: "/".to_owned(),
                }),
            }),
            _ => Err(ConfigError::Fields(r.errors)),
        }
    }

    /// Whether a tenant may use this deployment.
    pub fn allows_tenant(&self, tenant: &TenantId) -> bool {
        self.tenant_allow_list.is_empty() || self.tenant_allow_list.contains(tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://localhost:8080";
    const CLIENT: &str = "5f0b2e9c-3a7d-4c1e-9b8a-2d6f4e1a7c30";
    const CONTOSO: &str = "aaaaaaaa-0000-4000-8000-000000000001";

    fn minimal() -> serde_json::Value {
        serde_json::json!({ "clientId": CLIENT, "authority": "https://login.microsoftonline.com/organizations" })
    }

    fn with(field: &str, value: serde_json::Value) -> String {
        let mut v = minimal();
        v[field] = value;
        v.to_string()
    }

    /// Parses and expects exactly one field problem, returning it.
    fn check_one_problem(json: &str) -> FieldError {
        match RuntimeConfig::from_json(json, ORIGIN) {
            Err(ConfigError::Fields(mut errors)) if errors.len() == 1 => errors.remove(0),
            other => panic!("expected exactly one field problem for {json}, got {other:?}"),
        }
    }

    #[test]
    fn minimal_config_gets_safe_defaults() {
        let c = RuntimeConfig::from_json(&minimal().to_string(), ORIGIN).unwrap();
        assert_eq!(c.client_id.as_str(), CLIENT);
        assert_eq!(c.authority.host(), "https://login.microsoftonline.com");
        assert_eq!(c.authority.tenant(), &AuthorityTenant::Organizations);
        assert_eq!(c.redirect_uri.to_string(), "http://localhost:8080/");
        assert_eq!(c.adt_path_prefix.as_str(), "/adt");
        assert_eq!(c.cache_location, CacheLocation::SessionStorage);
        assert!(c.tenant_allow_list.is_empty());
        assert!(c.arm_discovery);
        assert_eq!(c.arm_endpoint.to_string(), "https://management.azure.com/");
    }

    #[test]
    fn full_config_round_trips_every_field() {
        let json = serde_json::json!({
            "clientId": CLIENT.to_uppercase(),
            "authority": "http://localhost:9400/organizations",
            "redirectUri": "http://localhost:8080/",
            "adtPathPrefix": "/api/adt",
            "cacheLocation": "localStorage",
            "tenantAllowList": [CONTOSO],
            "armDiscovery": false,
            "armEndpoint": "http://127.0.0.1:9400"
        });
        let c = RuntimeConfig::from_json(&json.to_string(), ORIGIN).unwrap();
        assert_eq!(c.client_id.as_str(), CLIENT);
        assert_eq!(
            c.authority.to_string(),
            "http://localhost:9400/organizations"
        );
        assert_eq!(c.adt_path_prefix.as_str(), "/api/adt");
        assert_eq!(c.cache_location, CacheLocation::LocalStorage);
        assert!(c.allows_tenant(&TenantId::parse(CONTOSO).unwrap()));
        assert!(
            !c.allows_tenant(&TenantId::parse("bbbbbbbb-0000-4000-8000-000000000002").unwrap())
        );
        assert!(!c.arm_discovery);
        assert_eq!(c.arm_endpoint.origin(), "http://127.0.0.1:9400");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let json =
            serde_json::json!({ "authority": 7, "cacheLocation": "cookies", "clientID": CLIENT });
        let Err(ConfigError::Fields(errors)) = RuntimeConfig::from_json(&json.to_string(), ORIGIN)
        else {
            panic!("expected field errors");
        };
        let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["authority", "cacheLocation", "clientID", "clientId"]
        );
        let typo = errors.iter().find(|e| e.field == "clientID").unwrap();
        assert_eq!(
            typo.problem,
            FieldProblem::Unknown {
                did_you_mean: Some("clientId")
            }
        );
        assert!(typo.to_string().contains("did you mean `clientId`"));
    }

    #[test]
    fn client_id_must_be_a_guid() {
        let e = check_one_problem(&with("clientId", "twinscope".into()));
        assert_eq!(e.field, "clientId");
        assert!(e.to_string().contains("not a GUID"), "{e}");
    }

    #[test]
    fn authority_shapes_are_checked() {
        for (bad, needle) in [
            (
                "http://login.microsoftonline.com/organizations",
                "must use https",
            ),
            (
                "https://login.microsoftonline.com",
                "exactly one tenant segment",
            ),
            (
                "https://login.microsoftonline.com/organizations/v2.0",
                "exactly one tenant segment",
            ),
            (
                "https://login.microsoftonline.com/consumers",
                "personal Microsoft accounts",
            ),
            ("https://login.microsoftonline.com/contoso", "neither"),
            (
                "https://evil@login.microsoftonline.com/organizations",
                "user information",
            ),
            (
                "https://login.microsoftonline.com/organizations?x=1",
                "query or fragment",
            ),
            ("login.microsoftonline.com/organizations", "absolute URL"),
            (
                "https://login.microsoftonline.com:0/organizations",
                "invalid port",
            ),
            (
                "https://login..microsoftonline.com/organizations",
                "invalid host",
            ),
            (
                "https://login.microsoftonline.com/../organizations",
                "`..` path segments",
            ),
        ] {
            let e = check_one_problem(&with("authority", bad.into()));
            assert_eq!(e.field, "authority");
            assert!(e.to_string().contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn authority_accepts_tenant_ids_and_domains() {
        let a = Authority::parse(&format!(
            "https://login.microsoftonline.com/{}",
            CONTOSO.to_uppercase()
        ))
        .unwrap();
        assert_eq!(
            a.tenant(),
            &AuthorityTenant::Id(TenantId::parse(CONTOSO).unwrap())
        );
        let d =
            Authority::parse("https://login.microsoftonline.com/Contoso.onmicrosoft.com/").unwrap();
        assert_eq!(
            d.tenant(),
            &AuthorityTenant::Domain("contoso.onmicrosoft.com".into())
        );
        let fabrikam = TenantId::parse("bbbbbbbb-0000-4000-8000-000000000002").unwrap();
        assert_eq!(
            d.for_tenant(&fabrikam).to_string(),
            "https://login.microsoftonline.com/bbbbbbbb-0000-4000-8000-000000000002"
        );
    }

    #[test]
    fn redirect_uri_must_come_back_to_this_origin() {
        let e = check_one_problem(&with("redirectUri", "https://evil.example/".into()));
        assert_eq!(e.field, "redirectUri");
        assert!(e.to_string().contains("not on this app's origin"), "{e}");
    }

    #[test]
    fn optional_fields_are_type_checked() {
        for (field, value, needle) in [
            (
                "armDiscovery",
                serde_json::json!("yes"),
                "expected true or false",
            ),
            (
                "tenantAllowList",
                serde_json::json!(CONTOSO),
                "expected an array",
            ),
            (
                "adtPathPrefix",
                serde_json::json!("adt/"),
                "same-origin path",
            ),
            (
                "adtPathPrefix",
                serde_json::json!("https://x.example/adt"),
                "same-origin path",
            ),
            (
                "cacheLocation",
                serde_json::json!("cookie"),
                "must be one of",
            ),
            (
                "armEndpoint",
                serde_json::json!("https://management.azure.com/x"),
                "no path",
            ),
        ] {
            let e = check_one_problem(&with(field, value));
            assert_eq!(e.field, field);
            assert!(e.to_string().contains(needle), "{field}: {e}");
        }
        let e = check_one_problem(&with(
            "tenantAllowList",
            serde_json::json!([CONTOSO, "nope"]),
        ));
        assert_eq!(e.field, "tenantAllowList[1]");
    }

    #[test]
    fn authority_tenant_must_be_allowed_when_a_list_is_given() {
        let json = serde_json::json!({
            "clientId": CLIENT,
            "authority": format!("https://login.microsoftonline.com/{CONTOSO}"),
            "tenantAllowList": ["bbbbbbbb-0000-4000-8000-000000000002"],
        });
        let e = check_one_problem(&json.to_string());
        assert_eq!(e.field, "tenantAllowList");
    }

    #[test]
    fn not_json_and_not_an_object_are_distinct_errors() {
        match RuntimeConfig::from_json("{\n  \"clientId\": ,\n}", ORIGIN) {
            Err(ConfigError::NotJson {
                line: 2, column, ..
            }) => assert!(column > 0),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            RuntimeConfig::from_json("[1]", ORIGIN),
            Err(ConfigError::NotAnObject { found: "an array" })
        );
    }
}
