//! The emulator's Azure resources: subscriptions and Azure Digital Twins instances per tenant,
//! loaded from a human-editable seed file (`emulator/seed/instances.json` by default) and
//! resolved against the [`Directory`] (tenant keys to IDs, role assignees' UPNs to object IDs).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::adt::throttle::Throttle;
use crate::identity::Directory;

/// The seed file compiled into the emulator, used unless another is chosen.
pub const DEFAULT_INSTANCES: &str = include_str!("../seed/instances.json");

/// The data-plane role names, as Azure RBAC spells them.
pub const ROLE_DATA_OWNER: &str = "Azure Digital Twins Data Owner";
pub const ROLE_DATA_READER: &str = "Azure Digital Twins Data Reader";

/// Why an instances seed file was refused.
#[derive(Debug, thiserror::Error)]
pub enum InstancesError {
    #[error("cannot read instances file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("instances file {origin} is not valid: {source}")]
    Json {
        origin: String,
        source: serde_json::Error,
    },
    #[error("instances file {origin}: {problem}")]
    Invalid { origin: String, problem: String },
}

/// A data-plane role on one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `Azure Digital Twins Data Owner`: reads and writes.
    Owner,
    /// `Azure Digital Twins Data Reader`: reads only.
    Reader,
}

impl Role {
    pub fn can_write(self) -> bool {
        self == Role::Owner
    }
}

