//! The auth client wired into the browser and the UI: one [`Session`] per page, in context.
//!
//! On start it reads what the address bar brought back: the way back from the identity
//! platform's sign-out (this tab left a note: the user lands on "You are signed out"), an
//! admin-consent answer (granted: the start page says so; refused: the onboarding page says
//! who has to approve), or a sign-in response (state stays [`AuthState::Resolving`]
//! meanwhile, then the code is removed from the address bar and the user lands where they
//! were going, also when the sign-in failed and the response was ours). Otherwise it reads
//! the signed-in accounts from storage. Sign-out is announced on a `BroadcastChannel`, so
//! every tab of the app signs out together.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::auth::accounts::{Account, TenantProfile};
use crate::auth::admin_consent::ConsentOutcome;
use crate::auth::cache::{HomeAccountId, ScopeSet};
use crate::auth::client::{AccessToken, AuthClient, AuthError, Environment, SignInOptions};
use crate::auth::http::browser_fetch;
use crate::auth::return_path::ReturnPath;
use crate::auth::state::{self, AuthState};
use crate::auth::storage::{ConfiguredStorage, Storage, StorageError, WebStorage};
use crate::auth::transaction::TransactionError;
use crate::config::RuntimeConfig;
use crate::ids::TenantId;
use crate::json;

/// The channel tabs announce sign-outs on.
pub const CHANNEL: &str = "twinscope.auth";
/// The app's own page after signing out.
pub const SIGNED_OUT_PATH: &str = "/signed-out";
/// This tab's note (sessionStorage) that it left for the identity platform's sign-out: who
/// signed out and when. Read once on the way back.
const SIGNED_OUT_NOTE: &str = "twinscope.signed-out";
/// How long the way back from the identity platform's sign-out may take.
const SIGNED_OUT_NOTE_SECONDS: i64 = 10 * 60;

/// Replaces the current history entry with a path.
type Navigate = Rc<dyn Fn(&str)>;

/// Keeps what a page holds unsaved (in this tab's sessionStorage, under [`DRAFT_PREFIX`]) for
/// the account whose session the identity platform just ended.
type Keeper = Rc<dyn Fn(&HomeAccountId)>;

/// The start of every sessionStorage key under which a page keeps unsaved edits through a
/// sign-in the identity platform forced ([`Session::keep_through_sign_in`]).
pub const DRAFT_PREFIX: &str = "twinscope.draft.";

/// Supplies a bearer token on demand (acquired silently, cached, merged).
pub type TokenProvider =
    Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>>>>>;

/// The page's sign-in session. `Copy`: the client lives in Leptos's local arena.
#[derive(Clone, Copy)]
pub struct Session {
    client: StoredValue<Rc<AuthClient>, LocalStorage>,
    channel: StoredValue<Option<web_sys::BroadcastChannel>, LocalStorage>,
    navigate: StoredValue<Navigate, LocalStorage>,
    pub state: RwSignal<AuthState>,
    /// Seconds since the epoch, ticking once a minute (drives the session notice).
    pub now: RwSignal<i64>,
    /// Set from the click on "Sign out" until the tab leaves for the identity platform: no
    /// page may start a sign-in meanwhile.
    signing_out: RwSignal<bool>,
    /// Who signed out last in this tab (for "You are signed out").
    pub signed_out: RwSignal<Vec<String>>,
    /// The admin-consent answer this page was opened with, if any.
    pub consent: RwSignal<Option<ConsentOutcome>>,
    /// What the pages on screen keep if the session ends under them (numbered, to go with
    /// their owner).
    keepers: StoredValue<Vec<(u32, Keeper)>, LocalStorage>,
    /// The tab is leaving for a sign-in with what the pages hold kept: nothing to ask about.
    kept_for_sign_in: StoredValue<bool>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session { .. }")
    }
}

/// Which accounts to sign out.
#[derive(Debug, Clone)]
pub enum SignOut {
    One(HomeAccountId),
    All,
}

