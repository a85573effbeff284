//! Where a pass-through request may go: the instance host and the path, validated from the
//! raw request target before any connection is made.
//!
//! Both checks are strict allow-lists over the *raw* (undecoded) text: anything that a
//! decoder, a URL parser or an upstream could interpret differently from us is refused, not
//! normalised.

use std::net::Ipv6Addr;

/// Longest DNS name (RFC 1035), without a trailing dot.
pub const MAX_HOST_LEN: usize = 253;
/// Longest DNS label.
pub const MAX_LABEL_LEN: usize = 63;

/// A host that passed [`validate_host`]: a lower-case DNS name under an allowed suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdtHost(String);

impl AdtHost {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AdtHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a host segment is not forwarded to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostRefusal {
    #[error("the instance host is empty; the path must be /adt/{{instance-host}}/…")]
    Empty,
    #[error("the instance host must not be percent-encoded")]
    PercentEncoded,
    #[error("the instance host must not carry user information (`user@`)")]
    Userinfo,
    #[error("the instance host must not name a port")]
    Port,
    #[error("the instance host must be a DNS name, not an IP address")]
    IpLiteral,
    #[error("the instance host must not end with a dot")]
    TrailingDot,
    #[error("the instance host must be lower case (it is not normalised)")]
    Uppercase,
    #[error("the instance host contains `{0}`; only a-z, 0-9, `-` and `.` are allowed")]
    BadCharacter(char),
    #[error("the instance host is longer than {MAX_HOST_LEN} characters")]
    TooLong,
    #[error("the instance host has an empty label (`..` or a leading dot)")]
    EmptyLabel,
    #[error("the label `{0}` is longer than {MAX_LABEL_LEN} characters")]
    LabelTooLong(String),
    #[error("the label `{0}` starts or ends with `-`")]
    LabelHyphen(String),
    #[error("`{host}` is not under an allowed suffix ({allowed})")]
    NotAllowed { host: String, allowed: String },
}

/// Checks one raw host segment against the allowed suffixes (each like
/// `.digitaltwins.azure.net`; the leading dot is implied when missing). The host must have at
/// least one label before the suffix, so the suffix itself is refused.
pub fn validate_host(raw: &str, allowed_suffixes: &[String]) -> Result<AdtHost, HostRefusal> {
    if raw.is_empty() {
        return Err(HostRefusal::Empty);
    }
    if raw.contains('%') {
        return Err(HostRefusal::PercentEncoded);
    }
    if raw.contains('@') {
        return Err(HostRefusal::Userinfo);
    }
    if raw.contains(['[', ']']) || raw.parse::<Ipv6Addr>().is_ok() {
        return Err(HostRefusal::IpLiteral);
    }
    if raw.contains(':') {
        return Err(HostRefusal::Port);
    }
    if raw.ends_with('.') {
        return Err(HostRefusal::TrailingDot);
    }
    if raw.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(HostRefusal::Uppercase);
    }
    if let Some(c) = raw
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.')))
    {
        return Err(HostRefusal::BadCharacter(c));
    }
    if raw.len() > MAX_HOST_LEN {
        return Err(HostRefusal::TooLong);
    }
    for label in raw.split('.') {
        if label.is_empty() {
            return Err(HostRefusal::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(HostRefusal::LabelTooLong(label.to_owned()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HostRefusal::LabelHyphen(label.to_owned()));
        }
    }
    if looks_like_ipv4(raw) {
        return Err(HostRefusal::IpLiteral);
    }
    if allowed_suffixes.iter().any(|s| is_under(raw, s)) {
        Ok(AdtHost(raw.to_owned()))
    } else {
        Err(HostRefusal::NotAllowed {
            host: raw.to_owned(),
            allowed: allowed_suffixes.join(", "),
        })
    }
}

/// `host` is `{one or more labels}.{suffix}`.
fn is_under(host: &str, suffix: &str) -> bool {
    let suffix = suffix.trim_start_matches('.').to_ascii_lowercase();
    !suffix.is_empty()
        && host
            .strip_suffix(suffix.as_str())
            .and_then(|rest| rest.strip_suffix('.'))
            .is_some_and(|labels| !labels.is_empty())
}

/// What a URL parser (WHATWG, `inet_aton`) would read as an IPv4 address: the last label is a
/// number (decimal, `0x` hex or `0` octal), e.g. `127.0.0.1`, `2130706433`, `0x7f.1`.
fn looks_like_ipv4(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or_default();
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || last.bytes().all(|b| b.is_ascii_digit())
}

/// Why a path is not forwarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathRefusal {
    #[error("nothing follows the instance host; the path must be /adt/{{instance-host}}/{{path}}")]
    Missing,
    #[error("the path has a `.` or `..` segment")]
    DotSegment,
    #[error("the path has an empty segment (`//` or a trailing `/`)")]
    EmptySegment,
    #[error(
        "the path contains an encoded `{0}` (`%{1:02X}`); separators and dots must not be encoded"
    )]
    EncodedSeparator(char, u8),
    #[error("the path contains `%25`: double encoding is refused")]
    DoubleEncoding,
    #[error("the path contains a backslash")]
    Backslash,
    #[error("the path contains a NUL byte")]
    Nul,
    #[error("the path contains a control character (CR, LF or other), raw or encoded")]
    ControlCharacter,
    #[error("the path contains a malformed percent-encoding")]
    MalformedEncoding,
    #[error("the path contains `{0}`, which a URL must encode")]
    BadCharacter(char),
}

