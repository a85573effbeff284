//! The auth client: sign-in by redirect, silent token acquisition, sign-out.
//!
//! Everything it touches is injected ([`Environment`]): the HTTP client (a closure), the
//! clock, the CSPRNG and three storages (tokens and accounts: as configured; sign-in
//! records: per tab; discovery: shared). Native tests run the whole flow with fakes; the
//! browser wires in `fetch`, `Date.now()`, `crypto.getRandomValues` and Web Storage.
//!
//! Invariants:
//! - tokens for a tenant's resources come from `{authority-host}/{tenant}`, never from
//!   `organizations` (ADT rejects other tenants' tokens);
//! - concurrent [`AuthClient::acquire_token_silent`] calls for the same account, tenant and
//!   scopes share one network request;
//! - the refresh token's sign-in time is kept through rotation, so the 24-hour SPA limit
//!   counts from the interactive sign-in;
//! - no token, code or verifier is ever formatted into an error, a log line or a URL.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures::FutureExt;
use futures::future::Shared;
use serde_json::Value;

use super::accounts::{Account, Accounts};
use super::admin_consent::{self, ConsentOutcome, ConsentRequests};
use super::cache::{CacheKey, HomeAccountId, ScopeSet, Secret, TokenCache};
use super::discovery::{self, Discovered, DiscoveryCache, DiscoveryError, Metadata};
use super::errors::SignInError;
use super::http::{HttpClient, HttpRequest, HttpResponse, NetworkError, header};
use super::id_token::{self, Expectations, IdTokenClaims, IdTokenError, Jwks};
use super::response::{self, AuthorizationResponse, ResponseError};
use super::return_path::ReturnPath;
use super::storage::{Storage, StorageError};
use super::transaction::{
    InteractionLock, LockError, RANDOM_BYTES, TransactionError, Transactions,
};
use crate::config::{Authority, RuntimeConfig};
use crate::ids::TenantId;
use crate::json;

/// Scopes every sign-in and refresh asks for besides the resource's.
pub const OIDC_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];
/// Azure Resource Manager, on behalf of the user.
pub const ARM_SCOPE: &str = "https://management.azure.com/user_impersonation";
/// Azure Digital Twins data plane.
pub const ADT_SCOPE: &str = "https://digitaltwins.azure.net/.default";

/// Fills a buffer from a CSPRNG (`crypto.getRandomValues` in the browser).
pub type RandomSource = Rc<dyn Fn(&mut [u8])>;

/// What the client is given.
#[derive(Clone)]
pub struct Environment {
    pub http: HttpClient,
    /// Seconds since the Unix epoch.
    pub now: Rc<dyn Fn() -> i64>,
    /// Fills the buffer from a CSPRNG.
    pub random: RandomSource,
    /// Tokens and accounts (session, local or memory storage, as configured).
    pub tokens: Rc<dyn Storage>,
    /// This tab's sign-in records and interaction lock (sessionStorage).
    pub session: Rc<dyn Storage>,
    /// Discovery and keys (localStorage: shared by tabs, kept across reloads).
    pub shared: Rc<dyn Storage>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Environment { .. }")
    }
}

/// Every way an auth operation can fail, each with what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The identity platform said no; [`SignInError::next_step`] tells the UI what to offer.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    Response(#[from] ResponseError),
    #[error(transparent)]
    Transaction(#[from] TransactionError),
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// RFC 9207: the response names an issuer other than the one this sign-in went to.
    #[error(
        "the sign-in response comes from `{found}`, not from the identity platform this sign-in was sent to; it was refused"
    )]
    IssuerParameterMismatch { found: String },
    /// No usable refresh token: the user must sign in (again).
    #[error("{0}")]
    InteractionRequired(InteractionReason),
    /// The token endpoint answered something that is not a token response.
    #[error("the identity platform's answer could not be read: {0}")]
    MalformedTokenResponse(String),
    /// The account is not (or no longer) signed in here.
    #[error("that account is not signed in here")]
    UnknownAccount,
}

/// Why a silent request needs the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionReason {
    NotSignedIn,
    /// The 24-hour SPA session has run out.
    SessionExpired,
    /// The user signed out in another tab or window of the app.
    SignedOutElsewhere,
}

