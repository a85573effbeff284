//! The example Interfaces of the DTDL specifications (`shared/reference/dtdl/*.md`), as the
//! batches a modeller would upload. Shared by the DTDL crate's tests and the e2e test that
//! uploads them through the models page (included there with `#[path]`), so both read the
//! specifications the same way.
//!
//! Selection: every ```json block that parses as JSON and is (a) an Interface object, (b) an
//! array of Interface objects (one batch), or (c) a bare content element (`@type`
//! Telemetry/Property/Command/Relationship/Component), wrapped into a synthetic Interface with
//! the file's context. Blocks that are instance payloads are skipped. Models that an example
//! references via `extends` or a Component `schema` but does not define are supplied as empty
//! stub Interfaces.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};

const CONTENT_TYPES: &[&str] = &[
    "Telemetry",
    "Property",
    "Command",
    "Relationship",
    "Component",
];

pub fn reference(file: &str) -> String {
    // `shared/` sits beside the repository; this file is compiled from more than one crate.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = manifest
        .ancestors()
        .map(|a| a.join("shared/reference/dtdl").join(file))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{file} not found in shared/reference/dtdl above {}",
                manifest.display()
            )
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, "```json") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn main_type(v: &Value) -> Option<&str> {
    match v.get("@type")? {
        Value::String(s) => Some(s),
        Value::Array(a) => a.first()?.as_str(),
        _ => None,
    }
}

/// The batch of Interfaces an example block stands for, if it is one.
fn as_batch(block: &Value, context: &str) -> Option<Vec<Value>> {
    let items: Vec<Value> = match block {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    if items.iter().all(|i| main_type(i) == Some("Interface")) {
        return Some(items);
    }
    match (block, main_type(block)) {
        (Value::Object(_), Some(t)) if CONTENT_TYPES.contains(&t) => Some(vec![json!({
            "@context": context,
            "@id": "dtmi:com:example:specWrapper;1",
            "@type": "Interface",
            "contents": [block],
        })]),
        _ => None,
    }
}

/// DTMIs the batch needs (extends, Component schemas) but does not define.
fn undefined_references(batch: &[Value]) -> BTreeSet<String> {
    let defined: BTreeSet<&str> = batch
        .iter()
        .filter_map(|d| d.get("@id")?.as_str())
        .collect();
    let mut needed = BTreeSet::new();
    for doc in batch {
        match doc.get("extends") {
            Some(Value::String(s)) => {
                needed.insert(s.clone());
            }
            Some(Value::Array(items)) => {
                needed.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
            }
            _ => {}
        }
        for c in doc
            .get("contents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if main_type(c) == Some("Component") {
                needed.extend(c.get("schema").and_then(Value::as_str).map(str::to_owned));
            }
        }
    }
    needed.retain(|id| !defined.contains(id.as_str()));
    needed
}

/// The specification files of what Azure Digital Twins supports, with their contexts.
pub const SPEC_FILES: &[(&str, &str)] = &[
    ("DTDL.v2.md", "dtmi:dtdl:context;2"),
    ("DTDL.v3.md", "dtmi:dtdl:context;3"),
    ("DTDL.quantitativeTypes.v1.md", "dtmi:dtdl:context;3"),
    ("DTDL.historization.v1.md", "dtmi:dtdl:context;3"),
    ("DTDL.annotation.v1.md", "dtmi:dtdl:context;3"),
    ("DTDL.overriding.v1.md", "dtmi:dtdl:context;3"),
];

/// The MQTT extension's specification: valid DTDL, but not an extension Azure Digital Twins
/// supports (`docs/dtdl-service-settings.md`).
pub const MQTT_SPEC: (&str, &str) = ("DTDL.mqtt.v1.md", "dtmi:dtdl:context;3");

/// Every example batch of `file` (with stubs for what it references but does not define),
/// named `file block i`, in file order.
pub fn batches(file: &str, context: &str) -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    for (i, text) in json_blocks(&reference(file)).iter().enumerate() {
        let Ok(block) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let Some(mut batch) = as_batch(&block, context) else {
            continue;
        };
        for id in undefined_references(&batch) {
            batch.push(json!({"@context": context, "@id": id, "@type": "Interface"}));
        }
        out.push((format!("{file} block {i}"), batch));
    }
    out
}
