//! [`ModelSet`]: the accepted, resolved models of one ADT instance.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::dtmi::Dtmi;
use crate::error::{ModelBatchError, ModelError, ModelErrorKind, RemoveModelError};
use crate::model::Interface;
use crate::parse::{ParsedModel, parse_document};
use crate::resolve::{Entry, resolve_batch};

/// Maximum number of models in one upload (ADT limit).
pub const MAX_MODELS_PER_BATCH: usize = 250;

/// All accepted models. Invariants: every model's references (`extends`, component schemas,
/// reused schemas) are in the set; the `extends` graph is acyclic; every model's contents are
/// resolved, and its [`Interface`] (flattened with the inherited contents) is built from the set
/// when first asked for ([`ModelSet::interface`]), not on upload.
#[derive(Debug, Clone, Default)]
pub struct ModelSet {
    entries: BTreeMap<Dtmi, Entry>,
    options: ParseOptions,
}

/// How a parser treats language extensions it does not define, named as the DTDL conformance
/// suite names the setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UndefinedExtensions {
    /// `DisallowUndefinedExtensions`: an extension context the parser does not know is an error.
    /// What Azure Digital Twins does.
    #[default]
    Disallow,
    /// `AllowUndefinedExtensions`: an unknown extension context is accepted, and the co-types and
    /// properties it would define are accepted without checks.
    Allow,
}

/// Which service's rules apply on top of the DTDL language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Service {
    /// Azure Digital Twins (evidence: `docs/dtdl-service-settings.md`): the v3 extensions it
    /// documents (QuantitativeTypes, Historization, Annotation, Overriding; not MQTT), and
    /// every Interface a model of its own (none defined inline in `extends` or as a Component
    /// schema).
    #[default]
    AzureDigitalTwins,
    /// The language alone, as the DTDL conformance suite tests a parser (all extensions this
    /// crate implements, inline Interfaces allowed).
    LanguageOnly,
}

/// Parser settings. `Default` is what Azure Digital Twins uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    pub undefined_extensions: UndefinedExtensions,
    pub service: Service,
}

impl ModelSet {
    /// An empty set with the settings of Azure Digital Twins.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with explicit parser settings.
    pub fn with_options(options: ParseOptions) -> Self {
        Self {
            entries: BTreeMap::new(),
            options,
        }
    }