impl std::fmt::Display for InteractionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotSignedIn => "you are not signed in; please sign in",
            Self::SessionExpired => {
                "your sign-in has lasted 24 hours, the limit; please sign in again"
            }
            Self::SignedOutElsewhere => "you signed out in another tab or window",
        })
    }
}

/// An access token handed to a caller: cheap to clone, never printed.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub secret: Rc<Secret>,
    pub expires_at: i64,
}

/// Options for an interactive sign-in.
#[derive(Debug, Clone, Default)]
pub struct SignInOptions {
    pub return_path: Option<ReturnPath>,
    /// Sign in at this tenant instead of the configured authority (e.g. a guest tenant).
    pub tenant: Option<TenantId>,
    pub login_hint: Option<String>,
    /// `select_account`, `login` or `consent`.
    pub prompt: Option<String>,
}

/// A sign-in that did not complete: why, and where it was going if the response was
/// recognised as one of ours (`None`: unreadable, forged or unknown responses, which go
/// to the start page).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct SignInFailure {
    pub error: AuthError,
    pub return_path: Option<ReturnPath>,
}

impl SignInFailure {
    fn unplaced(error: impl Into<AuthError>) -> Self {
        Self {
            error: error.into(),
            return_path: None,
        }
    }
}

/// A completed sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account: Account,
    pub return_path: ReturnPath,
}

/// The token endpoint's answer (RFC 6749 §5.1) with Entra's `id_token` and `client_info`.
struct TokenGrant {
    access_token: String,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    /// Space-delimited.
    scope: Option<String>,
    id_token: Option<String>,
    client_info: Option<String>,
}

/// Redacted: it holds tokens.
impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenGrant {
    /// Reads the members it knows; `token_type` is required by RFC 6749 (any value is
    /// accepted, as Entra sends `Bearer`).
    fn read(answer: &Value) -> Result<Self, String> {
        let text = |name| member(answer, name, Value::as_str).map(|t| t.map(str::to_owned));
        text("token_type")?.ok_or("missing field `token_type`")?;
        Ok(Self {
            access_token: text("access_token")?.ok_or("missing field `access_token`")?,
            expires_in: member(answer, "expires_in", Value::as_u64)?,
            refresh_token: text("refresh_token")?,
            scope: text("scope")?,
            id_token: text("id_token")?,
            client_info: text("client_info")?,
        })
    }

    fn scopes(&self) -> Vec<&str> {
        self.scope
            .as_deref()
            .map(|s| s.split(' ').collect())
            .unwrap_or_default()
    }
}

/// A member of a JSON object, read as serde's derive would: `None` when absent or `null`,
/// an error when of another type (or when `answer` is not an object).
fn member<'a, T>(
    answer: &'a Value,
    name: &str,
    read: fn(&'a Value) -> Option<T>,
) -> Result<Option<T>, String> {
    let Value::Object(members) = answer else {
        return Err("the answer is not a JSON object".to_owned());
    };
    match members.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value)
            .map(Some)
            .ok_or_else(|| format!("`{name}` has the wrong type")),
    }
}

type SharedTokenFuture = Shared<Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>>>>>;

/// The auth client. Held in an `Rc`: silent requests in flight keep it alive.
pub struct AuthClient {
    config: RuntimeConfig,
    env: Environment,
    tokens: TokenCache<Rc<dyn Storage>>,
    accounts: Accounts<Rc<dyn Storage>>,
    transactions: Transactions<Rc<dyn Storage>>,
    lock: InteractionLock<Rc<dyn Storage>>,
    discovery: DiscoveryCache<Rc<dyn Storage>>,
    /// Token requests under way, by cache key (sorted: [`crate::sorted`]).
    in_flight: RefCell<Vec<(CacheKey, SharedTokenFuture)>>,
}

impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClient")
            .field("authority", &self.config.authority.to_string())
            .finish_non_exhaustive()
    }
}

