//! Organisations (tenants) by name, and the list the tenant switcher shows.
//!
//! Names come from Azure Resource Manager's `/tenants` (`displayName`, `defaultDomain`),
//! asked once per signed-in account with that account's token for its home tenant (ARM's
//! list covers every directory the account can use, guest ones included). They are kept in
//! the configured token storage beside the accounts ([`NameBook`], bounded, dropped at
//! sign-out of all accounts), so a heading has its name at once on the next visit.
//!
//! The pure part — [`tenant_entries`] (merging the accounts' own tenants with what ARM
//! lists, per account), [`NameBook`] and [`TenantName`] — is tested natively. The UI part,
//! [`TenantDirectory`], is a `LocalResource` in context that fetches only once something on
//! screen needs a name it does not have (it is off the sign-in's critical path).
//!
//! Invariants: a listing fetched with account A's token only ever produces entries for
//! account A (choosing one makes A the active account before anything is requested for
//! that tenant); names are text, never markup; a tenant outside the configured allow-list
//! (or other than a single-tenant authority's) is never offered.

use std::rc::Rc;

use leptos::prelude::*;
use serde_json::Value;

use crate::arm::{ArmClient, ArmError, ArmTenant};
use crate::auth::accounts::Account;
use crate::auth::cache::HomeAccountId;
use crate::auth::storage::Storage;
use crate::config::{AuthorityTenant, RuntimeConfig};
use crate::format::lowercase;
use crate::ids::TenantId;
use crate::json;
use crate::session::Session;

/// Where the name book is kept (in the configured token storage).
pub const NAMES_KEY: &str = "twinscope.tenants.names";
/// Names kept at most.
pub const MAX_NAMES: usize = 200;
/// Longest name or domain kept; longer ones are cut.
pub const MAX_NAME_CHARS: usize = 120;

/// What an organisation is called.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TenantName {
    pub display_name: Option<String>,
    pub default_domain: Option<String>,
}

impl TenantName {
    pub fn new(display_name: Option<&str>, default_domain: Option<&str>) -> Self {
        Self {
            display_name: display_name.and_then(clean),
            default_domain: default_domain.and_then(clean),
        }
    }

    /// The name people know it by: its display name, else its default domain.
    pub fn label(&self) -> Option<&str> {
        self.display_name
            .as_deref()
            .or(self.default_domain.as_deref())
    }

    fn is_empty(&self) -> bool {
        self.label().is_none()
    }
}

/// Text fit to show: control characters removed, whitespace trimmed, at most
/// [`MAX_NAME_CHARS`] characters; `None` when nothing is left.
fn clean(text: &str) -> Option<String> {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_owned())
}

/// The tenant id and name of one ARM `/tenants` entry (`None`: its id is not a GUID).
pub fn from_arm(tenant: &ArmTenant) -> Option<(TenantId, TenantName)> {
    let id = TenantId::parse(&tenant.tenant_id).ok()?;
    Some((
        id,
        TenantName::new(
            tenant.display_name.as_deref(),
            tenant.default_domain.as_deref(),
        ),
    ))
}

/// Known names by tenant id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameBook(Vec<(TenantId, TenantName)>);

impl NameBook {
    pub fn get(&self, tenant: &TenantId) -> Option<&TenantName> {
        crate::sorted::get(&self.0, tenant)
    }

    /// A tenant's label, if known.
    pub fn label(&self, tenant: &TenantId) -> Option<String> {
        self.get(tenant).and_then(|n| n.label()).map(str::to_owned)
    }

    /// Adds or replaces names (empty ones are ignored); keeps at most [`MAX_NAMES`].
    pub fn extend(&mut self, names: impl IntoIterator<Item = (TenantId, TenantName)>) {
        for (id, name) in names {
            if !name.is_empty() {
                crate::sorted::upsert(&mut self.0, id, name);
            }
        }
        while self.0.len() > MAX_NAMES {
            self.0.pop();
        }
    }

