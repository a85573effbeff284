//! The authorization response in the address bar after the identity platform redirects back.
//!
//! Parsed strictly: each parameter at most once, bounded sizes, and either a `code` or an
//! `error`, never both. A page load whose URL carries neither `code`, `error` nor `state`
//! is not a sign-in response at all ([`parse`] returns `Ok(None)`).

/// Longest query or fragment read; anything longer is refused rather than truncated.
pub const MAX_LEN: usize = 16 * 1024;

/// What the identity platform sent back.
#[derive(PartialEq, Eq)]
pub enum AuthorizationResponse {
    Code {
        code: String,
        state: Option<String>,
        /// RFC 9207 `iss`, when the platform sends it.
        iss: Option<String>,
    },
    Error {
        error: String,
        description: String,
        state: Option<String>,
        iss: Option<String>,
    },
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code { state, iss, .. } => f
                .debug_struct("Code")
                .field("code", &"<redacted>")
                .field("state", state)
                .field("iss", iss)
                .finish(),
            Self::Error {
                error,
                description,
                state,
                iss,
            } => f
                .debug_struct("Error")
                .field("error", error)
                .field("description", description)
                .field("state", state)
                .field("iss", iss)
                .finish(),
        }
    }
}

impl AuthorizationResponse {
    pub fn state(&self) -> Option<&str> {
        match self {
            Self::Code { state, .. } | Self::Error { state, .. } => state.as_deref(),
        }
    }

    pub fn iss(&self) -> Option<&str> {
        match self {
            Self::Code { iss, .. } | Self::Error { iss, .. } => iss.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("the sign-in response is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("the sign-in response repeats `{0}`")]
    Repeated(String),
    #[error("the sign-in response's `{0}` is not valid percent-encoded UTF-8")]
    BadEncoding(String),
    #[error("the sign-in response has both a code and an error")]
    CodeAndError,
    #[error("the sign-in response has a `state` but neither a code nor an error")]
    Incomplete,
}

const KNOWN: [&str; 6] = [
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "session_state",
];

/// Parses the query (`?…`) or fragment (`#…`) of the page URL. The leading `?`/`#` is optional.
pub fn parse(raw: &str) -> Result<Option<AuthorizationResponse>, ResponseError> {
    let raw = raw.strip_prefix(['?', '#']).unwrap_or(raw);
    if raw.len() > MAX_LEN {
        return Err(ResponseError::TooLong);
    }
    let mut found: [Option<String>; KNOWN.len()] = Default::default();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(index) = KNOWN.iter().position(|k| *k == name) else {
            continue;
        };
        if found[index].is_some() {
            return Err(ResponseError::Repeated(name.to_owned()));
        }
        found[index] =
            Some(decode(value).ok_or_else(|| ResponseError::BadEncoding(name.to_owned()))?);
    }
    let [code, state, iss, error, description, _session_state] = found;
    match (code, error) {
        (Some(_), Some(_)) => Err(ResponseError::CodeAndError),
        (Some(code), None) => Ok(Some(AuthorizationResponse::Code { code, state, iss })),
        (None, Some(error)) => Ok(Some(AuthorizationResponse::Error {
            error,
            description: description.unwrap_or_default(),
            state,
            iss,
        })),
        (None, None) if state.is_some() => Err(ResponseError::Incomplete),
        (None, None) => Ok(None),
    }
}

/// `application/x-www-form-urlencoded` value decoding; `None` for bad escapes or UTF-8.
fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Removes the response parameters from a query or fragment, keeping any others, for
/// `history.replaceState` (the code must not stay in the address bar or history).
///
/// Invariant: [`parse`] of the result finds no response. A name is compared without any
/// leading `?`/`#`, so a doubled prefix (`?#code=…`, found by fuzzing) cannot smuggle a
/// response parameter through.
pub fn strip(raw: &str) -> String {
    let body = raw.strip_prefix(['?', '#']).unwrap_or(raw);
    body.split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or_default();
            !p.is_empty() && !KNOWN.contains(&name.trim_start_matches(['?', '#']))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doubled_prefix_cannot_keep_a_code_past_strip() {
        // Found by the `auth_response` fuzz target.
        for raw in [
            "?#code=a%20b&tste=ta",
            "#?code=x&state=s",
            "??code=x",
            "&#code=x",
        ] {
            let stripped = strip(raw);
            assert_eq!(parse(&stripped), Ok(None), "strip({raw:?}) = {stripped:?}");
            assert!(!stripped.contains("code="), "strip({raw:?}) = {stripped:?}");
        }
        assert_eq!(strip("?#code=x&keep=1"), "keep=1");
    }

    #[test]
    fn a_code_response_is_read() {
        let r = parse("?code=1.AbC%2Bd&state=s1&session_state=x")
            .unwrap()
            .unwrap();
        assert_eq!(
            r,
            AuthorizationResponse::Code {
                code: "1.AbC+d".into(),
                state: Some("s1".into()),
                iss: None
            }
        );
        assert!(
            !format!("{r:?}").contains("1.AbC"),
            "the code never shows in Debug"
        );
    }

    #[test]
    fn an_error_response_is_read() {
        let r = parse("#error=consent_required&error_description=AADSTS65001%3A+The+user&state=s")
            .unwrap()
            .unwrap();
        let AuthorizationResponse::Error {
            error,
            description,
            state,
            ..
        } = r
        else {
            panic!("expected an error");
        };
        assert_eq!(error, "consent_required");
        assert_eq!(description, "AADSTS65001: The user");
        assert_eq!(state.as_deref(), Some("s"));
    }

    fn check_refused(raw: &str, expected: ResponseError) {
        assert_eq!(parse(raw).unwrap_err(), expected, "{raw}");
    }

    #[test]
    fn hostile_responses_are_refused() {
        check_refused(
            "?code=a&code=b&state=s",
            ResponseError::Repeated("code".into()),
        );
        check_refused(
            "?code=a&state=s&state=t",
            ResponseError::Repeated("state".into()),
        );
        check_refused("?code=a&error=x", ResponseError::CodeAndError);
        check_refused("?state=s", ResponseError::Incomplete);
        check_refused(
            "?code=%zz&state=s",
            ResponseError::BadEncoding("code".into()),
        );
        check_refused(
            "?code=%ff&state=s",
            ResponseError::BadEncoding("code".into()),
        );
        check_refused(
            "?code=%4&state=s",
            ResponseError::BadEncoding("code".into()),
        );
        check_refused(
            &format!("?code={}", "a".repeat(MAX_LEN)),
            ResponseError::TooLong,
        );
    }

    #[test]
    fn ordinary_page_urls_are_not_responses() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("?q=SELECT+*").unwrap(), None);
    }

    #[test]
    fn stripping_keeps_other_parameters() {
        assert_eq!(strip("?code=a&state=b&q=1&session_state=z"), "q=1");
        assert_eq!(strip("#code=a&state=b"), "");
    }
}
