//! Every example Interface in the DTDL v2/v3 specs and the v3 extension specs loads.
//!
//! Selection (at test time, from `shared/reference/dtdl/*.md`): every ```json block that parses
//! as JSON and is (a) an Interface object, (b) an array of Interface objects (loaded together as
//! one batch), or (c) a bare content element (`@type` Telemetry/Property/Command/Relationship/
//! Component), which is wrapped into a synthetic Interface with the file's context. Blocks that
//! are instance payloads (serialized data) are skipped. Models that an example references via
//! `extends` or a Component `schema` but does not define (e.g. `dtmi:com:example:Camera;3`) are
//! supplied as empty stub Interfaces. Every example is loaded into a fresh `ModelSet`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dtdl::ModelSet;
use serde_json::{Value, json};

const CONTENT_TYPES: &[&str] = &[
    "Telemetry",
    "Property",
    "Command",
    "Relationship",
    "Component",
];

fn reference(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/dtdl")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_blocks(markdown: &str) -> Vec<String> {
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

/// Loads every example of `file`; returns how many were loaded.
fn check_file(file: &str, context: &str) -> usize {
    let mut loaded = 0;
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
        let mut set = ModelSet::new();
        if let Err(e) = set.add_models(&batch) {
            panic!("{file} block {i} was rejected:\n{e}\n{text}");
        }
        loaded += 1;
    }
    loaded
}

#[test]
fn dtdl_v2_spec_examples_load() {
    let n = check_file("DTDL.v2.md", "dtmi:dtdl:context;2");
    assert!(n >= 20, "only {n} v2 examples found");
}

#[test]
fn dtdl_v3_spec_examples_load() {
    let n = check_file("DTDL.v3.md", "dtmi:dtdl:context;3");
    assert!(n >= 18, "only {n} v3 examples found");
}

#[test]
fn dtdl_v3_extension_examples_load() {
    let mut n = 0;
    for file in [
        "DTDL.quantitativeTypes.v1.md",
        "DTDL.historization.v1.md",
        "DTDL.annotation.v1.md",
        "DTDL.overriding.v1.md",
        "DTDL.mqtt.v1.md",
    ] {
        let loaded = check_file(file, "dtmi:dtdl:context;3");
        assert!(loaded >= 1, "{file}: no example loaded");
        n += loaded;
    }
    assert!(n >= 10, "only {n} extension examples found");
}

#[test]
fn json_block_extraction_finds_fenced_blocks() {
    let md = "text\n```json\n{\"a\": 1}\n```\nmore\n```json\n[1]\n```\n";
    assert_eq!(
        json_blocks(md),
        vec!["{\"a\": 1}\n".to_owned(), "[1]\n".to_owned()]
    );
}
