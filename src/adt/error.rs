//! Everything an Azure Digital Twins call can end in, one variant per thing a user can do.
//!
//! [`classify`] turns a non-success response into an [`AdtError`] without any I/O, so the
//! rules (empty-bodied 403, `Sub-domain not found`, `SqlQueryError` positions) are tested
//! on their own.

use std::time::Duration;

use serde_json::Value;

use crate::auth::client::AuthError;
use crate::auth::http::NetworkError;
use crate::ids::AdtHost;
use crate::json;

/// The data-plane role that reads an instance.
pub const READER_ROLE: &str = "Azure Digital Twins Data Reader";
/// The data-plane role that changes an instance.
pub const OWNER_ROLE: &str = "Azure Digital Twins Data Owner";

/// One entry of an error's `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AdtError {
    /// 403 (the service sends no body): the signed-in user lacks a data-plane role.
    #[error("{}", forbidden_message(.host, *.write))]
    Forbidden { host: AdtHost, write: bool },
    /// 404 `Sub-domain not found`: the token was issued by another tenant than the instance's.
    #[error(
        "{host} does not accept this sign-in: the token comes from a different tenant than the instance's. Switch to the tenant that owns {host} and try again"
    )]
    WrongTenant { host: AdtHost },
    /// 404 for a twin, relationship, model or component.
    #[error("{}", not_found_message(.host, .code, .message))]
    NotFound {
        host: AdtHost,
        code: String,
        message: String,
    },
    /// 412: someone changed the resource since it was read; fetch it again to compare.
    #[error(
        "this was changed by someone else since you loaded it; compare the current version with your edits"
    )]
    PreconditionFailed,
    /// 409: it already exists or is still referenced.
    #[error("conflict ({code}): {message}")]
    Conflict { code: String, message: String },
    /// 400 `SqlQueryError`, with the position when the service gives one.
    #[error("{}", query_message(*.line, *.position, .message))]
    Query {
        line: Option<u32>,
        position: Option<u32>,
        message: String,
    },
    /// Any other 400: the request does not fit the models or the API. `details` are the
    /// individual problems (for an invalid twin: which property and why); `inner` the codes of
    /// the nested `innererror`s, outermost first.
    #[error("{message}")]
    Validation {
        code: String,
        message: String,
        details: Vec<ErrorDetail>,
        inner: Vec<String>,
    },
    /// 429 or 503 after every retry.
    #[error("{host} is busy (too many requests); try again in {} s", .retry_after.map(|d| d.as_secs().max(1)).unwrap_or(5))]
    Throttled {
        host: AdtHost,
        retry_after: Option<Duration>,
    },
    /// 401: the token was refused; signing in again gets a fresh one.
    #[error("{host} refused the sign-in ({message}); sign in again")]
    Unauthorized { host: AdtHost, message: String },
    /// No usable answer (none at all, or a redirect, never followed with a token). After a
    /// write the unsaved edits are kept so the user can retry, and the message says so.
    #[error("{}", network_message(.error, *.write))]
    Network { error: NetworkError, write: bool },
    /// No token could be acquired for the instance's tenant.
    #[error(transparent)]
    Auth(AuthError),
    /// Anything else the service answered.
    #[error("the service answered {status} ({code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// A success status with a body that is not what the API promises.
    #[error("the service's answer could not be read: {0}")]
    Malformed(String),
}

fn not_found_message(host: &AdtHost, code: &str, message: &str) -> String {
    match (code.is_empty(), message.is_empty()) {
        (true, true) => format!(
            "{host} answered 404 (not found) with no details: the item may have been deleted, or the address is wrong"
        ),
        (false, true) => format!("not found on {host} ({code})"),
        (true, false) => format!("not found on {host}: {message}"),
        (false, false) => format!("not found on {host} ({code}): {message}"),
    }
}

fn network_message(error: &NetworkError, write: bool) -> String {
    let kept = if write { "; your changes are kept" } else { "" };
    if error.reason == crate::auth::http::REDIRECTED {
        format!(
            "{error}. The instance or something in front of it redirected the request{kept}. Ask whoever runs this deployment to check the /adt gateway"
        )
    } else if write {
        format!("{error}; your changes are kept, retry when the connection is back")
    } else {
        format!("{error}; retry when the connection is back")
    }
}

fn forbidden_message(host: &AdtHost, write: bool) -> String {
    if write {
        format!(
            "you need the '{OWNER_ROLE}' role on {host} to change its models, twins and relationships"
        )
    } else {
        format!(
            "you need the '{READER_ROLE}' role (or '{OWNER_ROLE}') on {host} to read its models, twins and relationships"
        )
    }
}

