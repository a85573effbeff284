//! The Microsoft identity platform (Entra ID v2 endpoints), emulated: discovery, keys,
//! authorize with a sign-in page, token, logout and admin consent, on the same paths as
//! `login.microsoftonline.com`.
//!
//! [`Identity`] holds the directory and all grants (sessions, codes, refresh tokens); the
//! endpoint modules turn requests into calls on it and render its [`AadError`]s.

pub mod authorize;
pub mod consent;
pub mod directory;
pub mod discovery;
pub mod errors;
pub mod jwt;
pub mod keys;
pub mod logout;
pub mod pages;
pub mod scopes;
pub mod token;

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};
use rand::Rng;
use serde_json::{Value, json};

pub use directory::{App, Directory, DirectoryError, RedirectKind, Tenant, User};
pub use errors::AadError;
pub use scopes::{Resource, ScopeRequest};

use crate::clock::{Clock, UnixSeconds};
use crate::service::AppState;

pub const ROUTE_DISCOVERY: &str = "/{tenant}/v2.0/.well-known/openid-configuration";
pub const ROUTE_JWKS: &str = "/{tenant}/discovery/v2.0/keys";
pub const ROUTE_AUTHORIZE: &str = "/{tenant}/oauth2/v2.0/authorize";
/// Where the sign-in page posts credentials (as the real page does).
pub const ROUTE_LOGIN: &str = "/{tenant}/login";
pub const ROUTE_TOKEN: &str = "/{tenant}/oauth2/v2.0/token";
pub const ROUTE_LOGOUT: &str = "/{tenant}/oauth2/v2.0/logout";
pub const ROUTE_ADMIN_CONSENT: &str = "/{tenant}/v2.0/adminconsent";
/// Development only: the seeded accounts and their passwords, as plain text.
pub const ROUTE_DEV_ACCOUNTS: &str = "/dev/accounts";

/// The session cookie (Entra's is `ESTSAUTH`): signed-in session ids, `.`-separated.
pub const SESSION_COOKIE: &str = "ESTSAUTH";
/// Authorization codes live ten minutes.
pub const CODE_LIFETIME: UnixSeconds = 600;
/// SPA refresh tokens die this long after the sign-in, however often they are redeemed.
pub const SPA_REFRESH_LIFETIME: UnixSeconds = 24 * 3600;
/// ID tokens live one hour.
pub const ID_TOKEN_LIFETIME: UnixSeconds = 3600;

/// The identity routes, merged into the service router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROUTE_DISCOVERY, get(discovery::openid_configuration))
        .route(ROUTE_JWKS, get(discovery::jwks))
        .route(ROUTE_AUTHORIZE, get(authorize::authorize))
        .route(ROUTE_LOGIN, post(authorize::login))
        .route(
            ROUTE_TOKEN,
            post(token::token).options(token::token_preflight),
        )
        .route(ROUTE_LOGOUT, get(logout::logout))
        .route(ROUTE_ADMIN_CONSENT, get(consent::admin_consent))
        .route(ROUTE_DEV_ACCOUNTS, get(dev_accounts))
}

async fn dev_accounts(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        state.identity.directory().accounts_text(),
    )
        .into_response()
}

/// The tenant segment of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    Common,
    Organizations,
    /// A concrete tenant, by ID (lower case), however the request named it.
    Tenant(String),
}

/// A signed-in browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub upn: String,
    pub auth_time: UnixSeconds,
    generation: u64,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    redirect_kind: RedirectKind,
    /// `(method, challenge)`.
    challenge: Option<(String, String)>,
    upn: String,
    tenant_id: String,
    scopes: String,
    nonce: Option<String>,
    issued_at: UnixSeconds,
    auth_time: UnixSeconds,
    generation: u64,
    redeemed: bool,
}

/// An issued refresh token. Redeeming it gives a new one, and, as Entra's do, the old one
/// stays valid until the same end (24 hours after sign-in for a SPA) or a revocation: "the
/// Microsoft identity platform doesn't revoke old refresh tokens when used to fetch new
/// access tokens" (Refresh tokens in the Microsoft identity platform, Token lifetime). So
/// two requests of one client at once, each with the refresh token it holds, both succeed.
#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    upn: String,
    spa: bool,
    auth_time: UnixSeconds,
    generation: u64,
    scopes: String,
}

#[derive(Debug, Default)]
struct Grants {
    consents: HashSet<(String, String)>,
    sessions: HashMap<String, Session>,
    codes: HashMap<String, CodeGrant>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    /// Per user: bumped by [`Identity::revoke_sessions`]; grants from older generations die.
    generations: HashMap<String, (u64, UnixSeconds)>,
}

