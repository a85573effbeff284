//! The data plane's errors, each rendered as the live service renders it: a status, the
//! `x-ms-error-code` header and `{"error":{"code","message","details"?}}`, with the live
//! service's codes and wording (which differ from the spec in places; see the reference README).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One entry of an error's `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub code: String,
    pub message: String,
}

/// Everything the data plane can refuse, with what the caller can do about it in the message.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AdtError {
    #[error("no instance")]
    InstanceNotFound(String),
    /// The token's tenant is not the instance's: the service answers as if the host did not exist.
    #[error("Sub-domain not found.")]
    SubDomainNotFound,
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// No data-plane role, or a reader writing: 403 with an empty body, as the service sends it.
    #[error("forbidden")]
    Forbidden,
    #[error("throttled")]
    Throttled { retry_after: u64, query: bool },
    #[error("api-version")]
    ApiVersion(Option<String>),
    #[error("no such resource")]
    ResourceNotFound(String),
    #[error("method")]
    MethodNotAllowed,
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("DTDL")]
    DtdlParser(Vec<Detail>),
    #[error("exists")]
    ModelIdAlreadyExists(Vec<String>),
    #[error("model")]
    ModelNotFound(String),
    #[error("referenced")]
    ModelReferencesNotDeleted { by: Vec<String> },
    #[error("decommissioned")]
    ModelDecommissioned(String),
    #[error("twin")]
    DigitalTwinNotFound(String),
    #[error("target")]
    TargetDigitalTwinNotFound(String),
    #[error("relationship")]
    RelationshipNotFound { twin: String, id: String },
    #[error("relationships")]
    RelationshipsNotDeleted(String),
    #[error("component")]
    ComponentNotFound(String),
    #[error("precondition")]
    PreconditionFailed(Precondition),
    #[error("{message}")]
    ValidationFailed {
        message: String,
        details: Vec<Detail>,
    },
    #[error("{0}")]
    InvalidRelationship(String),
    #[error("{0}")]
    JsonPatchInvalid(String),
    #[error("{0}")]
    SqlQuery(String),
    #[error("route")]
    EventRouteNotFound(String),
    #[error("job")]
    DeleteJobNotFound(String),
    #[error("storage: {0}")]
    Storage(String),
    /// A part of the service the emulator does not stand in for (never sent by the service).
    #[error("{0}")]
    NotEmulated(&'static str),
}

/// The emulator's own header (never the service's) saying why a token was refused, since the
/// service's 401 says only "Unauthorized"; the emulator's log says it too.
pub const EMULATOR_REASON_HEADER: &str = "x-twinscope-emulator-reason";

/// Which precondition a 412 is about (the service words each differently).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match` named another etag (the one given).
    EtagMismatch(String),
    /// `If-None-Match: *` on a twin that exists.
    TwinExists(String),
    /// `If-None-Match: *` on a relationship that exists.
    RelationshipExists(String),
}

const TWINS_DOCS: &str = "https://aka.ms/adtv2twins";
const QUERY_DOCS: &str = "https://aka.ms/adtv2query";
const SUPPORTED_API_VERSIONS: &str = "2020-10-31, 2022-05-31, 2023-06-30, 2023-10-31";

