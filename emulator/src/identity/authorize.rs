//! `GET /{tenant}/oauth2/v2.0/authorize` and the sign-in page's `POST /{tenant}/login`.
//!
//! Until the client and redirect URI are known good, errors are an HTML page; after that they
//! go back to the redirect URI (`error`, `error_description`, `state`), as Entra ID does.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, extract::rejection::FormRejection};
use serde::{Deserialize, Serialize};

use super::pages::{self, SignIn};
use super::{AadError, App, Authority, Identity, RedirectKind, ScopeRequest, Session};
use crate::service::AppState;

/// The authorize (and admin consent) request parameters.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub response_type: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub response_mode: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    pub domain_hint: Option<String>,
}

impl AuthorizeParams {
    /// The parameters that were given, for the sign-in page's hidden fields.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let v = serde_json::to_value(self).unwrap_or_default();
        v.as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// What the sign-in page posts: the original parameters plus the user's choice.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LoginForm {
    #[serde(flatten)]
    pub params: AuthorizeParams,
    /// `authorize` (default) or `adminconsent`.
    pub flow: Option<String>,
    pub login: Option<String>,
    pub passwd: Option<String>,
    /// An already signed-in account picked from the list.
    pub account: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// Where responses go once the redirect URI is trusted.
#[derive(Debug, Clone)]
pub struct Target {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

impl Target {
    /// A 302 (or form_post page) to the redirect URI carrying `pairs` and `state`.
    pub fn respond(&self, mut pairs: Vec<(String, String)>, cookie: Option<String>) -> Response {
        if let Some(state) = &self.state {
            pairs.push(("state".into(), state.clone()));
        }
        let mut response = match self.mode {
            ResponseMode::FormPost => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                pages::form_post_page(&self.redirect_uri, &pairs),
            )
                .into_response(),
            mode => {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&pairs)
                    .finish();
                let location = if mode == ResponseMode::Fragment {
                    format!("{}#{encoded}", self.redirect_uri)
                } else if self.redirect_uri.contains('?') {
                    format!("{}&{encoded}", self.redirect_uri)
                } else {
                    format!("{}?{encoded}", self.redirect_uri)
                };
                redirect(&location)
            }
        };
        if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    pub fn error(&self, error: &AadError, cookie: Option<String>) -> Response {
        self.respond(
            vec![
                ("error".into(), error.oauth_error().into()),
                ("error_description".into(), error.to_string()),
                (
                    "error_uri".into(),
                    format!(
                        "https://login.microsoftonline.com/error?code={}",
                        error.code()
                    ),
                ),
            ],
            cookie,
        )
    }
}

pub fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => (
            StatusCode::BAD_REQUEST,
            "redirect URI is not a valid header value",
        )
            .into_response(),
    }
}

/// A request whose every parameter checked out.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    pub authority: Authority,
    pub app: App,
    pub redirect_uri: String,
    pub redirect_kind: RedirectKind,
    pub target: Target,
    pub scope: String,
    pub scopes: ScopeRequest,
    pub nonce: Option<String>,
    pub challenge: Option<(String, String)>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
}

/// Client and redirect URI (errors here are shown as a page).
pub fn check_client(
    identity: &Identity,
    authority: &Authority,
    p: &AuthorizeParams,
) -> Result<(App, RedirectKind, Target), AadError> {
    let client_id = p
        .client_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(AadError::MissingParameter("client_id"))?;
    let app = identity.app(client_id, authority)?.clone();
    let redirect_uri = p
        .redirect_uri
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(AadError::MissingParameter("redirect_uri"))?;
    let kind = app
        .redirect_kind(redirect_uri)
        .ok_or_else(|| AadError::RedirectUriMismatch {
            redirect_uri: redirect_uri.to_string(),
            client_id: app.client_id.clone(),
        })?;
    let mode = match p.response_mode.as_deref() {
        None | Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        Some(_) => ResponseMode::Query,
    };
    let target = Target {
        redirect_uri: redirect_uri.to_string(),
        mode,
        state: p.state.clone(),
    };
    Ok((app, kind, target))
}

