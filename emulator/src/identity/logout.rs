//! `GET /{tenant}/oauth2/v2.0/logout`: ends the browser session and, if the post-logout URI is
//! registered for the app, sends the browser there.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{AadError, Authority, pages};
use crate::service::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    pub post_logout_redirect_uri: Option<String>,
    pub client_id: Option<String>,
    pub state: Option<String>,
    pub logout_hint: Option<String>,
    pub id_token_hint: Option<String>,
}

/// The post-logout URI, if any, checked against the app's (or any app's) redirect URIs.
fn check_post_logout_uri(
    state: &AppState,
    authority: &Authority,
    p: &LogoutParams,
) -> Result<Option<String>, AadError> {
    let identity = &state.identity;
    let app = match p.client_id.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(identity.app(c, authority)?),
        None => None,
    };
    let Some(uri) = p
        .post_logout_redirect_uri
        .as_deref()
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    let registered = match app {
        Some(app) => app.redirect_kind(uri).is_some(),
        None => identity
            .directory()
            .apps
            .iter()
            .any(|a| a.redirect_kind(uri).is_some()),
    };
    if registered {
        Ok(Some(uri.to_string()))
    } else {
        Err(AadError::PostLogoutUriMismatch {
            uri: uri.to_string(),
            client_id: app.map(|a| a.client_id.clone()).unwrap_or_default(),
        })
    }
}

pub async fn logout(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Query(params): Query<LogoutParams>,
) -> Response {
    let identity = &state.identity;
    let now = identity.now();
    let authority = match identity.resolve_authority(&tenant) {
        Ok(a) => a,
        Err(e) => return e.html_page(now),
    };
    let target = match check_post_logout_uri(&state, &authority, &params) {
        Ok(t) => t,
        Err(e) => return e.html_page(now),
    };
    identity.end_sessions(&super::session_ids(&headers));
    let mut response = match target {
        Some(uri) => {
            let location = match &params.state {
                Some(s) => {
                    let sep = if uri.contains('?') { '&' } else { '?' };
                    let encoded = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", s)
                        .finish();
                    format!("{uri}{sep}{encoded}")
                }
                None => uri,
            };
            super::authorize::redirect(&location)
        }
        None => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            pages::signed_out_page(),
        )
            .into_response(),
    };
    let cookie = super::session_cookie(&[], identity.public_url().starts_with("https:"));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
