//! The data a query runs over: the [`Graph`] trait and an in-memory implementation.

use std::collections::HashMap;

use serde_json::Value;

/// The twins and relationships a query reads.
///
/// Twins are ADT twin JSON objects (`$dtId`, `$etag`, `$metadata.$model`, properties,
/// components); relationships are ADT relationship JSON objects (`$relationshipId`,
/// `$sourceId`, `$targetId`, `$relationshipName`, `$etag`, properties).
pub trait Graph {
    /// Every twin, in a stable order.
    fn twins(&self) -> Box<dyn Iterator<Item = &Value> + '_>;
    /// The twin with this `$dtId`.
    fn twin(&self, id: &str) -> Option<&Value>;
    /// Every relationship, in a stable order.
    fn relationships(&self) -> Box<dyn Iterator<Item = &Value> + '_>;
    /// Relationships whose `$sourceId` is `source_id`.
    fn outgoing(&self, source_id: &str) -> Box<dyn Iterator<Item = &Value> + '_>;
    /// Relationships whose `$targetId` is `target_id`.
    fn incoming(&self, target_id: &str) -> Box<dyn Iterator<Item = &Value> + '_>;
    /// IS_OF_MODEL semantics: true when `twin_model` is `model`, or (unless `exact`)
    /// extends it directly or indirectly.
    fn is_of_model(&self, twin_model: &str, model: &str, exact: bool) -> bool;
}

/// Why a twin or relationship could not be added to a [`MemoryGraph`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The object lacks a string field the graph indexes by.
    #[error("the {entity} has no string '{field}' field")]
    MissingField {
        entity: &'static str,
        field: &'static str,
    },
}

/// A graph held in memory, indexed by twin id, relationship source and target, with a
/// model ancestry map for [`Graph::is_of_model`].
///
/// Invariants: `twin_index[id]` is the position in `twins` of the twin with that `$dtId`;
/// `by_source` / `by_target` list positions in `relationships`; every relationship has a
/// unique `$relationshipId` per source (re-adding replaces it in place).
#[derive(Debug, Clone, Default)]
pub struct MemoryGraph {
    twins: Vec<Value>,
    twin_index: HashMap<String, usize>,
    relationships: Vec<Value>,
    by_source: HashMap<String, Vec<usize>>,
    by_target: HashMap<String, Vec<usize>>,
    /// Model id → the model ids it directly extends.
    bases: HashMap<String, Vec<String>>,
}

fn string_field<'v>(
    value: &'v Value,
    entity: &'static str,
    field: &'static str,
) -> Result<&'v str, GraphError> {
    value
        .get(field)
        .and_then(Value::as_str)
        .ok_or(GraphError::MissingField { entity, field })
}

impl MemoryGraph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of twins.
    pub fn twin_count(&self) -> usize {
        self.twins.len()
    }

    /// Number of relationships.
    pub fn relationship_count(&self) -> usize {
        self.relationships.len()
    }

    /// Adds a twin, or replaces the twin with the same `$dtId`.
    pub fn insert_twin(&mut self, twin: Value) -> Result<(), GraphError> {
        let id = string_field(&twin, "twin", "$dtId")?.to_string();
        match self.twin_index.get(&id) {
            Some(&at) => self.twins[at] = twin,
            None => {
                self.twin_index.insert(id, self.twins.len());
                self.twins.push(twin);
            }
        }
        Ok(())
    }

    /// Adds a relationship, or replaces the one with the same source and `$relationshipId`.
    pub fn insert_relationship(&mut self, relationship: Value) -> Result<(), GraphError> {
        const ENTITY: &str = "relationship";
        let id = string_field(&relationship, ENTITY, "$relationshipId")?;
        let source = string_field(&relationship, ENTITY, "$sourceId")?.to_string();
        let target = string_field(&relationship, ENTITY, "$targetId")?.to_string();
        string_field(&relationship, ENTITY, "$relationshipName")?;
        let existing = self.by_source.get(&source).and_then(|list| {
            list.iter().copied().find(|&at| {
                self.relationships[at]
                    .get("$relationshipId")
                    .and_then(Value::as_str)
                    == Some(id)
            })
        });
        if let Some(at) = existing {
            let old_target = self.relationships[at]
                .get("$targetId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(list) = self.by_target.get_mut(&old_target) {
                list.retain(|&i| i != at);
            }
            self.by_target.entry(target).or_default().push(at);
            self.relationships[at] = relationship;
            return Ok(());
        }
        let at = self.relationships.len();
        self.by_source.entry(source).or_default().push(at);
        self.by_target.entry(target).or_default().push(at);
        self.relationships.push(relationship);
        Ok(())
    }

    /// Records that `model` directly extends `bases` (replacing what was recorded before).
    pub fn set_model_bases<I, S>(&mut self, model: &str, bases: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.bases.insert(
            model.to_string(),
            bases.into_iter().map(Into::into).collect(),
        );
    }

    fn extends(&self, model: &str, ancestor: &str) -> bool {
        let mut stack = vec![model];
        let mut seen: Vec<&str> = Vec::new();
        while let Some(current) = stack.pop() {
            if current == ancestor {
                return true;
            }
            if seen.contains(&current) {
                continue;
            }
            seen.push(current);
            if let Some(bases) = self.bases.get(current) {
                stack.extend(bases.iter().map(String::as_str));
            }
        }
        false
    }

    fn indexed<'g>(
        &'g self,
        index: &'g HashMap<String, Vec<usize>>,
        key: &str,
    ) -> Box<dyn Iterator<Item = &'g Value> + 'g> {
        match index.get(key) {
            Some(list) => Box::new(list.iter().map(|&at| &self.relationships[at])),
            None => Box::new(std::iter::empty()),
        }
    }
}

