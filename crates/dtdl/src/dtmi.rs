//! Digital Twin Model Identifiers (DTMI): `dtmi:<segment>(:<segment>)*[;<version>]`.
//!
//! [`Dtmi::parse`] accepts the general DTDL v3 syntax (version optional, one- or two-part, system
//! segments allowed, at most [`MAX_DTMI_LEN`] characters). The stricter rules that depend on
//! where a DTMI is used (v2 requires a one-part version; model documents only allow user DTMIs;
//! an Interface id is limited to 128 characters) are separate checks on a parsed [`Dtmi`].

use std::fmt;

/// Maximum length of any DTMI.
pub const MAX_DTMI_LEN: usize = 4096;
/// Maximum length of a user DTMI (no system segment).
pub const MAX_USER_DTMI_LEN: usize = 2048;
/// Maximum length of the DTMI of an Interface.
pub const MAX_INTERFACE_DTMI_LEN: usize = 128;
/// Maximum digits of a one-part version or of the major part of a two-part version.
const MAX_MAJOR_DIGITS: usize = 9;
/// Maximum digits of the minor part of a two-part version.
const MAX_MINOR_DIGITS: usize = 6;

/// A syntactically valid DTMI. Invariant: the inner string satisfies every rule checked by
/// [`Dtmi::parse`]; equality is case-sensitive, as the spec requires.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dtmi(String);

/// Why a string is not a DTMI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DtmiError {
    #[error("'{0}' is not a DTMI: it must start with 'dtmi:'")]
    MissingScheme(String),
    #[error("'{0}' is not a DTMI: it is longer than {MAX_DTMI_LEN} characters")]
    TooLong(String),
    #[error("'{dtmi}' is not a DTMI: path segment {index} is empty")]
    EmptySegment { dtmi: String, index: usize },
    #[error(
        "'{dtmi}' is not a DTMI: path segment '{segment}' may only contain letters, digits and underscores, may not start with a digit and may not end with an underscore"
    )]
    InvalidSegment { dtmi: String, segment: String },
    #[error(
        "'{dtmi}' is not a DTMI: version '{version}' must be an integer of at most 9 digits, or major.minor with a minor part of at most 6 digits, without leading zeros and with a non-zero minor part"
    )]
    InvalidVersion { dtmi: String, version: String },
}

impl Dtmi {
    /// Parses a DTMI per the general (DTDL v3) syntax.
    pub fn parse(s: &str) -> Result<Dtmi, DtmiError> {
        let Some(rest) = s.strip_prefix("dtmi:") else {
            return Err(DtmiError::MissingScheme(s.to_owned()));
        };
        if s.chars().count() > MAX_DTMI_LEN {
            return Err(DtmiError::TooLong(truncated(s)));
        }
        let (path, version) = match rest.split_once(';') {
            Some((path, version)) => (path, Some(version)),
            None => (rest, None),
        };
        for (index, segment) in path.split(':').enumerate() {
            if segment.is_empty() {
                return Err(DtmiError::EmptySegment {
                    dtmi: s.to_owned(),
                    index,
                });
            }
            if !is_valid_segment(segment) {
                return Err(DtmiError::InvalidSegment {
                    dtmi: s.to_owned(),
                    segment: segment.to_owned(),
                });
            }
        }
        if let Some(version) = version
            && !is_valid_version(version)
        {
            return Err(DtmiError::InvalidVersion {
                dtmi: s.to_owned(),
                version: version.to_owned(),
            });
        }
        Ok(Dtmi(s.to_owned()))
    }

    /// The DTMI as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The version suffix (without `;`), if any.
    pub fn version(&self) -> Option<&str> {
        self.0.split_once(';').map(|(_, v)| v)
    }

    /// True when no path segment starts with an underscore.
    pub fn is_user(&self) -> bool {
        !self.path_segments().any(|seg| seg.starts_with('_'))
    }

    /// True when the DTMI starts with a prefix reserved by DTDL (`dtmi:dtdl:`, `dtmi:standard:`).
    pub fn is_reserved(&self) -> bool {
        self.0.starts_with("dtmi:dtdl:") || self.0.starts_with("dtmi:standard:")
    }

