//! The signed-in accounts: who they are in each tenant they have used, and which is active.
//!
//! Kept in the configured storage beside the tokens. Nothing here is a secret; a record
//! that cannot be read (edited storage) is dropped, which signs that account out.

use serde_json::Value;

use super::cache::HomeAccountId;
use super::id_token::IdTokenClaims;
use super::roles::Roles;
use super::storage::{Storage, StorageError};
use crate::ids::TenantId;
use crate::json;

const ACCOUNTS_KEY: &str = "twinscope.auth.accounts";
const ACTIVE_KEY: &str = "twinscope.auth.active";

/// The user in one tenant (home or guest), from that tenant's ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantProfile {
    pub tenant: TenantId,
    pub object_id: String,
    pub roles: Roles,
}

/// One signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub home: HomeAccountId,
    pub home_tenant: TenantId,
    pub username: String,
    pub name: String,
    /// By tenant id, ascending.
    tenants: Vec<(TenantId, TenantProfile)>,
}

impl Account {
    /// From the first ID token of a sign-in and the account's home id.
    pub fn from_sign_in(
        home: HomeAccountId,
        home_tenant: TenantId,
        claims: &IdTokenClaims,
    ) -> Self {
        let mut account = Self::new(
            home,
            home_tenant,
            claims.preferred_username.clone().unwrap_or_default(),
            claims.name.clone().unwrap_or_default(),
        );
        account.record_tenant(claims);
        account
    }

    /// An account not yet signed in to any tenant.
    pub fn new(home: HomeAccountId, home_tenant: TenantId, username: String, name: String) -> Self {
        Self {
            home,
            home_tenant,
            username,
            name,
            tenants: Vec::new(),
        }
    }

    /// Adds or replaces the profile of its tenant.
    pub fn record_profile(&mut self, profile: TenantProfile) {
        crate::sorted::upsert(&mut self.tenants, profile.tenant.clone(), profile);
    }

    /// Adds or refreshes the profile of the tenant that issued `claims`.
    pub fn record_tenant(&mut self, claims: &IdTokenClaims) {
        self.record_profile(TenantProfile {
            tenant: claims.tenant.clone(),
            object_id: claims.object_id.clone(),
            roles: Roles::from_claims(claims.roles.iter().map(String::as_str)),
        });
    }

    /// The tenants the account has signed in to, ascending by id.
    pub fn tenant_ids(&self) -> impl Iterator<Item = &TenantId> {
        self.tenants.iter().map(|(id, _)| id)
    }

    pub fn profile(&self, tenant: &TenantId) -> Option<&TenantProfile> {
        crate::sorted::get(&self.tenants, tenant)
    }

    fn to_json(&self) -> Value {
        let tenants: Vec<Value> = self
            .tenants
            .iter()
            .map(|(_, p)| {
                json::object! {
                    "tenant": p.tenant.as_str(),
                    "oid": p.object_id.as_str(),
                    "roles": p.roles.claim_values(),
                }
            })
            .collect();
        json::object! {
            "home": self.home.as_str(),
            "homeTenant": self.home_tenant.as_str(),
            "username": self.username.as_str(),
            "name": self.name.as_str(),
            "tenants": tenants,
        }
    }

    fn from_json(v: &Value) -> Option<Self> {
        let text = |k: &str| v.get(k).and_then(Value::as_str);
        let home = HomeAccountId::parse(text("home")?)?;
        let home_tenant = TenantId::parse(text("homeTenant")?).ok()?;
        let mut account = Self::new(
            home,
            home_tenant,
            text("username")?.to_owned(),
            text("name")?.to_owned(),
        );
        for t in v.get("tenants")?.as_array()? {
            let tenant = TenantId::parse(t.get("tenant")?.as_str()?).ok()?;
            let roles = t
                .get("roles")?
                .as_array()?
                .iter()
                .map(Value::as_str)
                .collect::<Option<Vec<_>>>()?;
            account.record_profile(TenantProfile {
                tenant,
                object_id: t.get("oid")?.as_str()?.to_owned(),
                roles: Roles::from_claims(roles),
            });
        }
        Some(account)
    }
}

/// The accounts in one storage.
#[derive(Debug, Clone)]
pub struct Accounts<S> {
    storage: S,
}

impl<S: Storage> Accounts<S> {
    pub fn new(storage: S) -> Self {
        Self { storage }
    }