/// The emulated identity platform: the directory, keys and every grant it has issued.
#[derive(Debug)]
pub struct Identity {
    public_url: String,
    clock: Clock,
    directory: Directory,
    keys: keys::KeyRing,
    grants: Mutex<Grants>,
    /// Seconds each access token lives; 0: Entra's default (60 to 67 minutes, at random).
    access_token_lifetime: std::sync::atomic::AtomicI64,
}

/// What a successful code or refresh-token redemption needs to mint tokens.
struct Mint<'a> {
    user: &'a User,
    tenant_id: &'a str,
    app: &'a App,
    scopes: &'a ScopeRequest,
    nonce: Option<&'a str>,
    auth_time: UnixSeconds,
    generation: u64,
    spa: bool,
}

impl Identity {
    /// `public_url` (no trailing slash) is the issuer host; `extra_spa_redirect_uris` are
    /// added to the first app registration of the directory.
    pub fn new(
        mut directory: Directory,
        public_url: String,
        clock: Clock,
        extra_spa_redirect_uris: &[String],
    ) -> Self {
        if let Some(app) = directory.apps.first_mut() {
            for uri in extra_spa_redirect_uris {
                if !app.spa_redirect_uris.contains(uri) {
                    app.spa_redirect_uris.push(uri.clone());
                }
            }
        }
        let consents = directory
            .tenants
            .iter()
            .flat_map(|t| {
                t.consented_apps
                    .iter()
                    .map(|a| (t.id.clone(), a.to_ascii_lowercase()))
            })
            .collect();
        Self {
            public_url,
            clock,
            directory,
            keys: keys::KeyRing::new(),
            grants: Mutex::new(Grants {
                consents,
                ..Grants::default()
            }),
            access_token_lifetime: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Test hook (like a token lifetime policy, whose real minimum is 10 minutes): access
    /// tokens issued from now on live `seconds`; `None`: Entra's default again. A lifetime
    /// within a client's early-renewal margin (MSAL's and the SPA's: 5 minutes) makes the
    /// client renew before every use, as it does near a token's end.
    pub fn set_access_token_lifetime(&self, seconds: Option<i64>) {
        self.access_token_lifetime.store(
            seconds.unwrap_or(0).max(0),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    fn grants(&self) -> MutexGuard<'_, Grants> {
        self.grants.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub fn now(&self) -> UnixSeconds {
        self.clock.now()
    }

    /// Test hook: a new signing key becomes current; earlier ones stay in the JWKS.
    pub fn rotate_keys(&self) -> String {
        self.keys.rotate()
    }

    /// The published signing keys (`{"keys": [...]}`, newest first), as the JWKS endpoint
    /// serves them: what resource servers (ARM, ADT) verify access tokens against.
    pub fn jwks(&self) -> Value {
        self.keys.jwks(&self.issuer("{tenantid}"))
    }

    /// The key set's generation (it changes on every rotation), for [`Self::remember_verified`].
    pub fn key_generation(&self) -> usize {
        self.keys.generation()
    }

    /// Whether `token`'s signature already verified against the keys published now.
    pub fn is_verified(&self, token: &str) -> bool {
        self.keys.is_verified(token)
    }

    /// Records that `token`'s signature verified against the keys of `generation`.
    pub fn remember_verified(&self, token: &str, generation: usize) {
        self.keys.remember_verified(token, generation);
    }

    /// The `kid` tokens are signed with now.
    pub fn current_kid(&self) -> String {
        self.keys.current().kid.clone()
    }

    /// Test hook (like an administrator's "revoke sessions"): ends the user's sessions and
    /// invalidates every refresh token issued to them so far. False for an unknown user.
    pub fn revoke_sessions(&self, upn: &str) -> bool {
        let Some(user) = self.directory.user(upn) else {
            return false;
        };
        let now = self.now();
        let mut g = self.grants();
        let entry = g.generations.entry(user.upn.clone()).or_insert((0, now));
        entry.0 += 1;
        entry.1 = now;
        g.sessions.retain(|_, s| s.upn != user.upn);
        true
    }

    /// Whether an administrator of `tenant_id` has consented to `client_id`.
    pub fn is_consented(&self, tenant_id: &str, client_id: &str) -> bool {
        self.grants().consents.contains(&(
            tenant_id.to_ascii_lowercase(),
            client_id.to_ascii_lowercase(),
        ))
    }

    fn grant_consent(&self, tenant_id: &str, client_id: &str) {
        self.grants().consents.insert((
            tenant_id.to_ascii_lowercase(),
            client_id.to_ascii_lowercase(),
        ));
    }

    /// The path's tenant segment: `common`, `organizations`, a tenant GUID or a verified domain.
    pub fn resolve_authority(&self, segment: &str) -> Result<Authority, AadError> {
        match segment.to_ascii_lowercase().as_str() {
            "common" => Ok(Authority::Common),
            "organizations" => Ok(Authority::Organizations),
            s => match self.directory.find_tenant(s) {
                Some(t) => Ok(Authority::Tenant(t.id.clone())),
                None if directory::is_guid(s) || s.contains('.') => {
                    Err(AadError::TenantNotFound(segment.to_string()))
                }
                None => Err(AadError::TenantMalformed(segment.to_string())),
            },
        }
    }

    /// `{public}/{tid}/v2.0`.
    pub fn issuer(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/v2.0", self.public_url)
    }

    /// The directory name Entra's messages use for an authority.
    fn authority_name(&self, authority: &Authority) -> String {
        match authority {
            Authority::Common => "common".into(),
            Authority::Organizations => "organizations".into(),
            Authority::Tenant(id) => self.directory.tenant_name(id),
        }
    }

    pub fn app(&self, client_id: &str, authority: &Authority) -> Result<&App, AadError> {
        self.directory
            .app(client_id)
            .ok_or_else(|| AadError::UnknownClient {
                client_id: client_id.to_string(),
                directory: self.authority_name(authority),
            })
    }

    /// The tenant a user's tokens are for at an authority: the authority's tenant, or the
    /// user's home tenant at `common`/`organizations`.
    pub fn target_tenant(authority: &Authority, user: &User) -> String {
        match authority {
            Authority::Tenant(id) => id.clone(),
            _ => user.home().tenant.clone(),
        }
    }

    /// May this user get tokens for `app` (and `resources`) in `tenant_id`? Checks, in order:
    /// an account there (AADSTS50020), consent (AADSTS65001), resource principals (AADSTS650052).
    pub fn check_access(
        &self,
        user: &User,
        tenant_id: &str,
        app: &App,
        resources: &[&'static Resource],
        at_token: bool,
    ) -> Result<(), AadError> {
        if user.membership_in(tenant_id).is_none() {
            return Err(AadError::NotInTenant {
                upn: user.upn.clone(),
                home_tid: user.home().tenant.clone(),
                tenant_name: self.directory.tenant_name(tenant_id),
                client_id: app.client_id.clone(),
                app_name: app.display_name.clone(),
            });
        }
        if !self.is_consented(tenant_id, &app.client_id) {
            return Err(AadError::ConsentRequired {
                client_id: app.client_id.clone(),
                app_name: app.display_name.clone(),
                at_token,
            });
        }
        let tenant = self.directory.tenant_by_id(tenant_id);
        for r in resources {
            let present = tenant.is_some_and(|t| t.service_principals.iter().any(|s| s == r.uri));
            if !present {
                return Err(AadError::ServiceNotSubscribed {
                    resource: r.uri.to_string(),
                    tenant_id: tenant_id.to_string(),
                });
            }
        }
        Ok(())
    }

    fn generation(g: &Grants, upn: &str) -> u64 {
        g.generations.get(upn).map(|(n, _)| *n).unwrap_or(0)
    }

    /// Checks a username and password and starts a session.
    pub fn sign_in(
        &self,
        upn: &str,
        password: &str,
        authority: &Authority,
    ) -> Result<Session, AadError> {
        let user = self
            .directory
            .user(upn.trim())
            .ok_or_else(|| AadError::UnknownUser {
                upn: upn.trim().to_string(),
                directory: match authority {
                    Authority::Tenant(id) => self.directory.tenant_name(id),
                    _ => upn
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_string())
                        .unwrap_or_else(|| "organizations".into()),
                },
            })?;
        if user.password != password {
            return Err(AadError::InvalidPassword);
        }
        let mut g = self.grants();
        let session = Session {
            id: jwt::random_token(24),
            upn: user.upn.clone(),
            auth_time: self.now(),
            generation: Self::generation(&g, &user.upn),
        };
        g.sessions.insert(session.id.clone(), session.clone());
        Ok(session)
    }

    /// The live sessions among the cookie's session ids, in cookie order.
    pub fn sessions(&self, ids: &[String]) -> Vec<Session> {
        let g = self.grants();
        ids.iter()
            .filter_map(|id| g.sessions.get(id))
            .filter(|s| s.generation == Self::generation(&g, &s.upn))
            .cloned()
            .collect()
    }

    /// Ends these sessions (sign-out).
    pub fn end_sessions(&self, ids: &[String]) {
        let mut g = self.grants();
        for id in ids {
            g.sessions.remove(id);
        }
    }

    pub fn user(&self, upn: &str) -> Option<&User> {
        self.directory.user(upn)
    }

    /// Issues an authorization code for a validated authorize request.
    pub fn issue_code(&self, req: &authorize::ValidRequest, session: &Session) -> String {
        let tenant_id = match self.user(&session.upn) {
            Some(user) => Self::target_tenant(&req.authority, user),
            None => String::new(),
        };
        let code = format!("1.A{}", jwt::random_token(96));
        let grant = CodeGrant {
            client_id: req.app.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            redirect_kind: req.redirect_kind,
            challenge: req.challenge.clone(),
            upn: session.upn.clone(),
            tenant_id,
            scopes: req.scope.clone(),
            nonce: req.nonce.clone(),
            issued_at: self.now(),
            auth_time: session.auth_time,
            generation: session.generation,
            redeemed: false,
        };
        self.grants().codes.insert(code.clone(), grant);
        code
    }

    /// Mints the token response and stores the new refresh token.
    fn mint(&self, m: Mint<'_>) -> Value {
        let now = self.now();
        let membership = m.user.membership_in(m.tenant_id);
        let oid = membership.map(|x| x.oid.clone()).unwrap_or_default();
        let home = m.user.home();
        let expires_in: i64 = match self
            .access_token_lifetime
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            0 => rand::thread_rng().gen_range(3599..=4000),
            seconds => seconds,
        };
        let key = self.keys.current();
        let resource = m.scopes.resource();
        let access_claims = json!({
            "aud": resource.uri,
            "iss": format!("https://sts.windows.net/{}/", m.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            "acr": "1",
            "amr": ["pwd"],
            "appid": m.app.client_id,
            "appidacr": "0",
            "idp": if home.tenant == m.tenant_id { None } else { Some(format!("https://sts.windows.net/{}/", home.tenant)) },
            "name": m.user.display_name,
            "oid": oid,
            "scp": resource.scp,
            "sub": jwt::pairwise(&[resource.uri, m.tenant_id, &oid]),
            "tid": m.tenant_id,
            "unique_name": m.user.upn,
            "upn": m.user.upn,
            "uti": jwt::random_token(16),
            "ver": "1.0",
        });
        let mut body = json!({
            "token_type": "Bearer",
            "scope": m.scopes.granted(),
            "expires_in": expires_in,
            "ext_expires_in": expires_in,
            "access_token": jwt::sign(&key, &strip_nulls(access_claims)),
            "client_info": jwt::b64_json(&json!({ "uid": home.oid, "utid": home.tenant })),
        });
        if m.scopes.has("openid") {
            let roles: Vec<String> = membership
                .and_then(|x| x.roles.get(&m.app.client_id))
                .cloned()
                .unwrap_or_default();
            let mut id_claims = json!({
                "aud": m.app.client_id,
                "iss": self.issuer(m.tenant_id),
                "iat": now,
                "nbf": now,
                "exp": now + ID_TOKEN_LIFETIME,
                "name": m.user.display_name,
                "nonce": m.nonce,
                "oid": oid,
                "preferred_username": m.user.upn,
                "sub": jwt::pairwise(&[&m.app.client_id, m.tenant_id, &oid]),
                "tid": m.tenant_id,
                "uti": jwt::random_token(16),
                "ver": "2.0",
            });
            if !roles.is_empty() {
                id_claims["roles"] = json!(roles);
            }
            if m.scopes.has("email") {
                id_claims["email"] = json!(m.user.upn);
            }
            body["id_token"] = json!(jwt::sign(&key, &strip_nulls(id_claims)));
        }
        if m.scopes.has("offline_access") {
            let rt = format!("1.A{}", jwt::random_token(180));
            self.grants().refresh_tokens.insert(
                rt.clone(),
                RefreshGrant {
                    client_id: m.app.client_id.clone(),
                    upn: m.user.upn.clone(),
                    spa: m.spa,
                    auth_time: m.auth_time,
                    generation: m.generation,
                    scopes: m.scopes.requested.join(" "),
                },
            );
            body["refresh_token"] = json!(rt);
        }
        body
    }
}

fn strip_nulls(mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.retain(|_, x| !x.is_null());
    }
    v
}

/// The session ids in a `Cookie` header.
pub fn session_ids(headers: &axum::http::HeaderMap) -> Vec<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .flat_map(|(_, value)| value.split('.'))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}

/// `Set-Cookie` for these session ids (an expired cookie when there are none).
pub fn session_cookie(ids: &[String], secure: bool) -> String {
    let attrs = if secure {
        "; Path=/; HttpOnly; Secure; SameSite=None"
    } else {
        "; Path=/; HttpOnly"
    };
    if ids.is_empty() {
        format!("{SESSION_COOKIE}={attrs}; Max-Age=0")
    } else {
        format!("{SESSION_COOKIE}={}{attrs}", ids.join("."))
    }
}