/// Everything else (errors here go back to the redirect URI).
fn check_request(
    identity: &Identity,
    authority: Authority,
    p: &AuthorizeParams,
    (app, kind, target): (App, RedirectKind, Target),
) -> Result<ValidRequest, Box<(Target, AadError)>> {
    let fail = |e: AadError| Box::new((target.clone(), e));
    if let Some(mode) = p.response_mode.as_deref()
        && !matches!(mode, "query" | "fragment" | "form_post")
    {
        return Err(fail(AadError::InvalidParameter {
            name: "response_mode",
            value: mode.to_string(),
        }));
    }
    match p.response_type.as_deref() {
        None | Some("") => return Err(fail(AadError::MissingParameter("response_type"))),
        Some("code") => {}
        Some(other) => return Err(fail(AadError::UnsupportedResponseType(other.to_string()))),
    }
    let scope = p.scope.clone().unwrap_or_default();
    let scopes = ScopeRequest::parse(&scope, &identity.authority_name(&authority)).map_err(fail)?;
    if let Some(prompt) = p.prompt.as_deref()
        && !matches!(prompt, "login" | "none" | "consent" | "select_account")
    {
        return Err(fail(AadError::InvalidParameter {
            name: "prompt",
            value: prompt.to_string(),
        }));
    }
    let challenge = match (p.code_challenge.as_deref(), kind) {
        (None | Some(""), RedirectKind::Spa) => return Err(fail(AadError::PkceRequired)),
        (None | Some(""), RedirectKind::Web) => None,
        (Some(c), _) => {
            let method = p.code_challenge_method.as_deref().unwrap_or("plain");
            match (method, kind) {
                ("S256", _) | ("plain", RedirectKind::Web) => {}
                ("plain", RedirectKind::Spa) => {
                    return Err(fail(AadError::PkceMethodRefused(method.to_string())));
                }
                _ => {
                    return Err(fail(AadError::InvalidParameter {
                        name: "code_challenge_method",
                        value: method.to_string(),
                    }));
                }
            }
            if !(43..=128).contains(&c.len()) {
                return Err(fail(AadError::PkceChallengeSize));
            }
            Some((method.to_string(), c.to_string()))
        }
    };
    Ok(ValidRequest {
        authority,
        redirect_uri: target.redirect_uri.clone(),
        app,
        redirect_kind: kind,
        target,
        scope,
        scopes,
        nonce: p.nonce.clone(),
        challenge,
        prompt: p.prompt.clone(),
        login_hint: p.login_hint.clone().filter(|s| !s.is_empty()),
    })
}

/// Issues the code for a signed-in user, or the error that stops it.
fn complete(
    identity: &Identity,
    req: &ValidRequest,
    session: &Session,
    cookie: Option<String>,
) -> Response {
    let Some(user) = identity.user(&session.upn) else {
        return req.target.error(&AadError::LoginRequired, cookie);
    };
    let tenant = Identity::target_tenant(&req.authority, user);
    if let Err(e) = identity.check_access(user, &tenant, &req.app, &req.scopes.resources, false) {
        return req.target.error(&e, cookie);
    }
    let code = identity.issue_code(req, session);
    let client_info = super::jwt::b64_json(
        &serde_json::json!({ "uid": user.home().oid, "utid": user.home().tenant }),
    );
    req.target.respond(
        vec![
            ("code".into(), code),
            ("client_info".into(), client_info),
            (
                "session_state".into(),
                super::jwt::pairwise(&[&session.id])[..36].to_string(),
            ),
        ],
        cookie,
    )
}

/// The sign-in page for a request.
pub fn sign_in(
    identity: &Identity,
    tenant_segment: &str,
    params: &AuthorizeParams,
    flow: &str,
    sessions: &[Session],
    username: String,
    error: Option<String>,
) -> Response {
    let mut hidden = params.pairs();
    hidden.push(("flow".into(), flow.into()));
    let app_name = params
        .client_id
        .as_deref()
        .and_then(|c| identity.directory().app(c))
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    let page = SignIn {
        action: format!("/{tenant_segment}/login"),
        hidden,
        accounts: sessions
            .iter()
            .filter_map(|s| identity.user(&s.upn))
            .map(|u| (u.upn.clone(), u.display_name.clone()))
            .collect(),
        username,
        error,
        app_name,
        purpose: (flow == "adminconsent").then(|| {
            "An administrator of the organisation must sign in to grant this app access for everyone in it.".to_string()
        }),
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        pages::sign_in_page(&page),
    )
        .into_response()
}