    /// From stored JSON (`{"{tenant id}": {"name": …, "domain": …}}`); anything unreadable
    /// is left out.
    pub fn from_json(text: Option<&str>) -> Self {
        let value: Value = text
            .and_then(|t| json::parse(t.as_bytes()).ok())
            .unwrap_or(Value::Null);
        let mut book = Self::default();
        if let Some(object) = value.as_object() {
            book.extend(object.iter().filter_map(|(id, v)| {
                let id = TenantId::parse(id).ok()?;
                let text = |k: &str| v.get(k).and_then(Value::as_str);
                Some((id, TenantName::new(text("name"), text("domain"))))
            }));
        }
        book
    }

    pub fn to_json(&self) -> String {
        let object: serde_json::Map<String, Value> = self
            .0
            .iter()
            .map(|(id, n)| {
                (
                    id.to_string(),
                    json::object! {
                        "name": n.display_name.as_deref(),
                        "domain": n.default_domain.as_deref(),
                    },
                )
            })
            .collect();
        json::to_string(&Value::Object(object))
    }

    pub fn load(storage: &dyn Storage) -> Self {
        Self::from_json(storage.get(NAMES_KEY).as_deref())
    }

    pub fn save(&self, storage: &dyn Storage) {
        if storage.set(NAMES_KEY, &self.to_json()).is_err() {
            log::warn!("could not keep the organisations' names");
        }
    }
}

/// Whether the account is at home in a tenant or a guest there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    Home,
    Guest,
}

/// One line of the tenant switcher: an organisation, through one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantEntry {
    pub tenant: TenantId,
    pub name: Option<TenantName>,
    pub account: HomeAccountId,
    pub username: String,
    pub relation: Relation,
}

impl TenantEntry {
    /// The organisation's name, else its id.
    pub fn title(&self) -> String {
        self.name
            .as_ref()
            .and_then(|n| n.label())
            .map_or_else(|| self.tenant.to_string(), str::to_owned)
    }

    /// "home" or "guest", for the line under the title.
    pub fn relation_text(&self) -> &'static str {
        match self.relation {
            Relation::Home => "home",
            Relation::Guest => "guest",
        }
    }
}

/// Which tenants the configuration lets anyone use (`None`: any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed(Option<Vec<TenantId>>);

impl Allowed {
    pub fn from_config(config: &RuntimeConfig) -> Self {
        match config.authority.tenant() {
            AuthorityTenant::Id(t) => Self(Some(vec![t.clone()])),
            _ if !config.tenant_allow_list.is_empty() => {
                Self(Some(config.tenant_allow_list.clone()))
            }
            _ => Self(None),
        }
    }

    pub fn only(tenants: Vec<TenantId>) -> Self {
        Self(Some(tenants))
    }

    pub fn contains(&self, tenant: &TenantId) -> bool {
        self.0.as_ref().is_none_or(|list| list.contains(tenant))
    }
}

/// Every tenant each account can use, each with that account: the account's home tenant,
/// the tenants it already holds a profile for, and what ARM listed *for that account*. One
/// entry per (account, tenant); accounts in the order given (active first), then home
/// before guest, then by name (case-insensitive), then id. Names from the listings win over
/// the book's.
pub fn tenant_entries(
    accounts: &[Account],
    listed: &[(HomeAccountId, Vec<ArmTenant>)],
    book: &NameBook,
    allowed: &Allowed,
) -> Vec<TenantEntry> {
    let mut names = book.clone();
    names.extend(
        listed
            .iter()
            .flat_map(|(_, tenants)| tenants.iter().filter_map(from_arm)),
    );
    let mut entries = Vec::new();
    for account in accounts {
        let mut tenants: Vec<TenantId> = std::iter::once(account.home_tenant.clone())
            .chain(account.tenant_ids().cloned())
            .chain(
                listed
                    .iter()
                    .filter(|(home, _)| home == &account.home)
                    .flat_map(|(_, tenants)| tenants.iter().filter_map(from_arm))
                    .map(|(id, _)| id),
            )
            .filter(|t| allowed.contains(t))
            .collect();
        tenants.sort();
        tenants.dedup();
        let mut mine: Vec<TenantEntry> = tenants
            .into_iter()
            .map(|tenant| TenantEntry {
                name: names.get(&tenant).cloned(),
                relation: if tenant == account.home_tenant {
                    Relation::Home
                } else {
                    Relation::Guest
                },
                account: account.home.clone(),
                username: account.username.clone(),
                tenant,
            })
            .collect();
        mine.sort_by(|a, b| {
            (a.relation, lowercase(&a.title()), &a.tenant).cmp(&(
                b.relation,
                lowercase(&b.title()),
                &b.tenant,
            ))
        });
        entries.extend(mine);
    }
    entries
}

