//! Can the signed-in user read an instance? Asked once when an instance is opened and for
//! each instance an organisation page lists, so an instance the user cannot read is marked
//! before they open it or press Run, instead of looking normal until then.
//!
//! The check is the cheapest read there is: a one-row query ([`PROBE_QUERY`]), which needs
//! the same data-plane role as everything else the explorer reads. [`classify`] is pure.

use super::client::AdtClient;
use super::error::AdtError;
use crate::ids::AdtHost;

/// One twin id, at most: any answer but 403 proves read access.
pub const PROBE_QUERY: &str = "SELECT TOP(1) T.$dtId FROM DIGITALTWINS T";

/// What the check found.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// The instance answers this user's reads.
    Readable,
    /// 403: no data-plane role on the instance.
    NoReadRole,
    /// 404 `Sub-domain not found`: the instance belongs to another organisation.
    OtherOrganisation,
    /// Anything else (busy, unreachable, no token): not known; the message says why.
    Unknown(String),
}

impl Access {
    /// Whether the instance is known not to be usable by this user here.
    pub fn is_blocked(&self) -> bool {
        matches!(self, Self::NoReadRole | Self::OtherOrganisation)
    }

    /// A short mark for a list of instances, when there is something to say.
    pub fn mark(&self) -> Option<&'static str> {
        match self {
            Self::Readable | Self::Unknown(_) => None,
            Self::NoReadRole => Some("No access"),
            Self::OtherOrganisation => Some("Not in this organisation"),
        }
    }

    /// What the user can do about it, in the words the explorer uses for the same refusal
    /// (so the message does not change between the list, the shell and a screen).
    pub fn explanation(&self, host: &AdtHost) -> Option<String> {
        let said = |error: AdtError| error.to_string();
        match self {
            Self::NoReadRole => Some(format!(
                "You cannot read this instance: {}.",
                said(AdtError::Forbidden {
                    host: host.clone(),
                    write: false
                })
            )),
            Self::OtherOrganisation => Some(format!(
                "{}.",
                said(AdtError::WrongTenant { host: host.clone() })
            )),
            Self::Readable | Self::Unknown(_) => None,
        }
    }
}

/// The access a probe's outcome shows.
pub fn classify(result: &Result<(), AdtError>) -> Access {
    match result {
        Ok(_) => Access::Readable,
        Err(AdtError::Forbidden { .. }) => Access::NoReadRole,
        Err(AdtError::WrongTenant { .. }) => Access::OtherOrganisation,
        Err(other) => Access::Unknown(other.to_string()),
    }
}

/// Runs the probe on `adt`'s instance.
pub async fn check(adt: &AdtClient) -> Access {
    classify(&adt.probe(PROBE_QUERY).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_is_no_role_and_a_foreign_instance_is_named_as_such() {
        let host = AdtHost::parse("contoso-lab.api.weu.digitaltwins.azure.net").unwrap();
        assert_eq!(classify(&Ok(())), Access::Readable);
        let forbidden = classify(&Err(AdtError::Forbidden {
            host: host.clone(),
            write: false,
        }));
        assert_eq!(forbidden, Access::NoReadRole);
        assert!(forbidden.is_blocked());
        let said = forbidden.explanation(&host).unwrap();
        assert!(
            said.contains(&format!(
                "you need the '{}' role (or 'Azure Digital Twins Data Owner') on {host}",
                crate::adt::error::READER_ROLE
            )),
            "{said}"
        );
        assert_eq!(
            classify(&Err(AdtError::WrongTenant { host: host.clone() })),
            Access::OtherOrganisation
        );
        let busy = classify(&Err(AdtError::Throttled {
            host,
            retry_after: None,
        }));
        assert!(matches!(busy, Access::Unknown(_)));
        assert!(!busy.is_blocked() && busy.mark().is_none());
    }
}

// ---- what this session already knows ---------------------------------------------------

/// How long a check's answer is trusted (a role granted meanwhile shows within this).
pub const FRESH_MS: f64 = 5.0 * 60.0 * 1000.0;

/// Which account, organisation and instance an answer is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccessKey {
    pub account: String,
    pub tenant: crate::ids::TenantId,
    pub host: crate::ids::AdtHost,
}

/// The answers of this page's checks, so a list can mark an instance that was checked
/// moments ago (on opening it, or by another list) without asking again. Only definite
/// answers are kept; keyed by account too (roles are per account).
#[derive(Debug, Default)]
pub struct AccessBook(Vec<(AccessKey, (Access, f64))>);

impl AccessBook {
    pub fn get(&self, key: &AccessKey, now_ms: f64) -> Option<Access> {
        crate::sorted::get(&self.0, key)
            .filter(|(_, at)| now_ms - at <= FRESH_MS && *at <= now_ms)
            .map(|(access, _)| access.clone())
    }

    pub fn put(&mut self, key: AccessKey, access: &Access, now_ms: f64) {
        if matches!(access, Access::Unknown(_)) {
            crate::sorted::remove(&mut self.0, &key);
        } else {
            crate::sorted::upsert(&mut self.0, key, (access.clone(), now_ms));
        }
    }
}

type SharedBook = leptos::prelude::StoredValue<AccessBook, leptos::prelude::LocalStorage>;

/// Provides this page's [`AccessBook`].
pub fn provide_access_book() {
    leptos::prelude::provide_context::<SharedBook>(leptos::prelude::StoredValue::new_local(
        AccessBook::default(),
    ));
}

/// The answer for `key`: what the book knows (unless `again`), else a check, remembered.
pub async fn check_remembered(adt: &AdtClient, key: AccessKey, again: bool) -> Access {
    use leptos::prelude::*;
    let book = use_context::<SharedBook>();
    let now = js_sys::Date::now();
    if !again && let Some(known) = book.and_then(|b| b.with_value(|b| b.get(&key, now))) {
        return known;
    }
    let access = check(adt).await;
    if let Some(book) = book {
        book.update_value(|b| b.put(key, &access, js_sys::Date::now()));
    }
    access
}

#[cfg(test)]
mod book_tests {
    use super::*;
    use crate::ids::{AdtHost, TenantId};

    #[test]
    fn answers_are_kept_per_account_for_five_minutes_and_unknowns_not_at_all() {
        let key = |account: &str| AccessKey {
            account: account.into(),
            tenant: TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap(),
            host: AdtHost::parse("contoso-lab.api.weu.digitaltwins.azure.net").unwrap(),
        };
        let mut book = AccessBook::default();
        book.put(key("rita"), &Access::NoReadRole, 1_000.0);
        assert_eq!(book.get(&key("rita"), 2_000.0), Some(Access::NoReadRole));
        assert_eq!(book.get(&key("alex"), 2_000.0), None, "another account");
        assert_eq!(
            book.get(&key("rita"), 1_000.0 + FRESH_MS + 1.0),
            None,
            "stale"
        );
        book.put(key("rita"), &Access::Unknown("busy".into()), 3_000.0);
        assert_eq!(book.get(&key("rita"), 3_000.0), None, "an unknown forgets");
    }
}