/// Checks the raw path after the host (`/digitaltwins/x`). Allowed: RFC 3986 path
/// characters (unreserved, sub-delims, `:`, `@`) and percent-encodings of anything but
/// `/`, `\`, `.`, `%` and control characters; non-empty segments other than `.` and `..`.
pub fn validate_path(raw: &str) -> Result<(), PathRefusal> {
    let Some(rest) = raw.strip_prefix('/') else {
        return Err(PathRefusal::Missing);
    };
    if rest.is_empty() {
        return Err(PathRefusal::Missing);
    }
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let decoded = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(PathRefusal::MalformedEncoding)?;
            check_decoded(decoded)?;
            i += 3;
            continue;
        }
        check_raw(b)?;
        i += 1;
    }
    for segment in rest.split('/') {
        match segment {
            "" => return Err(PathRefusal::EmptySegment),
            "." | ".." => return Err(PathRefusal::DotSegment),
            _ => {}
        }
    }
    Ok(())
}

fn check_decoded(b: u8) -> Result<(), PathRefusal> {
    match b {
        b'/' | b'\\' | b'.' => Err(PathRefusal::EncodedSeparator(char::from(b), b)),
        b'%' => Err(PathRefusal::DoubleEncoding),
        0 => Err(PathRefusal::Nul),
        b if b < 0x20 || b == 0x7f => Err(PathRefusal::ControlCharacter),
        _ => Ok(()),
    }
}

