//! Azure Resource Manager: which tenants, subscriptions and Digital Twins instances the
//! signed-in user can see.
//!
//! Calls go cross-origin to the configured endpoint with a bearer from the
//! [`TokenProvider`]; lists are followed through `nextLink`s on that endpoint only (a link
//! elsewhere is refused, so the bearer never leaves for another host). Transient failures are
//! retried with the same rules as the data plane ([`crate::adt::retry`]); all calls are reads.

use std::rc::Rc;
use std::time::Duration;

use serde_json::Value;

use crate::adt::paging::encode_component;
use crate::adt::retry::{Backoff, Outcome, Runtime, parse_retry_after};
use crate::adt::types::TokenProvider;
use crate::auth::client::AuthError;
use crate::auth::http::{HttpClient, HttpRequest, NetworkError, header};
use crate::config::WebUrl;
use crate::ids::AdtHost;
use crate::json;
use crate::sorted;

/// API versions per resource type.
pub const TENANTS_API_VERSION: &str = "2022-12-01";
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
pub const INSTANCES_API_VERSION: &str = "2023-01-31";

/// Resource Manager paths.
pub mod routes {
    pub const TENANTS: &str = "/tenants";
    pub const SUBSCRIPTIONS: &str = "/subscriptions";
    pub const INSTANCES_PROVIDER: &str = "providers/Microsoft.DigitalTwins/digitalTwinsInstances";
}

/// A directory the user belongs to (home or guest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmTenant {
    pub tenant_id: String,
    pub display_name: Option<String>,
    pub default_domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmSubscription {
    pub subscription_id: String,
    pub display_name: Option<String>,
    pub tenant_id: Option<String>,
    pub state: Option<String>,
}

/// One Azure Digital Twins instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmInstance {
    pub name: String,
    pub host_name: AdtHost,
    pub location: Option<String>,
    /// From the resource id (`/subscriptions/…/resourceGroups/{rg}/…`).
    pub resource_group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArmError {
    #[error("Resource Manager refused the sign-in ({message}); sign in again")]
    Unauthorized { message: String },
    #[error(
        "you have no access here in Resource Manager ({message}); ask for the Reader role on the subscription, or enter the instance's host name by hand"
    )]
    Forbidden { message: String },
    #[error("not found ({code}): {message}")]
    NotFound { code: String, message: String },
    #[error("Resource Manager is busy; try again in {} s", .retry_after.map(|d| d.as_secs().max(1)).unwrap_or(5))]
    Throttled { retry_after: Option<Duration> },
    #[error("{0}; check the connection and retry")]
    Network(NetworkError),
    #[error(transparent)]
    Auth(AuthError),
    #[error("Resource Manager answered {status} ({code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("Resource Manager's answer could not be read: {0}")]
    Malformed(String),
}

/// A Resource Manager client. Clone freely (one `Rc` inside).
#[derive(Clone)]
pub struct ArmClient(Rc<Inner>);

struct Inner {
    origin: String,
    http: HttpClient,
    token: TokenProvider,
    runtime: Runtime,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("origin", &self.0.origin)
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    pub fn new(endpoint: &WebUrl, http: HttpClient, token: TokenProvider) -> Self {
        Self::with_runtime(endpoint, http, token, Runtime::browser())
    }

    pub fn with_runtime(
        endpoint: &WebUrl,
        http: HttpClient,
        token: TokenProvider,
        runtime: Runtime,
    ) -> Self {
        Self(Rc::new(Inner {
            origin: endpoint.origin().to_owned(),
            http,
            token,
            runtime,
        }))
    }

    fn url(&self, path: &str, api_version: &str) -> String {
        format!("{}{}?api-version={}", self.0.origin, path, api_version)
    }

    /// Tenants the signed-in user belongs to.
    pub async fn tenants(&self) -> Result<Vec<ArmTenant>, ArmError> {
        let items = self
            .list_all(self.url(routes::TENANTS, TENANTS_API_VERSION))
            .await?;
        Ok(items.iter().filter_map(tenant_from).collect())
    }

    /// Subscriptions visible in the token's tenant.
    pub async fn subscriptions(&self) -> Result<Vec<ArmSubscription>, ArmError> {
        let items = self
            .list_all(self.url(routes::SUBSCRIPTIONS, SUBSCRIPTIONS_API_VERSION))
            .await?;
        Ok(items.iter().filter_map(subscription_from).collect())
    }

    /// Digital Twins instances in a subscription. Entries whose host name is not an ADT host
    /// are left out (they could not be reached through the pass-through anyway).
    pub async fn instances(&self, subscription_id: &str) -> Result<Vec<ArmInstance>, ArmError> {
        let path = format!(
            "{}/{}/{}",
            routes::SUBSCRIPTIONS,
            encode_component(subscription_id),
            routes::INSTANCES_PROVIDER
        );
        let items = self
            .list_all(self.url(&path, INSTANCES_API_VERSION))
            .await?;
        Ok(items.iter().filter_map(instance_from).collect())
    }