impl AuthClient {
    pub fn new(config: RuntimeConfig, env: Environment) -> Rc<Self> {
        Rc::new(Self {
            tokens: TokenCache::new(env.tokens.clone()),
            accounts: Accounts::new(env.tokens.clone()),
            transactions: Transactions::new(env.session.clone()),
            lock: InteractionLock::new(env.session.clone()),
            discovery: DiscoveryCache::new(env.shared.clone()),
            in_flight: RefCell::new(Vec::new()),
            config,
            env,
        })
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// The configured storage that holds tokens and accounts (for what lives and goes with
    /// them, such as the organisations' names).
    pub fn token_storage(&self) -> Rc<dyn Storage> {
        self.env.tokens.clone()
    }

    fn now(&self) -> i64 {
        (self.env.now)()
    }

    // ---- discovery ------------------------------------------------------------------

    async fn get_text(&self, url: &str) -> Result<(u16, String), AuthError> {
        let request = HttpRequest::get(url).header(header::ACCEPT, "application/json");
        let response = (self.env.http)(request).await?;
        Ok((
            response.status,
            String::from_utf8_lossy(&response.body).into_owned(),
        ))
    }

    /// Metadata and keys of the configured authority: from storage when fresh (no request),
    /// else fetched (two requests) and kept. `refresh` forces a fetch (unknown `kid`).
    pub async fn discovered(&self, refresh: bool) -> Result<Discovered, AuthError> {
        let authority = &self.config.authority;
        let now = self.now();
        if !refresh && let Some(found) = self.discovery.get(authority, now) {
            return Ok(found);
        }
        let (status, text) = self.get_text(&discovery::discovery_url(authority)).await?;
        if status != 200 {
            return Err(DiscoveryError::HttpStatus { status }.into());
        }
        let metadata = Metadata::from_json(&text, authority)?;
        let (status, jwks_text) = self.get_text(&metadata.jwks_uri).await?;
        if status != 200 {
            return Err(DiscoveryError::HttpStatus { status }.into());
        }
        let jwks = Jwks::from_json(&jwks_text).map_err(DiscoveryError::from)?;
        self.discovery.put(authority, &text, &jwks_text, now);
        Ok(Discovered {
            metadata,
            jwks,
            jwks_text,
            fetched_at: now,
        })
    }

    /// Validates an ID token, fetching the keys again once if it names an unknown key.
    async fn validate_id_token(
        &self,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, AuthError> {
        let mut discovered = self.discovered(false).await?;
        for attempt in 0..2 {
            let expect = Expectations {
                issuer: &discovered.metadata.issuer,
                client_id: &self.config.client_id,
                nonce,
                now: self.now(),
                tenant_allow_list: &self.config.tenant_allow_list,
            };
            match id_token::validate(token, &discovered.jwks, &expect).await {
                Err(IdTokenError::UnknownKey(_)) if attempt == 0 => {
                    discovered = self.discovered(true).await?;
                }
                other => return other.map_err(AuthError::from),
            }
        }
        Err(AuthError::IdToken(IdTokenError::BadSignature))
    }

    // ---- interactive sign-in ----------------------------------------------------------

    fn sign_in_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = OIDC_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        if self.config.arm_discovery {
            scopes.push(ARM_SCOPE.to_owned());
        }
        scopes
    }

    fn redirect_url(&self) -> String {
        self.config.redirect_uri.to_string()
    }

    /// Starts a sign-in: takes the interaction lock, records `state`, `nonce` and the PKCE
    /// verifier for this tab, and returns the authorize URL to navigate to.
    pub async fn begin_sign_in(&self, options: SignInOptions) -> Result<String, AuthError> {
        let discovered = self.discovered(false).await?;
        let now = self.now();
        self.lock.acquire(now)?;
        let authority = match &options.tenant {
            Some(t) => self.config.authority.for_tenant(t),
            None => self.config.authority.clone(),
        };
        let mut random = [0u8; RANDOM_BYTES];
        (self.env.random)(&mut random);
        let return_path = options.return_path.clone().unwrap_or_else(ReturnPath::home);
        let redirect = match self.transactions.begin(
            &random,
            &return_path,
            &authority.tenant().to_string(),
            now,
        ) {
            Ok(r) => r,
            Err(e) => {
                self.lock.release();
                return Err(e.into());
            }
        };
        // Without WebCrypto no ID token could be checked on return either: said now, before
        // the person leaves.
        let code_challenge = match redirect.verifier.challenge().await {
            Ok(challenge) => challenge,
            Err(_) => {
                self.lock.release();
                return Err(IdTokenError::NoWebCrypto.into());
            }
        };
        let endpoint = retarget(
            &discovered.metadata.authorization_endpoint,
            &self.config.authority,
            &authority,
        );
        // The endpoint is a checked URL without query or fragment (`discovery`).
        let (client_id, redirect_uri) = (self.config.client_id.to_string(), self.redirect_url());
        let scopes = self.sign_in_scopes().join(" ");
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("state", redirect.state.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("scope", scopes.as_str()),
            ("code_challenge", code_challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("nonce", redirect.nonce.as_str()),
            ("response_mode", "fragment"),
            ("client_info", "1"),
        ];
        if let Some(hint) = &options.login_hint {
            params.push(("login_hint", hint.as_str()));
        }
        if let Some(prompt) = &options.prompt {
            params.push(("prompt", prompt.as_str()));
        }
        Ok(format!("{endpoint}?{}", form_encode(&params)))
    }

    /// Handles the page URL's query or fragment after the redirect back. `Ok(None)`: the
    /// URL is not a sign-in response. The interaction lock is released either way.
    pub async fn complete_sign_in(&self, raw: &str) -> Result<Option<SignedIn>, AuthError> {
        self.finish_sign_in(raw).await.map_err(|f| f.error)
    }

    /// [`AuthClient::complete_sign_in`], and on failure also where that sign-in was going
    /// when the response's `state` was one of ours (so the page the user asked for can say
    /// what went wrong and offer to try again, instead of the start page).
    pub async fn finish_sign_in(&self, raw: &str) -> Result<Option<SignedIn>, SignInFailure> {
        let parsed = response::parse(raw);
        let response = match parsed {
            Ok(None) => return Ok(None),
            Ok(Some(r)) => r,
            Err(e) => {
                // Refused unread: the sign-in it answers (if any) is over, so its record goes now.
                self.lock.release();
                self.transactions.discard_all();
                return Err(SignInFailure::unplaced(e));
            }
        };
        self.lock.release();
        let now = self.now();
        let completed = self
            .transactions
            .complete(response.state(), now)
            .map_err(|error| SignInFailure {
                return_path: match &error {
                    TransactionError::AlreadyAnswered(path) => Some(path.clone()),
                    _ => None,
                },
                error: error.into(),
            })?;
        let return_path = completed.return_path.clone();
        self.exchange(response, completed, now)
            .await
            .map(Some)
            .map_err(|error| SignInFailure {
                error,
                return_path: Some(return_path),
            })
    }

    /// The rest of a sign-in once its record is taken: the `iss` check, then the code for
    /// tokens, the ID token's checks and the account.
    async fn exchange(
        &self,
        response: AuthorizationResponse,
        completed: super::transaction::Completed,
        now: i64,
    ) -> Result<SignedIn, AuthError> {
        let discovered = self.discovered(false).await?;
        let issuer_tenant = check_iss_parameter(response.iss(), &discovered.metadata.issuer)?;
        let code = match response {
            AuthorizationResponse::Error {
                error, description, ..
            } => return Err(SignInError::from_entra(&error, &description, None).into()),
            AuthorizationResponse::Code { code, .. } => code,
        };
        let authority = match TenantId::parse(&completed.authority_tenant) {
            Ok(t) => self.config.authority.for_tenant(&t),
            Err(_) => self.config.authority.clone(),
        };
        let endpoint = retarget(
            &discovered.metadata.token_endpoint,
            &self.config.authority,
            &authority,
        );
        let (client_id, redirect_uri) = (self.config.client_id.to_string(), self.redirect_url());
        let token = self
            .token_grant(
                &endpoint,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("code_verifier", completed.verifier.secret()),
                    ("client_id", &client_id),
                    ("redirect_uri", &redirect_uri),
                ],
            )
            .await?;
        let id_token = token
            .id_token
            .clone()
            .ok_or_else(|| AuthError::MalformedTokenResponse("no ID token".to_owned()))?;
        let claims = self
            .validate_id_token(&id_token, Some(&completed.nonce))
            .await?;
        if let Some(tenant) = issuer_tenant
            && tenant != claims.tenant
        {
            return Err(AuthError::IssuerParameterMismatch {
                found: response_issuer(&discovered.metadata, &tenant),
            });
        }
        let home = token
            .client_info
            .as_deref()
            .and_then(HomeAccountId::from_client_info)
            .unwrap_or_else(|| HomeAccountId::new(&claims.object_id, &claims.tenant));
        let home_tenant = home.home_tenant().unwrap_or_else(|| claims.tenant.clone());
        let mut account = self
            .accounts
            .get(&home)
            .unwrap_or_else(|| Account::from_sign_in(home.clone(), home_tenant, &claims));
        account.record_tenant(&claims);
        self.accounts.put(&account)?;
        self.accounts.set_active(&home)?;
        self.store_tokens(&home, &claims.tenant, &token, Some(now))?;
        Ok(SignedIn {
            account,
            return_path: completed.return_path,
        })
    }

    // ---- admin consent ----------------------------------------------------------------

    /// The admin-consent link for `tenant_segment` (a tenant GUID, or `organizations` for
    /// the administrator's own), carrying a `state` recorded in shared storage so that the
    /// answer can be recognised and explained ([`AuthClient::read_admin_consent`]).
    pub fn admin_consent_link(&self, tenant_segment: &str) -> Result<String, AuthError> {
        let mut random = [0u8; 16];
        (self.env.random)(&mut random);
        let state = self
            .consent_requests()
            .begin(&random, tenant_segment, self.now())?;
        let url = super::errors::admin_consent_url(
            self.config.authority.host(),
            tenant_segment,
            self.config.client_id.as_str(),
            &self.config.redirect_uri.to_string(),
        );
        Ok(format!("{url}&state={}", encode_component(&state)))
    }

    /// The admin-consent answer in the page URL's query or fragment, if it is one (see
    /// [`super::admin_consent`]). `name_of` gives a tenant's name when it is already known.
    pub fn read_admin_consent(
        &self,
        raw: &str,
        name_of: impl Fn(&TenantId) -> Option<String>,
    ) -> Option<ConsentOutcome> {
        let answer = admin_consent::parse(raw)?;
        let request = answer
            .state
            .as_deref()
            .and_then(|s| self.consent_requests().take(s, self.now()));
        let known = request
            .as_ref()
            .and_then(|r| TenantId::parse(&r.tenant_segment).ok())
            .and_then(|t| name_of(&t));
        Some(admin_consent::outcome(&answer, request.as_ref(), known))
    }

    fn consent_requests(&self) -> ConsentRequests<Rc<dyn Storage>> {
        ConsentRequests::new(self.env.shared.clone())
    }

    /// A grant at the token endpoint (RFC 6749 §4.1.3, §6): the form `params`, answered
    /// with tokens, or with an error that says what the user can do.
    async fn token_grant(
        &self,
        endpoint: &str,
        params: &[(&str, &str)],
    ) -> Result<TokenGrant, AuthError> {
        let request = HttpRequest::post(endpoint)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .with_body(form_encode(params).into_bytes());
        let response = (self.env.http)(request).await?;
        read_token_answer(&response)
    }

    /// Keeps the access token (under the granted resource scopes) and the refresh token.
    /// `signed_in_at`: `Some` for an interactive sign-in, `None` to keep the original time.
    fn store_tokens(
        &self,
        home: &HomeAccountId,
        tenant: &TenantId,
        token: &TokenGrant,
        signed_in_at: Option<i64>,
    ) -> Result<(), AuthError> {
        let now = self.now();
        let scopes = ScopeSet::new(token.scopes());
        let expires_in = token.expires_in.map_or(0, |s| s as i64);
        if !scopes.is_empty() {
            let key = CacheKey {
                account: home.clone(),
                tenant: tenant.clone(),
                scopes,
            };
            let secret = Secret::new(token.access_token.clone());
            self.tokens
                .put_access_token(&key, &secret, expires_in, now)?;
        }
        if let Some(rt) = &token.refresh_token {
            let since = match signed_in_at {
                Some(t) => t,
                None => self
                    .tokens
                    .refresh_token(home, now)
                    .map_or(now, |old| old.signed_in_at),
            };
            self.tokens
                .put_refresh_token(home, &Secret::new(rt.clone()), since)?;
        }
        Ok(())
    }

    // ---- silent -----------------------------------------------------------------------

    /// A token for `scopes` in `tenant`: from the cache, else by the refresh-token grant at
    /// `{authority-host}/{tenant}`, else [`AuthError::InteractionRequired`]. Concurrent
    /// calls with the same key share one request.
    pub async fn acquire_token_silent(
        self: &Rc<Self>,
        account: &HomeAccountId,
        tenant: &TenantId,
        scopes: &ScopeSet,
    ) -> Result<AccessToken, AuthError> {
        let key = CacheKey {
            account: account.clone(),
            tenant: tenant.clone(),
            scopes: scopes.clone(),
        };
        if let Some(cached) = self.tokens.access_token(&key, self.now()) {
            return Ok(AccessToken {
                secret: Rc::new(cached.token),
                expires_at: cached.expires_at,
            });
        }
        let existing = crate::sorted::get(&self.in_flight.borrow(), &key).cloned();
        let shared = match existing {
            Some(f) => f,
            None => {
                let this = Rc::clone(self);
                let k = key.clone();
                let fut: Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>>>> =
                    Box::pin(async move {
                        let result = this.refresh(&k).await;
                        crate::sorted::remove(&mut this.in_flight.borrow_mut(), &k);
                        result
                    });
                let shared = fut.shared();
                crate::sorted::upsert(
                    &mut self.in_flight.borrow_mut(),
                    key.clone(),
                    shared.clone(),
                );
                shared
            }
        };
        shared.await
    }

    async fn refresh(&self, key: &CacheKey) -> Result<AccessToken, AuthError> {
        let now = self.now();
        if self.accounts.get(&key.account).is_none() {
            return Err(AuthError::UnknownAccount);
        }
        let Some(rt) = self.tokens.refresh_token(&key.account, now) else {
            return Err(AuthError::InteractionRequired(
                InteractionReason::SessionExpired,
            ));
        };
        let discovered = self.discovered(false).await?;
        let endpoint = discovered
            .metadata
            .token_endpoint_for(&self.config.authority, &key.tenant);
        let scope_string = key.scopes.to_scope_string();
        let mut scopes: Vec<&str> = scope_string.split(' ').filter(|s| !s.is_empty()).collect();
        scopes.extend(OIDC_SCOPES);
        let scopes = scopes.join(" ");
        let client_id = self.config.client_id.to_string();
        let result = self
            .token_grant(
                &endpoint,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.token.expose()),
                    ("scope", &scopes),
                    ("client_id", &client_id),
                ],
            )
            .await;
        let token = match result {
            Ok(t) => t,
            Err(error) => {
                if matches!(
                    &error,
                    AuthError::SignIn(SignInError::SessionExpired { .. })
                ) {
                    self.tokens.remove_account(&key.account);
                }
                return Err(error);
            }
        };
        if let Some(id_token) = token.id_token.clone() {
            let claims = self.validate_id_token(&id_token, None).await?;
            if claims.tenant != key.tenant {
                return Err(AuthError::IdToken(IdTokenError::IssuerMismatch {
                    expected: discovered.metadata.issuer_for(&key.tenant),
                    found: claims.issuer,
                }));
            }
            if let Some(mut account) = self.accounts.get(&key.account) {
                account.record_tenant(&claims);
                self.accounts.put(&account)?;
            }
        }
        let expires_in = token.expires_in.map_or(0, |s| s as i64);
        let secret = Secret::new(token.access_token.clone());
        self.tokens
            .put_access_token(key, &secret, expires_in, now)?;
        if let Some(rt) = &token.refresh_token {
            self.tokens.put_refresh_token(
                &key.account,
                &Secret::new(rt.clone()),
                self.tokens
                    .refresh_token(&key.account, now)
                    .map_or(now, |old| old.signed_in_at),
            )?;
        }
        Ok(AccessToken {
            secret: Rc::new(secret),
            expires_at: now + expires_in,
        })
    }

    // ---- accounts and sign-out --------------------------------------------------------

    pub fn accounts(&self) -> Vec<Account> {
        self.accounts.all()
    }

    pub fn active_account(&self) -> Option<Account> {
        self.accounts.active_account()
    }

    pub fn set_active(&self, home: &HomeAccountId) -> Result<(), AuthError> {
        if self.accounts.get(home).is_none() {
            return Err(AuthError::UnknownAccount);
        }
        Ok(self.accounts.set_active(home)?)
    }

    /// When this account's 24-hour session ends, if it has one.
    pub fn session_ends_at(&self, home: &HomeAccountId) -> Option<i64> {
        self.tokens.session_ends_at(home, self.now())
    }

    /// Forgets one account locally (tokens and profile).
    pub fn forget(&self, home: &HomeAccountId) -> Result<(), AuthError> {
        self.tokens.remove_account(home);
        self.accounts.remove(home)?;
        Ok(())
    }

    /// Forgets every account locally.
    pub fn forget_all(&self) {
        self.tokens.clear();
        self.accounts.clear();
    }

    /// The end-session URL to navigate to after forgetting the account(s), with the app's
    /// own origin as the post-logout redirect.
    pub async fn end_session_url(
        &self,
        hint: Option<&Account>,
    ) -> Result<Option<String>, AuthError> {
        let discovered = self.discovered(false).await?;
        let Some(endpoint) = discovered.metadata.end_session_endpoint else {
            return Ok(None);
        };
        let post_logout = self.config.redirect_uri.to_string();
        let mut url = format!(
            "{endpoint}?post_logout_redirect_uri={}",
            encode_component(&post_logout)
        );
        if let Some(account) = hint
            && !account.username.is_empty()
        {
            url.push_str("&logout_hint=");
            url.push_str(&encode_component(&account.username));
        }
        Ok(Some(url))
    }

    /// Clears a lock and sign-in records left by an abandoned redirect (back button).
    pub fn recover_abandoned_sign_in(&self) {
        self.lock.release();
        self.transactions.sweep(self.now());
    }
}