/// The tenant id in an app path (`/t/{tenant}/…`), if any.
pub fn tenant_in_path(path: &str) -> Option<TenantId> {
    let rest = path.strip_prefix("/t/")?;
    TenantId::parse(rest.split('/').next()?).ok()
}

// ---- in the browser ------------------------------------------------------------------

/// What ARM listed, per account (an account whose listing failed is left out, with why).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub tenants: Vec<(HomeAccountId, Vec<ArmTenant>)>,
    pub failures: Vec<(String, ArmError)>,
}

/// The organisations' names and the switcher's list, in context. `Copy`.
#[derive(Clone, Copy)]
pub struct TenantDirectory {
    session: Session,
    /// Set by whatever first needs names that the book does not have.
    wanted: RwSignal<bool>,
    book: StoredValue<NameBook, LocalStorage>,
    listing: LocalResource<Listing>,
    allowed: StoredValue<Allowed>,
}

impl std::fmt::Debug for TenantDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TenantDirectory { .. }")
    }
}

impl TenantDirectory {
    /// Creates the directory and provides it as context. Call after [`Session::start`].
    pub fn provide(session: Session, config: &RuntimeConfig) {
        let storage = session.token_storage();
        let book = StoredValue::new_local(NameBook::load(&*storage));
        let allowed = StoredValue::new(Allowed::from_config(config));
        let wanted = RwSignal::new(false);
        let homes = Memo::new(move |_| {
            session.state.track();
            session
                .accounts()
                .into_iter()
                .map(|a| (a.home, a.home_tenant))
                .collect::<Vec<_>>()
        });
        let config = config.clone();
        let listing = LocalResource::new(move || {
            let homes = homes.get();
            let wanted = wanted.get() && config.arm_discovery;
            let config = config.clone();
            let storage = storage.clone();
            async move {
                let mut listing = Listing::default();
                if !wanted {
                    return listing;
                }
                let lists = futures::future::join_all(homes.iter().map(|(home, tenant)| {
                    let arm = arm_client(&config, session, home, tenant);
                    async move { arm.tenants().await }
                }))
                .await;
                for ((home, _), list) in homes.into_iter().zip(lists) {
                    match list {
                        Ok(tenants) => listing.tenants.push((home, tenants)),
                        Err(e) => {
                            log::warn!("could not list the organisations of an account: {e}");
                            listing.failures.push((home.as_str().to_owned(), e));
                        }
                    }
                }
                let mut book = NameBook::load(&*storage);
                book.extend(
                    listing
                        .tenants
                        .iter()
                        .flat_map(|(_, t)| t.iter().filter_map(from_arm)),
                );
                book.save(&*storage);
                listing
            }
        });
        provide_context(Self {
            session,
            wanted,
            book,
            listing,
            allowed,
        });
    }

    /// Asks for the listing (once; later calls change nothing).
    pub fn want(&self) {
        if !self.wanted.get_untracked() {
            self.wanted.set(true);
        }
    }

    /// The listing if it is in. Reactive, and never a reason for a page to wait (see
    /// [`unheld`]): it only names organisations and fills the switcher. (Read plainly, it
    /// replaced the page returning from sign-in with "Loading twinscope…" until Resource
    /// Manager answered.)
    fn listing_now(&self) -> Option<Listing> {
        unheld(|| self.listing.get())
    }

    /// Every name known now: the stored book plus the listing, when it is in.
    pub fn names(&self) -> NameBook {
        let mut book = self.book.get_value();
        if let Some(listing) = self.listing_now() {
            book.extend(
                listing
                    .tenants
                    .iter()
                    .flat_map(|(_, t)| t.iter().filter_map(from_arm)),
            );
        }
        book
    }

    /// One tenant's name, if known; asks for the listing when it is not.
    pub fn name(&self, tenant: &TenantId) -> Option<TenantName> {
        let found = self.names().get(tenant).cloned();
        if found.is_none() {
            self.want();
        }
        found
    }

