//! The directory: tenants, app registrations and users, loaded from a human-editable seed
//! file (`emulator/seed/directory.json` by default) and checked before the emulator starts.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The seed file compiled into the emulator, used unless another is chosen.
pub const DEFAULT_SEED: &str = include_str!("../../seed/directory.json");

/// Why a directory seed file was refused.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read directory file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("directory file {origin} is not valid: {source}")]
    Json {
        origin: String,
        source: serde_json::Error,
    },
    #[error("directory file {origin}: {problem}")]
    Invalid { origin: String, problem: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default, rename = "_comment")]
    _comment: Option<String>,
    tenants: Vec<Tenant>,
    apps: Vec<App>,
    users: Vec<SeedUser>,
}

/// A tenant (an organisation's directory).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// A short name the seed file uses to refer to the tenant.
    pub key: String,
    /// The tenant ID (a GUID, lower case).
    pub id: String,
    pub display_name: String,
    /// Verified domains, e.g. `contoso.onmicrosoft.com`.
    pub domains: Vec<String>,
    /// What discovery reports as `tenant_region_scope`.
    #[serde(default)]
    pub region: Option<String>,
    /// Client IDs an administrator has consented to in this tenant.
    #[serde(default)]
    pub consented_apps: Vec<String>,
    /// Resource APIs (by application ID URI) that have a service principal in this tenant.
    #[serde(default)]
    pub service_principals: Vec<String>,
}

/// An app registration (multitenant, public client).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub client_id: String,
    pub display_name: String,
    #[serde(default)]
    pub spa_redirect_uris: Vec<String>,
    #[serde(default)]
    pub web_redirect_uris: Vec<String>,
    #[serde(default)]
    pub app_roles: Vec<String>,
}

/// How a redirect URI is registered: it decides PKCE and cross-origin redemption rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    Spa,
    Web,
}

impl App {
    /// Exact match only, as Entra ID does.
    pub fn redirect_kind(&self, uri: &str) -> Option<RedirectKind> {
        if self.spa_redirect_uris.iter().any(|u| u == uri) {
            Some(RedirectKind::Spa)
        } else if self.web_redirect_uris.iter().any(|u| u == uri) {
            Some(RedirectKind::Web)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    upn: String,
    display_name: String,
    password: String,
    memberships: Vec<Membership>,
}

/// A user's account in one tenant: the home account, or a B2B guest account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The tenant key in the seed file; replaced by the tenant ID once loaded.
    pub tenant: String,
    /// The object ID of this account in that tenant.
    pub oid: String,
    #[serde(default)]
    pub admin: bool,
    /// App roles assigned in this tenant, by client ID.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
}

/// A person who can sign in.
#[derive(Debug, Clone)]
pub struct User {
    pub upn: String,
    pub display_name: String,
    pub password: String,
    /// The home account first, then guest accounts.
    pub memberships: Vec<Membership>,
}

impl User {
    pub fn home(&self) -> &Membership {
        &self.memberships[0]
    }

    pub fn membership_in(&self, tenant_id: &str) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.tenant == tenant_id)
    }
}

/// The loaded, checked directory. Lookups are case-insensitive where Entra's are.
#[derive(Debug, Clone)]
pub struct Directory {
    pub tenants: Vec<Tenant>,
    pub apps: Vec<App>,
    pub users: Vec<User>,
}

impl Directory {
    /// The built-in seed.
    pub fn default_seed() -> Result<Self, DirectoryError> {
        Self::parse(DEFAULT_SEED, "emulator/seed/directory.json (built in)")
    }

