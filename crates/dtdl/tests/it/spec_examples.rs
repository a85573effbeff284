//! Every example Interface in the DTDL v2/v3 specs and the v3 extension specs loads, each
//! example batch into a fresh `ModelSet` (how examples are read: `spec_batches.rs`).

use dtdl::{ModelErrorKind, ModelSet, ParseOptions, Service};

use super::spec_batches::{MQTT_SPEC, SPEC_FILES, batches, json_blocks};

/// Loads every example of `file`; returns how many were loaded.
fn check_file(file: &str, context: &str) -> usize {
    let batches = batches(file, context);
    for (name, batch) in &batches {
        let mut set = ModelSet::new();
        if let Err(e) = set.add_models(batch) {
            panic!("{name} was rejected:\n{e}\n{batch:#?}");
        }
    }
    batches.len()
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
    for (file, context) in &SPEC_FILES[2..] {
        let loaded = check_file(file, context);
        assert!(loaded >= 1, "{file}: no example loaded");
        n += loaded;
    }
    assert!(n >= 8, "only {n} extension examples found");
}

#[test]
fn mqtt_examples_are_dtdl_but_not_for_azure_digital_twins() {
    let (file, context) = MQTT_SPEC;
    let batches = batches(file, context);
    assert!(!batches.is_empty());
    let language = ParseOptions {
        service: Service::LanguageOnly,
        ..ParseOptions::default()
    };
    for (name, batch) in &batches {
        if let Err(e) = ModelSet::with_options(language).add_models(batch) {
            panic!("{name} is valid DTDL:\n{e}");
        }
        let refused = ModelSet::new()
            .add_models(batch)
            .expect_err("the service does not take MQTT");
        assert!(
            refused
                .errors
                .iter()
                .any(|e| e.kind == ModelErrorKind::InvalidContext
                    && e.message.contains("does not support the MQTT extension")),
            "{name}: {refused}"
        );
    }
}

#[test]
fn json_block_extraction_finds_fenced_blocks() {
    let md = "text\n```json\n{\"a\": 1}\n```\nmore\n```json\n[1]\n```\n";
    assert_eq!(
        json_blocks(md),
        vec!["{\"a\": 1}\n".to_owned(), "[1]\n".to_owned()]
    );
}
