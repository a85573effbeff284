//! The token cache: access tokens by (home account, tenant, scope set), one refresh token per
//! home account, in any [`Storage`] (session, local or memory, as configured).
//!
//! - Access tokens count as expired [`EARLY_EXPIRY_SECONDS`] before they do.
//! - The SPA refresh token dies 24 hours after sign-in however often it is used
//!   ([`SPA_SESSION_SECONDS`]); [`TokenCache::session_ends_at`] tells the UI when, so it can
//!   offer a new sign-in at a moment of the user's choosing.
//! - An entry that cannot be read (edited or corrupted storage) is removed and treated as
//!   absent: the user is asked to sign in again instead of the app failing.
//! - Secrets never print: [`Secret`] redacts `Debug` and has no `PartialEq`.

use std::fmt;

use serde_json::Value;

use super::storage::{Storage, StorageError};
use crate::ids::TenantId;
use crate::json;

/// Access tokens are treated as expired this long before `expires_in` says.
pub const EARLY_EXPIRY_SECONDS: i64 = 5 * 60;
/// Entra ID gives single-page apps refresh tokens with a fixed 24-hour life.
pub const SPA_SESSION_SECONDS: i64 = 24 * 60 * 60;

const PREFIX: &str = "twinscope.token.";

/// A token or other credential: printable only as `<redacted>`, never compared.
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// For the one place that needs it: an `Authorization` header or a token request body.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The account's id in its home tenant: `{oid}.{tid}`, as MSAL's home account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HomeAccountId(String);

impl HomeAccountId {
    pub fn new(home_object_id: &str, home_tenant: &TenantId) -> Self {
        Self(format!(
            "{}.{home_tenant}",
            home_object_id.to_ascii_lowercase()
        ))
    }

    /// From `client_info` (base64url JSON `{"uid","utid"}`), as Entra returns it.
    pub fn from_client_info(client_info: &str) -> Option<Self> {
        let bytes = super::base64url::decode(client_info.trim_end_matches('=')).ok()?;
        let value: Value = json::parse(&bytes).ok()?;
        let uid = value.get("uid")?.as_str()?;
        let utid = TenantId::parse(value.get("utid")?.as_str()?).ok()?;
        if uid.is_empty() || !uid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        Some(Self::new(uid, &utid))
    }

    /// From its stored form `{oid}.{tid}`.
    pub fn parse(s: &str) -> Option<Self> {
        let (uid, tid) = s.rsplit_once('.')?;
        let tid = TenantId::parse(tid).ok()?;
        if uid.is_empty() || !uid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        Some(Self::new(uid, &tid))
    }

    /// The tenant part: the account's home tenant.
    pub fn home_tenant(&self) -> Option<TenantId> {
        TenantId::parse(self.0.rsplit_once('.')?.1).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Scopes as a set: order and case do not matter, and the OpenID scopes (which every
/// request carries) are not part of the key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeSet(Vec<String>);

impl ScopeSet {
    pub fn new<'a>(scopes: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Vec::new();
        let resource_scopes = scopes
            .into_iter()
            .flat_map(str::split_whitespace)
            .map(str::to_ascii_lowercase)
            .filter(|s| {
                !matches!(
                    s.as_str(),
                    "openid" | "profile" | "offline_access" | "email"
                )
            });
        for scope in resource_scopes {
            crate::sorted::insert(&mut set, scope);
        }
        Self(set)
    }

    /// No resource scopes (only OpenID ones were granted).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_scope_string(&self) -> String {
        self.0.join(" ")
    }
}

/// One access token's place in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    pub account: HomeAccountId,
    pub tenant: TenantId,
    pub scopes: ScopeSet,
}

impl CacheKey {
    fn storage_key(&self) -> String {
        format!(
            "{PREFIX}at.{}.{}.{}",
            self.account.as_str(),
            self.tenant,
            self.scopes.to_scope_string()
        )
    }
}

fn refresh_key(account: &HomeAccountId) -> String {
    format!("{PREFIX}rt.{}", account.as_str())
}

/// A usable access token.
#[derive(Debug)]
pub struct CachedToken {
    pub token: Secret,
    pub expires_at: i64,
}

/// The refresh token of a home account.
#[derive(Debug)]
pub struct CachedRefreshToken {
    pub token: Secret,
    /// When the user signed in (the 24-hour limit counts from here, not from the last use).
    pub signed_in_at: i64,
}

/// Tokens in one storage.
#[derive(Debug)]
pub struct TokenCache<S> {
    storage: S,
}

impl<S: Storage> TokenCache<S> {
    pub fn new(storage: S) -> Self {
        Self { storage }
    }

