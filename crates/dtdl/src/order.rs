//! Upload order: DTDL documents sorted so that each comes after the documents that define what
//! it references.
//!
//! A pure pass over the JSON, so it works on documents that have not been (or cannot be)
//! parsed: an import file, an upload the user is about to send, an instance's model listing.
//! A document references another through `extends`, a Component's `schema`, and any `schema`
//! or `elementSchema` that names a schema defined elsewhere (an Interface or a reusable schema
//! in another document's `schemas`). Each may be written in every JSON-LD form DTDL allows: the
//! term or its IRI (`dtmi:dtdl:property:extends;3`), one value or an array, a DTMI string or a
//! node reference (`{"@id": "dtmi:…"}`). An element defined inline (an Interface in `extends`,
//! an Object in `schema`, …) is part of its document: its `@id` is defined there, and what it
//! references is referenced by the document. Relationship targets are not dependencies (DTDL
//! gives them "by reference" semantics; the target need not exist).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use serde_json::{Map, Value};

/// DTDL properties whose values reference (or define) other elements.
const REFERENCE_TERMS: &[&str] = &["extends", "schema", "elementSchema"];

/// Indices into `documents`, in an order where each document comes after every other document
/// that defines an element it references. Stable: a document is placed as early as its
/// references allow, ties in input order, so documents already in order keep it. Documents in
/// a reference cycle (and those that depend on them) cannot be ordered; they follow the rest
/// in input order, for the upload to report the cycle. References that no document defines
/// (models already uploaded, typos) do not constrain the order.
pub fn dependency_order(documents: &[Value]) -> Vec<usize> {
    let mut defined_by: HashMap<&str, usize> = HashMap::new();
    for (index, document) in documents.iter().enumerate() {
        let mut ids = Vec::new();
        definitions(document, &mut ids);
        for id in ids {
            defined_by.entry(id).or_insert(index);
        }
    }
    // needs[i]: documents i references; users[j]: documents that reference j.
    let mut needs: Vec<BTreeSet<usize>> = Vec::with_capacity(documents.len());
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); documents.len()];
    for (index, document) in documents.iter().enumerate() {
        let mut refs = Vec::new();
        references(document, &mut refs);
        let set: BTreeSet<usize> = refs
            .into_iter()
            .filter_map(|r| defined_by.get(r).copied())
            .filter(|&j| j != index)
            .collect();
        for &j in &set {
            users[j].push(index);
        }
        needs.push(set);
    }
    let mut waiting: Vec<usize> = needs.iter().map(BTreeSet::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..documents.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut placed = vec![false; documents.len()];
    let mut order = Vec::with_capacity(documents.len());
    while let Some(Reverse(next)) = ready.pop() {
        placed[next] = true;
        order.push(next);
        for &user in &users[next] {
            waiting[user] -= 1;
            if waiting[user] == 0 {
                ready.push(Reverse(user));
            }
        }
    }
    order.extend((0..documents.len()).filter(|&i| !placed[i]));
    order
}

/// The DTDL term a key names: the term itself, or the term of its property IRI.
fn term(key: &str) -> &str {
    key.strip_prefix("dtmi:dtdl:property:")
        .and_then(|rest| rest.rsplit_once(';'))
        .map_or(key, |(term, _version)| term)
}

/// A node reference: an object whose only member is a string `@id`.
fn node_reference(object: &Map<String, Value>) -> Option<&str> {
    match (object.len(), object.get("@id")) {
        (1, Some(Value::String(id))) => Some(id),
        _ => None,
    }
}