fn now_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn browser_environment(config: &RuntimeConfig) -> Result<Environment, StorageError> {
    let tokens: Rc<dyn Storage> = Rc::new(ConfiguredStorage::for_location(config.cache_location)?);
    let session: Rc<dyn Storage> = Rc::new(WebStorage::session()?);
    let shared: Rc<dyn Storage> = Rc::new(WebStorage::local()?);
    Ok(Environment {
        http: Rc::new(browser_fetch),
        now: Rc::new(now_seconds),
        random: Rc::new(|buf: &mut [u8]| {
            if getrandom::getrandom(buf).is_err() {
                // Without a CSPRNG there is no safe sign-in; fail loudly rather than weakly.
                panic!("the browser's crypto.getRandomValues is unavailable");
            }
        }),
        tokens,
        session,
        shared,
    })
}

impl Session {
    /// Creates the session, provides it as context, and starts resolving the auth state.
    /// Call inside the router (it navigates to the return path after sign-in).
    pub fn start(config: RuntimeConfig) -> Result<Self, StorageError> {
        let client = AuthClient::new(config.clone(), browser_environment(&config)?);
        let channel = web_sys::BroadcastChannel::new(CHANNEL).ok();
        let router_navigate = leptos_router::hooks::use_navigate();
        // Replaces the current history entry, so `code` and `state` leave the address bar
        // and the back button does not return to them.
        let navigate: Rc<dyn Fn(&str)> = Rc::new(move |path: &str| {
            router_navigate(
                path,
                leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            )
        });
        let session = Self {
            client: StoredValue::new_local(client),
            channel: StoredValue::new_local(channel),
            navigate: StoredValue::new_local(navigate),
            state: RwSignal::new(AuthState::Resolving),
            now: RwSignal::new(now_seconds()),
            signing_out: RwSignal::new(false),
            signed_out: RwSignal::new(Vec::new()),
            consent: RwSignal::new(None),
            keepers: StoredValue::new_local(Vec::new()),
            kept_for_sign_in: StoredValue::new(false),
        };
        provide_context(session);
        session.listen_for_other_tabs();
        session.tick();
        session.resolve();
        Ok(session)
    }

    fn client(&self) -> Rc<AuthClient> {
        self.client.get_value()
    }

    /// Re-reads the accounts from storage.
    pub fn refresh(&self) {
        let client = self.client();
        self.state.set(state::from_accounts(
            client.active_account(),
            client.accounts(),
            |a| client.session_ends_at(&a.home),
        ));
    }

    /// Re-reads the accounts; if none is left, signed out with `problem` as the reason.
    fn refresh_or_signed_out(&self, problem: AuthError) {
        self.refresh();
        if self.state.with_untracked(|s| s.account().is_none()) {
            self.state.set(AuthState::SignedOut {
                problem: Some(problem),
            });
        }
    }

