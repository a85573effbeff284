//! ModelSet behaviour: atomic batches, identity rules, removal, dependencies, IS_OF_MODEL,
//! and DTDL bombs refused with LimitExceeded.

use dtdl::{ModelErrorKind as K, ModelSet, RemoveModelError, Schema};
use serde_json::{Value, json};

const V3: &str = "dtmi:dtdl:context;3";

fn id(name: &str) -> String {
    format!("dtmi:com:example:{name};1")
}

fn iface(name: &str, extends: &[&str], contents: Value) -> Value {
    let extends: Vec<String> = extends.iter().map(|e| id(e)).collect();
    json!({"@context": V3, "@id": id(name), "@type": "Interface", "extends": extends, "contents": contents})
}

fn prop(name: &str) -> Value {
    json!({"@type": "Property", "name": name, "schema": "string"})
}

fn component(name: &str, schema: &str) -> Value {
    json!({"@type": "Component", "name": name, "schema": id(schema)})
}

/// Base <- Mid <- Leaf, Leaf has a component of schema Part; Other is unrelated.
fn hierarchy() -> ModelSet {
    let mut set = ModelSet::new();
    set.add_models(&[
        iface("Leaf", &["Mid"], json!([component("part", "Part")])),
        iface("Mid", &["Base"], json!([prop("mid")])),
        iface("Base", &[], json!([prop("base")])),
        iface("Part", &[], json!([prop("serial")])),
        iface("Other", &[], json!([])),
    ])
    .expect("hierarchy loads");
    set
}

fn names(ids: Vec<dtdl::Dtmi>) -> Vec<String> {
    ids.into_iter().map(|d| d.to_string()).collect()
}

#[test]
fn add_returns_ids_in_input_order_and_ids_are_sorted() {
    let mut set = ModelSet::new();
    let ids = set
        .add_models(&[
            iface("Zeta", &[], json!([])),
            iface("Alpha", &[], json!([])),
        ])
        .unwrap();
    assert_eq!(names(ids), vec![id("Zeta"), id("Alpha")]);
    assert_eq!(names(set.ids()), vec![id("Alpha"), id("Zeta")]);
}

#[test]
fn batches_are_atomic() {
    let mut set = hierarchy();
    let before = set.ids();
    let err = set
        .add_models(&[
            iface("Good", &[], json!([prop("x")])),
            iface(
                "Bad",
                &[],
                json!([{"@type": "Property", "name": "y", "schema": "strng"}]),
            ),
        ])
        .unwrap_err();
    assert!(err.has_kind(K::InvalidValue), "{err}");
    assert_eq!(set.ids(), before);
    assert!(!set.contains(&id("Good")));
    // A later reference error also keeps the valid models out.
    let err = set
        .add_models(&[
            iface("Good", &[], json!([])),
            iface("Dangling", &["Nowhere"], json!([])),
        ])
        .unwrap_err();
    assert!(err.has_kind(K::MissingReference), "{err}");
    assert!(!set.contains(&id("Good")));
}

#[test]
fn identity_rules() {
    let mut set = hierarchy();
    let err = set
        .add_models(&[iface("Base", &[], json!([]))])
        .unwrap_err();
    assert!(err.has_kind(K::AlreadyExists), "{err}");
    assert!(err.to_string().contains(&id("Base")));
    let err = set
        .add_models(&[iface("New", &[], json!([])), iface("New", &[], json!([]))])
        .unwrap_err();
    assert!(err.has_kind(K::DuplicateIdInBatch), "{err}");
    let many: Vec<Value> = (0..251)
        .map(|i| iface(&format!("M{i}"), &[], json!([])))
        .collect();
    let err = set.add_models(&many).unwrap_err();
    assert!(err.has_kind(K::TooManyModels), "{err}");
    let exactly: Vec<Value> = (0..250)
        .map(|i| iface(&format!("M{i}"), &[], json!([])))
        .collect();
    assert_eq!(set.add_models(&exactly).unwrap().len(), 250);
}

