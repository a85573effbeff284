//! OpenID Connect discovery and signing keys, fetched once and kept.
//!
//! The metadata and JWKS of the configured authority are stored (with their fetch time) in
//! `localStorage`, so a reload makes no discovery requests. They are fetched again after
//! [`MAX_AGE_SECONDS`], or at once when an ID token names a key the stored set lacks (key
//! rotation). Endpoints must be on the authority's own host: a tampered or hostile document
//! cannot send the code or the refresh token elsewhere.

use serde_json::Value;

use super::id_token::{Jwks, JwksError};
use super::storage::Storage;
use crate::config::{Authority, AuthorityTenant, WebUrl};
use crate::ids::TenantId;
use crate::json;

/// Discovery documents and keys are refreshed after a day.
pub const MAX_AGE_SECONDS: i64 = 24 * 60 * 60;

const KEY_PREFIX: &str = "twinscope.auth.discovery.";

/// What twinscope uses from an OpenID Provider Metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// May contain `{tenantid}` (multitenant authorities).
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub end_session_endpoint: Option<String>,
    pub jwks_uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the identity platform's metadata is not JSON: {0}")]
    NotJson(String),
    #[error("the identity platform's metadata has no valid `{0}`")]
    MissingField(&'static str),
    #[error(
        "the identity platform's metadata sends `{field}` to `{found}`, which is not on the authority's host `{expected}`"
    )]
    ForeignEndpoint {
        field: &'static str,
        expected: String,
        found: String,
    },
    #[error(
        "the identity platform's metadata names issuer `{found}`, expected one on `{expected}`"
    )]
    ForeignIssuer { expected: String, found: String },
    #[error("the identity platform's metadata answered HTTP {status}")]
    HttpStatus { status: u16 },
    #[error(transparent)]
    Keys(#[from] JwksError),
}

impl Metadata {
    /// Parses and checks a discovery document for `authority`.
    pub fn from_json(text: &str, authority: &Authority) -> Result<Self, DiscoveryError> {
        let value: Value =
            json::parse(text.as_bytes()).map_err(|e| DiscoveryError::NotJson(e.to_string()))?;
        let host = authority.host();
        let endpoint = |field: &'static str| -> Result<String, DiscoveryError> {
            let raw = value
                .get(field)
                .and_then(Value::as_str)
                .ok_or(DiscoveryError::MissingField(field))?;
            let url = WebUrl::parse(raw).map_err(|_| DiscoveryError::MissingField(field))?;
            if !url.origin().eq_ignore_ascii_case(host) {
                return Err(DiscoveryError::ForeignEndpoint {
                    field,
                    expected: host.to_owned(),
                    found: url.origin().to_owned(),
                });
            }
            Ok(raw.to_owned())
        };
        let issuer = value
            .get("issuer")
            .and_then(Value::as_str)
            .ok_or(DiscoveryError::MissingField("issuer"))?
            .to_owned();
        // Entra's issuer lives on the authority host too (login.microsoftonline.com).
        let issuer_origin = WebUrl::parse(&issuer.replace("{tenantid}", "t"))
            .map_err(|_| DiscoveryError::MissingField("issuer"))?;
        if !issuer_origin.origin().eq_ignore_ascii_case(host) {
            return Err(DiscoveryError::ForeignIssuer {
                expected: host.to_owned(),
                found: issuer,
            });
        }
        Ok(Self {
            authorization_endpoint: endpoint("authorization_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            end_session_endpoint: match value.get("end_session_endpoint") {
                None | Some(Value::Null) => None,
                Some(_) => Some(endpoint("end_session_endpoint")?),
            },
            jwks_uri: endpoint("jwks_uri")?,
            issuer,
        })
    }

    /// The issuer a token of `tenant` must carry.
    pub fn issuer_for(&self, tenant: &TenantId) -> String {
        self.issuer
            .replace(super::id_token::TENANT_PLACEHOLDER, tenant.as_str())
    }

    /// The token endpoint of one tenant on the same host: the configured authority's
    /// endpoint with its tenant segment replaced. Tokens for a tenant's resources always
    /// come from here, never from `organizations`.
    pub fn token_endpoint_for(&self, configured: &Authority, tenant: &TenantId) -> String {
        let segment = format!("/{}/", configured.tenant());
        let target = format!("/{tenant}/");
        match self.token_endpoint.find(&segment) {
            Some(at) => format!(
                "{}{}{}",
                &self.token_endpoint[..at],
                target,
                &self.token_endpoint[at + segment.len()..]
            ),
            None => format!("{}/{tenant}/oauth2/v2.0/token", configured.host()),
        }
    }
}

/// `{authority}/v2.0/.well-known/openid-configuration`.
pub fn discovery_url(authority: &Authority) -> String {
    format!("{authority}/v2.0/.well-known/openid-configuration")
}

/// Whether the issuer must be checked against the token's `tid` (multitenant authorities).
pub fn is_multitenant(authority: &Authority) -> bool {
    matches!(
        authority.tenant(),
        AuthorityTenant::Organizations | AuthorityTenant::Common
    )
}

/// Metadata and keys as kept between page loads.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub metadata: Metadata,
    pub jwks: Jwks,
    /// The JWKS document as fetched (stored as is).
    pub jwks_text: String,
    pub fetched_at: i64,
}

impl Discovered {
    pub fn is_fresh(&self, now: i64) -> bool {
        (0..MAX_AGE_SECONDS).contains(&(now - self.fetched_at))
    }
}

/// Discovery results in one storage (localStorage: shared by tabs, kept across reloads).
#[derive(Debug, Clone)]
pub struct DiscoveryCache<S> {
    storage: S,
}

