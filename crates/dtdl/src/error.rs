//! Errors at the crate's three boundaries: uploading models, removing a model, and validating
//! instance data (twins, property values, relationships).

use std::fmt;

/// What is wrong with a model, so callers can map it to an HTTP status or a UI hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelErrorKind {
    /// A document in the batch is not a JSON object.
    NotAnObject,
    /// `@context` is missing, not a DTDL context, or names an unsupported extension.
    InvalidContext,
    /// An `@id`, `extends`, `target` or schema reference is not a valid DTMI where one is required.
    InvalidDtmi,
    /// A required property (`@id`, `@type`, `name`, `schema`, …) is missing.
    MissingField,
    /// A property that this element type does not define.
    UnknownField,
    /// A property has a value of the wrong type or out of its allowed range.
    InvalidValue,
    /// Two contents (incl. inherited), fields, enum values or ids share a name.
    DuplicateName,
    /// The same `@id` appears twice in one upload.
    DuplicateIdInBatch,
    /// The model id is already in the set (ADT: `ModelIdAlreadyExists`).
    AlreadyExists,
    /// `extends`, a component schema or a schema reference names a model that is neither in the
    /// batch nor in the set.
    MissingReference,
    /// `extends` (directly or transitively) refers back to the model.
    ExtendsCycle,
    /// The `extends` hierarchy is deeper than the spec allows (10 levels).
    ExtendsTooDeep,
    /// A size or count limit of the spec was exceeded (contents, schema depth, element count…).
    LimitExceeded,
    /// More than 250 documents in one upload.
    TooManyModels,
}

/// One problem in one model. `message` is complete and names the model and the place, e.g.
/// `dtmi:com:contoso:Room;1: contents[2] 'temperature': schema 'flaot' is not a DTDL schema (did you mean 'float'?)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// The model's `@id` when it could be read.
    pub model_id: Option<String>,
    pub kind: ModelErrorKind,
    /// JSON pointer into that model's document, e.g. `/contents/2/schema` (empty: the document).
    pub path: String,
    pub message: String,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

/// A refused upload: every problem found, in document order. Invariant: never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelBatchError {
    pub errors: Vec<ModelError>,
}

impl ModelBatchError {
    /// True when any error has kind `kind`.
    pub fn has_kind(&self, kind: ModelErrorKind) -> bool {
        self.errors.iter().any(|e| e.kind == kind)
    }
}

impl fmt::Display for ModelBatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.errors.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join("\n"))
    }
}

impl std::error::Error for ModelBatchError {}

/// Why a model could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoveModelError {
    #[error("model '{0}' does not exist")]
    NotFound(String),
    #[error("model '{id}' is referenced by {} and cannot be deleted; delete or update them first", by.join(", "))]
    Referenced { id: String, by: Vec<String> },
}

/// One problem in instance data (a twin, a property value or a relationship).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceError {
    /// JSON-pointer-like location in the instance, e.g. `/temp` or `/comp/prop`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for InstanceError {}