#[test]
fn references_may_point_into_the_batch_or_the_set() {
    let mut set = hierarchy();
    set.add_models(&[
        iface("Child", &["Base", "Fresh"], json!([component("p", "Part")])),
        iface("Fresh", &[], json!([prop("fresh")])),
    ])
    .expect("references into set and batch");
    let child = set.interface(&id("Child")).unwrap();
    let props: Vec<&str> = child.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        props,
        vec!["base", "fresh"],
        "inherited contents flattened in extends order"
    );
    assert_eq!(names(child.extends.clone()), vec![id("Base"), id("Fresh")]);
}

#[test]
fn diamond_inheritance_is_not_a_duplicate() {
    let mut set = hierarchy();
    set.add_models(&[
        iface("Left", &["Base"], json!([])),
        iface("Right", &["Base"], json!([])),
        iface("Diamond", &["Left", "Right"], json!([])),
    ])
    .expect("diamond loads");
    assert_eq!(set.interface(&id("Diamond")).unwrap().properties.len(), 1);
}

#[test]
fn reused_schemas_across_models() {
    let mut set = ModelSet::new();
    let owner = json!({"@context": V3, "@id": id("Owner"), "@type": "Interface",
        "schemas": [{"@id": "dtmi:com:example:Owner:vec;1", "@type": "Object", "fields": [{"name": "x", "schema": "double"}]}]});
    let user = iface(
        "User",
        &[],
        json!([{"@type": "Property", "name": "v", "schema": "dtmi:com:example:Owner:vec;1"}]),
    );
    set.add_models(&[owner, user])
        .expect("cross-model schema reference");
    let v = set.interface(&id("User")).unwrap().property("v").unwrap();
    assert!(matches!(&v.schema, Schema::Object { fields } if fields[0].name == "x"));
    assert_eq!(names(set.dependants(&id("Owner"))), vec![id("User")]);
    assert!(matches!(
        set.remove_model(&id("Owner")),
        Err(RemoveModelError::Referenced { .. })
    ));
}