pub async fn authorize(
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
    let checked = match check_client(identity, &authority, &params) {
        Ok(c) => c,
        Err(e) => return e.html_page(now),
    };
    let req = match check_request(identity, authority, &params, checked) {
        Ok(r) => r,
        Err(refused) => {
            let (target, e) = *refused;
            return target.error(&e, None);
        }
    };
    let sessions = identity.sessions(&super::session_ids(&headers));
    let hinted = req
        .login_hint
        .as_deref()
        .and_then(|h| sessions.iter().find(|s| s.upn.eq_ignore_ascii_case(h)));
    let username = req.login_hint.clone().unwrap_or_default();
    // Who to sign in without showing the form, if anyone; `prompt` decides.
    let silent = match req.prompt.as_deref() {
        Some("none") => {
            let chosen = match (hinted, sessions.len()) {
                (Some(s), _) => s,
                (None, 0) => return req.target.error(&AadError::LoginRequired, None),
                (None, 1) if req.login_hint.is_none() => &sessions[0],
                (None, _) if req.login_hint.is_some() => {
                    return req.target.error(&AadError::LoginRequired, None);
                }
                (None, _) => return req.target.error(&AadError::AccountSelectionRequired, None),
            };
            return complete(identity, &req, chosen, None);
        }
        Some("login") => {
            return sign_in(identity, &tenant, &params, "authorize", &[], username, None);
        }
        Some(_) => None,
        None => hinted
            .or_else(|| (sessions.len() == 1 && req.login_hint.is_none()).then(|| &sessions[0])),
    };
    match silent {
        Some(session) => complete(identity, &req, session, None),
        None => sign_in(
            identity,
            &tenant,
            &params,
            "authorize",
            &sessions,
            username,
            None,
        ),
    }
}

/// `POST /{tenant}/login`: the sign-in page's credentials or picked account.
pub async fn login(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let identity = &state.identity;
    let now = identity.now();
    let Ok(Form(form)) = form else {
        return AadError::MissingParameter("login").html_page(now);
    };
    let authority = match identity.resolve_authority(&tenant) {
        Ok(a) => a,
        Err(e) => return e.html_page(now),
    };
    let flow = form.flow.clone().unwrap_or_else(|| "authorize".into());
    let params = &form.params;
    let checked = match check_client(identity, &authority, params) {
        Ok(c) => c,
        Err(e) => return e.html_page(now),
    };
    let mut ids = super::session_ids(&headers);
    let sessions = identity.sessions(&ids);
    let rerender = |username: String, error: Option<String>| {
        sign_in(identity, &tenant, params, &flow, &sessions, username, error)
    };
    let (session, cookie) = if let Some(account) = form.account.as_deref() {
        match sessions
            .iter()
            .find(|s| s.upn.eq_ignore_ascii_case(account))
        {
            Some(s) => (s.clone(), None),
            None => {
                return rerender(
                    account.to_string(),
                    Some("Your session has ended. Enter your password to sign in again.".into()),
                );
            }
        }
    } else {
        let login = form.login.clone().unwrap_or_default();
        if login.trim().is_empty() {
            return rerender(
                String::new(),
                Some("Enter a valid email address, phone number, or Skype name.".into()),
            );
        }
        match identity.sign_in(&login, form.passwd.as_deref().unwrap_or(""), &authority) {
            Ok(s) => {
                ids.retain(|id| sessions.iter().any(|live| &live.id == id));
                ids.push(s.id.clone());
                let cookie =
                    super::session_cookie(&ids, identity.public_url().starts_with("https:"));
                (s, Some(cookie))
            }
            Err(e) => return rerender(login, Some(e.to_string())),
        }
    };
    if flow == "adminconsent" {
        let (app, _, target) = checked;
        return super::consent::complete(
            identity, &authority, &app, &target, params, &session, cookie,
        );
    }
    match check_request(identity, authority, params, checked) {
        Ok(req) => complete(identity, &req, &session, cookie),
        Err(refused) => {
            let (target, e) = *refused;
            target.error(&e, cookie)
        }
    }
}