    fn read(&self, key: &str) -> Option<Value> {
        let text = self.storage.get(key)?;
        match json::parse(text.as_bytes()) {
            Ok(v) if v.is_object() => Some(v),
            _ => {
                log::warn!("a stored token entry could not be read and was removed");
                self.storage.remove(key);
                None
            }
        }
    }

    /// The access token for `key`, unless it expires within [`EARLY_EXPIRY_SECONDS`].
    pub fn access_token(&self, key: &CacheKey, now: i64) -> Option<CachedToken> {
        let storage_key = key.storage_key();
        let entry = self.read(&storage_key)?;
        let (Some(token), Some(expires_at)) = (
            entry.get("secret").and_then(Value::as_str),
            entry.get("expiresAt").and_then(Value::as_i64),
        ) else {
            self.storage.remove(&storage_key);
            return None;
        };
        if now >= expires_at - EARLY_EXPIRY_SECONDS {
            self.storage.remove(&storage_key);
            return None;
        }
        Some(CachedToken {
            token: Secret::new(token),
            expires_at,
        })
    }

    pub fn put_access_token(
        &self,
        key: &CacheKey,
        token: &Secret,
        expires_in: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        let entry =
            json::object! { "secret": token.expose(), "expiresAt": now + expires_in.max(0) };
        self.storage
            .set(&key.storage_key(), &json::to_string(&entry))
    }

    pub fn refresh_token(&self, account: &HomeAccountId, now: i64) -> Option<CachedRefreshToken> {
        let key = refresh_key(account);
        let entry = self.read(&key)?;
        let (Some(token), Some(signed_in_at)) = (
            entry.get("secret").and_then(Value::as_str),
            entry.get("signedInAt").and_then(Value::as_i64),
        ) else {
            self.storage.remove(&key);
            return None;
        };
        if now >= signed_in_at + SPA_SESSION_SECONDS {
            self.storage.remove(&key);
            return None;
        }
        Some(CachedRefreshToken {
            token: Secret::new(token),
            signed_in_at,
        })
    }

    /// Stores a (rotated) refresh token. `signed_in_at` stays that of the original sign-in.
    pub fn put_refresh_token(
        &self,
        account: &HomeAccountId,
        token: &Secret,
        signed_in_at: i64,
    ) -> Result<(), StorageError> {
        let entry = json::object! { "secret": token.expose(), "signedInAt": signed_in_at };
        self.storage
            .set(&refresh_key(account), &json::to_string(&entry))
    }

    /// When this account's session ends and it must sign in again, if it has one.
    pub fn session_ends_at(&self, account: &HomeAccountId, now: i64) -> Option<i64> {
        self.refresh_token(account, now)
            .map(|rt| rt.signed_in_at + SPA_SESSION_SECONDS)
    }

    /// Forgets every token of one account (sign-out).
    pub fn remove_account(&self, account: &HomeAccountId) {
        let access_prefix = format!("{PREFIX}at.{}.", account.as_str());
        for key in self.storage.keys() {
            if key.starts_with(&access_prefix) || key == refresh_key(account) {
                self.storage.remove(&key);
            }
        }
    }