/// `endpoint` of the configured authority, moved to `target`'s tenant segment.
fn retarget(endpoint: &str, configured: &Authority, target: &Authority) -> String {
    if configured == target {
        return endpoint.to_owned();
    }
    let from = format!("/{}/", configured.tenant());
    let to = format!("/{}/", target.tenant());
    endpoint.replacen(&from, &to, 1)
}

/// RFC 9207: an `iss` in the response must be the issuer template with a tenant GUID in it.
/// Returns that tenant, to be compared with the ID token's.
fn check_iss_parameter(iss: Option<&str>, template: &str) -> Result<Option<TenantId>, AuthError> {
    let Some(iss) = iss else {
        return Ok(None);
    };
    let mismatch = || AuthError::IssuerParameterMismatch {
        found: iss.to_owned(),
    };
    match template.split_once(id_token::TENANT_PLACEHOLDER) {
        None if iss == template => Ok(None),
        None => Err(mismatch()),
        Some((before, after)) => {
            let middle = iss
                .strip_prefix(before)
                .and_then(|r| r.strip_suffix(after))
                .ok_or_else(mismatch)?;
            TenantId::parse(middle).map(Some).map_err(|_| mismatch())
        }
    }
}

fn response_issuer(metadata: &Metadata, tenant: &TenantId) -> String {
    metadata.issuer_for(tenant)
}