    /// Every readable account, in sign-in order. Unreadable storage reads as none.
    pub fn all(&self) -> Vec<Account> {
        let Some(text) = self.storage.get(ACCOUNTS_KEY) else {
            return Vec::new();
        };
        let parsed = json::parse(text.as_bytes()).ok().and_then(|v| {
            v.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(Account::from_json)
                    .collect::<Vec<_>>()
            })
        });
        match parsed {
            Some(accounts) => accounts,
            None => {
                log::warn!("the stored account list could not be read and was removed");
                self.storage.remove(ACCOUNTS_KEY);
                Vec::new()
            }
        }
    }

    pub fn get(&self, home: &HomeAccountId) -> Option<Account> {
        self.all().into_iter().find(|a| &a.home == home)
    }

    /// Adds or replaces an account.
    pub fn put(&self, account: &Account) -> Result<(), StorageError> {
        let mut all = self.all();
        match all.iter_mut().find(|a| a.home == account.home) {
            Some(existing) => *existing = account.clone(),
            None => all.push(account.clone()),
        }
        self.write(&all)
    }

    fn write(&self, all: &[Account]) -> Result<(), StorageError> {
        let list: Vec<Value> = all.iter().map(Account::to_json).collect();
        self.storage
            .set(ACCOUNTS_KEY, &json::to_string(&Value::Array(list)))
    }

    pub fn remove(&self, home: &HomeAccountId) -> Result<(), StorageError> {
        let all: Vec<Account> = self.all().into_iter().filter(|a| &a.home != home).collect();
        if self.active().is_some_and(|a| &a == home) {
            self.storage.remove(ACTIVE_KEY);
        }
        self.write(&all)
    }

    pub fn clear(&self) {
        self.storage.remove(ACCOUNTS_KEY);
        self.storage.remove(ACTIVE_KEY);
    }

    /// The active account's id, if it is still one of the accounts.
    pub fn active(&self) -> Option<HomeAccountId> {
        let id = HomeAccountId::parse(&self.storage.get(ACTIVE_KEY)?)?;
        Some(id)
    }

    /// The active account, falling back to the first one.
    pub fn active_account(&self) -> Option<Account> {
        let all = self.all();
        let active = self.active();
        all.iter()
            .find(|a| Some(&a.home) == active.as_ref())
            .or(all.first())
            .cloned()
    }

    pub fn set_active(&self, home: &HomeAccountId) -> Result<(), StorageError> {
        self.storage.set(ACTIVE_KEY, home.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::super::storage::MemoryStorage;
    use super::*;

    const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
    const FABRIKAM: &str = "9cfa42f1-3911-49e1-a538-13453e29a36b";

    fn claims(tenant: &str, oid: &str, roles: &[&str]) -> IdTokenClaims {
        IdTokenClaims {
            tenant: TenantId::parse(tenant).unwrap(),
            object_id: oid.into(),
            subject: "s".into(),
            issuer: format!("https://login.microsoftonline.com/{tenant}/v2.0"),
            name: Some("Megan Bowen".into()),
            preferred_username: Some("megan@contoso.onmicrosoft.com".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            issued_at: 0,
            expires_at: 0,
        }
    }

    fn megan() -> Account {
        let home = HomeAccountId::new(
            "0b6c6f0e-1111-4a4a-8f8f-000000000001",
            &TenantId::parse(CONTOSO).unwrap(),
        );
        let mut a = Account::from_sign_in(
            home,
            TenantId::parse(CONTOSO).unwrap(),
            &claims(CONTOSO, "o1", &["Twins.Reader"]),
        );
        a.record_tenant(&claims(FABRIKAM, "o2", &["Twins.Writer"]));
        a
    }

    #[test]
    fn accounts_round_trip_with_a_profile_per_tenant() {
        let storage = MemoryStorage::default();
        let accounts = Accounts::new(storage);
        let megan = megan();
        accounts.put(&megan).unwrap();
        let back = accounts.get(&megan.home).unwrap();
        assert_eq!(back, megan);
        let fabrikam = back.profile(&TenantId::parse(FABRIKAM).unwrap()).unwrap();
        assert!(fabrikam.roles.can_write());
        assert!(
            !back
                .profile(&TenantId::parse(CONTOSO).unwrap())
                .unwrap()
                .roles
                .can_write()
        );
    }

    #[test]
    fn the_active_account_and_removal() {
        let accounts = Accounts::new(MemoryStorage::default());
        let megan = megan();
        accounts.put(&megan).unwrap();
        assert_eq!(
            accounts.active_account().unwrap().home,
            megan.home,
            "first account by default"
        );
        accounts.set_active(&megan.home).unwrap();
        accounts.remove(&megan.home).unwrap();
        assert!(accounts.all().is_empty());
        assert_eq!(accounts.active(), None);
    }

    #[test]
    fn edited_storage_signs_out_rather_than_failing() {
        let storage = MemoryStorage::default();
        let accounts = Accounts::new(storage.clone());
        accounts.put(&megan()).unwrap();
        storage.set(ACCOUNTS_KEY, "[{\"home\": 3}]").unwrap();
        assert!(accounts.all().is_empty());
        storage.set(ACCOUNTS_KEY, "{{{").unwrap();
        assert!(accounts.all().is_empty());
        assert_eq!(storage.get(ACCOUNTS_KEY), None);
    }
}
