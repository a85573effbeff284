//! The DTDL model set the DTDL validation benches measure, generated deterministically in this
//! one place so that the browser (wasm), the emulator (`POST /models` over HTTP) and the native
//! crate validate exactly the same documents.
//!
//! [`interfaces`] is 1,000 DTDL v3 Interfaces with the QuantitativeTypes extension, each with
//! ten contents: Properties and Telemetry with semantic types and units (also on an Object
//! field, a Map value and a Relationship property), an Enum, an Object, a Map, an Array, a
//! Relationship with properties and a Component. They form [`CHAINS`] `extends` chains of
//! [`CHAIN_DEPTH`] Interfaces each (the deepest has a ten-level hierarchy, the DTDL v2 and v3
//! limit), so the deepest Interface carries 100 contents once flattened. The first
//! [`PART_CHAINS`] chains are the component schemas of the others and have no components
//! themselves (Azure Digital Twins allows one level of component nesting).
//!
//! Every reference points at an Interface earlier in the list, so the list can be uploaded in
//! order in [`batches`] of at most [`MAX_BATCH`] (the service's limit per `POST /models`).

use serde_json::{Value, json};

/// `extends` chains.
pub const CHAINS: usize = 100;
/// Interfaces per chain: level 0 extends nothing, level `k` extends level `k - 1`.
pub const CHAIN_DEPTH: usize = 10;
/// Interfaces in the set.
pub const INTERFACES: usize = CHAINS * CHAIN_DEPTH;
/// Contents each Interface declares itself (inherited ones not counted).
pub const CONTENTS: usize = 10;
/// The leading chains whose Interfaces are component schemas (no components of their own).
pub const PART_CHAINS: usize = 10;
/// Models per upload (Azure Digital Twins' limit per `POST /models`).
pub const MAX_BATCH: usize = 250;
/// The context of every Interface.
pub const CONTEXT: [&str; 2] = [
    "dtmi:dtdl:context;3",
    "dtmi:dtdl:extension:quantitativeTypes;1",
];

/// Semantic types (QuantitativeTypes v1) and some of their units.
const SEMANTIC: [(&str, &[&str]); 7] = [
    (
        "Temperature",
        &["degreeCelsius", "degreeFahrenheit", "kelvin"],
    ),
    ("Pressure", &["kilopascal", "hectopascal", "bar"]),
    ("Power", &["watt", "kilowatt"]),
    ("RelativeHumidity", &["percent"]),
    ("Current", &["ampere", "milliampere"]),
    ("Voltage", &["volt", "millivolt"]),
    ("Distance", &["metre", "centimetre"]),
];

/// The `@id` of the Interface at `level` of `chain`.
pub fn id(chain: usize, level: usize) -> String {
    format!("dtmi:twinscope:bench:chain{chain:03}:Level{level};1")
}

/// The `pick`-th semantic type and unit for Interface number `serial`.
fn semantic(serial: usize, pick: usize) -> (&'static str, &'static str) {
    let (name, units) = SEMANTIC[(serial + pick) % SEMANTIC.len()];
    (name, units[(serial / SEMANTIC.len() + pick) % units.len()])
}

/// A Property or Telemetry co-typed with a semantic type.
fn measured(kind: &str, name: String, schema: &str, serial: usize, pick: usize) -> Value {
    let (semantic_type, unit) = semantic(serial, pick);
    json!({ "@type": [kind, semantic_type], "name": name, "schema": schema, "unit": unit })
}

fn enumeration(value_schema: &str, names: &[&str]) -> Value {
    let values: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let value = if value_schema == "integer" {
                json!(i)
            } else {
                json!(name)
            };
            json!({ "name": name, "enumValue": value, "displayName": { "en": name } })
        })
        .collect();
    json!({ "@type": "Enum", "valueSchema": value_schema, "enumValues": values })
}