/// What an instance holds the first time it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedKind {
    /// No models, no twins.
    Empty,
    /// The campus graph: a few sites with buildings, floors, rooms, equipment and sensors.
    Campus,
    /// About this many twins, with proportional relationships (benchmarks).
    Scale(u32),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    #[serde(default, rename = "_comment")]
    _comment: Option<String>,
    tenants: Vec<SeedTenant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedTenant {
    tenant: String,
    subscriptions: Vec<SeedSubscription>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedSubscription {
    id: String,
    display_name: String,
    #[serde(default)]
    readers: Vec<String>,
    instances: Vec<SeedInstance>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedInstance {
    name: String,
    resource_group: String,
    location: String,
    host_name: String,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    #[serde(default)]
    throttle: SeedThrottle,
    #[serde(default)]
    seed: SeedChoice,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum SeedThrottle {
    #[default]
    #[serde(skip)]
    Default,
    Named(String),
    PerSecond {
        per_second: u32,
    },
    EveryNth {
        every_nth: u32,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum SeedChoice {
    #[default]
    #[serde(skip)]
    Default,
    Named(String),
    Scale {
        scale: u32,
    },
}

/// A subscription, as ARM lists it.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub display_name: String,
    pub tenant_id: String,
    /// Object IDs (in `tenant_id`) of the accounts that see it; `None`: every account.
    pub readers: Option<HashSet<String>>,
}

impl Subscription {
    pub fn visible_to(&self, oid: &str) -> bool {
        self.readers
            .as_ref()
            .is_none_or(|r| r.contains(&oid.to_ascii_lowercase()))
    }
}

/// One Azure Digital Twins instance.
#[derive(Debug, Clone)]
pub struct InstanceConfig {
    pub name: String,
    pub tenant_id: String,
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    /// `{name}.api.{region}.digitaltwins.azure.net`, lower case.
    pub host_name: String,
    /// Data-plane roles by object ID (lower case) in `tenant_id`.
    pub roles: BTreeMap<String, Role>,
    pub throttle: Throttle,
    pub seed: SeedKind,
}

impl InstanceConfig {
    /// The ARM resource ID.
    pub fn resource_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.DigitalTwins/digitalTwinsInstances/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }

    pub fn role_of(&self, oid: &str) -> Option<Role> {
        self.roles.get(&oid.to_ascii_lowercase()).copied()
    }
}

/// Every subscription and instance, checked against the directory.
#[derive(Debug, Clone, Default)]
pub struct Instances {
    pub subscriptions: Vec<Subscription>,
    pub instances: Vec<InstanceConfig>,
}

impl Instances {
    /// The built-in seed.
    pub fn default_seed(directory: &Directory) -> Result<Self, InstancesError> {
        Self::parse(
            DEFAULT_INSTANCES,
            "emulator/seed/instances.json (built in)",
            directory,
        )
    }

    pub fn load(path: &Path, directory: &Directory) -> Result<Self, InstancesError> {
        let text = std::fs::read_to_string(path).map_err(|source| InstancesError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string(), directory)
    }

    /// Parses and checks a seed; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str, directory: &Directory) -> Result<Self, InstancesError> {
        let seed: SeedFile = serde_json::from_str(text).map_err(|source| InstancesError::Json {
            origin: origin.to_string(),
            source,
        })?;
        resolve(seed, directory).map_err(|problem| InstancesError::Invalid {
            origin: origin.to_string(),
            problem,
        })
    }

    /// An instance by host name (case-insensitive).
    pub fn by_host(&self, host: &str) -> Option<&InstanceConfig> {
        self.instances
            .iter()
            .find(|i| i.host_name.eq_ignore_ascii_case(host))
    }
}

fn resolve(seed: SeedFile, directory: &Directory) -> Result<Instances, String> {
    let mut out = Instances::default();
    let mut hosts = HashSet::new();
    for t in seed.tenants {
        let tenant = directory
            .tenants
            .iter()
            .find(|d| d.key == t.tenant)
            .ok_or_else(|| format!("tenant key '{}' is not in the directory", t.tenant))?;
        for s in t.subscriptions {
            if !crate::identity::directory::is_guid(&s.id) {
                return Err(format!("subscription id '{}' is not a GUID", s.id));
            }
            let readers = if s.readers.iter().any(|r| r == "*") {
                None
            } else {
                let oids = s
                    .readers
                    .iter()
                    .map(|upn| oid_in(directory, upn, &tenant.id))
                    .collect::<Result<HashSet<_>, _>>()?;
                Some(oids)
            };
            out.subscriptions.push(Subscription {
                id: s.id.to_ascii_lowercase(),
                display_name: s.display_name.clone(),
                tenant_id: tenant.id.clone(),
                readers,
            });
            for i in s.instances {
                let host = i.host_name.to_ascii_lowercase();
                if !host.ends_with(".digitaltwins.azure.net") {
                    return Err(format!(
                        "instance '{}': host name '{host}' must end with .digitaltwins.azure.net",
                        i.name
                    ));
                }
                if !hosts.insert(host.clone()) {
                    return Err(format!("host name '{host}' is used twice"));
                }
                let mut roles = BTreeMap::new();
                for (upn, role) in &i.roles {
                    let role = match role.as_str() {
                        ROLE_DATA_OWNER => Role::Owner,
                        ROLE_DATA_READER => Role::Reader,
                        other => {
                            return Err(format!(
                                "instance '{}': unknown role '{other}' (use '{ROLE_DATA_OWNER}' or '{ROLE_DATA_READER}')",
                                i.name
                            ));
                        }
                    };
                    roles.insert(oid_in(directory, upn, &tenant.id)?, role);
                }
                out.instances.push(InstanceConfig {
                    name: i.name.clone(),
                    tenant_id: tenant.id.clone(),
                    subscription_id: s.id.to_ascii_lowercase(),
                    resource_group: i.resource_group.clone(),
                    location: i.location.clone(),
                    host_name: host,
                    roles,
                    throttle: throttle_of(&i.throttle, &i.name)?,
                    seed: seed_of(&i.seed, &i.name)?,
                });
            }
        }
    }
    Ok(out)
}

/// The object ID of `upn`'s account in `tenant_id` (home or guest).
fn oid_in(directory: &Directory, upn: &str, tenant_id: &str) -> Result<String, String> {
    let user = directory
        .user(upn)
        .ok_or_else(|| format!("user '{upn}' is not in the directory"))?;
    user.membership_in(tenant_id)
        .map(|m| m.oid.clone())
        .ok_or_else(|| format!("user '{upn}' has no account in tenant {tenant_id}"))
}

fn throttle_of(t: &SeedThrottle, name: &str) -> Result<Throttle, String> {
    match t {
        SeedThrottle::Default => Ok(Throttle::Off),
        SeedThrottle::Named(s) if s == "off" => Ok(Throttle::Off),
        SeedThrottle::Named(s) => Err(format!(
            "instance '{name}': throttle '{s}' is not \"off\", {{\"per_second\": N}} or {{\"every_nth\": N}}"
        )),
        SeedThrottle::PerSecond { per_second } => Ok(Throttle::PerSecond(*per_second)),
        SeedThrottle::EveryNth { every_nth } if *every_nth > 0 => {
            Ok(Throttle::EveryNth(*every_nth))
        }
        SeedThrottle::EveryNth { .. } => Err(format!("instance '{name}': every_nth must be > 0")),
    }
}

fn seed_of(s: &SeedChoice, name: &str) -> Result<SeedKind, String> {
    match s {
        SeedChoice::Default => Ok(SeedKind::Empty),
        SeedChoice::Named(n) if n == "campus" => Ok(SeedKind::Campus),
        SeedChoice::Named(n) if n == "empty" => Ok(SeedKind::Empty),
        SeedChoice::Named(n) => Err(format!(
            "instance '{name}': seed '{n}' is not \"campus\", \"empty\" or {{\"scale\": N}}"
        )),
        SeedChoice::Scale { scale } => Ok(SeedKind::Scale(*scale)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        Directory::default_seed().unwrap()
    }

    #[test]
    fn the_built_in_seed_resolves_upns_to_object_ids_per_tenant() {
        let all = Instances::default_seed(&directory()).unwrap();
        let campus = all
            .by_host("CONTOSO-CAMPUS.api.weu.digitaltwins.azure.net")
            .unwrap();
        assert_eq!(campus.seed, SeedKind::Campus);
        // Adele's account in Contoso, Rita reads only.
        assert_eq!(
            campus.role_of("aeda9f21-73e4-4731-9e1b-775e27e09104"),
            Some(Role::Owner)
        );
        assert_eq!(
            campus.role_of("2ca0bfa5-f3f8-4dfe-8ed0-28302b48bde1"),
            Some(Role::Reader)
        );
        // Megan is a guest in Fabrikam: her guest object ID holds the role there.
        let plant = all
            .by_host("fabrikam-plant.api.eus.digitaltwins.azure.net")
            .unwrap();
        assert_eq!(
            plant.role_of("e6b3d856-9270-47be-9c8c-c0d3a36f6a19"),
            Some(Role::Owner)
        );
        assert_eq!(plant.role_of("c8b56afb-ce2a-40d8-a03f-a9cc5302dc59"), None);
        assert!(
            campus
                .resource_id()
                .ends_with("/digitalTwinsInstances/contoso-campus")
        );
    }

    fn check_invalid(instance_json: &str, expected: &str) {
        let text = format!(
            r#"{{"tenants":[{{"tenant":"contoso","subscriptions":[{{"id":"5c4a1d2e-8b3f-4e6a-9d7c-1f2e3a4b5c6d","display_name":"S","instances":[{instance_json}]}}]}}]}}"#
        );
        let err = Instances::parse(&text, "test", &directory()).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }

    #[test]
    fn mistakes_in_the_seed_are_named() {
        let base = r#""name":"a","resource_group":"rg","location":"westeurope","host_name":"a.api.weu.digitaltwins.azure.net""#;
        check_invalid(
            &format!(
                r#"{{{base},"roles":{{"nobody@contoso.onmicrosoft.com":"{ROLE_DATA_OWNER}"}}}}"#
            ),
            "user 'nobody@contoso.onmicrosoft.com' is not in the directory",
        );
        check_invalid(
            &format!(
                r#"{{{base},"roles":{{"diego@fabrikam.onmicrosoft.com":"{ROLE_DATA_OWNER}"}}}}"#
            ),
            "has no account in tenant",
        );
        check_invalid(
            &format!(r#"{{{base},"roles":{{"adele@contoso.onmicrosoft.com":"Owner"}}}}"#),
            "unknown role 'Owner'",
        );
        check_invalid(&format!(r#"{{{base},"seed":"forest"}}"#), "seed 'forest'");
        check_invalid(
            r#"{"name":"a","resource_group":"rg","location":"l","host_name":"a.example.com"}"#,
            "must end with .digitaltwins.azure.net",
        );
        check_invalid(
            &format!(
                r#"{{{base},"throttle":{{"per_second":5}},"seed":{{"scale":10}}}},{{{base}}}"#
            ),
            "used twice",
        );
    }
}
