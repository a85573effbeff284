//! twinscope's app roles, from the `roles` claim of a tenant's ID token.
//!
//! Each role includes the ones below it: `Twins.Admin` ⊃ `Twins.Writer` ⊃ `Twins.Reader`.
//! Unknown role values are ignored (another app's roles, or future ones).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppRole {
    Reader,
    Writer,
    Admin,
}

impl AppRole {
    pub const fn claim_value(self) -> &'static str {
        match self {
            Self::Reader => "Twins.Reader",
            Self::Writer => "Twins.Writer",
            Self::Admin => "Twins.Admin",
        }
    }

    pub fn from_claim(value: &str) -> Option<Self> {
        [Self::Reader, Self::Writer, Self::Admin]
            .into_iter()
            .find(|r| r.claim_value() == value)
    }
}

impl fmt::Display for AppRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.claim_value())
    }
}

/// The roles a user holds in one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<AppRole>);

impl Roles {
    pub fn from_claims<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut roles = Vec::new();
        for role in values.into_iter().filter_map(AppRole::from_claim) {
            crate::sorted::insert(&mut roles, role);
        }
        Self(roles)
    }

    /// The strongest role held, if any.
    pub fn highest(&self) -> Option<AppRole> {
        self.0.last().copied()
    }

    fn at_least(&self, role: AppRole) -> bool {
        self.highest().is_some_and(|h| h >= role)
    }

    pub fn can_read(&self) -> bool {
        self.at_least(AppRole::Reader)
    }

    /// Create, edit and delete twins and relationships.
    pub fn can_write(&self) -> bool {
        self.at_least(AppRole::Writer)
    }

    /// Upload, decommission and delete models.
    pub fn can_manage_models(&self) -> bool {
        self.at_least(AppRole::Admin)
    }

    pub fn claim_values(&self) -> Vec<&'static str> {
        self.0.iter().map(|r| r.claim_value()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_imply_the_ones_below() {
        let check = |claims: &[&str], read: bool, write: bool, models: bool| {
            let roles = Roles::from_claims(claims.iter().copied());
            assert_eq!(
                (
                    roles.can_read(),
                    roles.can_write(),
                    roles.can_manage_models()
                ),
                (read, write, models),
                "{claims:?}"
            );
        };
        check(&[], false, false, false);
        check(&["Twins.Reader"], true, false, false);
        check(&["Twins.Writer"], true, true, false);
        check(&["Twins.Admin"], true, true, true);
        check(&["Twins.Reader", "Twins.Admin"], true, true, true);
        check(
            &["twins.admin", "Other.Role", "Twins.Admin "],
            false,
            false,
            false,
        );
    }
}