    fn resolve(&self) {
        let this = *self;
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let hash = location.hash().unwrap_or_default();
        let search = location.search().unwrap_or_default();
        let raw = if hash.len() > 1 { hash } else { search };
        let client = self.client();
        let path = location.pathname().unwrap_or_default();
        if path == self.config().redirect_uri.path()
            && let Some(who) = take_signed_out_note(now_seconds())
        {
            // Back from the identity platform's sign-out.
            client.recover_abandoned_sign_in();
            self.refresh();
            self.signed_out.set(who);
            (self.navigate.get_value())(SIGNED_OUT_PATH);
            return;
        }
        let names = crate::tenants::NameBook::load(&*client.token_storage());
        if let Some(outcome) = client.read_admin_consent(&raw, |t| names.label(t)) {
            // Back from the admin-consent endpoint: no code, never a sign-in.
            client.recover_abandoned_sign_in();
            self.refresh();
            let next = match &outcome {
                ConsentOutcome::Granted { .. } => "/",
                ConsentOutcome::Refused(_) => "/onboarding",
            };
            self.consent.set(Some(outcome));
            (self.navigate.get_value())(next);
            return;
        }
        spawn_local(async move {
            match client.finish_sign_in(&raw).await {
                Ok(Some(signed_in)) => {
                    this.refresh();
                    (this.navigate.get_value())(signed_in.return_path.as_str());
                }
                Ok(None) => {
                    client.recover_abandoned_sign_in();
                    this.refresh();
                }
                Err(failure) => {
                    log::warn!("sign-in did not complete: {}", failure.error);
                    // Back reached the identity platform's page, which, still signed in,
                    // answered a sign-in completed here once more: the person was going back
                    // past it, so Back goes on (from the page it was for: no code stays in
                    // the history).
                    let answered = matches!(
                        failure.error,
                        AuthError::Transaction(TransactionError::AlreadyAnswered(_))
                    );
                    // A response of ours goes back to the page it was for, which says what
                    // went wrong and offers to try again; anything else to the start page.
                    let back = failure
                        .return_path
                        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
                    let history = web_sys::window().and_then(|w| w.history().ok());
                    if let Some(history) = history.as_ref().filter(|_| answered) {
                        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&back));
                    }
                    (this.navigate.get_value())(&back);
                    // A failed second sign-in keeps the account already signed in.
                    this.refresh_or_signed_out(failure.error);
                    if let Some(history) = history.filter(|_| answered) {
                        let _ = history.back();
                    }
                }
            }
        });
    }

    fn tick(&self) {
        let now = self.now;
        let tick = Closure::<dyn Fn()>::new(move || now.set(now_seconds()));
        if let Some(window) = web_sys::window() {
            let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                30_000,
            );
        }
        tick.forget();
    }

    fn listen_for_other_tabs(&self) {
        let this = *self;
        let Some(channel) = self.channel.get_value() else {
            return;
        };
        let on_message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let client = this.client();
                match text.strip_prefix("signed-out:") {
                    Some("*") => {
                        client.forget_all();
                        client.token_storage().remove(crate::tenants::NAMES_KEY);
                    }
                    Some(home) => {
                        if let Some(home) = HomeAccountId::parse(home) {
                            let _ = client.forget(&home);
                        }
                    }
                    None => return,
                }
                forget_drafts();
                // Say why, and do not start a new sign-in by ourselves.
                this.refresh_or_signed_out(AuthError::InteractionRequired(
                    crate::auth::client::InteractionReason::SignedOutElsewhere,
                ));
            });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
    }

    /// Leaves for the identity platform's sign-in page (not while signing out).
    pub fn sign_in(&self, options: SignInOptions) {
        let this = *self;
        if self.signing_out.get_untracked() {
            return;
        }
        // Coming back to the page it leaves from, the sign-in takes that page's place in the
        // history: Back afterwards goes where the person was before it.
        let to_here = options.return_path.is_some() && options.return_path == current_path();
        spawn_local(async move {
            match this.client().begin_sign_in(options).await {
                Ok(url) => navigate_away(&url, to_here),
                Err(problem) => this.state.set(AuthState::SignedOut {
                    problem: Some(problem),
                }),
            }
        });
    }

    /// Signs in again (same account, back to this page) before the 24 hours run out. What
    /// the page holds unsaved is kept and comes back after it, as after a forced sign-in.
    pub fn sign_in_again(&self) {
        let account = self
            .state
            .with_untracked(|s| s.account().map(|a| (a.home.clone(), a.username.clone())));
        let hint = account.map(|(home, username)| {
            self.keep_drafts(&home);
            self.kept_for_sign_in.set_value(true);
            username
        });
        self.sign_in(SignInOptions {
            return_path: current_path(),
            login_hint: hint,
            ..SignInOptions::default()
        });
    }

    /// Forgets the account(s) here and in every other tab, shows "You are signed out", then
    /// ends the session at the identity platform, which returns to the app; this tab's note
    /// brings the user back to "You are signed out", not to the start page.
    pub fn sign_out(&self, which: SignOut) {
        let this = *self;
        let client = self.client();
        let accounts = client.accounts();
        let hint = match &which {
            SignOut::One(home) => accounts.iter().find(|a| &a.home == home).cloned(),
            SignOut::All => client.active_account(),
        };
        let who: Vec<String> = accounts
            .iter()
            .filter(|a| {
                matches!(&which, SignOut::All) || matches!(&which, SignOut::One(h) if h == &a.home)
            })
            .map(|a| a.username.clone())
            .collect();
        forget_drafts();
        let message = match &which {
            SignOut::One(home) => {
                let _ = client.forget(home);
                format!("signed-out:{}", home.as_str())
            }
            SignOut::All => {
                client.forget_all();
                client.token_storage().remove(crate::tenants::NAMES_KEY);
                "signed-out:*".to_owned()
            }
        };
        if let Some(channel) = self.channel.get_value() {
            let _ = channel.post_message(&message.into());
        }
        // Before the state changes: no page may start a sign-in on its way out.
        self.signing_out.set(true);
        self.signed_out.set(who.clone());
        (self.navigate.get_value())(SIGNED_OUT_PATH);
        this.refresh();
        spawn_local(async move {
            match client.end_session_url(hint.as_ref()).await {
                Ok(Some(url)) => {
                    leave_signed_out_note(&who, now_seconds());
                    navigate_away(&url, false);
                }
                // No end-session endpoint (or no answer): signed out here, and staying.
                _ => this.signing_out.set(false),
            }
        });
    }

    /// Whether the tab is on its way out to the identity platform's sign-out. Reactive.
    pub fn signing_out(&self) -> bool {
        self.signing_out.get()
    }

    /// The admin-consent link for a tenant (or `organizations`), with its own `state`.
    pub fn admin_consent_link(&self, tenant_segment: &str) -> Option<String> {
        self.client()
            .admin_consent_link(tenant_segment)
            .map_err(|e| log::warn!("could not prepare the approval link: {e}"))
            .ok()
    }

    /// The configured storage of tokens and accounts.
    pub fn token_storage(&self) -> Rc<dyn Storage> {
        self.client().token_storage()
    }

    pub fn switch_account(&self, home: &HomeAccountId) {
        if self.client().set_active(home).is_ok() {
            self.refresh();
        }
    }

    /// The active account's profile in `tenant`, acquiring a token there first if the
    /// account has not used that tenant yet (the tenant's ID token carries its roles).
    pub async fn tenant_profile(&self, tenant: &TenantId) -> Result<TenantProfile, AuthError> {
        let client = self.client();
        let account = client.active_account().ok_or(AuthError::UnknownAccount)?;
        if let Some(profile) = account.profile(tenant) {
            return Ok(profile.clone());
        }
        let scope = ScopeSet::new([crate::auth::client::ADT_SCOPE]);
        client
            .acquire_token_silent(&account.home, tenant, &scope)
            .await
            .map_err(|e| self.check(e))?;
        self.refresh();
        client
            .accounts()
            .into_iter()
            .find(|a| a.home == account.home)
            .and_then(|a| a.profile(tenant).cloned())
            .ok_or(AuthError::UnknownAccount)
    }

    /// Tokens for `scope` in `tenant`, for the active account at the time of each call.
    pub fn token_provider(&self, tenant: TenantId, scope: &str) -> TokenProvider {
        let this = *self;
        let scopes = ScopeSet::new([scope]);
        Rc::new(move || {
            let client = this.client();
            let tenant = tenant.clone();
            let scopes = scopes.clone();
            let result = this
                .state
                .with_untracked(|s| s.account().map(|a| a.home.clone()));
            Box::pin(async move {
                let home = result.ok_or(AuthError::UnknownAccount)?;
                client
                    .acquire_token_silent(&home, &tenant, &scopes)
                    .await
                    .map_err(|e| this.check(e))
            })
        })
    }

    /// Tokens for `scope` in `tenant` for one given account (not the active one), without
    /// ending any session on failure: for background work such as listing an account's
    /// organisations.
    pub fn token_provider_for(
        &self,
        home: HomeAccountId,
        tenant: TenantId,
        scope: &str,
    ) -> TokenProvider {
        let this = *self;
        let scopes = ScopeSet::new([scope]);
        Rc::new(move || {
            let client = this.client();
            let (home, tenant, scopes) = (home.clone(), tenant.clone(), scopes.clone());
            Box::pin(async move { client.acquire_token_silent(&home, &tenant, &scopes).await })
        })
    }

    /// While the current owner lives: if the identity platform ends the session (the 24 hours
    /// are up, the session was revoked) before the page is left, `keep` is given the account
    /// first, to put what the page holds unsaved in this tab's sessionStorage (under
    /// [`DRAFT_PREFIX`]), so the page can offer it again after the sign-in that follows. A
    /// sign-out of the person's own drops every draft ([`forget_drafts`]).
    pub fn keep_through_sign_in(&self, keep: impl Fn(&HomeAccountId) + 'static) {
        let keepers = self.keepers;
        let number = keepers.with_value(|k| k.last().map_or(0, |(n, _)| n + 1));
        keepers.update_value(|k| k.push((number, Rc::new(keep))));
        on_cleanup(move || {
            keepers.try_update_value(|k| k.retain(|(n, _)| *n != number));
        });
    }

    /// Has the pages on screen keep what they hold unsaved for `home`'s next sign-in.
    fn keep_drafts(&self, home: &HomeAccountId) {
        let keepers: Vec<Keeper> = self
            .keepers
            .with_value(|k| k.iter().map(|(_, keep)| keep.clone()).collect());
        for keep in keepers {
            keep(home);
        }
    }

    /// Whether the tab is leaving for a sign-in with the pages' unsaved edits kept (a leave
    /// guard need not ask then).
    pub fn leaving_with_drafts_kept(&self) -> bool {
        self.kept_for_sign_in.try_get_value().unwrap_or(false)
    }

    /// A token failure that only a new sign-in can fix (the 24 hours are up, the session
    /// was revoked) ends this account's session here, and the UI asks to sign in again.
    fn check(&self, error: AuthError) -> AuthError {
        if needs_sign_in(&error) {
            let client = self.client();
            if let Some(account) = client.active_account() {
                // Before the pages go: what they hold unsaved comes back after the sign-in.
                self.keep_drafts(&account.home);
                let _ = client.forget(&account.home);
            }
            // The page goes in a task of its own: the request that met this failure still
            // writes its outcome into the page (the save says why it failed), and whatever
            // that wakes must run while the page is there, not after it went.
            let (state, problem) = (self.state, error.clone());
            let signed_out = Closure::once_into_js(move || {
                state.set(AuthState::SignedOut {
                    problem: Some(problem),
                });
            });
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                    signed_out.unchecked_ref(),
                    0,
                );
            }
        }
        error
    }

    pub fn config(&self) -> RuntimeConfig {
        self.client().config().clone()
    }

    pub fn accounts(&self) -> Vec<Account> {
        self.client().accounts()
    }
}