    /// Forgets every token (sign out of all accounts).
    pub fn clear(&self) {
        for key in self
            .storage
            .keys()
            .into_iter()
            .filter(|k| k.starts_with(PREFIX))
        {
            self.storage.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::storage::MemoryStorage;
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
    const FABRIKAM: &str = "9cfa42f1-3911-49e1-a538-13453e29a36b";
    const ADT: &str = "https://digitaltwins.azure.net/.default";

    fn account() -> HomeAccountId {
        HomeAccountId::new(
            "5B2D0AA1-0000-4000-8000-000000000001",
            &TenantId::parse(CONTOSO).unwrap(),
        )
    }

    fn key(tenant: &str, scopes: &[&str]) -> CacheKey {
        CacheKey {
            account: account(),
            tenant: TenantId::parse(tenant).unwrap(),
            scopes: ScopeSet::new(scopes.iter().copied()),
        }
    }

    #[test]
    fn scope_sets_ignore_order_case_and_openid_scopes() {
        assert_eq!(
            ScopeSet::new([
                "openid profile offline_access",
                "https://Management.azure.com/user_impersonation"
            ]),
            ScopeSet::new(["https://management.azure.com/user_impersonation"])
        );
        assert_ne!(
            ScopeSet::new([ADT]),
            ScopeSet::new(["https://management.azure.com/user_impersonation"])
        );
    }

    #[test]
    fn access_tokens_are_kept_per_tenant_and_scope_and_expire_five_minutes_early() {
        let cache = TokenCache::new(MemoryStorage::default());
        cache
            .put_access_token(
                &key(CONTOSO, &[ADT]),
                &Secret::new("contoso-adt"),
                3600,
                NOW,
            )
            .unwrap();
        cache
            .put_access_token(
                &key(FABRIKAM, &[ADT]),
                &Secret::new("fabrikam-adt"),
                3600,
                NOW,
            )
            .unwrap();
        assert_eq!(
            cache
                .access_token(&key(CONTOSO, &[ADT]), NOW)
                .unwrap()
                .token
                .expose(),
            "contoso-adt"
        );
        assert_eq!(
            cache
                .access_token(&key(FABRIKAM, &[ADT, "openid"]), NOW)
                .unwrap()
                .token
                .expose(),
            "fabrikam-adt"
        );
        assert!(
            cache
                .access_token(
                    &key(
                        CONTOSO,
                        &["https://management.azure.com/user_impersonation"]
                    ),
                    NOW
                )
                .is_none()
        );
        let last_good = NOW + 3600 - EARLY_EXPIRY_SECONDS - 1;
        assert!(
            cache
                .access_token(&key(CONTOSO, &[ADT]), last_good)
                .is_some()
        );
        assert!(
            cache
                .access_token(&key(CONTOSO, &[ADT]), last_good + 1)
                .is_none()
        );
    }

    #[test]
    fn the_refresh_token_dies_24_hours_after_sign_in_however_often_rotated() {
        let cache = TokenCache::new(MemoryStorage::default());
        cache
            .put_refresh_token(&account(), &Secret::new("rt-1"), NOW)
            .unwrap();
        cache
            .put_refresh_token(&account(), &Secret::new("rt-2"), NOW)
            .unwrap();
        assert_eq!(
            cache
                .refresh_token(&account(), NOW + 100)
                .unwrap()
                .token
                .expose(),
            "rt-2"
        );
        assert_eq!(
            cache.session_ends_at(&account(), NOW + 100),
            Some(NOW + SPA_SESSION_SECONDS)
        );
        assert!(
            cache
                .refresh_token(&account(), NOW + SPA_SESSION_SECONDS)
                .is_none()
        );
        assert_eq!(
            cache.session_ends_at(&account(), NOW + SPA_SESSION_SECONDS),
            None
        );
    }

    #[test]
    fn tampered_entries_are_dropped_not_trusted() {
        let storage = MemoryStorage::default();
        let cache = TokenCache::new(storage.clone());
        let k = key(CONTOSO, &[ADT]);
        for edit in [
            "not json",
            "[]",
            r#"{"secret":"x"}"#,
            r#"{"secret":7,"expiresAt":1}"#,
        ] {
            storage.set(&k.storage_key(), edit).unwrap();
            assert!(cache.access_token(&k, NOW).is_none(), "{edit}");
            assert!(
                storage.get(&k.storage_key()).is_none(),
                "{edit} was removed"
            );
        }
        storage
            .set(&refresh_key(&account()), r#"{"secret":"rt"}"#)
            .unwrap();
        assert!(cache.refresh_token(&account(), NOW).is_none());
    }

    #[test]
    fn sign_out_forgets_one_account_or_all() {
        let storage = MemoryStorage::default();
        let cache = TokenCache::new(storage.clone());
        let other = HomeAccountId::new(
            "6c3e0bb2-0000-4000-8000-000000000002",
            &TenantId::parse(FABRIKAM).unwrap(),
        );
        cache
            .put_access_token(&key(CONTOSO, &[ADT]), &Secret::new("a"), 3600, NOW)
            .unwrap();
        cache
            .put_refresh_token(&account(), &Secret::new("rt"), NOW)
            .unwrap();
        cache
            .put_refresh_token(&other, &Secret::new("rt-other"), NOW)
            .unwrap();
        storage.set("twinscope.theme", "dark").unwrap();
        cache.remove_account(&account());
        assert!(cache.access_token(&key(CONTOSO, &[ADT]), NOW).is_none());
        assert!(cache.refresh_token(&account(), NOW).is_none());
        assert!(cache.refresh_token(&other, NOW).is_some());
        cache.clear();
        assert_eq!(
            storage.keys(),
            ["twinscope.theme"],
            "only tokens are cleared"
        );
    }

    #[test]
    fn secrets_never_print() {
        let token = CachedToken {
            token: Secret::new("eyJ0eXAiOiJKV1Qi.secret"),
            expires_at: NOW,
        };
        assert!(!format!("{token:?}").contains("eyJ"));
    }

    #[test]
    fn home_account_ids_come_from_client_info() {
        use base64::Engine;
        let info = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            r#"{{"uid":"5b2d0aa1-0000-4000-8000-000000000001","utid":"{CONTOSO}"}}"#
        ));
        assert_eq!(HomeAccountId::from_client_info(&info), Some(account()));
        for bad in [
            "",
            "!!",
            "e30",
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"uid":"a.b","utid":"x"}"#),
        ] {
            assert_eq!(HomeAccountId::from_client_info(bad), None, "{bad}");
        }
    }
}