fn check_raw(b: u8) -> Result<(), PathRefusal> {
    match b {
        b'\\' => Err(PathRefusal::Backslash),
        0 => Err(PathRefusal::Nul),
        b if b < 0x20 || b == 0x7f => Err(PathRefusal::ControlCharacter),
        b if b.is_ascii_alphanumeric() => Ok(()),
        b'/' | b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*'
        | b'+' | b',' | b';' | b'=' | b':' | b'@' => Ok(()),
        other => Err(PathRefusal::BadCharacter(char::from(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUFFIX: &str = ".digitaltwins.azure.net";

    fn check_host(raw: &str, expected: Result<(), HostRefusal>) {
        let got = validate_host(raw, &[SUFFIX.to_owned()]).map(|h| assert_eq!(h.as_str(), raw));
        assert_eq!(got, expected, "{raw:?}");
    }

    #[test]
    fn adt_instance_hosts_are_accepted() {
        for host in [
            "myinst.api.weu.digitaltwins.azure.net",
            "a.digitaltwins.azure.net",
            "x-1.api.wcus.digitaltwins.azure.net",
            "0contoso.api.neu.digitaltwins.azure.net",
        ] {
            check_host(host, Ok(()));
        }
    }

    #[test]
    fn hosts_outside_the_suffix_or_not_dns_names_are_refused() {
        use HostRefusal::*;
        let not_allowed = |h: &str| NotAllowed {
            host: h.to_owned(),
            allowed: SUFFIX.to_owned(),
        };
        for (raw, refusal) in [
            ("", Empty),
            ("evil.example", not_allowed("evil.example")),
            (
                "digitaltwins.azure.net.evil.example",
                not_allowed("digitaltwins.azure.net.evil.example"),
            ),
            (
                "xdigitaltwins.azure.net",
                not_allowed("xdigitaltwins.azure.net"),
            ),
            (
                "digitaltwins.azure.net",
                not_allowed("digitaltwins.azure.net"),
            ),
            ("127.0.0.1", IpLiteral),
            ("2130706433", IpLiteral),
            ("0x7f000001", IpLiteral),
            ("0x7f.1", IpLiteral),
            ("0177.0.0.1", IpLiteral),
            ("[::1]", IpLiteral),
            ("[::ffff:127.0.0.1]", IpLiteral),
            ("::1", IpLiteral),
            ("a.digitaltwins.azure.net:443", Port),
            ("a@a.digitaltwins.azure.net", Userinfo),
            ("a%2edigitaltwins.azure.net", PercentEncoded),
            ("a.digitaltwins.azure.net.", TrailingDot),
            ("A.digitaltwins.azure.net", Uppercase),
            ("a_b.digitaltwins.azure.net", BadCharacter('_')),
            ("a\\b.digitaltwins.azure.net", BadCharacter('\\')),
            ("a..digitaltwins.azure.net", EmptyLabel),
            (".digitaltwins.azure.net", EmptyLabel),
            ("-a.digitaltwins.azure.net", LabelHyphen("-a".into())),
            ("a-.digitaltwins.azure.net", LabelHyphen("a-".into())),
        ] {
            check_host(raw, Err(refusal));
        }
        let long_label = "a".repeat(64);
        check_host(
            &format!("{long_label}{SUFFIX}"),
            Err(LabelTooLong(long_label.clone())),
        );
        let long_host = format!("{}{SUFFIX}", vec!["a".repeat(60); 4].join("."));
        check_host(&long_host, Err(TooLong));
    }

    #[test]
    fn suffixes_match_whole_labels_with_or_without_the_leading_dot() {
        let allowed = ["example.test".to_owned(), ".other.test".to_owned()];
        assert!(validate_host("a.example.test", &allowed).is_ok());
        assert!(validate_host("b.c.other.test", &allowed).is_ok());
        assert!(validate_host("aexample.test", &allowed).is_err());
        assert!(validate_host("other.test", &allowed).is_err());
        assert!(validate_host("a.example.test", &[]).is_err());
    }

    fn check_path(raw: &str, expected: Result<(), PathRefusal>) {
        assert_eq!(validate_path(raw), expected, "{raw:?}");
    }

    #[test]
    fn adt_paths_are_accepted_as_written() {
        for path in [
            "/models",
            "/models/dtmi:com:example:Room;1",
            "/digitaltwins/room%20101/relationships/r-1",
            "/query",
            "/digitaltwins/a~b_c!$&'()*+,=@",
            "/digitaltwins/caf%C3%A9",
        ] {
            check_path(path, Ok(()));
        }
    }

    #[test]
    fn traversal_encoded_separators_and_controls_are_refused() {
        use PathRefusal::*;
        for (raw, refusal) in [
            ("", Missing),
            ("/", Missing),
            ("/../x", DotSegment),
            ("/a/./b", DotSegment),
            ("/a/..", DotSegment),
            ("/a//b", EmptySegment),
            ("/a/", EmptySegment),
            ("/a%2Fb", EncodedSeparator('/', 0x2f)),
            ("/a%2fb", EncodedSeparator('/', 0x2f)),
            ("/%2e%2e/x", EncodedSeparator('.', 0x2e)),
            ("/%2E", EncodedSeparator('.', 0x2e)),
            ("/a%5cb", EncodedSeparator('\\', 0x5c)),
            ("/%252e%252e/x", DoubleEncoding),
            ("/a\\b", Backslash),
            ("/a\0b", Nul),
            ("/a%00b", Nul),
            ("/a\r\nb", ControlCharacter),
            ("/a%0d%0aSet-Cookie:x", ControlCharacter),
            ("/a%0A", ControlCharacter),
            ("/a%zz", MalformedEncoding),
            ("/a%2", MalformedEncoding),
            ("/a b", BadCharacter(' ')),
            ("/a\"b", BadCharacter('"')),
            ("/a<b", BadCharacter('<')),
            ("/a{b}", BadCharacter('{')),
        ] {
            check_path(raw, Err(refusal));
        }
    }
}