    pub fn load(path: &Path) -> Result<Self, DirectoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a seed; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, DirectoryError> {
        let seed: Seed = serde_json::from_str(text).map_err(|source| DirectoryError::Json {
            origin: origin.to_string(),
            source,
        })?;
        let invalid = |problem: String| DirectoryError::Invalid {
            origin: origin.to_string(),
            problem,
        };
        check_seed(&seed).map_err(invalid)?;
        let by_key: BTreeMap<&str, &str> = seed
            .tenants
            .iter()
            .map(|t| (t.key.as_str(), t.id.as_str()))
            .collect();
        let users = seed
            .users
            .iter()
            .map(|u| User {
                upn: u.upn.to_ascii_lowercase(),
                display_name: u.display_name.clone(),
                password: u.password.clone(),
                memberships: u
                    .memberships
                    .iter()
                    .map(|m| Membership {
                        tenant: by_key[m.tenant.as_str()].to_ascii_lowercase(),
                        oid: m.oid.to_ascii_lowercase(),
                        ..m.clone()
                    })
                    .collect(),
            })
            .collect();
        let mut tenants = seed.tenants.clone();
        for t in &mut tenants {
            t.id = t.id.to_ascii_lowercase();
        }
        Ok(Self {
            tenants,
            apps: seed.apps.clone(),
            users,
        })
    }

