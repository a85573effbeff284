//! `GET /{tenant}/v2.0/adminconsent`: an administrator grants the app access for everyone in
//! the tenant, then is sent back with `admin_consent=True&tenant={guid}`.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::authorize::{self, AuthorizeParams, Target};
use super::{AadError, App, Authority, Identity, Session};
use crate::service::AppState;

pub async fn admin_consent(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let identity = &state.identity;
    let now = identity.now();
    let authority = match identity.resolve_authority(&tenant) {
        Ok(a) => a,
        Err(e) => return e.html_page(now),
    };
    let (app, _, target) = match authorize::check_client(identity, &authority, &params) {
        Ok(c) => c,
        Err(e) => return e.html_page(now),
    };
    let sessions = identity.sessions(&super::session_ids(&headers));
    let admin = sessions.iter().find(|s| {
        identity
            .user(&s.upn)
            .is_some_and(|u| is_admin_of(u, &Identity::target_tenant(&authority, u)))
    });
    match admin {
        Some(session) => complete(identity, &authority, &app, &target, &params, session, None),
        None => authorize::sign_in(
            identity,
            &tenant,
            &params,
            "adminconsent",
            &sessions,
            params.login_hint.clone().unwrap_or_default(),
            None,
        ),
    }
}

fn is_admin_of(user: &super::User, tenant_id: &str) -> bool {
    user.membership_in(tenant_id).is_some_and(|m| m.admin)
}

/// Records consent if the signed-in user administers the tenant; redirects either way.
pub fn complete(
    identity: &Identity,
    authority: &Authority,
    app: &App,
    target: &Target,
    params: &AuthorizeParams,
    session: &Session,
    cookie: Option<String>,
) -> Response {
    let Some(user) = identity.user(&session.upn) else {
        return target.error(&AadError::LoginRequired, cookie);
    };
    let tenant_id = Identity::target_tenant(authority, user);
    if !is_admin_of(user, &tenant_id) {
        let refusal = AadError::AdminRequired {
            tenant_name: identity.directory().tenant_name(&tenant_id),
            app_name: app.display_name.clone(),
        };
        return target.error(&refusal, cookie);
    }
    identity.grant_consent(&tenant_id, &app.client_id);
    let mut pairs = vec![
        ("admin_consent".to_string(), "True".to_string()),
        ("tenant".to_string(), tenant_id),
    ];
    if let Some(scope) = &params.scope {
        pairs.push(("scope".into(), scope.clone()));
    }
    target.respond(pairs, cookie)
}
