//! DTDL bombs from issue #8, one named test per case: each is refused with `LimitExceeded`
//! or the specific rule it breaks, and leaves the model set empty.

use dtdl::{ModelErrorKind as K, ModelSet};
use serde_json::{Value, json};

const V3: &str = "dtmi:dtdl:context;3";

fn id(name: &str) -> String {
    format!("dtmi:com:example:{name};1")
}

fn iface(name: &str, extends: Option<&str>, contents: Value) -> Value {
    let mut model =
        json!({"@context": V3, "@id": id(name), "@type": "Interface", "contents": contents});
    if let Some(parent) = extends {
        model["extends"] = json!(id(parent));
    }
    model
}

/// The one check: the batch is refused with `kind` and nothing of it is kept.
fn check_refused(models: &[Value], kind: K) {
    let mut set = ModelSet::new();
    let err = set.add_models(models).unwrap_err();
    assert!(err.has_kind(kind), "{err}");
    assert!(set.ids().is_empty(), "a refused batch left models behind");
}

/// `C0 ← C1 ← … ← C{levels}`: `levels` steps of `extends`.
fn chain(levels: usize) -> Vec<Value> {
    (0..=levels)
        .map(|i| {
            let parent = (i > 0).then(|| format!("C{}", i - 1));
            iface(&format!("C{i}"), parent.as_deref(), json!([]))
        })
        .collect()
}

#[test]
fn an_extends_chain_of_ten_levels_is_accepted() {
    let mut set = ModelSet::new();
    set.add_models(&chain(10)).expect("ten levels are allowed");
}

#[test]
fn an_extends_chain_deeper_than_ten_levels_is_refused() {
    check_refused(&chain(11), K::ExtendsTooDeep);
    check_refused(&chain(200), K::ExtendsTooDeep);
}

#[test]
fn an_enum_with_a_hundred_thousand_values_is_refused() {
    let values: Vec<Value> = (0..100_000)
        .map(|i| json!({"name": format!("v{i}"), "enumValue": i}))
        .collect();
    let schema = json!({"@type": "Enum", "valueSchema": "integer", "enumValues": values});
    check_refused(
        &[iface(
            "EnumBomb",
            None,
            json!([{"@type": "Property", "name": "e", "schema": schema}]),
        )],
        K::LimitExceeded,
    );
}

#[test]
fn schemas_nested_a_hundred_deep_are_refused() {
    let mut deep = json!("double");
    for _ in 0..100 {
        deep = json!({"@type": "Array", "elementSchema": deep});
    }
    check_refused(
        &[iface(
            "DeepBomb",
            None,
            json!([{"@type": "Telemetry", "name": "t", "schema": deep}]),
        )],
        K::LimitExceeded,
    );
}

#[test]
fn an_extends_cycle_is_refused_not_followed_forever() {
    let a = iface("A", Some("B"), json!([]));
    let b = iface("B", Some("A"), json!([]));
    check_refused(&[a, b], K::ExtendsCycle);
}
