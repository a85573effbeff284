//! Twin, property-value and relationship validation for every schema kind.

use dtdl::ModelSet;
use serde_json::{Map, Value, json};

const MODEL: &str = "dtmi:com:example:AllKinds;1";

fn set() -> ModelSet {
    let props = [
        ("b", json!("boolean")),
        ("d", json!("date")),
        ("dt", json!("dateTime")),
        ("dbl", json!("double")),
        ("dur", json!("duration")),
        ("f", json!("float")),
        ("i", json!("integer")),
        ("l", json!("long")),
        ("s", json!("string")),
        ("t", json!("time")),
        ("pt", json!("point")),
        ("ls", json!("lineString")),
        ("pg", json!("polygon")),
        ("mpt", json!("multiPoint")),
        ("mls", json!("multiLineString")),
        ("mpg", json!("multiPolygon")),
        (
            "ei",
            json!({"@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "off", "enumValue": 0}, {"name": "on", "enumValue": 1}]}),
        ),
        (
            "es",
            json!({"@type": "Enum", "valueSchema": "string", "enumValues": [{"name": "red", "enumValue": "red"}, {"name": "green", "enumValue": "green"}]}),
        ),
        (
            "o",
            json!({"@type": "Object", "fields": [{"name": "x", "schema": "double"}, {"name": "label", "schema": "string"}]}),
        ),
        (
            "m",
            json!({"@type": "Map", "mapKey": {"name": "k", "schema": "string"}, "mapValue": {"name": "v", "schema": "integer"}}),
        ),
        ("a", json!({"@type": "Array", "elementSchema": "integer"})),
    ];
    let mut contents: Vec<Value> = props
        .iter()
        .map(|(n, s)| json!({"@type": "Property", "name": n, "schema": s}))
        .collect();
    contents.push(json!({"@type": "Telemetry", "name": "tel", "schema": "double"}));
    contents.push(
        json!({"@type": "Relationship", "name": "rel", "target": "dtmi:com:example:Part;1",
        "properties": [{"@type": "Property", "name": "since", "schema": "date"}]}),
    );
    contents.push(json!({"@type": "Command", "name": "reboot"}));
    contents
        .push(json!({"@type": "Component", "name": "comp", "schema": "dtmi:com:example:Part;1"}));
    let part = json!({"@context": "dtmi:dtdl:context;3", "@id": "dtmi:com:example:Part;1", "@type": "Interface",
        "contents": [{"@type": "Property", "name": "serial", "schema": "string"}]});
    let special = json!({"@context": "dtmi:dtdl:context;3", "@id": "dtmi:com:example:SpecialPart;1", "@type": "Interface",
        "extends": "dtmi:com:example:Part;1"});
    let all = json!({"@context": "dtmi:dtdl:context;3", "@id": MODEL, "@type": "Interface", "contents": contents});
    let mut set = ModelSet::new();
    set.add_models(&[part, special, all])
        .expect("test models load");
    set
}

fn twin(extra: Value) -> Map<String, Value> {
    let mut t = json!({"$dtId": "t1", "$metadata": {"$model": MODEL}, "comp": {"$metadata": {}}});
    for (k, v) in extra.as_object().expect("object") {
        t[k] = v.clone();
    }
    t.as_object().expect("object").clone()
}

/// Each value is checked as a whole twin and as a single property value.
fn check(property: &str, value: Value, ok: bool) {
    let set = set();
    let whole = set.validate_twin(MODEL, &twin(json!({ property: value.clone() })));
    assert_eq!(whole.is_ok(), ok, "twin {property} = {value}: {whole:?}");
    let single = set.validate_property_value(MODEL, &[property], &value);
    assert_eq!(single.is_ok(), ok, "value {property} = {value}: {single:?}");
    if let Err(errors) = whole {
        assert!(
            errors
                .iter()
                .all(|e| e.path.starts_with(&format!("/{property}"))),
            "{errors:?}"
        );
    }
}

#[test]
fn primitive_values() {
    let cases = [
        ("b", json!(true), true),
        ("b", json!("true"), false),
        ("i", json!(42), true),
        ("i", json!(-2147483648i64), true),
        ("i", json!(2147483648i64), false),
        ("i", json!(3.5), false),
        ("i", json!(3.0), false),
        ("i", json!("3"), false),
        ("l", json!(9007199254740993i64), true),
        ("l", json!(18446744073709551615u64), false),
        ("l", json!(1.5), false),
        ("dbl", json!(1.5), true),
        ("dbl", json!(7), true),
        ("dbl", json!("1.5"), false),
        ("f", json!(3.25), true),
        ("f", json!(1e300), false),
        ("s", json!("hello"), true),
        ("s", json!(5), false),
        ("d", json!("2024-02-29"), true),
        ("d", json!("2023-02-29"), false),
        ("d", json!("2024-05-01T00:00:00Z"), false),
        ("dt", json!("2024-05-01T12:30:00Z"), true),
        ("dt", json!("2024-05-01T12:30:00.5+02:00"), true),
        ("dt", json!("2024-05-01T12:30:00"), false),
        ("dt", json!("2024-05-01"), false),
        ("t", json!("12:30:00"), true),
        ("t", json!("25:00:00"), false),
        ("dur", json!("PT15M"), true),
        ("dur", json!("P1DT2H"), true),
        ("dur", json!("15 minutes"), false),
        ("dur", json!(900), false),
        ("s", Value::Null, false),
    ];
    for (p, v, ok) in cases {
        check(p, v, ok);
    }
}

#[test]
fn geospatial_values() {
    let cases = [
        (
            "pt",
            json!({"type": "Point", "coordinates": [47.64, -122.13]}),
            true,
        ),
        (
            "pt",
            json!({"type": "Point", "coordinates": [47.64]}),
            false,
        ),
        (
            "pt",
            json!({"type": "LineString", "coordinates": [47.64, -122.13]}),
            false,
        ),
        ("pt", json!([47.64, -122.13]), false),
        (
            "ls",
            json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
            true,
        ),
        (
            "ls",
            json!({"type": "LineString", "coordinates": [[0, 0]]}),
            false,
        ),
        (
            "pg",
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
            true,
        ),
        (
            "pg",
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}),
            false,
        ),
        (
            "mpt",
            json!({"type": "MultiPoint", "coordinates": [[0, 0], [1, 1]]}),
            true,
        ),
        (
            "mpt",
            json!({"type": "MultiPoint", "coordinates": [0, 0]}),
            false,
        ),
        (
            "mls",
            json!({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]]]}),
            true,
        ),
        (
            "mpg",
            json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}),
            true,
        ),
        (
            "mpg",
            json!({"type": "MultiPolygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
            false,
        ),
    ];
    for (p, v, ok) in cases {
        check(p, v, ok);
    }
}

