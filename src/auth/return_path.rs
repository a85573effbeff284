//! Where the user goes after signing in: only a page of this app on this origin, never
//! another site and never a file or the `/adt` pass-through of this one.
//!
//! The path is chosen before the redirect and comes back through storage that a script or a
//! person could edit, so it is checked again on return. Anything that a browser could
//! resolve to another origin (`//evil.example`, `/\evil.example`, `https:evil`, their
//! percent-encoded forms, control characters) is refused; so is any same-origin path that is
//! not one of the app's routes ([`APP_ROUTES`]: `/config.json`, `/adt/…`, `/signed-out`).

use std::fmt;

/// Longest return path kept; longer ones are refused rather than truncated.
pub const MAX_LEN: usize = 2048;

/// The app's routes a sign-in may return to: exact paths, and `/t/` (an organisation and
/// everything under it). Keep in step with the `<Routes>` in `lib.rs`; `/signed-out` is left
/// out on purpose (signing in never lands on "You are signed out").
pub const APP_ROUTES: [&str; 3] = ["/", "/onboarding", "/settings"];
/// The prefix of every per-organisation route.
pub const TENANT_ROUTE_PREFIX: &str = "/t/";

/// A same-origin path of one of the app's pages, with optional query and fragment, that is
/// safe to navigate to.
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
    #[error("the return path `{0}` is not a page of twinscope")]
    NotAnAppPath(String),
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
        if !is_app_route(s) {
            return Err(ReturnPathError::NotAnAppPath(s.to_owned()));
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

/// Whether the path part of `s` (before `?` or `#`) is one of [`APP_ROUTES`] or under
/// [`TENANT_ROUTE_PREFIX`] with an organisation segment, with no dot segment (plain or
/// percent-encoded) that a browser would resolve to somewhere else on the origin.
fn is_app_route(s: &str) -> bool {
    let path = s.split(['?', '#']).next().unwrap_or_default();
    let dot_segment = path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    if dot_segment {
        return false;
    }
    APP_ROUTES.contains(&path)
        || path
            .strip_prefix(TENANT_ROUTE_PREFIX)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
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
            "/onboarding?tenant=x",
            "/t/x/i/h/twins/a//b",
            "/?admin_consent=True",
        ] {
            assert_eq!(ReturnPath::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn same_origin_paths_that_are_not_pages_of_the_app_are_refused() {
        for bad in [
            "/a//b",
            "/config.json",
            "/index.html",
            "/adt/contoso.api.weu.digitaltwins.azure.net/models",
            "/signed-out",
            "/t/",
            "/t//x",
            "/settings/../adt/x",
            "/t/x/../../adt/x",
            "/t/x/%2e%2E/%2e./config.json",
            "/t/./x",
            "/tenants",
            "/healthz?x=/t/a",
        ] {
            assert_eq!(
                ReturnPath::parse(bad),
                Err(ReturnPathError::NotAnAppPath(bad.into())),
                "{bad:?}"
            );
        }
    }

    /// Found by the `auth_response` fuzz target (2026-12-03): a multi-byte character across
    /// byte 16 made the head check slice inside it and panic, which in the browser kills the
    /// app on the way back from sign-in.
    #[test]
    fn characters_of_any_width_near_the_head_are_judged_not_panicked_on() {
        let crash = "/\u{6f2}*visessqon_/\u{6f2}*visessqon_statelstatel";
        assert_eq!(
            ReturnPath::parse(crash),
            Err(ReturnPathError::NotAnAppPath(crash.into())),
            "judged (not a page of the app), not panicked on"
        );
        let in_app = format!("/t{crash}");
        assert_eq!(ReturnPath::parse(&in_app).unwrap().as_str(), in_app);
        for pad in 0..24 {
            for wide in ["é", "۲", "€", "😀"] {
                let path = format!("/t/{}{wide}/x", "a".repeat(pad));
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