    pub fn tenant_by_id(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// A tenant by GUID or verified domain.
    pub fn find_tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        self.tenant_by_id(id_or_domain).or_else(|| {
            self.tenants.iter().find(|t| {
                t.domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(id_or_domain))
            })
        })
    }

    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    pub fn app_mut(&mut self, client_id: &str) -> Option<&mut App> {
        self.apps
            .iter_mut()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    pub fn user(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }

    pub fn tenant_name(&self, id: &str) -> String {
        self.tenant_by_id(id)
            .map(|t| t.display_name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// `GET /dev/accounts`: one line per user, columns aligned.
    pub fn accounts_text(&self) -> String {
        let rows: Vec<[String; 5]> = self
            .users
            .iter()
            .map(|u| {
                let home = u.home();
                let guest = u.memberships[1..]
                    .iter()
                    .map(|m| format!("guest in {}", self.tenant_name(&m.tenant)))
                    .collect::<Vec<_>>()
                    .join(", ");
                [
                    u.upn.clone(),
                    u.password.clone(),
                    self.tenant_name(&home.tenant),
                    describe_roles(home),
                    guest,
                ]
            })
            .collect();
        let widths: Vec<usize> = (0..4)
            .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i < 4 {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                } else {
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn describe_roles(m: &Membership) -> String {
    let mut parts: Vec<String> = m.roles.values().flatten().cloned().collect();
    if m.admin {
        parts.push("tenant admin".to_string());
    }
    if parts.is_empty() {
        "no app role".to_string()
    } else {
        parts.join(", ")
    }
}

/// A GUID in the 8-4-4-4-12 hex form.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn check_seed(seed: &Seed) -> Result<(), String> {
    let mut ids = HashSet::new();
    let mut keys = HashSet::new();
    let mut domains = HashSet::new();
    for t in &seed.tenants {
        if !is_guid(&t.id) {
            return Err(format!(
                "tenant '{}' has id '{}', which is not a GUID",
                t.key, t.id
            ));
        }
        if !ids.insert(t.id.to_ascii_lowercase()) {
            return Err(format!("tenant id '{}' appears twice", t.id));
        }
        if !keys.insert(t.key.as_str()) {
            return Err(format!("tenant key '{}' appears twice", t.key));
        }
        if t.domains.is_empty() {
            return Err(format!("tenant '{}' has no verified domain", t.key));
        }
        for d in &t.domains {
            if !d.contains('.') || !domains.insert(d.to_ascii_lowercase()) {
                return Err(format!(
                    "tenant '{}': domain '{d}' is not a DNS name or appears twice",
                    t.key
                ));
            }
        }
        for app in &t.consented_apps {
            if !seed
                .apps
                .iter()
                .any(|a| a.client_id.eq_ignore_ascii_case(app))
            {
                return Err(format!(
                    "tenant '{}' lists consent for unknown app '{app}'",
                    t.key
                ));
            }
        }
    }
    let mut client_ids = HashSet::new();
    for a in &seed.apps {
        if !is_guid(&a.client_id) {
            return Err(format!(
                "app '{}' has client_id '{}', which is not a GUID",
                a.display_name, a.client_id
            ));
        }
        if !client_ids.insert(a.client_id.to_ascii_lowercase()) {
            return Err(format!("app client_id '{}' appears twice", a.client_id));
        }
        for uri in a.spa_redirect_uris.iter().chain(&a.web_redirect_uris) {
            if url::Url::parse(uri).is_err() {
                return Err(format!(
                    "app '{}' has redirect URI '{uri}', which is not an absolute URL",
                    a.display_name
                ));
            }
        }
    }
    let mut upns = HashSet::new();
    let mut oids = HashSet::new();
    for u in &seed.users {
        if !u.upn.contains('@') {
            return Err(format!("user '{}' has no '@' in its upn", u.upn));
        }
        if !upns.insert(u.upn.to_ascii_lowercase()) {
            return Err(format!("user '{}' appears twice", u.upn));
        }
        if u.memberships.is_empty() {
            return Err(format!(
                "user '{}' has no memberships (the first is the home tenant)",
                u.upn
            ));
        }
        let mut tenants_seen = HashSet::new();
        for m in &u.memberships {
            if !keys.contains(m.tenant.as_str()) {
                return Err(format!(
                    "user '{}' is a member of unknown tenant key '{}'",
                    u.upn, m.tenant
                ));
            }
            if !tenants_seen.insert(m.tenant.as_str()) {
                return Err(format!(
                    "user '{}' has two memberships in tenant '{}'",
                    u.upn, m.tenant
                ));
            }
            if !is_guid(&m.oid) || !oids.insert(m.oid.to_ascii_lowercase()) {
                return Err(format!(
                    "user '{}': object id '{}' is not a GUID or appears twice",
                    u.upn, m.oid
                ));
            }
            for (client_id, roles) in &m.roles {
                let Some(app) = seed
                    .apps
                    .iter()
                    .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
                else {
                    return Err(format!(
                        "user '{}' has roles in unknown app '{client_id}'",
                        u.upn
                    ));
                };
                if let Some(role) = roles.iter().find(|r| !app.app_roles.contains(r)) {
                    return Err(format!(
                        "user '{}' is assigned role '{role}', which app '{}' does not define",
                        u.upn, app.display_name
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_refused(text: &str, expected: &str) {
        let err = Directory::parse(text, "test.json").unwrap_err().to_string();
        assert!(err.contains("test.json"), "{err}");
        assert!(err.contains(expected), "expected '{expected}' in: {err}");
    }

    #[test]
    fn the_built_in_seed_loads() {
        let d = Directory::default_seed().unwrap();
        assert_eq!(d.tenants.len(), 4);
        let megan = d.user("Megan@Contoso.onmicrosoft.com").unwrap();
        assert_eq!(megan.memberships.len(), 2);
        assert_eq!(
            d.find_tenant("FABRIKAM.onmicrosoft.com").unwrap().id,
            megan.memberships[1].tenant
        );
        assert!(d.accounts_text().contains("guest in Fabrikam"));
    }

    #[test]
    fn malformed_seeds_are_refused_with_the_problem_named() {
        check_refused("{", "not valid");
        check_refused(
            r#"{"tenants":[],"apps":[],"users":[],"extra":1}"#,
            "unknown field `extra`",
        );
        check_refused(
            r#"{"tenants":[{"key":"a","id":"nope","display_name":"A","domains":["a.example"]}],"apps":[],"users":[]}"#,
            "not a GUID",
        );
        let t = r#"{"key":"a","id":"9e16b21b-807b-43e3-95d5-439af2c3b46b","display_name":"A","domains":["a.example"]}"#;
        check_refused(
            &format!(
                r#"{{"tenants":[{t}],"apps":[],"users":[{{"upn":"x@a.example","display_name":"X","password":"p","memberships":[{{"tenant":"b","oid":"aeda9f21-73e4-4731-9e1b-775e27e09104"}}]}}]}}"#
            ),
            "unknown tenant key 'b'",
        );
        check_refused(
            &format!(
                r#"{{"tenants":[{t}],"apps":[],"users":[{{"upn":"x@a.example","display_name":"X","password":"p","memberships":[]}}]}}"#
            ),
            "has no memberships",
        );
    }

    #[test]
    fn guids_are_recognised() {
        assert!(is_guid("9e16b21b-807b-43e3-95d5-439af2c3b46b"));
        assert!(!is_guid("9e16b21b807b43e395d5439af2c3b46b"));
        assert!(!is_guid("contoso.onmicrosoft.com"));
    }
}
