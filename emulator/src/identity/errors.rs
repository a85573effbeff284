//! Entra ID's errors: every refusal has an AADSTS code, an OAuth `error` and a description that
//! begins `AADSTSnnnnn: `. The same error is rendered as JSON (token, discovery), as an error
//! redirect (authorize, once the redirect URI is trusted) or as an HTML page (before that).

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::jwt::random_guid;
use crate::clock::{UnixSeconds, civil};

/// Every error the identity endpoints answer with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AadError {
    #[error(
        "AADSTS90002: Tenant '{0}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
    )]
    TenantNotFound(String),
    #[error(
        "AADSTS900023: Specified tenant identifier '{0}' is neither a valid DNS name, nor a valid external domain."
    )]
    TenantMalformed(String),
    #[error(
        "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
    )]
    UnknownClient {
        client_id: String,
        directory: String,
    },
    #[error(
        "AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
    )]
    RedirectUriMismatch {
        redirect_uri: String,
        client_id: String,
    },
    #[error(
        "AADSTS50011: The post-logout redirect URI '{uri}' does not match the redirect URIs configured for the application '{client_id}'. Make sure the URI sent in the request matches one added to your application in the Azure portal."
    )]
    PostLogoutUriMismatch { uri: String, client_id: String },
    #[error("AADSTS900144: The request body must contain the following parameter: '{0}'.")]
    MissingParameter(&'static str),
    #[error("AADSTS90023: Invalid request. The value '{value}' is not valid for '{name}'.")]
    InvalidParameter { name: &'static str, value: String },
    #[error("AADSTS700054: response_type '{0}' is not enabled for the application.")]
    UnsupportedResponseType(String),
    #[error(
        "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption."
    )]
    PkceRequired,
    #[error(
        "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption, with code_challenge_method 'S256'; '{0}' is not accepted for Single-Page Application redirect URIs."
    )]
    PkceMethodRefused(String),
    #[error("AADSTS501491: Invalid size of Code_Challenge parameter.")]
    PkceChallengeSize,
    #[error(
        "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope '{0}' is not valid."
    )]
    InvalidScope(String),
    #[error(
        "AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
    )]
    UnknownResource { resource: String, tenant: String },
    #[error(
        "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {0} is not valid."
    )]
    MultipleResources(String),
    #[error("AADSTS50126: Error validating credentials due to invalid username or password.")]
    InvalidPassword,
    #[error(
        "AADSTS50034: The user account {upn} does not exist in the {directory} directory. To sign into this application, the account must be added to the directory."
    )]
    UnknownUser { upn: String, directory: String },
    #[error("AADSTS50058: A silent sign-in request was sent but no user is signed in.")]
    LoginRequired,
    #[error(
        "AADSTS16000: Either multiple user identities are available for the current request or selected account is not supported for the scenario."
    )]
    AccountSelectionRequired,
    #[error(
        "AADSTS65001: The user or administrator has not consented to use the application with ID '{client_id}' named '{app_name}'. Send an interactive authorization request for this user and resource."
    )]
    ConsentRequired {
        client_id: String,
        app_name: String,
        /// `consent_required` at authorize, `invalid_grant` at the token endpoint.
        at_token: bool,
    },
    #[error(
        "AADSTS650052: The app needs access to a service (\"{resource}\") that your organization \"{tenant_id}\" has not subscribed to or enabled. Contact your IT Admin to review the configuration of your service subscriptions."
    )]
    ServiceNotSubscribed { resource: String, tenant_id: String },
    #[error(
        "AADSTS50020: User account '{upn}' from identity provider 'https://sts.windows.net/{home_tid}/' does not exist in tenant '{tenant_name}' and cannot access the application '{client_id}'({app_name}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account."
    )]
    NotInTenant {
        upn: String,
        home_tid: String,
        tenant_name: String,
        client_id: String,
        app_name: String,
    },
    #[error(
        "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."
    )]
    CodeRedeemed,
    #[error(
        "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."
    )]
    GrantExpired,
    #[error(
        "AADSTS9002313: Invalid request. Request is malformed or invalid. - The {0} is malformed or unknown."
    )]
    GrantMalformed(&'static str),
    #[error(
        "AADSTS70000: The provided value for the '{0}' parameter is not valid. The grant was issued to a different client."
    )]
    GrantForOtherClient(&'static str),
    #[error(
        "AADSTS700005: Provided Authorization Code is intended to use against other tenant, thus rejected."
    )]
    CodeForOtherTenant,
    #[error(
        "AADSTS500112: The reply address '{given}' does not match the reply address '{original}' provided when requesting Authorization code."
    )]
    CodeRedirectMismatch { given: String, original: String },
    #[error(
        "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request."
    )]
    VerifierMismatch,
    #[error(
        "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {issued}."
    )]
    SpaRefreshExpired { issued: String },
    #[error(
        "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{valid_from}'."
    )]
    GrantRevoked { issued: String, valid_from: String },
    #[error(
        "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{0}'."
    )]
    CrossOriginNotSpa(String),
    #[error(
        "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests."
    )]
    SpaNeedsCrossOrigin,
    #[error("AADSTS70003: The app requested an unsupported grant type '{0}'.")]
    UnsupportedGrantType(String),
    /// A non-administrator at the admin-consent endpoint. Entra ID words it this way, naming
    /// the tenant and the app (the SPA shows "an administrator of {tenant} has to approve").
    #[error(
        "AADSTS90094: An administrator of {tenant_name} has set a policy that prevents you from granting {app_name} the permissions it is requesting. Contact an administrator of {tenant_name}, who can grant permissions to this app on your behalf."
    )]
    AdminRequired {
        tenant_name: String,
        app_name: String,
    },
}