/// Whether only an interactive sign-in can fix `error`.
pub fn needs_sign_in(error: &AuthError) -> bool {
    use crate::auth::errors::SignInError;
    matches!(
        error,
        AuthError::InteractionRequired(_)
            | AuthError::SignIn(
                SignInError::SessionExpired { .. } | SignInError::InteractionRequired { .. }
            )
    )
}

/// The session in context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The current path (with query) as a return path.
pub fn current_path() -> Option<ReturnPath> {
    let location = web_sys::window()?.location();
    let path = location.pathname().ok()?;
    let search = location.search().unwrap_or_default();
    ReturnPath::parse(&format!("{path}{search}")).ok()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The sessionStorage keys of the unsaved edits this tab keeps through a sign-in (forced, or
/// "Sign in again now").
fn draft_keys(storage: &WebStorage) -> impl Iterator<Item = String> {
    storage
        .keys()
        .into_iter()
        .filter(|k| k.starts_with(DRAFT_PREFIX))
}

/// Whether this tab keeps unsaved edits for after the next sign-in.
pub fn holds_drafts() -> bool {
    WebStorage::session().is_ok_and(|storage| draft_keys(&storage).next().is_some())
}

/// Drops every page's unsaved edits kept in this tab through a sign-in: signing out
/// means nothing of the account stays.
fn forget_drafts() {
    if let Ok(storage) = WebStorage::session() {
        for key in draft_keys(&storage).collect::<Vec<_>>() {
            storage.remove(&key);
        }
    }
}

/// Notes in this tab's sessionStorage that it is leaving for the identity platform's
/// sign-out (who, and when).
fn leave_signed_out_note(who: &[String], now: i64) {
    let note = json::to_string(&json::object! { "who": who, "at": now });
    if let Some(storage) = session_storage()
        && storage.set_item(SIGNED_OUT_NOTE, &note).is_err()
    {
        log::warn!("could not note the sign-out for the way back");
    }
}

/// Takes this tab's sign-out note (once): who signed out, if the note is recent.
fn take_signed_out_note(now: i64) -> Option<Vec<String>> {
    let storage = session_storage()?;
    let text = storage.get_item(SIGNED_OUT_NOTE).ok().flatten()?;
    let _ = storage.remove_item(SIGNED_OUT_NOTE);
    read_signed_out_note(&text, now)
}

/// The note's names, if it is readable and at most [`SIGNED_OUT_NOTE_SECONDS`] old.
fn read_signed_out_note(text: &str, now: i64) -> Option<Vec<String>> {
    let note: serde_json::Value = json::parse(text.as_bytes()).ok()?;
    let at = note.get("at")?.as_i64()?;
    if now - at > SIGNED_OUT_NOTE_SECONDS || at > now + 60 {
        return None;
    }
    Some(
        note.get("who")?
            .as_array()?
            .iter()
            .filter_map(|w| w.as_str().map(str::to_owned))
            .take(10)
            .collect(),
    )
}

/// Leaves for `url`; `in_place`: in place of this page's history entry (and of the leave
/// guard's entry above it, which repeats the page's address: Back steps off that first).
fn navigate_away(url: &str, in_place: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if !in_place {
        if location.assign(url).is_err() {
            log::error!("could not leave for the identity platform");
        }
        return;
    }
    let history = window.history().ok();
    let on_guard = history
        .as_ref()
        .and_then(|h| h.state().ok())
        .and_then(|s| s.as_string())
        .is_some_and(|s| s == crate::components::leave_guard::GUARD_STATE);
    match history.filter(|_| on_guard) {
        Some(history) => {
            let url = url.to_owned();
            let go = Closure::once_into_js(move || {
                let _ = location.replace(&url);
            });
            let _ = window.add_event_listener_with_callback("popstate", go.unchecked_ref());
            let _ = history.back();
        }
        None => {
            let _ = location.replace(url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_out_note_is_read_only_while_fresh() {
        let note = r#"{"who": ["adele@contoso.onmicrosoft.com"], "at": 1000}"#;
        assert_eq!(
            read_signed_out_note(note, 1_100),
            Some(vec!["adele@contoso.onmicrosoft.com".to_owned()])
        );
        assert_eq!(
            read_signed_out_note(note, 1_000 + SIGNED_OUT_NOTE_SECONDS + 1),
            None
        );
        assert_eq!(read_signed_out_note(note, 0), None, "from the future");
        assert_eq!(read_signed_out_note("{", 1_000), None);
        assert_eq!(
            read_signed_out_note(r#"{"who": 3, "at": 1000}"#, 1_000),
            None
        );
    }
}