    /// Atomic: either every document in `docs` is accepted or none is. Each doc is one DTDL
    /// Interface (JSON object; `@context` `dtmi:dtdl:context;2` or `;3`, also arrays with
    /// extension contexts). References (extends, component schemas, schema ids) may point to
    /// models in the same batch or already in the set; relationship targets need not exist
    /// (DTDL gives them "by reference" semantics). Returns the ids in input order.
    pub fn add_models(&mut self, docs: &[Value]) -> Result<Vec<Dtmi>, ModelBatchError> {
        if docs.len() > MAX_MODELS_PER_BATCH {
            return Err(ModelBatchError {
                errors: vec![ModelError {
                    model_id: None,
                    kind: ModelErrorKind::TooManyModels,
                    path: String::new(),
                    message: format!(
                        "the upload has {} models; at most {MAX_MODELS_PER_BATCH} models can be added in one request",
                        docs.len()
                    ),
                }],
            });
        }
        let mut parsed: Vec<ParsedModel> = Vec::with_capacity(docs.len());
        let mut errors = Vec::new();
        // A document may itself be an array of documents (a JSON-LD set of nodes).
        let mut flat: Vec<(usize, &Value)> = Vec::with_capacity(docs.len());
        for (index, doc) in docs.iter().enumerate() {
            match doc {
                Value::Array(inner) => flat.extend(inner.iter().map(|d| (index, d))),
                one => flat.push((index, one)),
            }
        }
        // Per input document: its batch index, the document as uploaded, and how many canonical
        // documents it became (itself and the Interfaces it defines inline).
        let mut origins: Vec<(usize, &Value, usize)> = Vec::with_capacity(flat.len());
        let mut all: Vec<std::borrow::Cow<'_, Value>> = Vec::with_capacity(flat.len());
        for (index, doc) in flat {
            let normalized = crate::jsonld::normalize(doc, self.options);
            let model_id = doc.get("@id").and_then(Value::as_str).map(str::to_owned);
            let label = model_id
                .clone()
                .unwrap_or_else(|| format!("document {index}"));
            for problem in normalized.problems {
                errors.push(ModelError {
                    model_id: model_id.clone(),
                    kind: problem.kind,
                    path: problem.path,
                    message: format!("{label}: {}", problem.message),
                });
            }
            origins.push((index, doc, normalized.documents.len()));
            all.extend(normalized.documents);
        }
        let mut start = 0;
        for (_, _, count) in &origins {
            // Node references resolve within the document that makes them.
            crate::jsonld::inline_element_references(&mut all[start..start + count]);
            start += count;
        }
        let mut all = all.into_iter();
        for (index, doc, count) in origins {
            for (i, document) in all.by_ref().take(count).enumerate() {
                let raw = if i == 0 { doc } else { &*document };
                match parse_document(&document, raw, index) {
                    Ok(model) => parsed.push(model),
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
        errors.extend(self.identity_errors(&parsed));
        if !errors.is_empty() {
            return Err(ModelBatchError { errors });
        }
        let accepted =
            resolve_batch(parsed, &self.entries).map_err(|errors| ModelBatchError { errors })?;
        let ids = accepted.iter().map(|e| e.parsed.id.clone()).collect();
        for entry in accepted {
            self.entries.insert(entry.parsed.id.clone(), entry);
        }
        Ok(ids)
    }

    /// Ids (of models and of reusable schemas) that clash within the batch or with the set.
    fn identity_errors(&self, parsed: &[ParsedModel]) -> Vec<ModelError> {
        let mut errors = Vec::new();
        let stored_schemas: BTreeSet<&Dtmi> = self
            .entries
            .values()
            .flat_map(|e| e.parsed.defs.keys())
            .collect();
        let mut seen: BTreeSet<&Dtmi> = BTreeSet::new();
        for model in parsed {
            let ids = std::iter::once((&model.id, "model"))
                .chain(model.defs.keys().map(|d| (d, "schema")));
            for (id, what) in ids {
                let (kind, message) = if !seen.insert(id) {
                    (
                        ModelErrorKind::DuplicateIdInBatch,
                        format!(
                            "{}: {what} id '{id}' appears more than once in this upload",
                            model.id
                        ),
                    )
                } else if self.entries.contains_key(id) || stored_schemas.contains(id) {
                    (
                        ModelErrorKind::AlreadyExists,
                        format!(
                            "{}: {what} id '{id}' already exists (ModelIdAlreadyExists); delete it first or use a new version",
                            model.id
                        ),
                    )
                } else {
                    continue;
                };
                errors.push(ModelError {
                    model_id: Some(model.id.to_string()),
                    kind,
                    path: if what == "model" {
                        "/@id".to_owned()
                    } else {
                        String::new()
                    },
                    message,
                });
            }
        }
        errors
    }

    /// Removes a model. Refused while another model references it (extends / component schema /
    /// reused schema).
    pub fn remove_model(&mut self, id: &str) -> Result<(), RemoveModelError> {
        let Some(key) = self.key(id) else {
            return Err(RemoveModelError::NotFound(id.to_owned()));
        };
        let by: Vec<String> = self
            .dependants(id)
            .iter()
            .map(ToString::to_string)
            .collect();
        if !by.is_empty() {
            return Err(RemoveModelError::Referenced {
                id: id.to_owned(),
                by,
            });
        }
        self.entries.remove(&key);
        Ok(())
    }

    pub fn contains(&self, id: &str) -> bool {
        self.key(id).is_some()
    }

    /// All model ids, sorted.
    pub fn ids(&self) -> Vec<Dtmi> {
        self.entries.keys().cloned().collect()
    }

    /// Models this model depends on, transitively (extends, component schemas, reused schemas),
    /// not including itself. Sorted; empty for an unknown id.
    pub fn dependencies(&self, id: &str) -> Vec<Dtmi> {
        let Some(start) = self.key(id) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(next) = todo.pop() {
            for r in self
                .entries
                .get(&next)
                .map(|e| &e.refs)
                .into_iter()
                .flatten()
            {
                if *r != start && seen.insert(r.clone()) {
                    todo.push(r.clone());
                }
            }
        }
        seen.into_iter().collect()
    }

    /// Models that reference `id` directly (extends, component schema, reused schema). Sorted.
    pub fn dependants(&self, id: &str) -> Vec<Dtmi> {
        self.entries
            .values()
            .filter(|e| e.refs.iter().any(|r| r.as_str() == id))
            .map(|e| e.parsed.id.clone())
            .collect()
    }

    /// `IS_OF_MODEL`: true when `twin_model` == `model`, or (unless `exact`) `twin_model` extends
    /// `model` transitively. False when `twin_model` is not in the set.
    pub fn is_of_model(&self, twin_model: &str, model: &str, exact: bool) -> bool {
        let Some(start) = self.key(twin_model) else {
            return false;
        };
        if twin_model == model {
            return true;
        }
        if exact {
            return false;
        }
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(next) = todo.pop() {
            let Some(entry) = self.entries.get(&next) else {
                continue;
            };
            for (parent, _) in &entry.parsed.extends {
                if parent.as_str() == model {
                    return true;
                }
                if seen.insert(parent.clone()) {
                    todo.push(parent.clone());
                }
            }
        }
        false
    }

    /// The resolved Interface with inherited contents flattened.
    pub fn interface(&self, id: &str) -> Option<&Interface> {
        let entry = self.entries.get(&self.key(id)?)?;
        Some(
            entry
                .interface
                .get_or_init(|| crate::resolve::interface_of(entry, &self.entries)),
        )
    }

    fn key(&self, id: &str) -> Option<Dtmi> {
        let key = Dtmi::parse(id).ok()?;
        self.entries.contains_key(&key).then_some(key)
    }
}
