//! Identifiers that cross the protocol boundary, as validated newtypes.
//!
//! Invariant: a value of these types is always well-formed (a GUID is 36 characters of
//! lowercase hex in the 8-4-4-4-12 shape), so code that holds one never re-checks it.

use std::fmt;

/// Why a string is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a GUID (expected 8-4-4-4-12 hexadecimal digits, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47)"
)]
pub struct NotAGuid(pub String);

/// True when `s` has the 8-4-4-4-12 hexadecimal shape (either case).
pub fn is_guid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn parse_guid(s: &str) -> Result<String, NotAGuid> {
    if is_guid(s) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(NotAGuid(s.to_owned()))
    }
}

macro_rules! guid_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses a GUID in either case; the stored form is lowercase.
            pub fn parse(s: &str) -> Result<Self, NotAGuid> {
                parse_guid(s).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

guid_newtype!(
    /// A Microsoft Entra tenant (directory) id: the `tid` claim.
    TenantId
);
guid_newtype!(
    /// The application (client) id of the twinscope app registration.
    ClientId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_recognised_in_either_case_and_stored_lowercase() {
        let id = TenantId::parse("72F988BF-86F1-41AF-91AB-2D7CD011DB47").unwrap();
        assert_eq!(id.as_str(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
    }

    #[test]
    fn near_misses_are_not_guids() {
        for bad in [
            "",
            "organizations",
            "72f988bf86f141af91ab2d7cd011db47",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "72f988bf-86f1-41af-91ab-2d7cd011db477",
            "72f988bf-86f1-41af-91ab_2d7cd011db47",
            "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
            "72f988bg-86f1-41af-91ab-2d7cd011db47",
            "72f988bf-86f1-41af-91ab-2d7cd011db4\u{e9}",
        ] {
            assert!(!is_guid(bad), "{bad:?} was taken for a GUID");
            assert_eq!(TenantId::parse(bad), Err(NotAGuid(bad.to_owned())));
        }
    }
}
