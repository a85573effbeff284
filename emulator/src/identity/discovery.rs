//! OpenID Connect discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and the
//! signing keys (`/{tenant}/discovery/v2.0/keys`). Both answer CORS with `*`, as Entra does.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Authority, Identity};
use crate::service::AppState;

/// The discovery document for an authority.
pub fn configuration(identity: &Identity, authority: &Authority) -> Value {
    let base = identity.public_url();
    let (segment, issuer, region) = match authority {
        Authority::Common => ("common".to_string(), identity.issuer("{tenantid}"), None),
        Authority::Organizations => (
            "organizations".to_string(),
            identity.issuer("{tenantid}"),
            None,
        ),
        Authority::Tenant(id) => (
            id.clone(),
            identity.issuer(id),
            identity
                .directory()
                .tenant_by_id(id)
                .and_then(|t| t.region.clone()),
        ),
    };
    json!({
        "token_endpoint": format!("{base}/{segment}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{segment}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{base}/{segment}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{segment}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{segment}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/{segment}/kerberos"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    })
}

fn cors_any(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Response {
    let identity = &state.identity;
    let response = match identity.resolve_authority(&tenant) {
        Ok(authority) => Json(configuration(identity, &authority)).into_response(),
        Err(e) => e.json_response(identity.now()),
    };
    cors_any(response)
}

pub async fn jwks(State(state): State<AppState>, Path(tenant): Path<String>) -> Response {
    let identity = &state.identity;
    let response = match identity.resolve_authority(&tenant) {
        Ok(_) => Json(identity.keys.jwks(&identity.issuer("{tenantid}"))).into_response(),
        Err(e) => e.json_response(identity.now()),
    };
    cors_any(response)
}