impl AadError {
    pub fn code(&self) -> u32 {
        self.to_string()
            .strip_prefix("AADSTS")
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// The OAuth 2.0 `error` value Entra ID pairs with this code.
    pub fn oauth_error(&self) -> &'static str {
        use AadError::*;
        match self {
            TenantNotFound(_) | TenantMalformed(_) => "invalid_tenant",
            UnknownClient { .. } => "unauthorized_client",
            RedirectUriMismatch { .. }
            | PostLogoutUriMismatch { .. }
            | MissingParameter(_)
            | InvalidParameter { .. }
            | PkceRequired
            | PkceMethodRefused(_)
            | PkceChallengeSize
            | CrossOriginNotSpa(_)
            | SpaNeedsCrossOrigin
            | GrantMalformed(_) => "invalid_request",
            UnsupportedResponseType(_) => "unsupported_response_type",
            InvalidScope(_) | MultipleResources(_) | UnknownResource { .. } => "invalid_scope",
            LoginRequired => "login_required",
            AccountSelectionRequired => "interaction_required",
            ConsentRequired {
                at_token: false, ..
            } => "consent_required",
            ServiceNotSubscribed { .. } => "invalid_client",
            AdminRequired { .. } => "access_denied",
            UnsupportedGrantType(_) => "unsupported_grant_type",
            InvalidPassword
            | UnknownUser { .. }
            | ConsentRequired { at_token: true, .. }
            | NotInTenant { .. }
            | CodeRedeemed
            | GrantExpired
            | GrantForOtherClient(_)
            | CodeForOtherTenant
            | CodeRedirectMismatch { .. }
            | VerifierMismatch
            | SpaRefreshExpired { .. }
            | GrantRevoked { .. } => "invalid_grant",
        }
    }

    pub fn status(&self) -> StatusCode {
        if self.oauth_error() == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    }

    /// The JSON body of the token and discovery endpoints.
    pub fn body(&self, now: UnixSeconds) -> serde_json::Value {
        let trace_id = random_guid();
        let correlation_id = random_guid();
        let timestamp = format_timestamp(now);
        json!({
            "error": self.oauth_error(),
            "error_description": format!(
                "{self} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {}",
                format_timestamp_long(now)
            ),
            "error_codes": [self.code()],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code()),
        })
    }

    pub fn json_response(&self, now: UnixSeconds) -> Response {
        (self.status(), Json(self.body(now))).into_response()
    }

    /// The page Entra ID shows when it cannot send the user back to the app.
    pub fn html_page(&self, now: UnixSeconds) -> Response {
        let body = super::pages::error_page(self, &random_guid(), &format_timestamp(now));
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

/// `YYYY-MM-DD hh:mm:ssZ`, as in Entra's error bodies.
pub fn format_timestamp(t: UnixSeconds) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}Z")
}

/// `YYYY-MM-DD hh:mm:ss.0000000Z`, as in Entra's error descriptions.
pub fn format_timestamp_long(t: UnixSeconds) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.0000000Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_calendar_times() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00Z");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29 00:00:00Z");
        assert_eq!(format_timestamp(1_767_225_599), "2025-12-31 23:59:59Z");
    }

    #[test]
    fn every_error_has_a_code_matching_its_description() {
        let errors = [
            AadError::TenantNotFound("x".into()),
            AadError::CodeRedeemed,
            AadError::VerifierMismatch,
            AadError::SpaRefreshExpired { issued: "t".into() },
            AadError::CrossOriginNotSpa("http://o".into()),
        ];
        let codes: Vec<u32> = errors.iter().map(AadError::code).collect();
        assert_eq!(codes, vec![90002, 54005, 501481, 700084, 9002326]);
        let body = AadError::CodeRedeemed.body(0);
        assert_eq!(body["error"], "invalid_grant");
        assert_eq!(body["error_codes"][0], 54005);
        assert_eq!(body["timestamp"], "1970-01-01 00:00:00Z");
    }
}