#[test]
fn complex_values() {
    let cases = [
        ("ei", json!(1), true),
        ("ei", json!(2), false),
        ("ei", json!("on"), false),
        ("es", json!("green"), true),
        ("es", json!("blue"), false),
        ("o", json!({"x": 1.0, "label": "a"}), true),
        ("o", json!({"x": 1.0}), true),
        ("o", json!({"x": "one"}), false),
        ("o", json!({"y": 1.0}), false),
        ("o", json!(5), false),
        ("m", json!({"a": 1, "b": 2}), true),
        ("m", json!({"a": "one"}), false),
        ("m", json!({"$bad": 1}), false),
        ("m", json!([1]), false),
        ("a", json!([1, 2, 3]), true),
        ("a", json!([]), true),
        ("a", json!([1, "2"]), false),
        ("a", json!({"0": 1}), false),
    ];
    for (p, v, ok) in cases {
        check(p, v, ok);
    }
}

#[test]
fn nested_property_paths() {
    let set = set();
    let check_path = |path: &[&str], value: Value, ok: bool| {
        let r = set.validate_property_value(MODEL, path, &value);
        assert_eq!(r.is_ok(), ok, "{path:?} = {value}: {r:?}");
    };
    check_path(&["o", "x"], json!(2.5), true);
    check_path(&["o", "x"], json!("2.5"), false);
    check_path(&["o", "nope"], json!(1), false);
    check_path(&["m", "key1"], json!(3), true);
    check_path(&["m", "key1"], json!(3.5), false);
    check_path(&["a", "0"], json!(3), true);
    check_path(&["a", "-"], json!("x"), false);
    check_path(&["s", "deeper"], json!("x"), false);
    check_path(&["comp", "serial"], json!("SN1"), true);
    check_path(&["comp", "serial"], json!(1), false);
    check_path(&["comp", "ghost"], json!(1), false);
    check_path(&["comp"], json!({"$metadata": {}, "serial": "x"}), true);
    check_path(&["comp"], json!({"serial": "x"}), false);
    check_path(&["tel"], json!(1.0), false);
    check_path(&["ghost"], json!(1), false);
    check_path(&[], json!(1), false);
}

