//! What the data plane needs from a DTDL model set, as a small trait: adding and removing
//! models, their dependency graph, and validating twins and relationships against them.
//! [`DtdlOntology`] implements it with the `twinscope-dtdl` crate.

use std::fmt::Debug;

use serde_json::{Map, Value};

use super::errors::Detail;

/// Why a batch of models was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelsRefused {
    /// Some ids are already in the set (409 `ModelIdAlreadyExists`).
    AlreadyExist(Vec<String>),
    /// More models in one batch than the service takes.
    TooMany(usize),
    /// Not valid DTDL (400 `DTDLParserError`), one detail per problem.
    Invalid(Vec<Detail>),
}

/// A model set the store can hold. Invariant: every model in the set has all its references
/// (extends, component schemas, relationship targets) in the set too.
pub trait Ontology: Send + Sync + Debug {
    /// Adds a batch atomically; returns the ids added, in batch order.
    fn add_models(&mut self, models: &[Value]) -> Result<Vec<String>, ModelsRefused>;
    /// Removes a model; `Err` lists the models that still reference it.
    fn remove_model(&mut self, id: &str) -> Result<(), Vec<String>>;
    /// Every model `id` needs, transitively (not `id` itself).
    fn dependencies(&self, id: &str) -> Vec<String>;
    /// Whether a twin of `twin_model` is of `model` (itself, or by `extends` unless `exact`).
    fn is_of_model(&self, twin_model: &str, model: &str, exact: bool) -> bool;
    /// Checks a twin's content (properties and components, no `$` members except inside
    /// components' `$metadata`) against its model.
    fn validate_twin(&self, model: &str, content: &Map<String, Value>) -> Result<(), Vec<Detail>>;
    /// Checks a relationship by name between twins of these models, with its properties.
    fn validate_relationship(
        &self,
        source_model: &str,
        name: &str,
        target_model: &str,
        properties: &Map<String, Value>,
    ) -> Result<(), Vec<Detail>>;
    /// The models that reference `id` (extends, component schemas).
    fn dependants(&self, id: &str) -> Vec<String>;
    /// A fresh, empty set of the same kind.
    fn empty(&self) -> Box<dyn Ontology>;
    /// A copy to try a change on (uploads are all or nothing).
    fn duplicate(&self) -> Box<dyn Ontology>;
}

/// The `twinscope-dtdl` model set, with the parser settings of Azure Digital Twins
/// ([`dtdl::ModelSet::new`]: undefined extensions are refused).
#[derive(Debug, Clone)]
pub struct DtdlOntology {
    set: dtdl::ModelSet,
}

impl Default for DtdlOntology {
    fn default() -> Self {
        Self {
            set: dtdl::ModelSet::new(),
        }
    }
}

fn detail(code: &str, message: String) -> Detail {
    Detail {
        code: code.to_string(),
        message,
    }
}

/// One problem of a refused upload as a `details` entry (`DTDLParserError`): the parser's
/// message, which names the model and the place in words, followed by the model's id and the
/// JSON pointer into its document wherever the message does not already carry them, so that
/// each problem can be found in the upload.
fn parser_detail(error: &dtdl::ModelError) -> Detail {
    let mut message = error.message.clone();
    let mut place = Vec::new();
    if let Some(id) = error.model_id.as_deref().filter(|id| !message.contains(id)) {
        place.push(format!("model {id}"));
    }
    if !error.path.is_empty() && !message.contains(&error.path) {
        place.push(format!("at {}", error.path));
    }
    if !place.is_empty() {
        message = format!("{message} ({})", place.join(", "));
    }
    detail("DTDLParserError", message)
}

fn instance_details(errors: Vec<dtdl::InstanceError>) -> Vec<Detail> {
    errors
        .into_iter()
        .map(|e| detail("ValidationFailed", e.to_string()))
        .collect()
}