    /// True when the version is a single integer (the only form DTDL v2 allows).
    pub fn has_one_part_version(&self) -> bool {
        self.version().is_some_and(|v| !v.contains('.'))
    }

    fn path_segments(&self) -> impl Iterator<Item = &str> {
        let rest = &self.0["dtmi:".len()..];
        let path = rest.split_once(';').map_or(rest, |(p, _)| p);
        path.split(':')
    }
}

impl fmt::Display for Dtmi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Letters, digits and underscores; not starting with a digit; not ending with an underscore.
fn is_valid_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && !bytes[0].is_ascii_digit()
        && bytes[bytes.len() - 1] != b'_'
}

fn is_valid_version(version: &str) -> bool {
    match version.split_once('.') {
        None => is_version_part(version, MAX_MAJOR_DIGITS),
        Some((major, minor)) => {
            is_version_part(major, MAX_MAJOR_DIGITS) && is_version_part(minor, MAX_MINOR_DIGITS)
        }
    }
}

/// A run of 1..=`max_digits` digits not starting with zero (so zero itself is never valid).
fn is_version_part(part: &str, max_digits: usize) -> bool {
    !part.is_empty()
        && part.len() <= max_digits
        && part.bytes().all(|b| b.is_ascii_digit())
        && !part.starts_with('0')
}

/// The first characters of an over-long input, so error messages stay readable.
fn truncated(s: &str) -> String {
    const SHOWN: usize = 64;
    let head: String = s.chars().take(SHOWN).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, ok: bool) {
        assert_eq!(
            Dtmi::parse(input).is_ok(),
            ok,
            "{input}: {:?}",
            Dtmi::parse(input)
        );
    }

    #[test]
    fn dtmi_syntax_table() {
        for (input, ok) in [
            ("dtmi:com:example:Thermostat;1", true),
            ("dtmi:foo_bar:_16:baz33:qux;12", true),
            ("dtmi:com:example:Thermostat", true),
            ("dtmi:com:example:Thermostat;1.2", true),
            ("dtmi:com:example:Thermostat;999999999", true),
            ("dtmi:com:example:Thermostat;1234567890", false),
            ("dtmi:com:example:Thermostat;1.1234567", false),
            ("dtmi:com:example:Thermostat;1.0", false),
            ("dtmi:com:example:Thermostat;01", false),
            ("dtmi:com:example:Thermostat;0", false),
            ("dtmi:com:example:Thermostat;", false),
            ("dtmi:com:example:Thermostat;1.", false),
            ("dtmi:com::Thermostat;1", false),
            ("dtmi:com:1example;1", false),
            ("dtmi:com:example_;1", false),
            ("dtmi:com:exa-mple;1", false),
            ("DTMI:com:example;1", false),
            ("com:example;1", false),
            ("dtmi:;1", false),
        ] {
            check(input, ok);
        }
    }

    #[test]
    fn overlong_dtmi_is_refused() {
        let long = format!("dtmi:{};1", "a".repeat(MAX_DTMI_LEN));
        assert!(matches!(Dtmi::parse(&long), Err(DtmiError::TooLong(_))));
    }

    #[test]
    fn user_and_version_predicates() {
        let system = Dtmi::parse("dtmi:foo_bar:_16:baz33:qux;12").unwrap();
        assert!(!system.is_user());
        assert!(system.has_one_part_version());
        let two_part = Dtmi::parse("dtmi:com:example:X;1.2").unwrap();
        assert!(two_part.is_user());
        assert!(!two_part.has_one_part_version());
        assert_eq!(two_part.version(), Some("1.2"));
        assert!(Dtmi::parse("dtmi:dtdl:context;3").unwrap().is_reserved());
    }

    #[test]
    fn error_messages_name_the_problem() {
        let err = Dtmi::parse("dtmi:com:exa-mple;1").unwrap_err().to_string();
        assert!(err.contains("'exa-mple'"), "{err}");
        let err = Dtmi::parse("dtmi:com:example;01").unwrap_err().to_string();
        assert!(err.contains("version '01'"), "{err}");
    }
}
