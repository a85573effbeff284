//! The slice of Azure Resource Manager the SPA uses: the signed-in user's tenants, the
//! subscriptions of the token's tenant, and the Digital Twins instances in a subscription.
//! CORS as ARM does it: the request's `Origin` echoed, preflights answered, headers exposed.
//! Tokens are checked like the data plane's, for `https://management.azure.com`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

use crate::adt::auth::{self, AuthError, Caller};
use crate::identity::User;
use crate::service::AppState;

pub const ROUTE_TENANTS: &str = "/tenants";
pub const ROUTE_SUBSCRIPTIONS: &str = "/subscriptions";
pub const ROUTE_INSTANCES: &str =
    "/subscriptions/{subscription}/providers/Microsoft.DigitalTwins/digitalTwinsInstances";
/// ARM's audience, as the identity platform issues it.
pub const ARM_AUDIENCE: &str = crate::identity::scopes::MANAGEMENT.uri;
pub const INSTANCE_TYPE: &str = "Microsoft.DigitalTwins/digitalTwinsInstances";
const EXPOSED_HEADERS: &str = "x-ms-request-id, x-ms-correlation-request-id, x-ms-ratelimit-remaining-tenant-reads, Retry-After, Location";

/// The ARM routes, merged into the service router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROUTE_TENANTS, get(tenants).options(preflight))
        .route(ROUTE_SUBSCRIPTIONS, get(subscriptions).options(preflight))
        .route(ROUTE_INSTANCES, get(instances).options(preflight))
}

/// ARM's refusals, in its error shape `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArmError {
    #[error("Authentication failed. The 'Authorization' header is missing.")]
    MissingToken,
    #[error("The access token is invalid: {0}.")]
    InvalidToken(String),
    #[error("The access token has expired. Get a new token and try again.")]
    Expired,
    #[error(
        "The access token has been obtained for wrong audience or resource '{0}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."
    )]
    WrongAudience(String),
    #[error("The api-version query parameter (?api-version=) is required for all requests.")]
    MissingApiVersion,
    #[error("The subscription '{0}' could not be found.")]
    SubscriptionNotFound(String),
}

impl ArmError {
    fn status(&self) -> StatusCode {
        match self {
            ArmError::MissingApiVersion => StatusCode::BAD_REQUEST,
            ArmError::SubscriptionNotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ArmError::MissingToken => "AuthenticationFailed",
            ArmError::InvalidToken(_) => "InvalidAuthenticationToken",
            ArmError::Expired => "ExpiredAuthenticationToken",
            ArmError::WrongAudience(_) => "InvalidAuthenticationTokenAudience",
            ArmError::MissingApiVersion => "MissingApiVersionParameter",
            ArmError::SubscriptionNotFound(_) => "SubscriptionNotFound",
        }
    }
}

impl From<AuthError> for ArmError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Missing => ArmError::MissingToken,
            AuthError::Expired => ArmError::Expired,
            AuthError::WrongAudience(aud) => ArmError::WrongAudience(aud),
            other => ArmError::InvalidToken(other.to_string()),
        }
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code(), "message": self.to_string() } });
        let mut response = (self.status(), axum::Json(body)).into_response();
        if self.status() == StatusCode::UNAUTHORIZED {
            let challenge = format!(
                "Bearer authorization_uri=\"https://login.windows.net/\", error=\"invalid_token\", error_description=\"{}\"",
                self.code()
            );
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        response
    }
}

/// Adds ARM's CORS headers for the request's `Origin`, if any.
fn with_cors(headers: &HeaderMap, mut response: Response) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN).cloned() {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

async fn preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::OK.into_response();
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    );
    let requested = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("authorization, content-type"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("3600"),
    );
    with_cors(&headers, response)
}

/// Checks the api-version and token; the caller and their directory entry.
fn authenticate<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<(Caller, Option<&'a User>), ArmError> {
    let caller = auth::verify(
        &state.identity,
        state.clock.now(),
        auth::bearer(headers),
        ARM_AUDIENCE,
    )?;
    if query.get("api-version").is_none_or(|v| v.is_empty()) {
        return Err(ArmError::MissingApiVersion);
    }
    let user = state.identity.directory().users.iter().find(|u| {
        u.membership_in(&caller.tid)
            .is_some_and(|m| m.oid == caller.oid)
    });
    Ok((caller, user))
}

fn respond(headers: &HeaderMap, result: Result<Value, ArmError>) -> Response {
    let response = match result {
        Ok(body) => axum::Json(body).into_response(),
        Err(e) => e.into_response(),
    };
    with_cors(headers, response)
}

async fn tenants(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = authenticate(&state, &headers, &query).map(|(caller, user)| {
        let directory = state.identity.directory();
        let tenant_ids: Vec<String> = match user {
            Some(u) => u.memberships.iter().map(|m| m.tenant.clone()).collect(),
            None => vec![caller.tid.clone()],
        };
        let value: Vec<Value> = tenant_ids
            .iter()
            .filter_map(|id| directory.tenant_by_id(id))
            .map(|t| {
                json!({
                    "id": format!("/tenants/{}", t.id),
                    "tenantId": t.id,
                    "countryCode": if t.region.as_deref() == Some("NA") { "US" } else { "GB" },
                    "displayName": t.display_name,
                    "domains": t.domains,
                    "tenantCategory": "Home",
                    "defaultDomain": t.domains.first(),
                    "tenantType": "AAD",
                })
            })
            .collect();
        json!({ "value": value })
    });
    respond(&headers, result)
}

async fn subscriptions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = authenticate(&state, &headers, &query).map(|(caller, _)| {
        let value: Vec<Value> = state
            .adt
            .config()
            .subscriptions
            .iter()
            .filter(|s| s.tenant_id == caller.tid && s.visible_to(&caller.oid))
            .map(|s| {
                json!({
                    "id": format!("/subscriptions/{}", s.id),
                    "authorizationSource": "RoleBased",
                    "managedByTenants": [],
                    "subscriptionId": s.id,
                    "tenantId": s.tenant_id,
                    "displayName": s.display_name,
                    "state": "Enabled",
                    "subscriptionPolicies": {
                        "locationPlacementId": "Public_2014-09-01",
                        "quotaId": "PayAsYouGo_2014-09-01",
                        "spendingLimit": "Off",
                    },
                })
            })
            .collect();
        let count = value.len();
        json!({ "value": value, "count": { "type": "Total", "value": count } })
    });
    respond(&headers, result)
}

async fn instances(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(subscription): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = authenticate(&state, &headers, &query).and_then(|(caller, _)| {
        let config = state.adt.config();
        let visible = config.subscriptions.iter().any(|s| {
            s.id.eq_ignore_ascii_case(&subscription)
                && s.tenant_id == caller.tid
                && s.visible_to(&caller.oid)
        });
        if !visible {
            return Err(ArmError::SubscriptionNotFound(subscription.clone()));
        }
        let value: Vec<Value> = config
            .instances
            .iter()
            .filter(|i| i.subscription_id.eq_ignore_ascii_case(&subscription))
            .map(|i| {
                json!({
                    "id": i.resource_id(),
                    "name": i.name,
                    "type": INSTANCE_TYPE,
                    "location": i.location,
                    "tags": {},
                    "properties": {
                        "provisioningState": "Succeeded",
                        "hostName": i.host_name,
                        "publicNetworkAccess": "Enabled",
                        "privateEndpointConnections": [],
                    },
                })
            })
            .collect();
        Ok(json!({ "value": value, "nextLink": null }))
    });
    respond(&headers, result)
}