impl AdtError {
    pub fn status(&self) -> StatusCode {
        use AdtError::*;
        match self {
            InstanceNotFound(_)
            | SubDomainNotFound
            | ResourceNotFound(_)
            | ModelNotFound(_)
            | DigitalTwinNotFound(_)
            | TargetDigitalTwinNotFound(_)
            | RelationshipNotFound { .. }
            | ComponentNotFound(_)
            | EventRouteNotFound(_)
            | DeleteJobNotFound(_) => StatusCode::NOT_FOUND,
            Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ModelIdAlreadyExists(_) | ModelReferencesNotDeleted { .. } => StatusCode::CONFLICT,
            PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            NotEmulated(_) => StatusCode::NOT_IMPLEMENTED,
            ApiVersion(_)
            | InvalidArgument(_)
            | BadRequest(_)
            | LimitExceeded(_)
            | DtdlParser(_)
            | ModelDecommissioned(_)
            | RelationshipsNotDeleted(_)
            | ValidationFailed { .. }
            | InvalidRelationship(_)
            | JsonPatchInvalid(_)
            | SqlQuery(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The `error.code`.
    pub fn code(&self) -> &'static str {
        use AdtError::*;
        match self {
            InstanceNotFound(_) => "InstanceNotFound",
            SubDomainNotFound => "SubDomainNotFound",
            Unauthorized(_) => "Unauthorized",
            Forbidden => "Forbidden",
            Throttled { query: true, .. } => "QuotaReachedError",
            Throttled { query: false, .. } => "TooManyRequests",
            ApiVersion(None) => "MissingApiVersionParameter",
            ApiVersion(Some(_)) => "InvalidApiVersionParameter",
            ResourceNotFound(_) => "ResourceNotFound",
            MethodNotAllowed => "MethodNotAllowed",
            InvalidArgument(_) => "InvalidArgument",
            BadRequest(_) => "BadRequest",
            LimitExceeded(_) => "LimitExceeded",
            DtdlParser(_) => "DTDLParserError",
            ModelIdAlreadyExists(_) => "ModelIdAlreadyExists",
            ModelNotFound(_) => "ModelNotFound",
            ModelReferencesNotDeleted { .. } => "ModelReferencesNotDeleted",
            ModelDecommissioned(_) => "ModelDecommissioned",
            DigitalTwinNotFound(_) => "DigitalTwinNotFound",
            TargetDigitalTwinNotFound(_) => "TargetDigitalTwinNotFound",
            RelationshipNotFound { .. } => "RelationshipNotFound",
            RelationshipsNotDeleted(_) => "RelationshipsNotDeleted",
            ComponentNotFound(_) => "ComponentNotFound",
            PreconditionFailed(_) => "PreconditionFailed",
            ValidationFailed { .. } => "ValidationFailed",
            InvalidRelationship(_) => "InvalidRelationship",
            JsonPatchInvalid(_) => "JsonPatchInvalid",
            SqlQuery(_) => "SqlQueryError",
            EventRouteNotFound(_) => "EventRouteNotFound",
            DeleteJobNotFound(_) => "DeleteJobNotFound",
            Storage(_) => "InternalServerError",
            NotEmulated(_) => "NotImplemented",
        }
    }

    /// The `error.message`.
    pub fn message(&self) -> String {
        use AdtError::*;
        match self {
            InstanceNotFound(host) => format!(
                "No Azure Digital Twins instance named '{host}' exists in this emulator."
            ),
            SubDomainNotFound => "Sub-domain not found.".into(),
            Unauthorized(why) => format!(
                "The request is not authorized: {why}. Send a bearer token for https://digitaltwins.azure.net issued by the instance's tenant."
            ),
            Forbidden => String::new(),
            Throttled { retry_after, .. } => format!(
                "The request rate limit has been reached. Retry after {retry_after} second(s)."
            ),
            ApiVersion(None) => format!(
                "The api-version query parameter is required for all requests. Supported api-versions: {SUPPORTED_API_VERSIONS}."
            ),
            ApiVersion(Some(v)) => format!(
                "The api-version '{v}' is not supported. Supported api-versions: {SUPPORTED_API_VERSIONS}."
            ),
            ResourceNotFound(path) => format!("No route matches '{path}'."),
            MethodNotAllowed => "The requested method is not allowed on this resource.".into(),
            InvalidArgument(m) | BadRequest(m) | LimitExceeded(m) | InvalidRelationship(m) => {
                m.clone()
            }
            DtdlParser(_) => "Invalid model(s) provided. See details for the individual errors. See section on model validation https://aka.ms/adtv2models.".into(),
            ModelIdAlreadyExists(ids) => format!(
                "Some of the model ids already exist: {}. Use Model_List API to view models that already exist. See the Swagger example (https://aka.ms/ModelListSwSmpl).",
                ids.join(", ")
            ),
            ModelNotFound(id) => format!(
                "There is no Model(s) available that matches the provided id(s) {id}. Check that the Model ID provided is valid by doing a Model_List API call."
            ),
            ModelReferencesNotDeleted { by } => format!(
                "This model is currently being referenced by {}. You must delete these references before deleting the Model.. To delete references, do Delete Model on Ids provided above.",
                by.join(", ")
            ),
            ModelDecommissioned(id) => format!(
                "The model {id} is decommissioned. Decommissioned models cannot be referenced by newly created digital twins."
            ),
            DigitalTwinNotFound(id) => format!(
                "There is no digital twin instance that exists with the ID {id}. Please verify that the twin id is valid and ensure that the twin is not deleted. See section on querying the twins {QUERY_DOCS}."
            ),
            TargetDigitalTwinNotFound(id) => format!(
                "There is no digital twin instance that exists with the ID {id}. The target of a relationship must exist. See section on querying the twins {QUERY_DOCS}."
            ),
            RelationshipNotFound { twin, id } => format!(
                "Relationship {id} not found on twin {twin}. Please verify that the relationship id is valid and ensure that the relationship is not deleted. See section on listing relationships in the documentation {TWINS_DOCS}."
            ),
            RelationshipsNotDeleted(id) => format!(
                "Twin {id} has active relationships. Cannot delete a twin unless all the relationships are deleted. Please ensure that the active relationships on the twin are deleted. See section on retrieving relationships {TWINS_DOCS}."
            ),
            ComponentNotFound(c) => format!(
                "The component path {c} was not found on the digital twin. See section on components {TWINS_DOCS}."
            ),
            PreconditionFailed(Precondition::EtagMismatch(given)) => format!(
                "The provided etag {given} doesn't match the current etag for the resource. Please obtain and provide the latest etag by getting the resource. See section on get apis in the documentation {TWINS_DOCS}."
            ),
            PreconditionFailed(Precondition::TwinExists(id)) => format!(
                "If-None-Match: * header was specified but a twin with the id {id} was found. Please specify a different twin id."
            ),
            PreconditionFailed(Precondition::RelationshipExists(id)) => format!(
                "If-None-Match: * header was specified but a relationship with the id {id} was found. Please specify a different relationship id."
            ),
            ValidationFailed { message, .. } => message.clone(),
            JsonPatchInvalid(m) => format!(
                "{m} Please provide a valid patch document. See section on update apis in the documentation {TWINS_DOCS}."
            ),
            SqlQuery(m) => m.clone(),
            EventRouteNotFound(_) => "There is no route available that matches the provided input. Check for all valid event routes by calling EventRoute_List. See Swagger example (https://aka.ms/RouteSwSmpl).".into(),
            DeleteJobNotFound(id) => format!("The delete job {id} was not found."),
            Storage(m) => format!("The emulator could not store the change: {m}"),
            NotEmulated(m) => (*m).to_owned(),
        }
    }

    fn details(&self) -> Option<&[Detail]> {
        match self {
            AdtError::DtdlParser(d) => Some(d),
            AdtError::ValidationFailed { details, .. } if !details.is_empty() => Some(details),
            _ => None,
        }
    }

    /// The JSON body (`None` for the empty-bodied 403).
    pub fn body(&self) -> Option<Value> {
        if matches!(self, AdtError::Forbidden) {
            return None;
        }
        if matches!(self, AdtError::SubDomainNotFound) {
            return Some(json!({ "statusCode": 404, "message": self.message() }));
        }
        // The service's front door answers every refused token alike (recorded replies of the
        // live service in Microsoft's SDK tests): the reason goes in `EMULATOR_REASON_HEADER`.
        if matches!(self, AdtError::Unauthorized(_)) {
            return Some(json!({ "statusCode": 401, "message": "Unauthorized" }));
        }
        let mut error = json!({ "code": self.code(), "message": self.message() });
        if let Some(details) = self.details() {
            error["details"] = details
                .iter()
                .map(|d| json!({ "code": d.code, "message": d.message }))
                .collect();
        }
        Some(json!({ "error": error }))
    }
}

impl IntoResponse for AdtError {
    fn into_response(self) -> Response {
        let status = self.status();
        let front_door = matches!(
            self,
            AdtError::SubDomainNotFound | AdtError::Unauthorized(_)
        );
        let content_type = if front_door {
            "application/json"
        } else {
            "application/json; charset=utf-8"
        };
        let mut response = match self.body() {
            None => (status, [(header::CONTENT_LENGTH, "0")]).into_response(),
            Some(body) => (
                status,
                [(header::CONTENT_TYPE, content_type)],
                body.to_string(),
            )
                .into_response(),
        };
        let headers = response.headers_mut();
        if !front_door && !matches!(self, AdtError::Forbidden) {
            headers.insert("x-ms-error-code", HeaderValue::from_static(self.code()));
        }
        if let AdtError::Unauthorized(why) = &self {
            let reason = self.message().replace(['\r', '\n'], " ");
            tracing::info!(target: "twinscope_emulator::adt", "401 Unauthorized: {why}");
            if let Ok(v) = HeaderValue::from_str(&reason) {
                headers.insert(EMULATOR_REASON_HEADER, v);
            }
        }
        if let AdtError::Throttled { retry_after, .. } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_has_no_body_and_sub_domain_is_the_plain_shape() {
        assert_eq!(AdtError::Forbidden.body(), None);
        assert_eq!(
            AdtError::SubDomainNotFound.body().unwrap(),
            json!({"statusCode": 404, "message": "Sub-domain not found."})
        );
        let v = AdtError::RelationshipsNotDeleted("b".into())
            .body()
            .unwrap();
        assert_eq!(v["error"]["code"], "RelationshipsNotDeleted");
        assert!(v["error"].get("details").is_none());
    }

    #[test]
    fn validation_details_are_listed() {
        let e = AdtError::ValidationFailed {
            message: "Invalid twin.".into(),
            details: vec![Detail {
                code: "ValidationFailed".into(),
                message: "temp: expected a number".into(),
            }],
        };
        let v = e.body().unwrap();
        assert_eq!(
            v["error"]["details"][0]["message"],
            "temp: expected a number"
        );
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }
}
