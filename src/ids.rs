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

/// The DNS suffix of every Azure Digital Twins instance host.
pub const ADT_HOST_SUFFIX: &str = ".digitaltwins.azure.net";

/// Why a string is not an Azure Digital Twins host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdtHostError {
    #[error(
        "`{0}` is not a host name: use only letters, digits, `-` and `.`, with no scheme, port or path"
    )]
    NotAHostName(String),
    #[error(
        "`{host}` is not an Azure Digital Twins host (expected `<instance>.api.<region>{suffix}`)"
    )]
    WrongSuffix { host: String, suffix: String },
}

/// An Azure Digital Twins instance host, such as `contoso-twins.api.weu.digitaltwins.azure.net`:
/// lowercase, a DNS name under an allowed suffix, never an address, port or path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdtHost(String);

impl AdtHost {
    /// Parses a host under one of `suffixes` (each starting with `.`).
    pub fn parse_with_suffixes(s: &str, suffixes: &[&str]) -> Result<Self, AdtHostError> {
        let host = s.trim().to_ascii_lowercase();
        let labels_ok = host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !labels_ok {
            return Err(AdtHostError::NotAHostName(s.to_owned()));
        }
        match suffixes
            .iter()
            .find(|suffix| host.ends_with(*suffix) && host.len() > suffix.len())
        {
            Some(_) => Ok(Self(host)),
            None => Err(AdtHostError::WrongSuffix {
                host,
                suffix: suffixes
                    .first()
                    .copied()
                    .unwrap_or(ADT_HOST_SUFFIX)
                    .to_owned(),
            }),
        }
    }

    /// Parses a host under the public Azure suffix.
    pub fn parse(s: &str) -> Result<Self, AdtHostError> {
        Self::parse_with_suffixes(s, &[ADT_HOST_SUFFIX])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AdtHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod adt_host_tests {
    use super::*;

    #[test]
    fn instance_hosts_are_accepted_lowercased() {
        let host = AdtHost::parse("Contoso-Twins.api.weu.DigitalTwins.azure.net").unwrap();
        assert_eq!(
            host.as_str(),
            "contoso-twins.api.weu.digitaltwins.azure.net"
        );
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for bad in [
            "",
            "https://contoso.api.weu.digitaltwins.azure.net",
            "contoso.api.weu.digitaltwins.azure.net:443",
            "contoso.api.weu.digitaltwins.azure.net/models",
            "user@contoso.api.weu.digitaltwins.azure.net",
            "contoso..digitaltwins.azure.net",
            "-contoso.api.weu.digitaltwins.azure.net",
            "contoso.api.weu.digitaltwins.azure.net.",
            "[::1]",
            ".digitaltwins.azure.net",
        ] {
            assert!(
                matches!(AdtHost::parse(bad), Err(AdtHostError::NotAHostName(_))),
                "{bad:?}"
            );
        }
        for bad in [
            "digitaltwins.azure.net",
            "127.0.0.1",
            "contoso.api.weu.digitaltwins.azure.net.evil.example",
            "contosodigitaltwins.azure.net",
            "evil.example",
        ] {
            assert!(
                matches!(AdtHost::parse(bad), Err(AdtHostError::WrongSuffix { .. })),
                "{bad:?}"
            );
        }
    }
}