    async fn list_all(&self, first: String) -> Result<Vec<Value>, ArmError> {
        let mut items = Vec::new();
        // Next links already followed (a loop would otherwise never end); a sorted vector,
        // as the first load's other small sets (`crate::sorted`).
        let mut seen = Vec::new();
        let mut url = first;
        loop {
            let page = self.get(&url).await?;
            match page.get("value") {
                Some(Value::Array(values)) => items.extend(values.iter().cloned()),
                _ => return Err(ArmError::Malformed("a list has no `value` array".into())),
            }
            match page.get("nextLink").and_then(Value::as_str) {
                Some(link) if !link.is_empty() && sorted::insert(&mut seen, link.to_owned()) => {
                    url = self.own_link(link)?;
                }
                _ => return Ok(items),
            }
        }
    }

    /// A `nextLink` on our endpoint, else an error (the bearer goes nowhere else).
    fn own_link(&self, link: &str) -> Result<String, ArmError> {
        let origin = &self.0.origin;
        let on_endpoint = link.len() > origin.len()
            && link[..origin.len()].eq_ignore_ascii_case(origin)
            && link[origin.len()..].starts_with('/');
        if on_endpoint && !link.contains("/../") {
            Ok(link.to_owned())
        } else {
            Err(ArmError::Malformed(format!(
                "a next-page link points away from {origin}"
            )))
        }
    }

    async fn get(&self, url: &str) -> Result<Value, ArmError> {
        let runtime = &self.0.runtime;
        let mut backoff = Backoff::new(runtime.policy);
        loop {
            let token = (self.0.token)().await.map_err(ArmError::Auth)?;
            let request = HttpRequest::get(url)
                .header(header::ACCEPT, "application/json")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", token.secret.expose()),
                );
            let (outcome, failure) = match (self.0.http)(request).await {
                Ok(response) if response.is_success() => {
                    return json::parse(&response.body)
                        .map_err(|e| ArmError::Malformed(e.to_string()));
                }
                Ok(response) => {
                    let status = response.status;
                    let retry_after = response
                        .headers
                        .get(header::RETRY_AFTER)
                        .and_then(|v| parse_retry_after(v, (runtime.now_unix)()));
                    (
                        Outcome::Status {
                            status,
                            retry_after,
                        },
                        classify(status, &response.body, retry_after),
                    )
                }
                Err(network) => (Outcome::Network, ArmError::Network(network)),
            };
            let wait = backoff.next_wait(outcome, true, &mut runtime.jitter.borrow_mut());
            match wait {
                Some(wait) => (runtime.sleep)(wait).await,
                None => return Err(failure),
            }
        }
    }
}