/// The ten contents of the Interface at `level` of `chain` (names carry the level, so that
/// no inherited name repeats).
fn contents(chain: usize, level: usize) -> Vec<Value> {
    let serial = chain * CHAIN_DEPTH + level;
    let k = level;
    let (field_type, field_unit) = semantic(serial, 3);
    let (map_type, map_unit) = semantic(serial, 4);
    let mut setpoint = measured("Property", format!("setpoint{k}"), "double", serial, 0);
    setpoint["writable"] = json!(true);
    setpoint["displayName"] = json!({ "en": format!("Set point {k}") });
    let mut flow = measured("Property", "flow".to_owned(), "double", serial, 5);
    flow["writable"] = json!(true);
    let mode_schema = if serial.is_multiple_of(2) {
        enumeration("string", &["off", "heat", "cool", "auto"])
    } else {
        enumeration("integer", &["stopped", "running", "faulted", "maintenance"])
    };
    let seventh = if chain < PART_CHAINS {
        json!({ "@type": "Property", "name": format!("serial{k}"), "schema": "string" })
    } else {
        json!({ "@type": "Component", "name": format!("part{k}"),
            "schema": id(chain % PART_CHAINS, level) })
    };
    vec![
        setpoint,
        measured("Telemetry", format!("reading{k}"), "double", serial, 1),
        json!({ "@type": "Property", "name": format!("mode{k}"), "writable": true,
            "schema": mode_schema }),
        json!({ "@type": "Property", "name": format!("location{k}"), "writable": true,
            "schema": { "@type": "Object", "fields": [
                { "name": "building", "schema": "string" },
                { "name": "floor", "schema": "integer" },
                { "@type": ["Field", field_type], "name": "elevation", "schema": "double",
                  "unit": field_unit }
            ] } }),
        json!({ "@type": "Property", "name": format!("limits{k}"), "writable": true,
            "schema": { "@type": "Map",
                "mapKey": { "name": "sensor", "schema": "string" },
                "mapValue": { "@type": ["MapValue", map_type], "name": "limit",
                    "schema": "double", "unit": map_unit } } }),
        json!({ "@type": "Telemetry", "name": format!("alarm{k}"),
            "schema": { "@type": "Object", "fields": [
                { "name": "code", "schema": "integer" },
                { "name": "severity",
                  "schema": enumeration("integer", &["info", "warning", "critical"]) },
                { "name": "raisedAt", "schema": "dateTime" }
            ] } }),
        json!({ "@type": "Relationship", "name": format!("feeds{k}"),
            "target": id(chain.saturating_sub(1), level),
            "properties": [
                { "@type": "Property", "name": "since", "schema": "dateTime" },
                flow
            ] }),
        seventh,
        json!({ "@type": "Property", "name": format!("history{k}"),
            "schema": { "@type": "Array", "elementSchema": "double" } }),
        measured("Telemetry", format!("count{k}"), "integer", serial, 2),
    ]
}

/// The whole set, parents before children and component schemas before their users.
pub fn interfaces() -> Vec<Value> {
    let mut all = Vec::with_capacity(INTERFACES);
    for chain in 0..CHAINS {
        for level in 0..CHAIN_DEPTH {
            let mut interface = json!({
                "@context": CONTEXT,
                "@id": id(chain, level),
                "@type": "Interface",
                "displayName": { "en": format!("Bench chain {chain} level {level}") },
                "description": { "en": "Generated for the DTDL validation benches." },
                "contents": contents(chain, level),
            });
            if level > 0 {
                interface["extends"] = json!(id(chain, level - 1));
            }
            all.push(interface);
        }
    }
    all
}

/// [`interfaces`] in upload order, cut into batches of at most [`MAX_BATCH`].
pub fn batches() -> Vec<Vec<Value>> {
    interfaces()
        .chunks(MAX_BATCH)
        .map(<[Value]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every DTMI a document refers to (extends, component schemas, relationship targets).
    fn references(interface: &Value) -> Vec<String> {
        let mut out: Vec<String> = interface["extends"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect();
        for content in interface["contents"].as_array().unwrap() {
            match content["@type"].as_str() {
                Some("Component") => out.push(content["schema"].as_str().unwrap().to_owned()),
                Some("Relationship") => out.push(content["target"].as_str().unwrap().to_owned()),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn the_set_is_deterministic_and_has_the_promised_shape() {
        let all = interfaces();
        assert_eq!(all, interfaces(), "generated the same way every time");
        assert_eq!(all.len(), INTERFACES);
        assert_eq!(INTERFACES, 1_000);
        let mut position = BTreeMap::new();
        for (i, interface) in all.iter().enumerate() {
            let id = interface["@id"].as_str().unwrap().to_owned();
            assert_eq!(interface["contents"].as_array().unwrap().len(), CONTENTS);
            assert!(position.insert(id, i).is_none(), "ids are unique");
        }
        for (i, interface) in all.iter().enumerate() {
            for reference in references(interface) {
                assert!(
                    position[&reference] <= i,
                    "{reference} is defined before {}",
                    interface["@id"]
                );
            }
        }
        let kinds: Vec<String> = all[CHAIN_DEPTH * PART_CHAINS]["contents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| match &c["@type"] {
                Value::Array(types) => types[0].as_str().unwrap().to_owned(),
                other => other.as_str().unwrap().to_owned(),
            })
            .collect();
        for kind in ["Property", "Telemetry", "Relationship", "Component"] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
        }
    }

    #[test]
    fn chains_are_ten_deep_and_batches_fit_the_upload_limit() {
        let all = interfaces();
        let parent: BTreeMap<&str, &str> = all
            .iter()
            .filter_map(|i| Some((i["@id"].as_str()?, i["extends"].as_str()?)))
            .collect();
        let depth = |id: &str| {
            let mut levels = 1;
            let mut at = id;
            while let Some(p) = parent.get(at) {
                levels += 1;
                at = p;
            }
            levels
        };
        let deepest = all.iter().map(|i| depth(i["@id"].as_str().unwrap())).max();
        assert_eq!(deepest, Some(CHAIN_DEPTH));
        let batches = batches();
        assert_eq!(batches.len(), INTERFACES.div_ceil(MAX_BATCH));
        assert!(batches.iter().all(|b| b.len() <= MAX_BATCH));
        assert_eq!(batches.concat(), all);
    }
}