    /// The switcher's entries now (active account first). Reactive.
    pub fn entries(&self) -> Vec<TenantEntry> {
        let listing = self.listing_now().unwrap_or_default();
        let state = self.session.state.get();
        let mut accounts = self.session.accounts();
        if let Some(active) = state.account() {
            accounts.sort_by_key(|a| a.home != active.home);
        }
        tenant_entries(
            &accounts,
            &listing.tenants,
            &self.book.get_value(),
            &self.allowed.get_value(),
        )
    }

    /// Accounts whose organisations could not be listed, with why. Reactive.
    pub fn failures(&self) -> Vec<(String, ArmError)> {
        self.listing_now().map(|l| l.failures).unwrap_or_default()
    }

    /// Whether the listing asked for is still on its way. Reactive.
    pub fn loading(&self) -> bool {
        self.wanted.get() && self.listing_now().is_none()
    }
}

/// Runs `read` where no `Suspense` or `Transition` sees it. Leptos registers every read of a
/// resource still loading with the `Suspense` or `Transition` in context (the current
/// owner's), which then holds what it shows until that resource is in. A root owner has no
/// context; the read still subscribes whoever reads (the observer, not the owner), so the
/// reader updates when the resource comes in. For resources that only decorate a page.
pub fn unheld<T>(read: impl FnOnce() -> T) -> T {
    Owner::new_root(None).with(read)
}

fn arm_client(
    config: &RuntimeConfig,
    session: Session,
    home: &HomeAccountId,
    home_tenant: &TenantId,
) -> ArmClient {
    use crate::auth::resources::{ProtectedResource, ResourceMap, guard};
    ArmClient::new(
        &config.arm_endpoint,
        guard(
            Rc::new(ResourceMap::from_config(config)),
            ProtectedResource::ResourceManager,
            Rc::new(crate::auth::http::browser_fetch),
        ),
        session.token_provider_for(
            home.clone(),
            home_tenant.clone(),
            crate::auth::client::ARM_SCOPE,
        ),
    )
}