/// Reads the token endpoint's answer as RFC 6749 §5 has it: 200 with a JSON token response,
/// anything else with a JSON error (`error`, `error_description`) read into a [`SignInError`].
fn read_token_answer(response: &HttpResponse) -> Result<TokenGrant, AuthError> {
    let malformed = |s: String| AuthError::MalformedTokenResponse(s);
    let body = &response.body;
    if response.status != 200 {
        if body.is_empty() {
            return Err(malformed("server returned empty error response".to_owned()));
        }
        let answer = json::parse(body).map_err(|e| malformed(e.to_string()))?;
        let text = |name| member(&answer, name, Value::as_str).map_err(malformed);
        let error = text("error")?.ok_or_else(|| malformed("missing field `error`".into()))?;
        return Err(SignInError::from_entra(
            error,
            text("error_description")?.unwrap_or_default(),
            None,
        )
        .into());
    }
    // Media types are case-insensitive and may carry parameters (RFC 7231 §3.1.1.1).
    if let Some(content_type) = response.headers.get(header::CONTENT_TYPE)
        && !content_type
            .to_ascii_lowercase()
            .starts_with("application/json")
    {
        return Err(malformed(format!(
            "unexpected response Content-Type: {content_type:?}, should be `application/json`"
        )));
    }
    if body.is_empty() {
        return Err(malformed("server returned empty response body".to_owned()));
    }
    let answer = json::parse(body).map_err(|e| malformed(e.to_string()))?;
    TokenGrant::read(&answer).map_err(malformed)
}