/// Every `@id` the document defines: its own and those of elements defined inside it.
fn definitions<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(object) => {
            if node_reference(object).is_some() {
                return;
            }
            if let Some(Value::String(id)) = object.get("@id") {
                out.push(id);
            }
            for (key, member) in object {
                if key != "@context" {
                    definitions(member, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| definitions(item, out)),
        _ => {}
    }
}

/// Every DTMI the document references through `extends`, `schema` or `elementSchema`, at any
/// depth.
fn references<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(object) => {
            for (key, member) in object {
                if key == "@context" {
                    continue;
                }
                if REFERENCE_TERMS.contains(&term(key)) {
                    referenced(member, out);
                }
                references(member, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        _ => {}
    }
}

/// The references written directly as a reference property's value: strings and node
/// references, alone or in an array. (Inline definitions are walked by [`references`].)
fn referenced<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(id) => out.push(id),
        Value::Object(object) => out.extend(node_reference(object)),
        Value::Array(items) => items.iter().for_each(|item| referenced(item, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn interface(id: &str, extra: Value) -> Value {
        let mut doc = json!({"@id": id, "@type": "Interface", "@context": "dtmi:dtdl:context;3"});
        if let (Some(doc), Value::Object(extra)) = (doc.as_object_mut(), extra) {
            doc.extend(extra);
        }
        doc
    }

    /// The ids of `documents` in [`dependency_order`].
    fn ordered(documents: &[Value]) -> Vec<&str> {
        dependency_order(documents)
            .into_iter()
            .map(|i| documents[i]["@id"].as_str().unwrap_or("?"))
            .collect()
    }

    #[test]
    fn extends_as_a_string_an_array_an_iri_or_a_node_reference_comes_first() {
        let base = interface("dtmi:x:Base;1", json!({}));
        let other = interface("dtmi:x:Other;1", json!({}));
        for extends in [
            json!({"extends": "dtmi:x:Base;1"}),
            json!({"extends": ["dtmi:x:Other;1", "dtmi:x:Base;1"]}),
            json!({"dtmi:dtdl:property:extends;3": "dtmi:x:Base;1"}),
            json!({"extends": {"@id": "dtmi:x:Base;1"}}),
            json!({"extends": [{"@id": "dtmi:x:Base;1"}]}),
        ] {
            let derived = interface("dtmi:x:Derived;1", extends.clone());
            let docs = [derived, other.clone(), base.clone()];
            let ids = ordered(&docs);
            let at = |id: &str| ids.iter().position(|i| *i == id).unwrap();
            assert!(
                at("dtmi:x:Base;1") < at("dtmi:x:Derived;1"),
                "{extends}: {ids:?}"
            );
            assert_eq!(ids.len(), 3);
        }
    }

    #[test]
    fn an_interface_defined_inline_belongs_to_its_document() {
        // Room defines Space inline in its `extends`; Office extends that inline Space, so it
        // needs Room's document. Space's own `extends` (Thing) is Room's dependency.
        let office = interface("dtmi:x:Office;1", json!({"extends": "dtmi:x:Space;1"}));
        let room = interface(
            "dtmi:x:Room;1",
            json!({"extends": [{"@id": "dtmi:x:Space;1", "@type": "Interface",
                                "extends": "dtmi:x:Thing;1"}]}),
        );
        let thing = interface("dtmi:x:Thing;1", json!({}));
        assert_eq!(
            ordered(&[office, room, thing]),
            ["dtmi:x:Thing;1", "dtmi:x:Room;1", "dtmi:x:Office;1"]
        );
    }

    #[test]
    fn component_schemas_reused_schemas_and_nested_schemas_are_references() {
        let panel = interface("dtmi:x:Panel;1", json!({}));
        let shared = interface(
            "dtmi:x:Shared;1",
            json!({"schemas": [{"@id": "dtmi:x:Mode;1", "@type": "Enum", "valueSchema": "string",
                                "enumValues": [{"name": "a", "enumValue": "a"}]}]}),
        );
        let point = interface(
            "dtmi:x:Geo;1",
            json!({"schemas": [{"@id": "dtmi:x:Spot;1", "@type": "Object",
                                "fields": [{"name": "x", "schema": "double"}]}]}),
        );
        let device = interface(
            "dtmi:x:Device;1",
            json!({"contents": [
                {"@type": "Component", "name": "panel", "schema": "dtmi:x:Panel;1"},
                {"@type": "Property", "name": "modes", "schema": {"@type": "Map",
                    "mapKey": {"name": "k", "schema": "string"},
                    "mapValue": {"name": "v", "schema": "dtmi:x:Mode;1"}}},
                {"@type": "Property", "name": "spots", "schema": {"@type": "Array",
                    "dtmi:dtdl:property:elementSchema;3": "dtmi:x:Spot;1"}},
            ]}),
        );
        assert_eq!(
            ordered(&[device, point, shared, panel]),
            [
                "dtmi:x:Geo;1",
                "dtmi:x:Shared;1",
                "dtmi:x:Panel;1",
                "dtmi:x:Device;1"
            ]
        );
    }

    #[test]
    fn relationship_targets_unknown_references_and_self_references_do_not_constrain() {
        let room = interface(
            "dtmi:x:Room;1",
            json!({"schemas": [{"@id": "dtmi:x:Own;1", "@type": "Object", "fields": []}],
                   "contents": [
                       {"@type": "Relationship", "name": "feeds", "target": "dtmi:x:Pump;1"},
                       {"@type": "Property", "name": "p", "schema": "dtmi:x:Own;1"},
                       {"@type": "Property", "name": "q", "schema": "double"},
                   ],
                   "extends": "dtmi:x:AlreadyUploaded;1"}),
        );
        let pump = interface("dtmi:x:Pump;1", json!({}));
        assert_eq!(ordered(&[room, pump]), ["dtmi:x:Room;1", "dtmi:x:Pump;1"]);
    }

    #[test]
    fn ordered_input_is_kept_and_a_cycle_follows_the_rest_in_input_order() {
        let a = interface("dtmi:x:A;1", json!({}));
        let b = interface("dtmi:x:B;1", json!({"extends": "dtmi:x:A;1"}));
        let c = interface("dtmi:x:C;1", json!({}));
        assert_eq!(
            dependency_order(&[a.clone(), b.clone(), c.clone()]),
            [0, 1, 2]
        );

        let p = interface("dtmi:x:P;1", json!({"extends": "dtmi:x:Q;1"}));
        let q = interface("dtmi:x:Q;1", json!({"extends": "dtmi:x:P;1"}));
        let uses_p = interface("dtmi:x:UsesP;1", json!({"extends": "dtmi:x:P;1"}));
        assert_eq!(
            ordered(&[uses_p, p, b, q, a, c]),
            [
                "dtmi:x:A;1",
                "dtmi:x:B;1",
                "dtmi:x:C;1",
                "dtmi:x:UsesP;1",
                "dtmi:x:P;1",
                "dtmi:x:Q;1"
            ]
        );
        assert!(dependency_order(&[]).is_empty());
    }

    #[test]
    fn documents_that_are_not_interfaces_keep_their_place() {
        let docs = [
            json!(42),
            json!({"no": "id"}),
            interface("dtmi:x:A;1", json!({})),
        ];
        assert_eq!(dependency_order(&docs), [0, 1, 2]);
    }

    #[test]
    fn a_long_chain_given_backwards_is_reversed() {
        let n = 300;
        let docs: Vec<Value> = (0..n)
            .map(|i| {
                let extends = if i + 1 < n {
                    json!({"extends": [format!("dtmi:x:M{};1", i + 1)]})
                } else {
                    json!({})
                };
                interface(&format!("dtmi:x:M{i};1"), extends)
            })
            .collect();
        let expected: Vec<usize> = (0..n).rev().collect();
        assert_eq!(dependency_order(&docs), expected);
    }
}
