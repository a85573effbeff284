//! URLs on the same-origin pass-through, and following the service's paging.
//!
//! Every data-plane URL is `{prefix}/{host}{path}?…&api-version=2023-10-31` on our own origin.
//! The service's `nextLink`s are absolute (`https://{host}/models?…`); [`next_link_path`]
//! maps them back onto the prefix, and refuses any that point at another host, so a bearer
//! never follows a link elsewhere.

use std::collections::HashSet;

use crate::config::AdtPathPrefix;
use crate::ids::AdtHost;

/// The data-plane API version every request names.
pub const API_VERSION: &str = "2023-10-31";

/// Percent-encodes one path segment or query value (RFC 3986 unreserved kept as is).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `{prefix}/{host}{path}?{query}&api-version=…`; `path` starts with `/` and is already
/// encoded; `query` pairs are encoded here.
pub fn data_plane_url(
    prefix: &AdtPathPrefix,
    host: &AdtHost,
    path: &str,
    query: &[(&str, &str)],
) -> String {
    let mut pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    pairs.push(format!("api-version={API_VERSION}"));
    format!("{}/{}{}?{}", prefix.as_str(), host, path, pairs.join("&"))
}

/// Why a `nextLink` was not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the service sent a next-page link that does not point at {host}: {link}")]
pub struct ForeignLink {
    pub host: String,
    pub link: String,
}

/// The same-origin URL for a `nextLink` of `host`: absolute on that host, or a path.
/// Adds `api-version` when the link lacks it.
pub fn next_link_path(
    prefix: &AdtPathPrefix,
    host: &AdtHost,
    link: &str,
) -> Result<String, ForeignLink> {
    let foreign = || ForeignLink {
        host: host.to_string(),
        link: link.chars().take(200).collect(),
    };
    let path_and_query = if link.starts_with('/') && !link.starts_with("//") {
        link
    } else {
        let rest = link.strip_prefix("https://").ok_or_else(foreign)?;
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(split);
        let authority = authority.strip_suffix(":443").unwrap_or(authority);
        if !authority.eq_ignore_ascii_case(host.as_str()) {
            return Err(foreign());
        }
        tail
    };
    if path_and_query.contains('#') || path_and_query.split(['?', '/']).any(|s| s == "..") {
        return Err(foreign());
    }
    let path_and_query = if path_and_query.starts_with('?') {
        format!("/{path_and_query}")
    } else if path_and_query.is_empty() {
        "/".to_owned()
    } else {
        path_and_query.to_owned()
    };
    let has_version = path_and_query
        .split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|p| p.starts_with("api-version=")));
    let joined = format!("{}/{}{}", prefix.as_str(), host, path_and_query);
    Ok(if has_version {
        joined
    } else if joined.contains('?') {
        format!("{joined}&api-version={API_VERSION}")
    } else {
        format!("{joined}?api-version={API_VERSION}")
    })
}

/// Guards a paging loop: the next token to ask for, or `None` when paging is over (no token,
/// or a token already seen, which would loop forever).
#[derive(Debug, Default)]
pub struct PageCursor {
    seen: HashSet<String>,
}

impl PageCursor {
    pub fn advance(&mut self, token: Option<&str>) -> Option<String> {
        let token = token.filter(|t| !t.is_empty())?;
        self.seen.insert(token.to_owned()).then(|| token.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> AdtHost {
        AdtHost::parse("contoso-campus.api.weu.digitaltwins.azure.net").unwrap()
    }

    fn prefix() -> AdtPathPrefix {
        AdtPathPrefix::parse("/adt").unwrap()
    }

    #[test]
    fn urls_carry_prefix_host_and_api_version() {
        assert_eq!(
            data_plane_url(
                &prefix(),
                &host(),
                &format!("/digitaltwins/{}", encode_component("room 1/a")),
                &[("relationshipName", "contains")]
            ),
            "/adt/contoso-campus.api.weu.digitaltwins.azure.net/digitaltwins/room%201%2Fa?relationshipName=contains&api-version=2023-10-31"
        );
    }

    #[test]
    fn next_links_come_back_to_the_same_origin_or_are_refused() {
        let check = |link: &str, expected: Result<&str, ()>| {
            let got = next_link_path(&prefix(), &host(), link).map_err(|_| ());
            assert_eq!(got.as_deref().map_err(|_| ()), expected, "{link}");
        };
        check(
            "https://contoso-campus.api.weu.digitaltwins.azure.net/models?continuationToken=abc&api-version=2023-10-31",
            Ok(
                "/adt/contoso-campus.api.weu.digitaltwins.azure.net/models?continuationToken=abc&api-version=2023-10-31",
            ),
        );
        check(
            "https://CONTOSO-campus.api.weu.digitaltwins.azure.net:443/models?continuationToken=abc",
            Ok(
                "/adt/contoso-campus.api.weu.digitaltwins.azure.net/models?continuationToken=abc&api-version=2023-10-31",
            ),
        );
        check(
            "/models?x=1",
            Ok(
                "/adt/contoso-campus.api.weu.digitaltwins.azure.net/models?x=1&api-version=2023-10-31",
            ),
        );
        check("https://evil.example/models?x=1", Err(()));
        check(
            "https://contoso-campus.api.weu.digitaltwins.azure.net.evil.example/models",
            Err(()),
        );
        check(
            "http://contoso-campus.api.weu.digitaltwins.azure.net/models",
            Err(()),
        );
        check("//evil.example/models", Err(()));
        check(
            "https://contoso-campus.api.weu.digitaltwins.azure.net/../x",
            Err(()),
        );
    }

    #[test]
    fn the_cursor_stops_on_no_token_and_on_a_repeated_one() {
        let mut cursor = PageCursor::default();
        assert_eq!(cursor.advance(Some("a")), Some("a".into()));
        assert_eq!(cursor.advance(Some("b")), Some("b".into()));
        assert_eq!(cursor.advance(Some("a")), None);
        assert_eq!(cursor.advance(Some("")), None);
        assert_eq!(cursor.advance(None), None);
    }
}