/// A non-success Resource Manager answer (`{"error":{"code","message"}}`) as an [`ArmError`].
pub fn classify(status: u16, body: &[u8], retry_after: Option<Duration>) -> ArmError {
    let value: Value = json::parse(body).unwrap_or(Value::Null);
    let error = value.get("error").unwrap_or(&value);
    let text = |k: &str| {
        error
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let (code, message) = (text("code"), text("message"));
    match status {
        401 => ArmError::Unauthorized { message },
        403 => ArmError::Forbidden { message },
        404 => ArmError::NotFound { code, message },
        429 | 503 => ArmError::Throttled { retry_after },
        _ => ArmError::Server {
            status,
            code,
            message,
        },
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn tenant_from(value: &Value) -> Option<ArmTenant> {
    Some(ArmTenant {
        tenant_id: text(value, "tenantId")?,
        display_name: text(value, "displayName"),
        default_domain: text(value, "defaultDomain"),
    })
}

fn subscription_from(value: &Value) -> Option<ArmSubscription> {
    Some(ArmSubscription {
        subscription_id: text(value, "subscriptionId")?,
        display_name: text(value, "displayName"),
        tenant_id: text(value, "tenantId"),
        state: text(value, "state"),
    })
}

/// The resource group named in an ARM resource id.
pub fn resource_group_of(resource_id: &str) -> Option<String> {
    let mut segments = resource_id.split('/');
    segments
        .by_ref()
        .find(|s| s.eq_ignore_ascii_case("resourceGroups"))?;
    segments.next().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn instance_from(value: &Value) -> Option<ArmInstance> {
    let host = value.get("properties")?.get("hostName")?.as_str()?;
    let host_name = match AdtHost::parse(host) {
        Ok(h) => h,
        Err(e) => {
            log::warn!("skipping a Digital Twins instance: {e}");
            return None;
        }
    };
    Some(ArmInstance {
        name: text(value, "name")?,
        host_name,
        location: text(value, "location"),
        resource_group: text(value, "id").and_then(|id| resource_group_of(&id)),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use serde_json::json;

    use super::*;
    use crate::adt::retry::{Jitter, RetryPolicy};
    use crate::auth::cache::Secret;
    use crate::auth::client::AccessToken;
    use crate::auth::http::HttpResponse;

    const ENDPOINT: &str = "https://management.azure.com";

    /// A client whose server answers `script` in order; the URLs it was asked for.
    fn fake(script: Vec<(u16, Value)>) -> (ArmClient, Rc<RefCell<Vec<String>>>) {
        let script = Rc::new(RefCell::new(VecDeque::from(script)));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let http: HttpClient = Rc::new(move |request| {
            assert_eq!(
                request.headers.get("authorization"),
                Some("Bearer arm-token")
            );
            log.borrow_mut().push(request.url);
            let (status, body) = script.borrow_mut().pop_front().expect("scripted");
            let response = HttpResponse::new(status).with_body(body.to_string());
            Box::pin(std::future::ready(Ok(response)))
        });
        let token: TokenProvider = Rc::new(|| {
            Box::pin(std::future::ready(Ok(AccessToken {
                secret: Rc::new(Secret::new("arm-token")),
                expires_at: i64::MAX,
            })))
        });
        let runtime = Runtime {
            sleep: Rc::new(|_| Box::pin(std::future::ready(()))),
            now_unix: Rc::new(|| 0),
            jitter: Rc::new(RefCell::new(Jitter::seeded(1))),
            policy: RetryPolicy::default(),
        };
        let client =
            ArmClient::with_runtime(&WebUrl::parse(ENDPOINT).unwrap(), http, token, runtime);
        (client, seen)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn tenants_follow_next_links_on_the_endpoint() {
        let (client, seen) = fake(vec![
            (
                200,
                json!({"value": [{"tenantId": "t1", "displayName": "Contoso", "defaultDomain": "contoso.com"}],
                       "nextLink": format!("{ENDPOINT}/tenants?api-version=2022-12-01&$skiptoken=x")}),
            ),
            (
                200,
                json!({"value": [{"tenantId": "t2"}], "nextLink": null}),
            ),
        ]);
        let tenants = client.tenants().await.unwrap();
        assert_eq!(tenants.len(), 2);
        assert_eq!(tenants[0].display_name.as_deref(), Some("Contoso"));
        assert_eq!(
            seen.borrow().as_slice(),
            [
                format!("{ENDPOINT}/tenants?api-version=2022-12-01"),
                format!("{ENDPOINT}/tenants?api-version=2022-12-01&$skiptoken=x"),
            ]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn instances_are_typed_and_foreign_links_refused() {
        let (client, seen) = fake(vec![
            (
                200,
                json!({"value": [
                    {"name": "contoso-campus", "location": "westeurope",
                     "id": "/subscriptions/s1/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/contoso-campus",
                     "properties": {"hostName": "contoso-campus.api.weu.digitaltwins.azure.net"}},
                    {"name": "odd", "properties": {"hostName": "evil.example"}},
                ], "nextLink": "https://evil.example/next"}),
            ),
            (200, json!({"value": []})),
        ]);
        let e = client.instances("s1").await.unwrap_err();
        assert!(matches!(e, ArmError::Malformed(_)), "{e:?}");
        assert_eq!(
            seen.borrow()[0],
            format!(
                "{ENDPOINT}/subscriptions/s1/providers/Microsoft.DigitalTwins/digitalTwinsInstances?api-version=2023-01-31"
            )
        );
        assert_eq!(seen.borrow().len(), 1);
        let (client, _) = fake(vec![(
            200,
            json!({"value": [
                {"name": "contoso-campus", "location": "westeurope",
                 "id": "/subscriptions/s1/resourceGroups/rg-twins/providers/x/y",
                 "properties": {"hostName": "contoso-campus.api.weu.digitaltwins.azure.net"}},
                {"name": "odd", "properties": {"hostName": "evil.example"}},
            ], "nextLink": null}),
        )]);
        let instances = client.instances("s1").await.unwrap();
        assert_eq!(
            instances,
            [ArmInstance {
                name: "contoso-campus".into(),
                host_name: AdtHost::parse("contoso-campus.api.weu.digitaltwins.azure.net").unwrap(),
                location: Some("westeurope".into()),
                resource_group: Some("rg-twins".into()),
            }]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn errors_are_typed() {
        let (client, _) = fake(vec![(
            403,
            json!({"error": {"code": "AuthorizationFailed", "message": "no"}}),
        )]);
        assert!(matches!(
            client.subscriptions().await,
            Err(ArmError::Forbidden { .. })
        ));
        let (client, seen) = fake(vec![
            (503, json!({})),
            (
                200,
                json!({"value": [{"subscriptionId": "s1", "displayName": "Twins"}]}),
            ),
        ]);
        let subs = client.subscriptions().await.unwrap();
        assert_eq!(subs[0].subscription_id, "s1");
        assert_eq!(seen.borrow().len(), 2, "a 503 is retried");
    }

    #[test]
    fn resource_groups_come_from_resource_ids() {
        assert_eq!(
            resource_group_of("/subscriptions/s/resourceGroups/rg-1/providers/p/x"),
            Some("rg-1".into())
        );
        assert_eq!(
            resource_group_of("/subscriptions/s/resourcegroups/RG/providers"),
            Some("RG".into())
        );
        assert_eq!(resource_group_of("/subscriptions/s"), None);
    }
}