/// The directory in context.
pub fn use_tenant_directory() -> TenantDirectory {
    expect_context::<TenantDirectory>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::accounts::TenantProfile;
    use crate::auth::roles::Roles;

    const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
    const FABRIKAM: &str = "9cfa42f1-3911-49e1-a538-13453e29a36b";
    const NORTHWIND: &str = "78a7b6ec-07a9-4ba3-bb89-a447861cace4";

    fn t(id: &str) -> TenantId {
        TenantId::parse(id).unwrap()
    }

    fn account(user: &str, home: &str, used: &[&str]) -> Account {
        let mut account = Account::new(
            HomeAccountId::new(user, &t(home)),
            t(home),
            format!("{user}@example.com"),
            user.into(),
        );
        for id in used {
            account.record_profile(TenantProfile {
                tenant: t(id),
                object_id: "o".into(),
                roles: Roles::default(),
            });
        }
        account
    }

    fn arm(id: &str, name: Option<&str>, domain: Option<&str>) -> ArmTenant {
        ArmTenant {
            tenant_id: id.into(),
            display_name: name.map(Into::into),
            default_domain: domain.map(Into::into),
        }
    }

    fn titles(entries: &[TenantEntry]) -> Vec<(String, &'static str, String)> {
        entries
            .iter()
            .map(|e| (e.title(), e.relation_text(), e.username.clone()))
            .collect()
    }

    #[test]
    fn a_guest_tenant_listed_by_arm_joins_the_accounts_own_and_names_replace_ids() {
        let megan = account("megan", CONTOSO, &[CONTOSO]);
        let listed = vec![(
            megan.home.clone(),
            vec![
                arm(CONTOSO, Some("Contoso"), Some("contoso.onmicrosoft.com")),
                arm(FABRIKAM, Some("Fabrikam"), Some("fabrikam.onmicrosoft.com")),
            ],
        )];
        let entries = tenant_entries(&[megan], &listed, &NameBook::default(), &Allowed::default());
        assert_eq!(
            titles(&entries),
            [
                ("Contoso".into(), "home", "megan@example.com".into()),
                ("Fabrikam".into(), "guest", "megan@example.com".into()),
            ]
        );
    }

    #[test]
    fn each_account_keeps_its_own_tenants_and_unknown_names_show_the_id() {
        let megan = account("megan", CONTOSO, &[CONTOSO, FABRIKAM]);
        let diego = account("diego", FABRIKAM, &[]);
        // Only Diego's listing came back; it must not give Megan anything.
        let listed = vec![(
            diego.home.clone(),
            vec![
                arm(FABRIKAM, Some("Fabrikam"), None),
                arm(NORTHWIND, None, Some("northwind.onmicrosoft.com")),
                arm("not-a-guid", Some("Bad"), None),
            ],
        )];
        let entries = tenant_entries(
            &[megan.clone(), diego.clone()],
            &listed,
            &NameBook::default(),
            &Allowed::default(),
        );
        assert_eq!(
            titles(&entries),
            [
                (CONTOSO.into(), "home", "megan@example.com".into()),
                ("Fabrikam".into(), "guest", "megan@example.com".into()),
                ("Fabrikam".into(), "home", "diego@example.com".into()),
                (
                    "northwind.onmicrosoft.com".into(),
                    "guest",
                    "diego@example.com".into()
                ),
            ]
        );
        assert!(entries[..2].iter().all(|e| e.account == megan.home));
        assert!(entries[2..].iter().all(|e| e.account == diego.home));
    }

    #[test]
    fn the_allow_list_and_a_single_tenant_authority_limit_the_list() {
        let megan = account("megan", CONTOSO, &[CONTOSO]);
        let listed = vec![(
            megan.home.clone(),
            vec![
                arm(CONTOSO, Some("Contoso"), None),
                arm(FABRIKAM, Some("Fabrikam"), None),
            ],
        )];
        let entries = tenant_entries(
            &[megan],
            &listed,
            &NameBook::default(),
            &Allowed::only(vec![t(FABRIKAM)]),
        );
        assert_eq!(
            titles(&entries),
            [("Fabrikam".into(), "guest", "megan@example.com".into())]
        );
    }

    #[test]
    fn the_name_book_round_trips_is_bounded_and_survives_edits() {
        let mut book = NameBook::default();
        book.extend([
            (
                t(CONTOSO),
                TenantName::new(Some(" Contoso "), Some("contoso.com")),
            ),
            (t(FABRIKAM), TenantName::new(None, None)),
        ]);
        assert_eq!(book.label(&t(CONTOSO)).as_deref(), Some("Contoso"));
        assert_eq!(book.get(&t(FABRIKAM)), None, "nothing to show is not kept");
        assert_eq!(NameBook::from_json(Some(&book.to_json())), book);
        for bad in [
            None,
            Some(""),
            Some("[]"),
            Some("{\"x\": {\"name\": \"X\"}}"),
        ] {
            assert_eq!(NameBook::from_json(bad), NameBook::default(), "{bad:?}");
        }
        let mut many = NameBook::default();
        many.extend((0..(MAX_NAMES + 20)).map(|i| {
            (
                t(&format!("00000000-0000-4000-8000-{i:012}")),
                TenantName::new(Some("x"), None),
            )
        }));
        assert_eq!(many.0.len(), MAX_NAMES);
    }

    #[test]
    fn names_are_text_fit_to_show() {
        let long = "N".repeat(500);
        let name = TenantName::new(Some(&long), None);
        assert_eq!(name.label().unwrap().chars().count(), MAX_NAME_CHARS);
        let odd = TenantName::new(Some("\u{0}\u{7}  "), Some("fabrikam.com"));
        assert_eq!(odd.label(), Some("fabrikam.com"));
        assert_eq!(
            TenantName::new(Some("<b>Contoso</b>"), None).label(),
            Some("<b>Contoso</b>"),
            "kept as text; the view renders it as a text node"
        );
    }

    #[test]
    fn the_tenant_of_a_path() {
        assert_eq!(
            tenant_in_path(&format!("/t/{}/i/h/twins", CONTOSO.to_uppercase())),
            Some(t(CONTOSO))
        );
        assert_eq!(tenant_in_path(&format!("/t/{CONTOSO}")), Some(t(CONTOSO)));
        assert_eq!(tenant_in_path("/t/nope"), None);
        assert_eq!(tenant_in_path("/settings"), None);
    }
}