impl Graph for MemoryGraph {
    fn twins(&self) -> Box<dyn Iterator<Item = &Value> + '_> {
        Box::new(self.twins.iter())
    }

    fn twin(&self, id: &str) -> Option<&Value> {
        self.twin_index.get(id).map(|&at| &self.twins[at])
    }

    fn relationships(&self) -> Box<dyn Iterator<Item = &Value> + '_> {
        Box::new(self.relationships.iter())
    }

    fn outgoing(&self, source_id: &str) -> Box<dyn Iterator<Item = &Value> + '_> {
        self.indexed(&self.by_source, source_id)
    }

    fn incoming(&self, target_id: &str) -> Box<dyn Iterator<Item = &Value> + '_> {
        self.indexed(&self.by_target, target_id)
    }

    fn is_of_model(&self, twin_model: &str, model: &str, exact: bool) -> bool {
        if exact || twin_model == model {
            return twin_model == model;
        }
        self.extends(twin_model, model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rel(id: &str, source: &str, target: &str) -> Value {
        json!({"$relationshipId": id, "$sourceId": source, "$targetId": target, "$relationshipName": "contains"})
    }

    fn ids<'a>(values: impl Iterator<Item = &'a Value>) -> Vec<&'a str> {
        values
            .filter_map(|v| v.get("$relationshipId").or_else(|| v.get("$dtId")))
            .filter_map(Value::as_str)
            .collect()
    }

    #[test]
    fn inserting_a_twin_again_replaces_it_in_place() {
        let mut graph = MemoryGraph::new();
        for twin in [
            json!({"$dtId": "a", "v": 1}),
            json!({"$dtId": "b"}),
            json!({"$dtId": "a", "v": 2}),
        ] {
            graph.insert_twin(twin).expect("has $dtId");
        }
        assert_eq!(graph.twin_count(), 2);
        assert_eq!(ids(graph.twins()), ["a", "b"]);
        assert_eq!(graph.twin("a").map(|t| &t["v"]), Some(&json!(2)));
        assert_eq!(graph.twin("c"), None);
    }

    #[test]
    fn replacing_a_relationship_moves_it_between_target_indexes() {
        let mut graph = MemoryGraph::new();
        graph
            .insert_relationship(rel("r1", "a", "b"))
            .expect("complete");
        graph
            .insert_relationship(rel("r2", "a", "c"))
            .expect("complete");
        graph
            .insert_relationship(rel("r1", "a", "c"))
            .expect("complete");
        assert_eq!(graph.relationship_count(), 2);
        assert_eq!(ids(graph.outgoing("a")), ["r1", "r2"]);
        assert!(ids(graph.incoming("b")).is_empty());
        assert_eq!(ids(graph.incoming("c")), ["r2", "r1"]);
        assert!(ids(graph.outgoing("zzz")).is_empty());
    }

    #[test]
    fn objects_without_their_key_fields_are_refused() {
        let mut graph = MemoryGraph::new();
        assert_eq!(
            graph.insert_twin(json!({"name": "x"})),
            Err(GraphError::MissingField {
                entity: "twin",
                field: "$dtId"
            })
        );
        assert_eq!(
            graph.insert_relationship(
                json!({"$relationshipId": "r", "$sourceId": "a", "$targetId": "b"})
            ),
            Err(GraphError::MissingField {
                entity: "relationship",
                field: "$relationshipName"
            })
        );
        assert_eq!(graph.relationship_count(), 0);
    }

    #[test]
    fn is_of_model_follows_inheritance_unless_exact_and_survives_cycles() {
        let mut graph = MemoryGraph::new();
        graph.set_model_bases("dtmi:x:C;1", ["dtmi:x:B;1"]);
        graph.set_model_bases("dtmi:x:B;1", ["dtmi:x:A;1", "dtmi:x:C;1"]);
        let cases = [
            ("dtmi:x:C;1", "dtmi:x:A;1", false, true),
            ("dtmi:x:C;1", "dtmi:x:A;1", true, false),
            ("dtmi:x:C;1", "dtmi:x:C;1", true, true),
            ("dtmi:x:A;1", "dtmi:x:C;1", false, false),
            ("dtmi:x:C;1", "dtmi:x:Z;1", false, false),
        ];
        for (twin_model, model, exact, expected) in cases {
            assert_eq!(
                graph.is_of_model(twin_model, model, exact),
                expected,
                "{twin_model} {model} {exact}"
            );
        }
    }
}
