//! `POST /{tenant}/oauth2/v2.0/token`: authorization code (with PKCE) and refresh token grants.
//!
//! Cross-origin rules are Entra's: a request with an `Origin` is answered with
//! `Access-Control-Allow-Origin: <origin>`, except that a grant issued for a "web" redirect URI
//! is refused cross-origin (AADSTS9002326, without the CORS header); a grant issued for a SPA
//! redirect URI must be redeemed cross-origin (AADSTS9002327). Refresh tokens rotate: each
//! redemption returns a new one; as with Entra, the old one is not revoked by its use (it
//! ends with the sign-in's 24 hours, or a revocation, like every token of that sign-in).

use axum::Form;
use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::errors::format_timestamp_long;
use super::{
    AadError, App, Authority, CODE_LIFETIME, Identity, Mint, RedirectKind, SPA_REFRESH_LIFETIME,
    ScopeRequest, jwt,
};
use crate::service::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_info: Option<String>,
    pub client_secret: Option<String>,
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, AadError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or(AadError::MissingParameter(name))
}

/// Same-origin requests must not redeem SPA grants; cross-origin ones only SPA grants.
fn check_origin(origin: Option<&str>, spa: bool) -> Result<(), AadError> {
    match (origin, spa) {
        (Some(o), false) => Err(AadError::CrossOriginNotSpa(o.to_string())),
        (None, true) => Err(AadError::SpaNeedsCrossOrigin),
        _ => Ok(()),
    }
}

impl Identity {
    /// Handles one token request; `origin` is the request's `Origin` header.
    pub fn redeem(
        &self,
        tenant_segment: &str,
        form: &TokenForm,
        origin: Option<&str>,
    ) -> Result<Value, AadError> {
        let authority = self.resolve_authority(tenant_segment)?;
        let client_id = required(&form.client_id, "client_id")?;
        let app = self.app(client_id, &authority)?;
        match required(&form.grant_type, "grant_type")? {
            "authorization_code" => self.redeem_code(&authority, app, form, origin),
            "refresh_token" => self.redeem_refresh(&authority, app, form, origin),
            other => Err(AadError::UnsupportedGrantType(other.to_string())),
        }
    }