impl<S: Storage> DiscoveryCache<S> {
    pub fn new(storage: S) -> Self {
        Self { storage }
    }

    fn key(authority: &Authority) -> String {
        format!("{KEY_PREFIX}{authority}")
    }

    /// The stored result for `authority`, if readable and fresh; anything unreadable or
    /// stale is removed.
    pub fn get(&self, authority: &Authority, now: i64) -> Option<Discovered> {
        let key = Self::key(authority);
        let text = self.storage.get(&key)?;
        let parsed = (|| {
            let v: Value = json::parse(text.as_bytes()).ok()?;
            let metadata = Metadata::from_json(v.get("metadata")?.as_str()?, authority).ok()?;
            let jwks_text = v.get("jwks")?.as_str()?.to_owned();
            let jwks = Jwks::from_json(&jwks_text).ok()?;
            let fetched_at = v.get("fetchedAt")?.as_i64()?;
            Some(Discovered {
                metadata,
                jwks,
                jwks_text,
                fetched_at,
            })
        })();
        match parsed {
            Some(d) if d.is_fresh(now) => Some(d),
            _ => {
                self.storage.remove(&key);
                None
            }
        }
    }

    /// Keeps the metadata document text and the JWKS text as fetched.
    pub fn put(&self, authority: &Authority, metadata_text: &str, jwks_text: &str, now: i64) {
        let entry =
            json::object! { "metadata": metadata_text, "jwks": jwks_text, "fetchedAt": now };
        if let Err(e) = self
            .storage
            .set(&Self::key(authority), &json::to_string(&entry))
        {
            log::warn!("discovery could not be kept for the next load: {e}");
        }
    }

    pub fn forget(&self, authority: &Authority) {
        self.storage.remove(&Self::key(authority));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::storage::MemoryStorage;
    use super::*;

    fn organizations() -> Authority {
        Authority::parse("https://login.microsoftonline.com/organizations").unwrap()
    }

    fn document(host: &str) -> String {
        json!({
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
            "authorization_endpoint": format!("{host}/organizations/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{host}/organizations/oauth2/v2.0/token"),
            "end_session_endpoint": format!("{host}/organizations/oauth2/v2.0/logout"),
            "jwks_uri": format!("{host}/organizations/discovery/v2.0/keys"),
        })
        .to_string()
    }

    #[test]
    fn endpoints_on_the_authority_host_are_accepted() {
        let m = Metadata::from_json(
            &document("https://login.microsoftonline.com"),
            &organizations(),
        )
        .unwrap();
        let tenant = TenantId::parse("9cfa42f1-3911-49e1-a538-13453e29a36b").unwrap();
        assert_eq!(
            m.token_endpoint_for(&organizations(), &tenant),
            "https://login.microsoftonline.com/9cfa42f1-3911-49e1-a538-13453e29a36b/oauth2/v2.0/token"
        );
        assert_eq!(
            m.issuer_for(&tenant),
            "https://login.microsoftonline.com/9cfa42f1-3911-49e1-a538-13453e29a36b/v2.0"
        );
    }

    #[test]
    fn an_endpoint_on_another_host_is_refused() {
        let mut doc: Value =
            serde_json::from_str(&document("https://login.microsoftonline.com")).unwrap();
        doc["token_endpoint"] = json!("https://evil.example/organizations/oauth2/v2.0/token");
        let err = Metadata::from_json(&doc.to_string(), &organizations()).unwrap_err();
        assert!(
            matches!(
                err,
                DiscoveryError::ForeignEndpoint {
                    field: "token_endpoint",
                    ..
                }
            ),
            "{err:?}"
        );
        doc["token_endpoint"] = json!("https://login.microsoftonline.com.evil.example/x");
        assert!(Metadata::from_json(&doc.to_string(), &organizations()).is_err());
    }

    #[test]
    fn a_foreign_issuer_and_missing_fields_are_refused() {
        let mut doc: Value =
            serde_json::from_str(&document("https://login.microsoftonline.com")).unwrap();
        doc["issuer"] = json!("https://sts.evil.example/{tenantid}/v2.0");
        assert!(matches!(
            Metadata::from_json(&doc.to_string(), &organizations()),
            Err(DiscoveryError::ForeignIssuer { .. })
        ));
        doc.as_object_mut().unwrap().remove("jwks_uri");
        doc["issuer"] = json!("https://login.microsoftonline.com/{tenantid}/v2.0");
        assert_eq!(
            Metadata::from_json(&doc.to_string(), &organizations()),
            Err(DiscoveryError::MissingField("jwks_uri"))
        );
        assert!(matches!(
            Metadata::from_json("<html>", &organizations()),
            Err(DiscoveryError::NotJson(_))
        ));
    }

    #[test]
    fn the_cache_keeps_results_for_a_day_and_drops_damaged_entries() {
        let storage = MemoryStorage::default();
        let cache = DiscoveryCache::new(storage.clone());
        let authority = organizations();
        let jwks = r#"{"keys":[]}"#;
        cache.put(
            &authority,
            &document("https://login.microsoftonline.com"),
            jwks,
            1000,
        );
        assert!(cache.get(&authority, 1000 + MAX_AGE_SECONDS - 1).is_some());
        assert!(cache.get(&authority, 1000 + MAX_AGE_SECONDS).is_none());
        assert!(storage.keys().is_empty(), "a stale entry is removed");
        cache.put(&authority, &document("https://evil.example"), jwks, 1000);
        assert!(
            cache.get(&authority, 1001).is_none(),
            "a document edited in storage is refused"
        );
        storage
            .set(&format!("{KEY_PREFIX}{authority}"), "{not json")
            .unwrap();
        assert!(cache.get(&authority, 1001).is_none());
        assert!(storage.keys().is_empty());
    }
}
