//! Where the user goes after signing in: only a path on this origin, never another site.
//!
//! The path is chosen before the redirect and comes back through storage that a script or a
//! person could edit, so it is checked again on return. Anything that a browser could
//! resolve to another origin (`//evil.example`, `/\evil.example`, `https:evil`, their
//! percent-encoded forms, control characters) is refused.

use std::fmt;

/// Longest return path kept; longer ones are refused rather than truncated.
pub const MAX_LEN: usize = 2048;

/// A same-origin path, with optional query and fragment, that is safe to navigate to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnPathError {
    #[error("the return path is empty")]
    Empty,
    #[error("the return path is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("the return path must start with a single `/` (got `{0}`)")]
    NotRelative(String),
    #[error("the return path could lead to another site (`{0}`)")]
    OffSite(String),
    #[error("the return path contains control characters, whitespace or backslashes")]
    BadCharacters,
}

impl ReturnPath {
    pub fn parse(s: &str) -> Result<Self, ReturnPathError> {
        if s.is_empty() {
            return Err(ReturnPathError::Empty);
        }
        if s.len() > MAX_LEN {
            return Err(ReturnPathError::TooLong);
        }
        if s.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        {
            return Err(ReturnPathError::BadCharacters);
        }
        if !s.starts_with('/') {
            return Err(ReturnPathError::NotRelative(s.to_owned()));
        }
        // What a browser would see after decoding the first segment's separators. The head
        // is the first 16 characters, not bytes: a byte cut could split a character.
        let head = s.char_indices().nth(16).map_or(s, |(end, _)| &s[..end]);
        let decoded_head = percent_decode_separators(head);
        if decoded_head.starts_with("//") || decoded_head.starts_with("/\\") {
            return Err(ReturnPathError::OffSite(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The landing page, for when no (valid) return path was kept.
    pub fn home() -> Self {
        Self("/".to_owned())
    }
}

impl fmt::Display for ReturnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes `%2f`, `%5c` and `%25` (repeatedly, so double encoding cannot hide a separator).
fn percent_decode_separators(s: &str) -> String {
    let mut current = s.to_owned();
    for _ in 0..4 {
        let next = current
            .replace("%2f", "/")
            .replace("%2F", "/")
            .replace("%5c", "\\")
            .replace("%5C", "\\")
            .replace("%25", "%");
        if next == current {
            break;
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_paths_are_kept_whole() {
        for ok in [
            "/",
            "/t/aaaaaaaa-0000-4000-8000-000000000001",
            "/t/x/i/contoso.api.weu.digitaltwins.azure.net/twins?q=SELECT%20*%20FROM%20digitaltwins#top",
            "/settings",
            "/a//b",
        ] {
            assert_eq!(ReturnPath::parse(ok).unwrap().as_str(), ok);
        }
    }

    /// Found by the `auth_response` fuzz target (2026-12-03): a multi-byte character across
    /// byte 16 made the head check slice inside it and panic, which in the browser kills the
    /// app on the way back from sign-in.
    #[test]
    fn characters_of_any_width_near_the_head_are_judged_not_panicked_on() {
        let crash = "/\u{6f2}*visessqon_/\u{6f2}*visessqon_statelstatel";
        assert_eq!(ReturnPath::parse(crash).unwrap().as_str(), crash);
        for pad in 0..24 {
            for wide in ["é", "۲", "€", "😀"] {
                let path = format!("/{}{wide}/x", "a".repeat(pad));
                assert_eq!(ReturnPath::parse(&path).unwrap().as_str(), path);
                let hidden = format!("/%2f{}{wide}", "e".repeat(pad));
                assert!(
                    matches!(ReturnPath::parse(&hidden), Err(ReturnPathError::OffSite(_))),
                    "{hidden}"
                );
            }
        }
    }

    #[test]
    fn anything_that_can_reach_another_site_is_refused() {
        for (bad, expected) in [
            (
                "//evil.example",
                ReturnPathError::OffSite("//evil.example".into()),
            ),
            (
                "//evil.example/path",
                ReturnPathError::OffSite("//evil.example/path".into()),
            ),
            (
                "/%2fevil.example",
                ReturnPathError::OffSite("/%2fevil.example".into()),
            ),
            (
                "/%2F%2Fevil.example",
                ReturnPathError::OffSite("/%2F%2Fevil.example".into()),
            ),
            (
                "/%252f%252fevil.example",
                ReturnPathError::OffSite("/%252f%252fevil.example".into()),
            ),
            (
                "/%5cevil.example",
                ReturnPathError::OffSite("/%5cevil.example".into()),
            ),
            (
                "https:evil.example",
                ReturnPathError::NotRelative("https:evil.example".into()),
            ),
            (
                "https://evil.example/",
                ReturnPathError::NotRelative("https://evil.example/".into()),
            ),
            (
                "javascript:alert(1)",
                ReturnPathError::NotRelative("javascript:alert(1)".into()),
            ),
            (
                "evil.example",
                ReturnPathError::NotRelative("evil.example".into()),
            ),
            ("/\\evil.example", ReturnPathError::BadCharacters),
            ("/\t/evil.example", ReturnPathError::BadCharacters),
            ("/ok\r\nLocation: x", ReturnPathError::BadCharacters),
            ("", ReturnPathError::Empty),
        ] {
            assert_eq!(ReturnPath::parse(bad), Err(expected), "{bad:?}");
        }
        assert_eq!(
            ReturnPath::parse(&format!("/{}", "a".repeat(MAX_LEN))),
            Err(ReturnPathError::TooLong)
        );
    }
}