    fn redeem_code(
        &self,
        authority: &Authority,
        app: &App,
        form: &TokenForm,
        origin: Option<&str>,
    ) -> Result<Value, AadError> {
        let code = required(&form.code, "code")?;
        let redirect_uri = required(&form.redirect_uri, "redirect_uri")?;
        let now = self.now();
        let grant = {
            let g = self.grants();
            let grant = g
                .codes
                .get(code)
                .cloned()
                .ok_or(AadError::GrantMalformed("code"))?;
            if grant.redeemed {
                return Err(AadError::CodeRedeemed);
            }
            if now > grant.issued_at + CODE_LIFETIME {
                return Err(AadError::GrantExpired);
            }
            if !grant.client_id.eq_ignore_ascii_case(&app.client_id) {
                return Err(AadError::GrantForOtherClient("code"));
            }
            if let Authority::Tenant(t) = authority
                && *t != grant.tenant_id
            {
                return Err(AadError::CodeForOtherTenant);
            }
            if grant.redirect_uri != redirect_uri {
                return Err(AadError::CodeRedirectMismatch {
                    given: redirect_uri.to_string(),
                    original: grant.redirect_uri.clone(),
                });
            }
            check_origin(origin, grant.redirect_kind == RedirectKind::Spa)?;
            if let Some((method, challenge)) = &grant.challenge {
                let verifier = required(&form.code_verifier, "code_verifier")?;
                let computed = if method == "S256" {
                    jwt::s256(verifier)
                } else {
                    verifier.to_string()
                };
                if computed != *challenge {
                    return Err(AadError::VerifierMismatch);
                }
            }
            if grant.generation != Self::generation(&g, &grant.upn) {
                return Err(self.revoked(&g, &grant.upn, grant.auth_time));
            }
            grant
        };
        let user = self
            .directory
            .user(&grant.upn)
            .ok_or(AadError::GrantMalformed("code"))?;
        let tenant_name = self.directory.tenant_name(&grant.tenant_id);
        let mut scopes = match form.scope.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => ScopeRequest::parse(s, &tenant_name)?.single_resource()?,
            None => ScopeRequest::parse(&grant.scopes, &tenant_name)?,
        };
        scopes.resources.truncate(1);
        self.check_access(user, &grant.tenant_id, app, &scopes.resources, true)?;
        {
            let mut g = self.grants();
            match g.codes.get_mut(code) {
                Some(c) if !c.redeemed => c.redeemed = true,
                _ => return Err(AadError::CodeRedeemed),
            }
        }
        Ok(self.mint(Mint {
            user,
            tenant_id: &grant.tenant_id,
            app,
            scopes: &scopes,
            nonce: grant.nonce.as_deref(),
            auth_time: grant.auth_time,
            generation: grant.generation,
            spa: grant.redirect_kind == RedirectKind::Spa,
        }))
    }

    fn revoked(&self, g: &super::Grants, upn: &str, issued: i64) -> AadError {
        let valid_from = g.generations.get(upn).map(|(_, t)| *t).unwrap_or(0);
        AadError::GrantRevoked {
            issued: format_timestamp_long(issued),
            valid_from: format_timestamp_long(valid_from),
        }
    }

    fn redeem_refresh(
        &self,
        authority: &Authority,
        app: &App,
        form: &TokenForm,
        origin: Option<&str>,
    ) -> Result<Value, AadError> {
        let token = required(&form.refresh_token, "refresh_token")?;
        let now = self.now();
        let grant = {
            let g = self.grants();
            let grant = g
                .refresh_tokens
                .get(token)
                .cloned()
                .ok_or(AadError::GrantMalformed("refresh_token"))?;
            if !grant.client_id.eq_ignore_ascii_case(&app.client_id) {
                return Err(AadError::GrantForOtherClient("refresh_token"));
            }
            check_origin(origin, grant.spa)?;
            if grant.generation != Self::generation(&g, &grant.upn) {
                return Err(self.revoked(&g, &grant.upn, grant.auth_time));
            }
            if grant.spa && now >= grant.auth_time + SPA_REFRESH_LIFETIME {
                return Err(AadError::SpaRefreshExpired {
                    issued: format_timestamp_long(grant.auth_time),
                });
            }
            grant
        };
        let user = self
            .directory
            .user(&grant.upn)
            .ok_or(AadError::GrantMalformed("refresh_token"))?;
        let tenant_id = Self::target_tenant(authority, user);
        let tenant_name = self.directory.tenant_name(&tenant_id);
        let mut scope = form
            .scope
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| grant.scopes.clone());
        if !scope.split_whitespace().any(|s| s == "offline_access") {
            scope.push_str(" offline_access");
        }
        let scopes = ScopeRequest::parse(&scope, &tenant_name)?.single_resource()?;
        self.check_access(user, &tenant_id, app, &scopes.resources, true)?;
        Ok(self.mint(Mint {
            user,
            tenant_id: &tenant_id,
            app,
            scopes: &scopes,
            nonce: None,
            auth_time: grant.auth_time,
            generation: grant.generation,
            spa: grant.spa,
        }))
    }
}

fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| !o.is_empty() && *o != "null")
        .map(str::to_string)
}

fn allow_origin(response: &mut Response, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

pub async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let identity = &state.identity;
    let origin = origin_of(&headers);
    let result = match form {
        Ok(Form(form)) => identity.redeem(&tenant, &form, origin.as_deref()),
        Err(_) => Err(AadError::MissingParameter("grant_type")),
    };
    let (mut response, cors) = match result {
        Ok(body) => {
            let mut r = Json(body).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, no-cache"),
            );
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            (r, true)
        }
        Err(e) => {
            let cors = !matches!(e, AadError::CrossOriginNotSpa(_));
            (e.json_response(identity.now()), cors)
        }
    };
    if let (Some(origin), true) = (origin.as_deref(), cors) {
        allow_origin(&mut response, origin);
    }
    response
}

/// The CORS preflight for the token endpoint.
pub async fn token_preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(origin) = origin_of(&headers) {
        allow_origin(&mut response, &origin);
        let requested = headers
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("content-type"));
        let h = response.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
    }
    response
}