fn query_message(line: Option<u32>, position: Option<u32>, message: &str) -> String {
    match (line, position) {
        (Some(l), Some(p)) => format!("query error at line {l}, position {p}: {message}"),
        (Some(l), None) => format!("query error at line {l}: {message}"),
        _ => format!("query error: {message}"),
    }
}

/// What the request was, for wording the error.
#[derive(Debug, Clone)]
pub struct RequestKind {
    pub host: AdtHost,
    /// True for anything that changes the instance.
    pub write: bool,
}

/// The `{"error": {...}}` body, or the plain `{"message": ...}` some front doors send.
struct ErrorBody {
    code: String,
    message: String,
    details: Vec<ErrorDetail>,
    inner: Vec<String>,
}

/// The codes of `innererror`, then of its `innererror`, and so on (at most 8 deep).
fn inner_codes(error: &Value) -> Vec<String> {
    let mut codes = Vec::new();
    let mut next = error.get("innererror");
    while let Some(inner) = next.filter(|_| codes.len() < 8) {
        if let Some(code) = inner.get("code").and_then(Value::as_str) {
            codes.push(code.to_owned());
        }
        next = inner.get("innererror");
    }
    codes
}

fn parse_body(body: &[u8], header_code: Option<&str>) -> ErrorBody {
    let value: Value = json::parse(body).unwrap_or(Value::Null);
    let error = value.get("error").unwrap_or(&value);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let code = Some(text(error.get("code")))
        .filter(|c| !c.is_empty())
        .or_else(|| header_code.map(str::to_owned))
        .unwrap_or_default();
    let mut message = text(error.get("message"));
    if message.is_empty() && value.is_null() {
        message = String::from_utf8_lossy(body)
            .trim()
            .chars()
            .take(500)
            .collect();
    }
    let details = error
        .get("details")
        .and_then(Value::as_array)
        .map(|ds| {
            ds.iter()
                .map(|d| ErrorDetail {
                    code: text(d.get("code")),
                    message: text(d.get("message")),
                })
                .collect()
        })
        .unwrap_or_default();
    ErrorBody {
        code,
        message,
        details,
        inner: inner_codes(error),
    }
}

/// The non-success answer `status` (with `x-ms-error-code` and body) as an [`AdtError`].
/// `retry_after` is the parsed `Retry-After`, for 429/503.
pub fn classify(
    status: u16,
    header_code: Option<&str>,
    body: &[u8],
    retry_after: Option<Duration>,
    kind: &RequestKind,
) -> AdtError {
    let host = kind.host.clone();
    let parsed = parse_body(body, header_code);
    match status {
        401 => AdtError::Unauthorized {
            host,
            message: if parsed.message.is_empty() {
                "no message".into()
            } else {
                parsed.message
            },
        },
        403 => AdtError::Forbidden {
            host,
            write: kind.write,
        },
        404 if is_sub_domain_not_found(&parsed.message) => AdtError::WrongTenant { host },
        404 => AdtError::NotFound {
            host,
            code: parsed.code,
            message: parsed.message,
        },
        409 => AdtError::Conflict {
            code: parsed.code,
            message: parsed.message,
        },
        412 => AdtError::PreconditionFailed,
        400 if parsed.code == "SqlQueryError" => {
            let (line, position) = query_position(&parsed.message);
            AdtError::Query {
                line,
                position,
                message: parsed.message,
            }
        }
        400 => AdtError::Validation {
            code: parsed.code,
            message: parsed.message,
            details: parsed.details,
            inner: parsed.inner,
        },
        429 | 503 => AdtError::Throttled { host, retry_after },
        _ => AdtError::Server {
            status,
            code: parsed.code,
            message: parsed.message,
        },
    }
}

fn is_sub_domain_not_found(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .contains("sub-domain not found")
}

