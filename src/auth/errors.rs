//! Entra ID errors turned into cases a person can act on.
//!
//! The identity platform answers with an OAuth `error`, an `error_description` that begins
//! `AADSTSnnnnn:`, and (at the token endpoint) `error_codes`. [`SignInError::from_entra`]
//! reads the AADSTS number first (it is the precise one) and falls back on the OAuth code.

use serde_json::Value;

use crate::json;

/// What went wrong, and so what the user can do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The organisation has not allowed twinscope yet: an administrator must consent.
    #[error("your organisation's administrator has not approved twinscope yet (AADSTS{code})")]
    ConsentRequired { code: u32 },
    /// The account has no user object in the tenant asked for.
    #[error("this account is not a member or guest of that organisation (AADSTS{code})")]
    UserNotInTenant { code: u32 },
    /// The twinscope app registration is unknown where the user signed in.
    #[error("twinscope is not registered in this directory (AADSTS{code})")]
    AppNotInTenant { code: u32 },
    /// The tenant has no service principal for the resource (Digital Twins not enabled).
    #[error("Azure Digital Twins is not enabled in this organisation's directory (AADSTS{code})")]
    ResourceNotRegistered { code: u32 },
    /// MFA, Conditional Access, an expired session, or a prompt that needs the user.
    #[error("the sign-in needs you to take part (AADSTS{code})")]
    InteractionRequired { code: u32 },
    /// The refresh token expired (SPA tokens last 24 hours) or was revoked.
    #[error("your session has ended; sign in again (AADSTS{code})")]
    SessionExpired { code: u32 },
    /// The user cancelled or an administrator refused.
    #[error("sign-in was cancelled or refused (AADSTS{code})")]
    AccessDenied { code: u32 },
    /// The request could not reach the identity platform.
    #[error("the identity platform could not be reached: {0}")]
    Network(String),
    /// Anything else, with Entra's own words.
    #[error("sign-in failed: {description}")]
    Other {
        error: String,
        code: Option<u32>,
        description: String,
    },
}

/// What the UI offers for an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Show the page explaining admin consent, with the consent link for the tenant.
    AskAdminToConsent,
    /// Explain that the account cannot use that tenant; offer another account.
    UseAnotherAccount,
    /// Tell the tenant's administrator what to register.
    AskAdminToEnableDigitalTwins,
    /// Retry with a full-page sign-in.
    SignInInteractively,
    /// Offer "sign in again" at a moment of the user's choosing.
    SignInAgain,
    /// Keep the page and offer to retry.
    Retry,
    /// Show the message; nothing better is known.
    ShowMessage,
}

/// The first `AADSTSnnnnn` number in a description.
pub fn aadsts_code(description: &str) -> Option<u32> {
    let start = description.find("AADSTS")? + "AADSTS".len();
    let digits: String = description[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

impl SignInError {
    /// From the `error` and `error_description` of an authorize redirect or token response.
    pub fn from_entra(error: &str, description: &str, error_codes: Option<&[u32]>) -> Self {
        let code = error_codes
            .and_then(|c| c.first().copied())
            .or_else(|| aadsts_code(description));
        match (code, error) {
            (Some(c @ (65001 | 90094 | 90008)), _) => Self::ConsentRequired { code: c },
            (Some(c @ (50020 | 50034 | 90072)), _) => Self::UserNotInTenant { code: c },
            (Some(c @ 700016), _) => Self::AppNotInTenant { code: c },
            (Some(c @ (650052 | 500011)), _) => Self::ResourceNotRegistered { code: c },
            (
                Some(
                    c @ (50076 | 50079 | 50158 | 53000 | 53001 | 53003 | 50058 | 16000 | 50055
                    | 50126),
                ),
                _,
            ) => Self::InteractionRequired { code: c },
            (Some(c @ (700084 | 70008 | 700082 | 50173 | 50132 | 70043 | 700222)), _) => {
                Self::SessionExpired { code: c }
            }
            (Some(c @ (65004 | 50105)), _) => Self::AccessDenied { code: c },
            (Some(c), "consent_required") => Self::ConsentRequired { code: c },
            (Some(c), "interaction_required" | "login_required") => {
                Self::InteractionRequired { code: c }
            }
            (Some(c), "access_denied") => Self::AccessDenied { code: c },
            _ => Self::Other {
                error: error.to_owned(),
                code,
                description: description.to_owned(),
            },
        }
    }

    /// From a token endpoint's JSON error body.
    pub fn from_token_response(body: &str) -> Self {
        let Ok(value) = json::parse(body.as_bytes()) else {
            return Self::Other {
                error: "invalid_response".to_owned(),
                code: None,
                description: "the identity platform answered with something that is not JSON"
                    .to_owned(),
            };
        };
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let codes: Option<Vec<u32>> = value.get("error_codes").and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|c| c.as_u64().and_then(|c| u32::try_from(c).ok()))
                .collect()
        });
        Self::from_entra(&text("error"), &text("error_description"), codes.as_deref())
    }

    pub fn next_step(&self) -> NextStep {
        match self {
            Self::ConsentRequired { .. } => NextStep::AskAdminToConsent,
            Self::UserNotInTenant { .. } | Self::AppNotInTenant { .. } => {
                NextStep::UseAnotherAccount
            }
            Self::ResourceNotRegistered { .. } => NextStep::AskAdminToEnableDigitalTwins,
            Self::InteractionRequired { .. } => NextStep::SignInInteractively,
            Self::SessionExpired { .. } => NextStep::SignInAgain,
            Self::Network(_) => NextStep::Retry,
            Self::AccessDenied { .. } | Self::Other { .. } => NextStep::ShowMessage,
        }
    }
}