impl Ontology for DtdlOntology {
    fn add_models(&mut self, models: &[Value]) -> Result<Vec<String>, ModelsRefused> {
        let batch = match self.set.add_models(models) {
            Ok(ids) => return Ok(ids.iter().map(|d| d.as_str().to_string()).collect()),
            Err(batch) => batch,
        };
        let existing: Vec<String> = batch
            .errors
            .iter()
            .filter(|e| e.kind == dtdl::ModelErrorKind::AlreadyExists)
            .filter_map(|e| e.model_id.clone())
            .collect();
        if !existing.is_empty() {
            return Err(ModelsRefused::AlreadyExist(existing));
        }
        if batch.has_kind(dtdl::ModelErrorKind::TooManyModels) {
            return Err(ModelsRefused::TooMany(models.len()));
        }
        Err(ModelsRefused::Invalid(
            batch.errors.iter().map(parser_detail).collect(),
        ))
    }

    fn remove_model(&mut self, id: &str) -> Result<(), Vec<String>> {
        match self.set.remove_model(id) {
            Ok(()) | Err(dtdl::RemoveModelError::NotFound(_)) => Ok(()),
            Err(dtdl::RemoveModelError::Referenced { by, .. }) => Err(by),
        }
    }

    fn dependencies(&self, id: &str) -> Vec<String> {
        self.set
            .dependencies(id)
            .iter()
            .map(|d| d.as_str().to_string())
            .collect()
    }

    fn dependants(&self, id: &str) -> Vec<String> {
        self.set
            .dependants(id)
            .iter()
            .map(|d| d.as_str().to_string())
            .collect()
    }

    fn is_of_model(&self, twin_model: &str, model: &str, exact: bool) -> bool {
        self.set.is_of_model(twin_model, model, exact)
    }

    fn validate_twin(&self, model: &str, content: &Map<String, Value>) -> Result<(), Vec<Detail>> {
        self.set
            .validate_twin(model, content)
            .map_err(instance_details)
    }

    fn validate_relationship(
        &self,
        source_model: &str,
        name: &str,
        target_model: &str,
        properties: &Map<String, Value>,
    ) -> Result<(), Vec<Detail>> {
        self.set
            .validate_relationship(source_model, name, target_model, properties)
            .map_err(instance_details)
    }

    fn empty(&self) -> Box<dyn Ontology> {
        Box::new(DtdlOntology::default())
    }

    fn duplicate(&self) -> Box<dyn Ontology> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_error(model_id: Option<&str>, path: &str, message: &str) -> dtdl::ModelError {
        dtdl::ModelError {
            model_id: model_id.map(str::to_owned),
            kind: dtdl::ModelErrorKind::InvalidValue,
            path: path.to_owned(),
            message: message.to_owned(),
        }
    }

    #[test]
    fn a_parser_detail_names_the_model_and_the_json_pointer_once() {
        let bare = parser_detail(&model_error(
            Some("dtmi:test:Room;1"),
            "/contents/2/schema",
            "schema 'flaot' is not a DTDL schema",
        ));
        assert_eq!(bare.code, "DTDLParserError");
        assert_eq!(
            bare.message,
            "schema 'flaot' is not a DTDL schema (model dtmi:test:Room;1, at /contents/2/schema)"
        );
        let named = parser_detail(&model_error(
            Some("dtmi:test:Room;1"),
            "/contents/2/schema",
            "dtmi:test:Room;1: contents[2]: schema 'flaot' is not a DTDL schema",
        ));
        assert_eq!(
            named.message,
            "dtmi:test:Room;1: contents[2]: schema 'flaot' is not a DTDL schema (at /contents/2/schema)"
        );
        let whole = parser_detail(&model_error(None, "", "document 0: not a JSON object"));
        assert_eq!(whole.message, "document 0: not a JSON object");
    }

    #[test]
    fn every_problem_of_a_refused_batch_is_a_detail() {
        let docs = [
            serde_json::json!({"@id": "dtmi:test:A;1", "@type": "Interface",
                "@context": "dtmi:dtdl:context;3",
                "contents": [{"@type": "Property", "name": "x", "schema": "flaot"}]}),
            serde_json::json!(42),
        ];
        let batch = dtdl::ModelSet::new().add_models(&docs).unwrap_err();
        let refused = DtdlOntology::default().add_models(&docs);
        let Err(ModelsRefused::Invalid(details)) = refused else {
            panic!("refused as invalid: {refused:?}");
        };
        assert!(batch.errors.len() >= 2, "{batch:?}");
        assert_eq!(details.len(), batch.errors.len());
        for (detail, error) in details.iter().zip(&batch.errors) {
            assert!(detail.message.starts_with(&error.message), "{detail:?}");
        }
    }
}