/// `application/x-www-form-urlencoded` (the token request's body, the authorize URL's query):
/// alphanumerics and `*-._` as they are, space as `+`, every other byte `%XX`.
fn form_encode(params: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode_into(&mut out, name);
        out.push('=');
        form_encode_into(&mut out, value);
    }
    out
}

fn form_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    #[test]
    fn the_iss_parameter_must_fit_the_issuer_template() {
        assert_eq!(check_iss_parameter(None, TEMPLATE).unwrap(), None);
        let ok = check_iss_parameter(
            Some("https://login.microsoftonline.com/9cfa42f1-3911-49e1-a538-13453e29a36b/v2.0"),
            TEMPLATE,
        )
        .unwrap();
        assert_eq!(ok.unwrap().as_str(), "9cfa42f1-3911-49e1-a538-13453e29a36b");
        for bad in [
            "https://evil.example/9cfa42f1-3911-49e1-a538-13453e29a36b/v2.0",
            "https://login.microsoftonline.com/organizations/v2.0",
            "https://login.microsoftonline.com/9cfa42f1-3911-49e1-a538-13453e29a36b/v2.0/x",
            "",
        ] {
            assert!(
                matches!(
                    check_iss_parameter(Some(bad), TEMPLATE),
                    Err(AuthError::IssuerParameterMismatch { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn endpoints_move_to_the_target_tenant() {
        let orgs = Authority::parse("https://login.microsoftonline.com/organizations").unwrap();
        let t = TenantId::parse("9cfa42f1-3911-49e1-a538-13453e29a36b").unwrap();
        assert_eq!(
            retarget(
                "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
                &orgs,
                &orgs.for_tenant(&t)
            ),
            "https://login.microsoftonline.com/9cfa42f1-3911-49e1-a538-13453e29a36b/oauth2/v2.0/authorize"
        );
    }

    #[test]
    fn forms_are_encoded_as_browsers_and_the_url_crate_encode_them() {
        assert_eq!(
            form_encode(&[
                ("scope", "openid profile https://x.y/.default"),
                ("a*b-c", "é~!")
            ]),
            "scope=openid+profile+https%3A%2F%2Fx.y%2F.default&a*b-c=%C3%A9%7E%21"
        );
        assert_eq!(form_encode(&[]), "");
    }

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> HttpResponse {
        let mut r = HttpResponse::new(status).with_body(body);
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        r
    }

    #[test]
    fn token_answers_are_read_as_rfc_6749_has_them() {
        let ok = read_token_answer(&answer(
            200,
            Some("Application/JSON; charset=utf-8"),
            r#"{"access_token":"a","token_type":"Bearer","expires_in":3599,"scope":"x y","refresh_token":"r","id_token":"i","client_info":"c","ext_expires_in":1}"#,
        ))
        .unwrap();
        assert_eq!(ok.access_token, "a");
        assert_eq!(ok.expires_in, Some(3599));
        assert_eq!(ok.scopes(), ["x", "y"]);
        assert_eq!(ok.refresh_token.as_deref(), Some("r"));
        assert_eq!(ok.id_token.as_deref(), Some("i"));
        assert_eq!(ok.client_info.as_deref(), Some("c"));
        let bare = read_token_answer(&answer(
            200,
            None,
            r#"{"access_token":"a","token_type":"x"}"#,
        ))
        .unwrap();
        assert!(bare.scopes().is_empty() && bare.expires_in.is_none());
        for malformed in [
            answer(200, Some("text/html"), "{}"),
            answer(200, Some("application/json"), ""),
            answer(200, None, r#"{"token_type":"Bearer"}"#),
            answer(200, None, r#"{"access_token":"a"}"#),
            answer(400, None, ""),
            answer(400, None, "<html>"),
        ] {
            assert!(
                matches!(
                    read_token_answer(&malformed),
                    Err(AuthError::MalformedTokenResponse(_))
                ),
                "{:?}",
                String::from_utf8_lossy(&malformed.body)
            );
        }
        let refused = read_token_answer(&answer(
            400,
            Some("application/json"),
            r#"{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired."}"#,
        ));
        assert!(matches!(refused, Err(AuthError::SignIn(_))), "{refused:?}");
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(
            encode_component("http://a.b/x y"),
            "http%3A%2F%2Fa.b%2Fx%20y"
        );
    }
}