#[test]
fn removal_is_refused_while_referenced() {
    let mut set = hierarchy();
    match set.remove_model(&id("Base")) {
        Err(RemoveModelError::Referenced { id: removed, by }) => {
            assert_eq!(removed, id("Base"));
            assert_eq!(by, vec![id("Mid")]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(
            set.remove_model(&id("Part")),
            Err(RemoveModelError::Referenced { .. })
        ),
        "component schema"
    );
    assert_eq!(
        set.remove_model(&id("Nope")),
        Err(RemoveModelError::NotFound(id("Nope")))
    );
    for name in ["Leaf", "Mid", "Base", "Part", "Other"] {
        set.remove_model(&id(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(set.ids().is_empty());
}

#[test]
fn dependencies_and_dependants() {
    let set = hierarchy();
    assert_eq!(
        names(set.dependencies(&id("Leaf"))),
        vec![id("Base"), id("Mid"), id("Part")]
    );
    assert_eq!(names(set.dependencies(&id("Mid"))), vec![id("Base")]);
    assert!(set.dependencies(&id("Other")).is_empty());
    assert_eq!(names(set.dependants(&id("Mid"))), vec![id("Leaf")]);
    assert_eq!(names(set.dependants(&id("Part"))), vec![id("Leaf")]);
    assert!(set.dependants(&id("Leaf")).is_empty());
}

#[test]
fn is_of_model_follows_extends() {
    let set = hierarchy();
    for (twin, model, exact, expected) in [
        ("Leaf", "Leaf", true, true),
        ("Leaf", "Leaf", false, true),
        ("Leaf", "Base", false, true),
        ("Leaf", "Mid", false, true),
        ("Leaf", "Base", true, false),
        ("Base", "Leaf", false, false),
        ("Leaf", "Part", false, false),
        ("Missing", "Base", false, false),
    ] {
        assert_eq!(
            set.is_of_model(&id(twin), &id(model), exact),
            expected,
            "{twin} {model} exact={exact}"
        );
    }
}

#[test]
fn extends_depth_ten_is_allowed() {
    let mut set = ModelSet::new();
    let chain: Vec<Value> = (0..11)
        .map(|i| {
            if i == 0 {
                iface("C0", &[], json!([]))
            } else {
                iface(&format!("C{i}"), &[&format!("C{}", i - 1)], json!([]))
            }
        })
        .collect();
    set.add_models(&chain).expect("10 extends levels");
    assert!(set.is_of_model(&id("C10"), &id("C0"), false));
}

#[test]
fn dtdl_bombs_are_refused_with_limit_exceeded() {
    let mut set = ModelSet::new();
    // 100,000 enum values.
    let values: Vec<Value> = (0..100_000)
        .map(|i| json!({"name": format!("v{i}"), "enumValue": i}))
        .collect();
    let bomb = iface(
        "EnumBomb",
        &[],
        json!([{"@type": "Property", "name": "e", "schema": {"@type": "Enum", "valueSchema": "integer", "enumValues": values}}]),
    );
    let err = set.add_models(&[bomb]).unwrap_err();
    assert!(err.has_kind(K::LimitExceeded), "{err}");

    // Deep nesting.
    let mut deep = json!("double");
    for _ in 0..100 {
        deep = json!({"@type": "Array", "elementSchema": deep});
    }
    let err = set
        .add_models(&[iface(
            "DeepBomb",
            &[],
            json!([{"@type": "Telemetry", "name": "t", "schema": deep}]),
        )])
        .unwrap_err();
    assert!(err.has_kind(K::LimitExceeded), "{err}");

    // Exponential expansion through reused schemas: each level has 40 fields of the level below.
    let mut schemas = vec![
        json!({"@id": "dtmi:com:example:L0;1", "@type": "Object", "fields": [{"name": "x", "schema": "double"}]}),
    ];
    for level in 1..5 {
        let fields: Vec<Value> = (0..40).map(|i| json!({"name": format!("f{i}"), "schema": format!("dtmi:com:example:L{};1", level - 1)})).collect();
        schemas.push(json!({"@id": format!("dtmi:com:example:L{level};1"), "@type": "Object", "fields": fields}));
    }
    let bomb = json!({"@context": V3, "@id": id("RefBomb"), "@type": "Interface", "schemas": schemas,
        "contents": [{"@type": "Property", "name": "p", "schema": "dtmi:com:example:L4;1"}]});
    let err = set.add_models(&[bomb]).unwrap_err();
    assert!(err.has_kind(K::LimitExceeded), "{err}");

    // A document over 1 MiB.
    let big = iface(
        "Big",
        &[],
        json!([{"@type": "Property", "name": "p", "schema": "string", "comment": "x".repeat(1_100_000)}]),
    );
    let err = set.add_models(&[big]).unwrap_err();
    assert!(err.has_kind(K::LimitExceeded), "{err}");
    assert!(set.ids().is_empty());
}

#[test]
fn interface_exposes_resolved_contents() {
    let mut set = ModelSet::new();
    let doc = json!({"@context": V3, "@id": id("Full"), "@type": "Interface", "displayName": {"en": "Full", "de": "Voll"}, "description": "All parts",
        "contents": [
            {"@type": "Property", "name": "p", "schema": "dtmi:com:example:Full:st;1", "writable": true},
            {"@type": "Relationship", "name": "r", "minMultiplicity": 0, "maxMultiplicity": 3, "target": id("Full"), "writable": true},
            {"@type": "Telemetry", "name": "t", "schema": "double"},
            {"@type": "Command", "name": "c"}
        ],
        "schemas": [{"@id": "dtmi:com:example:Full:st;1", "@type": "Enum", "valueSchema": "string", "enumValues": [{"name": "a", "enumValue": "A", "displayName": "Ay"}]}]});
    set.add_models(std::slice::from_ref(&doc)).unwrap();
    let i = set.interface(&id("Full")).unwrap();
    assert_eq!(i.dtdl_version, 3);
    assert_eq!(i.display_name.best(), Some("Full"));
    assert_eq!(i.description.best(), Some("All parts"));
    assert_eq!(i.raw, doc);
    let p = i.property("p").unwrap();
    assert!(p.writable);
    assert!(
        matches!(&p.schema, Schema::Enum { values, .. } if values[0].value == json!("A") && values[0].display_name.best() == Some("Ay"))
    );
    let r = i.relationship("r").unwrap();
    assert_eq!(
        (r.min_multiplicity, r.max_multiplicity, r.writable),
        (Some(0), Some(3), true)
    );
    assert_eq!(r.target.as_ref().map(|t| t.to_string()), Some(id("Full")));
    assert_eq!(i.telemetry[0].schema, Schema::Double);
    assert_eq!(i.commands[0].name, "c");
}