#[test]
fn twin_level_rules() {
    let set = set();
    assert!(set.validate_twin(MODEL, &twin(json!({}))).is_ok());
    let mut no_component = twin(json!({}));
    no_component.remove("comp");
    let errors = set.validate_twin(MODEL, &no_component).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.path == "/comp" && e.message.contains("missing")),
        "{errors:?}"
    );
    let errors = set
        .validate_twin(MODEL, &twin(json!({"comp": {"serial": "x"}})))
        .unwrap_err();
    assert!(
        errors.iter().any(|e| e.message.contains("$metadata")),
        "{errors:?}"
    );
    let errors = set
        .validate_twin(
            MODEL,
            &twin(json!({"comp": {"$metadata": {}, "serial": 5}})),
        )
        .unwrap_err();
    assert_eq!(errors[0].path, "/comp/serial");
    let errors = set
        .validate_twin(MODEL, &twin(json!({"tempp": 1})))
        .unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("'tempp' is not a property of model dtmi:com:example:AllKinds;1"),
        "{errors:?}"
    );
    for (key, kind) in [
        ("tel", "Telemetry"),
        ("rel", "Relationship"),
        ("reboot", "Command"),
    ] {
        let errors = set
            .validate_twin(MODEL, &twin(json!({ key: 1 })))
            .unwrap_err();
        assert!(errors[0].message.contains(kind), "{errors:?}");
    }
    let errors = set
        .validate_twin(MODEL, &twin(json!({"i": "x", "b": 1})))
        .unwrap_err();
    assert_eq!(errors.len(), 2, "every problem is reported: {errors:?}");
    assert!(
        set.validate_twin("dtmi:com:example:Nope;1", &twin(json!({})))
            .is_err()
    );
}

#[test]
fn relationship_rules() {
    let set = set();
    let props = |v: Value| v.as_object().expect("object").clone();
    assert!(
        set.validate_relationship(
            MODEL,
            "rel",
            "dtmi:com:example:Part;1",
            &props(json!({"since": "2024-01-01"}))
        )
        .is_ok()
    );
    assert!(
        set.validate_relationship(MODEL, "rel", "dtmi:com:example:SpecialPart;1", &Map::new())
            .is_ok(),
        "subtype target"
    );
    assert!(
        set.validate_relationship(MODEL, "rel", MODEL, &Map::new())
            .is_err(),
        "wrong target model"
    );
    assert!(
        set.validate_relationship(
            MODEL,
            "rel",
            "dtmi:com:example:Part;1",
            &props(json!({"since": 5}))
        )
        .is_err()
    );
    assert!(
        set.validate_relationship(
            MODEL,
            "rel",
            "dtmi:com:example:Part;1",
            &props(json!({"until": "2024-01-01"}))
        )
        .is_err()
    );
    let errors = set
        .validate_relationship(MODEL, "rell", "dtmi:com:example:Part;1", &Map::new())
        .unwrap_err();
    assert!(
        errors[0].message.contains("did you mean 'rel'"),
        "{errors:?}"
    );
}