/// The admin-consent URL an administrator opens to approve twinscope: for one tenant (a
/// GUID), or `organizations` when the tenant is not known (the admin's own is used).
pub fn admin_consent_url(
    authority_host: &str,
    tenant: &str,
    client_id: &str,
    redirect_uri: &str,
) -> String {
    format!(
        "{}/{}/v2.0/adminconsent?client_id={}&scope={}&redirect_uri={}",
        authority_host.trim_end_matches('/'),
        tenant,
        encode(client_id),
        encode("https://digitaltwins.azure.net/.default"),
        encode(redirect_uri)
    )
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TenantId;

    fn check(error: &str, description: &str, expected_step: NextStep) -> SignInError {
        let e = SignInError::from_entra(error, description, None);
        assert_eq!(
            e.next_step(),
            expected_step,
            "{error}: {description} -> {e:?}"
        );
        e
    }

    #[test]
    fn each_entra_case_maps_to_an_action() {
        check(
            "invalid_grant",
            "AADSTS65001: The user or administrator has not consented to use the application",
            NextStep::AskAdminToConsent,
        );
        check(
            "consent_required",
            "AADSTS90094: Admin consent is required",
            NextStep::AskAdminToConsent,
        );
        check(
            "invalid_request",
            "AADSTS50020: User account 'x' from identity provider does not exist in tenant 'Fabrikam'",
            NextStep::UseAnotherAccount,
        );
        check(
            "unauthorized_client",
            "AADSTS700016: Application with identifier '…' was not found in the directory",
            NextStep::UseAnotherAccount,
        );
        check(
            "invalid_client",
            "AADSTS650052: The app needs access to a service (\"https://digitaltwins.azure.net\") that your organization has not subscribed to",
            NextStep::AskAdminToEnableDigitalTwins,
        );
        check(
            "invalid_resource",
            "AADSTS500011: The resource principal named https://digitaltwins.azure.net was not found",
            NextStep::AskAdminToEnableDigitalTwins,
        );
        check(
            "interaction_required",
            "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication",
            NextStep::SignInInteractively,
        );
        check(
            "interaction_required",
            "AADSTS53003: Access has been blocked by Conditional Access policies",
            NextStep::SignInInteractively,
        );
        check(
            "login_required",
            "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            NextStep::SignInInteractively,
        );
        check(
            "invalid_grant",
            "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00",
            NextStep::SignInAgain,
        );
        check(
            "invalid_grant",
            "AADSTS70008: The provided authorization code or refresh token has expired",
            NextStep::SignInAgain,
        );
        check(
            "server_error",
            "AADSTS90099: something unusual",
            NextStep::ShowMessage,
        );
        check(
            "temporarily_unavailable",
            "no code at all",
            NextStep::ShowMessage,
        );
    }

    #[test]
    fn token_responses_prefer_error_codes_and_survive_garbage() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS70000: something","error_codes":[700084],"timestamp":"x","trace_id":"t","correlation_id":"c"}"#;
        assert_eq!(
            SignInError::from_token_response(body),
            SignInError::SessionExpired { code: 700084 }
        );
        assert!(matches!(
            SignInError::from_token_response("<html>"),
            SignInError::Other { code: None, .. }
        ));
        assert!(matches!(
            SignInError::from_token_response(r#"{"error_codes":"nope"}"#),
            SignInError::Other { code: None, .. }
        ));
    }

    #[test]
    fn codes_are_read_from_descriptions() {
        assert_eq!(
            aadsts_code("AADSTS700084: The refresh token …"),
            Some(700084)
        );
        assert_eq!(aadsts_code("prefix AADSTS50058: x"), Some(50058));
        assert_eq!(aadsts_code("AADSTS: no digits"), None);
        assert_eq!(aadsts_code("AADSTS99999999999999: overflow"), None);
        assert_eq!(aadsts_code(""), None);
    }

    #[test]
    fn the_admin_consent_link_names_the_tenant_and_encodes_values() {
        let tenant = TenantId::parse("78a7b6ec-07a9-4ba3-bb89-a447861cace4").unwrap();
        let url = admin_consent_url(
            "https://login.microsoftonline.com/",
            tenant.as_str(),
            "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13",
            "http://localhost:8080/onboarding?x=1&y",
        );
        assert_eq!(
            url,
            "https://login.microsoftonline.com/78a7b6ec-07a9-4ba3-bb89-a447861cace4/v2.0/adminconsent?client_id=8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13&scope=https%3A%2F%2Fdigitaltwins.azure.net%2F.default&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fonboarding%3Fx%3D1%26y"
        );
    }
}