/// Finds `line N` and `position N` (or `column N`/`col N`) in a query error message.
/// Missing or unreadable numbers are `None`; the message is shown either way.
pub fn query_position(message: &str) -> (Option<u32>, Option<u32>) {
    let lower = message.to_ascii_lowercase();
    let number_after = |word: &str| -> Option<u32> {
        lower.match_indices(word).find_map(|(i, _)| {
            let rest = &lower[i + word.len()..];
            let rest = rest.trim_start_matches([' ', ':', '=', '#']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
    };
    let line = number_after("line");
    let position = number_after("position")
        .or_else(|| number_after("column"))
        .or_else(|| number_after("col"));
    (line, position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(write: bool) -> RequestKind {
        RequestKind {
            host: AdtHost::parse("contoso-campus.api.weu.digitaltwins.azure.net").unwrap(),
            write,
        }
    }

    #[test]
    fn only_a_write_without_an_answer_promises_the_changes_are_kept() {
        use crate::auth::http::{NO_ANSWER, REDIRECTED};
        let check = |reason: &str, write: bool, expected: &str| {
            let error = NetworkError {
                request: "PATCH /adt/h/digitaltwins/room".into(),
                reason: reason.into(),
            };
            let message = AdtError::Network { error, write }.to_string();
            assert!(message.ends_with(expected), "{message}");
            assert_eq!(message.contains("changes"), write, "{message}");
        };
        check(
            NO_ANSWER,
            true,
            "; your changes are kept, retry when the connection is back",
        );
        check(
            NO_ANSWER,
            false,
            "this site); retry when the connection is back",
        );
        check(
            REDIRECTED,
            true,
            "so it was stopped. The instance or something in front of it redirected the request; your changes are kept. Ask whoever runs this deployment to check the /adt gateway",
        );
        check(
            REDIRECTED,
            false,
            "so it was stopped. The instance or something in front of it redirected the request. Ask whoever runs this deployment to check the /adt gateway",
        );
    }

    #[test]
    fn query_positions_are_found_in_the_usual_wordings() {
        let check = |message: &str, expected: (Option<u32>, Option<u32>)| {
            assert_eq!(query_position(message), expected, "{message}");
        };
        check(
            "Query has an error at line 1, position 23: unexpected token",
            (Some(1), Some(23)),
        );
        check("Syntax error at Line: 3 Column: 7", (Some(3), Some(7)));
        check("Invalid query (line 12 col 4)", (Some(12), Some(4)));
        check("The query is too long", (None, None));
        check("pipeline broken at line x", (None, None));
    }

    #[test]
    fn statuses_map_to_what_the_user_can_do() {
        let check = |status: u16, body: &str, write: bool, expected: &dyn Fn(&AdtError) -> bool| {
            let e = classify(status, None, body.as_bytes(), None, &kind(write));
            assert!(expected(&e), "{status} {body}: {e:?}");
        };
        check(403, "", true, &|e| {
            matches!(e, AdtError::Forbidden { write: true, .. })
                && e.to_string().contains(OWNER_ROLE)
                && e.to_string()
                    .contains("contoso-campus.api.weu.digitaltwins.azure.net")
        });
        check(403, "", false, &|e| e.to_string().contains(READER_ROLE));
        check(
            404,
            r#"{"statusCode":404,"message":"Sub-domain not found."}"#,
            false,
            &|e| matches!(e, AdtError::WrongTenant { .. }),
        );
        check(
            404,
            r#"{"error":{"code":"DigitalTwinNotFound","message":"no twin"}}"#,
            false,
            &|e| matches!(e, AdtError::NotFound { code, .. } if code == "DigitalTwinNotFound"),
        );
        // A 404 without an ADT body (a front door, a proxy) still says where and what.
        check(404, "", false, &|e| {
            e.to_string()
                == "contoso-campus.api.weu.digitaltwins.azure.net answered 404 (not found) with no details: the item may have been deleted, or the address is wrong"
        });
        check(412, "", true, &|e| {
            matches!(e, AdtError::PreconditionFailed)
        });
        check(
            409,
            r#"{"error":{"code":"ModelIdAlreadyExists","message":"x"}}"#,
            true,
            &|e| matches!(e, AdtError::Conflict { .. }),
        );
        check(
            400,
            r#"{"error":{"code":"ValidationFailed","message":"bad","details":[{"code":"ValidationFailed","message":"temp: expected a number"}]}}"#,
            true,
            &|e| matches!(e, AdtError::Validation { details, .. } if details.len() == 1),
        );
        check(
            400,
            r#"{"error":{"code":"JsonPatchInvalid","message":"bad patch","innererror":{"code":"PathNotFound","innererror":{"code":"ComponentMissing"}}}}"#,
            true,
            &|e| matches!(e, AdtError::Validation { inner, .. } if inner == &["PathNotFound", "ComponentMissing"]),
        );
        check(
            400,
            r#"{"error":{"code":"SqlQueryError","message":"Query has an error at line 2, position 5: x"}}"#,
            false,
            &|e| {
                matches!(
                    e,
                    AdtError::Query {
                        line: Some(2),
                        position: Some(5),
                        ..
                    }
                )
            },
        );
        check(429, "", false, &|e| matches!(e, AdtError::Throttled { .. }));
        check(401, "", false, &|e| {
            matches!(e, AdtError::Unauthorized { .. })
        });
        check(
            500,
            "oops",
            false,
            &|e| matches!(e, AdtError::Server { status: 500, message, .. } if message == "oops"),
        );
    }

    #[test]
    fn the_error_code_header_is_used_when_the_body_has_none() {
        let e = classify(
            400,
            Some("SqlQueryError"),
            b"{\"message\":\"bad at line 1 position 2\"}",
            None,
            &kind(false),
        );
        assert!(matches!(
            e,
            AdtError::Query {
                line: Some(1),
                position: Some(2),
                ..
            }
        ));
    }
}
