//! A table of invalid models: each must be refused with the expected kind and a message that
//! names the problem, and a refused upload must leave the set unchanged.

use dtdl::{ModelErrorKind as K, ModelSet};
use serde_json::{Value, json};

const V3: &str = "dtmi:dtdl:context;3";
const V2: &str = "dtmi:dtdl:context;2";

/// An Interface `dtmi:com:example:<name>;1` with the given contents.
fn iface(context: &str, name: &str, contents: Value) -> Value {
    json!({"@context": context, "@id": format!("dtmi:com:example:{name};1"), "@type": "Interface", "contents": contents})
}

/// One v3 Interface holding one Property with `schema`.
fn with_schema(schema: Value) -> Value {
    iface(
        V3,
        "T",
        json!([{"@type": "Property", "name": "p", "schema": schema}]),
    )
}

fn nested_objects(levels: usize) -> Value {
    let mut schema = json!("double");
    for _ in 0..levels {
        schema = json!({"@type": "Object", "fields": [{"name": "f", "schema": schema}]});
    }
    schema
}

fn check(case: &str, docs: Vec<Value>, kind: K, fragment: &str) {
    let mut set = ModelSet::new();
    set.add_models(&[iface(V3, "Existing", json!([]))])
        .expect("baseline model");
    let before = set.ids();
    let err = match set.add_models(&docs) {
        Ok(ids) => panic!("{case}: accepted {ids:?}"),
        Err(e) => e,
    };
    assert!(
        err.errors
            .iter()
            .any(|e| e.kind == kind && e.message.contains(fragment)),
        "{case}: expected {kind:?} containing {fragment:?}, got:\n{err:#?}"
    );
    assert_eq!(set.ids(), before, "{case}: the set changed");
}

#[test]
fn invalid_documents_and_interfaces() {
    check(
        "not an object",
        vec![json!([1])],
        K::NotAnObject,
        "must be a JSON object",
    );
    check(
        "missing context",
        vec![json!({"@id": "dtmi:com:example:T;1", "@type": "Interface"})],
        K::InvalidContext,
        "@context is required",
    );
    check(
        "unknown context",
        vec![
            json!({"@context": "dtmi:dtdl:context;4", "@id": "dtmi:com:example:T;1", "@type": "Interface"}),
        ],
        K::InvalidContext,
        "not a DTDL context",
    );
    check(
        "v2 with extension",
        vec![
            json!({"@context": [V2, "dtmi:dtdl:extension:historization;1"], "@id": "dtmi:com:example:T;1", "@type": "Interface"}),
        ],
        K::InvalidContext,
        "DTDL v2",
    );
    check(
        "missing @id",
        vec![json!({"@context": V3, "@type": "Interface"})],
        K::MissingField,
        "@id is required",
    );
    check(
        "bad @id",
        vec![json!({"@context": V3, "@id": "dtmi:com:ex-ample;1", "@type": "Interface"})],
        K::InvalidDtmi,
        "'ex-ample'",
    );
    check(
        "system @id",
        vec![json!({"@context": V3, "@id": "dtmi:com:_x;1", "@type": "Interface"})],
        K::InvalidDtmi,
        "system DTMI",
    );
    check(
        "reserved @id",
        vec![json!({"@context": V3, "@id": "dtmi:dtdl:mine;1", "@type": "Interface"})],
        K::InvalidDtmi,
        "reserved",
    );
    let long_id = format!("dtmi:com:{};1", "a".repeat(130));
    check(
        "long @id",
        vec![json!({"@context": V3, "@id": long_id, "@type": "Interface"})],
        K::InvalidDtmi,
        "128",
    );
    check(
        "v2 without version",
        vec![json!({"@context": V2, "@id": "dtmi:com:example:T", "@type": "Interface"})],
        K::InvalidDtmi,
        "one-part version",
    );
    check(
        "v2 two-part version",
        vec![json!({"@context": V2, "@id": "dtmi:com:example:T;1.2", "@type": "Interface"})],
        K::InvalidDtmi,
        "one-part version",
    );
    check(
        "misspelt @type",
        vec![json!({"@context": V3, "@id": "dtmi:com:example:T;1", "@type": "Interfac"})],
        K::InvalidValue,
        "did you mean 'Interface'",
    );
    check(
        "missing @type",
        vec![json!({"@context": V3, "@id": "dtmi:com:example:T;1"})],
        K::MissingField,
        "@type is required",
    );
    check(
        "unknown field",
        vec![
            json!({"@context": V3, "@id": "dtmi:com:example:T;1", "@type": "Interface", "displayname": "x"}),
        ],
        K::UnknownField,
        "did you mean 'displayName'",
    );
    let long_name = "x".repeat(65);
    check(
        "v2 long displayName",
        vec![
            json!({"@context": V2, "@id": "dtmi:com:example:T;1", "@type": "Interface", "displayName": long_name}),
        ],
        K::LimitExceeded,
        "64 characters",
    );
    check(
        "bad language tag",
        vec![
            json!({"@context": V3, "@id": "dtmi:com:example:T;1", "@type": "Interface", "displayName": {"english please": "x"}}),
        ],
        K::InvalidValue,
        "language tag",
    );
    check(
        "inline extends",
        vec![
            json!({"@context": V3, "@id": "dtmi:com:example:T;1", "@type": "Interface", "extends": {"@type": "Interface"}}),
        ],
        K::InvalidValue,
        "inline",
    );
}

#[test]
fn invalid_contents() {
    check(
        "exact message",
        vec![
            json!({"@context": V3, "@id": "dtmi:com:contoso:Room;1", "@type": "Interface", "contents": [
            {"@type": "Property", "name": "a", "schema": "string"},
            {"@type": "Property", "name": "b", "schema": "string"},
            {"@type": "Property", "name": "temperature", "schema": "flaot"}]}),
        ],
        K::InvalidValue,
        "dtmi:com:contoso:Room;1: contents[2] 'temperature': schema 'flaot' is not a DTDL schema (did you mean 'float'?)",
    );
    check(
        "unknown content type",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Propery", "name": "p", "schema": "string"}]),
        )],
        K::InvalidValue,
        "did you mean 'Property'",
    );
    check(
        "missing name",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Property", "schema": "string"}]),
        )],
        K::MissingField,
        "name is required",
    );
    check(
        "bad name",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Property", "name": "1temp", "schema": "string"}]),
        )],
        K::InvalidValue,
        "must start with a letter",
    );
    check(
        "v2 long name",
        vec![iface(
            V2,
            "T",
            json!([{"@type": "Property", "name": "a".repeat(65), "schema": "string"}]),
        )],
        K::LimitExceeded,
        "64 characters",
    );
    check(
        "missing schema",
        vec![iface(V3, "T", json!([{"@type": "Telemetry", "name": "t"}]))],
        K::MissingField,
        "schema is required",
    );
    check(
        "duplicate names",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": "string"}, {"@type": "Telemetry", "name": "p", "schema": "double"}]),
        )],
        K::DuplicateName,
        "already used by contents[0] 'p'",
    );
    check(
        "writable telemetry",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Telemetry", "name": "t", "schema": "double", "writable": true}]),
        )],
        K::UnknownField,
        "'writable' is not a property of Telemetry",
    );
    check(
        "writable not boolean",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": "double", "writable": "yes"}]),
        )],
        K::InvalidValue,
        "true or false",
    );
    check(
        "v4 schema in v3",
        vec![with_schema(json!("uuid"))],
        K::InvalidValue,
        "DTDL v4",
    );
    check(
        "two DTDL types",
        vec![iface(
            V3,
            "T",
            json!([{"@type": ["Property", "Telemetry"], "name": "p", "schema": "double"}]),
        )],
        K::InvalidValue,
        "cannot combine",
    );
    check(
        "bad command payload type",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Command", "name": "c", "request": {"@type": "CommandPayload", "name": "r", "schema": "string"}}]),
        )],
        K::InvalidValue,
        "CommandRequest",
    );
}

#[test]
fn invalid_schemas() {
    check(
        "enum value schema",
        vec![with_schema(
            json!({"@type": "Enum", "valueSchema": "double", "enumValues": []}),
        )],
        K::InvalidValue,
        "\"integer\" or \"string\"",
    );
    check(
        "enum duplicate value",
        vec![with_schema(
            json!({"@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "a", "enumValue": 1}, {"name": "b", "enumValue": 1}]}),
        )],
        K::DuplicateName,
        "used by both 'a' and 'b'",
    );
    check(
        "enum duplicate name",
        vec![with_schema(
            json!({"@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "a", "enumValue": 1}, {"name": "a", "enumValue": 2}]}),
        )],
        K::DuplicateName,
        "EnumValue name 'a'",
    );
    check(
        "enum value type",
        vec![with_schema(
            json!({"@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "a", "enumValue": "one"}]}),
        )],
        K::InvalidValue,
        "32-bit integer",
    );
    check(
        "v2 empty enum",
        vec![iface(
            V2,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": {"@type": "Enum", "valueSchema": "integer", "enumValues": []}}]),
        )],
        K::MissingField,
        "at least one value",
    );
    let fields: Vec<Value> = (0..31)
        .map(|i| json!({"name": format!("f{i}"), "schema": "double"}))
        .collect();
    check(
        "v2 too many fields",
        vec![iface(
            V2,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": {"@type": "Object", "fields": fields}}]),
        )],
        K::LimitExceeded,
        "at most 30",
    );
    check(
        "duplicate field",
        vec![with_schema(
            json!({"@type": "Object", "fields": [{"name": "x", "schema": "double"}, {"name": "x", "schema": "string"}]}),
        )],
        K::DuplicateName,
        "field name 'x'",
    );
    check(
        "map key schema",
        vec![with_schema(
            json!({"@type": "Map", "mapKey": {"name": "k", "schema": "integer"}, "mapValue": {"name": "v", "schema": "string"}}),
        )],
        K::InvalidValue,
        "mapKey must be \"string\"",
    );
    check(
        "map without value",
        vec![with_schema(
            json!({"@type": "Map", "mapKey": {"name": "k", "schema": "string"}}),
        )],
        K::MissingField,
        "mapValue is required",
    );
    check(
        "array without element",
        vec![with_schema(json!({"@type": "Array"}))],
        K::MissingField,
        "elementSchema is required",
    );
    check(
        "complex term as string",
        vec![with_schema(json!("Object"))],
        K::InvalidValue,
        "must be given as an object",
    );
    check(
        "six nested levels",
        vec![with_schema(nested_objects(6))],
        K::LimitExceeded,
        "more than 5 levels",
    );
    check(
        "v2 array in property",
        vec![iface(
            V2,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": {"@type": "Array", "elementSchema": "double"}}]),
        )],
        K::InvalidValue,
        "may not contain an Array",
    );
    check(
        "v2 geospatial in property",
        vec![iface(
            V2,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": "point"}]),
        )],
        K::InvalidValue,
        "may not contain an Array",
    );
    check(
        "undefined schema reference",
        vec![with_schema(json!("dtmi:com:example:nowhere;1"))],
        K::MissingReference,
        "schema 'dtmi:com:example:nowhere;1' is not defined",
    );
    check(
        "self-referential schema",
        vec![
            json!({"@context": V3, "@id": "dtmi:com:example:T;1", "@type": "Interface",
            "contents": [{"@type": "Property", "name": "p", "schema": "dtmi:com:example:node;1"}],
            "schemas": [{"@id": "dtmi:com:example:node;1", "@type": "Object", "fields": [{"name": "next", "schema": "dtmi:com:example:node;1"}]}]}),
        ],
        K::InvalidValue,
        "refers to itself",
    );
    check(
        "schema without @id",
        vec![
            json!({"@context": V3, "@id": "dtmi:com:example:T;1", "@type": "Interface", "schemas": [{"@type": "Array", "elementSchema": "double"}]}),
        ],
        K::MissingField,
        "must have an @id",
    );
    check(
        "interface as schema",
        vec![with_schema(json!("dtmi:com:example:Existing;1"))],
        K::InvalidValue,
        "is an Interface, not a schema",
    );
}

#[test]
fn invalid_relationships_and_components() {
    check(
        "min multiplicity",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Relationship", "name": "r", "minMultiplicity": 1}]),
        )],
        K::InvalidValue,
        "minMultiplicity must be 0",
    );
    check(
        "max multiplicity",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Relationship", "name": "r", "maxMultiplicity": 0}]),
        )],
        K::InvalidValue,
        "maxMultiplicity must be >= 1",
    );
    check(
        "v2 max multiplicity",
        vec![iface(
            V2,
            "T",
            json!([{"@type": "Relationship", "name": "r", "maxMultiplicity": 501}]),
        )],
        K::LimitExceeded,
        "<= 500",
    );
    check(
        "bad target",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Relationship", "name": "r", "target": "Room"}]),
        )],
        K::InvalidDtmi,
        "target",
    );
    check(
        "relationship property duplicate",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Relationship", "name": "r", "properties": [
            {"@type": "Property", "name": "a", "schema": "string"}, {"@type": "Property", "name": "a", "schema": "string"}]}]),
        )],
        K::DuplicateName,
        "used twice in this Relationship",
    );
    check(
        "missing component schema",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Component", "name": "c", "schema": "dtmi:com:example:Missing;1"}]),
        )],
        K::MissingReference,
        "Component schema 'dtmi:com:example:Missing;1'",
    );
    check(
        "nested component",
        vec![
            iface(V3, "Leaf", json!([])),
            iface(
                V3,
                "Middle",
                json!([{"@type": "Component", "name": "leaf", "schema": "dtmi:com:example:Leaf;1"}]),
            ),
            iface(
                V3,
                "Top",
                json!([{"@type": "Component", "name": "middle", "schema": "dtmi:com:example:Middle;1"}]),
            ),
        ],
        K::InvalidValue,
        "may not contain a nested Component",
    );
    check(
        "component of itself",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Component", "name": "c", "schema": "dtmi:com:example:T;1"}]),
        )],
        K::InvalidValue,
        "its own Interface",
    );
}

#[test]
fn invalid_extends() {
    let extends = |name: &str, parents: Value| json!({"@context": V3, "@id": format!("dtmi:com:example:{name};1"), "@type": "Interface", "extends": parents});
    check(
        "extends itself",
        vec![extends("A", json!("dtmi:com:example:A;1"))],
        K::ExtendsCycle,
        "extends itself",
    );
    check(
        "extends cycle",
        vec![
            extends("A", json!("dtmi:com:example:B;1")),
            extends("B", json!("dtmi:com:example:A;1")),
        ],
        K::ExtendsCycle,
        "cycle",
    );
    check(
        "extends missing",
        vec![extends("A", json!("dtmi:com:example:Gone;1"))],
        K::MissingReference,
        "extends 'dtmi:com:example:Gone;1'",
    );
    let v2_three = json!({"@context": V2, "@id": "dtmi:com:example:A;1", "@type": "Interface",
        "extends": ["dtmi:com:example:X;1", "dtmi:com:example:Y;1", "dtmi:com:example:Z;1"]});
    check(
        "v2 extends three",
        vec![v2_three],
        K::LimitExceeded,
        "at most 2",
    );
    let chain: Vec<Value> = (0..12)
        .map(|i| {
            if i == 0 {
                iface(V3, "C0", json!([]))
            } else {
                extends(
                    &format!("C{i}"),
                    json!(format!("dtmi:com:example:C{};1", i - 1)),
                )
            }
        })
        .collect();
    check("extends too deep", chain, K::ExtendsTooDeep, "11 levels");
    check(
        "inherited duplicate",
        vec![
            iface(
                V3,
                "Base",
                json!([{"@type": "Property", "name": "temp", "schema": "double"}]),
            ),
            json!({"@context": V3, "@id": "dtmi:com:example:Derived;1", "@type": "Interface", "extends": "dtmi:com:example:Base;1",
                "contents": [{"@type": "Property", "name": "temp", "schema": "double"}]}),
        ],
        K::DuplicateName,
        "content name 'temp'",
    );
}

#[test]
fn invalid_cotypes_and_extensions() {
    let qt = json!([V3, "dtmi:dtdl:extension:quantitativeTypes;1"]);
    let with_ctx = |ctx: &Value, contents: Value| json!({"@context": ctx, "@id": "dtmi:com:example:T;1", "@type": "Interface", "contents": contents});
    check(
        "historized without context",
        vec![iface(
            V3,
            "T",
            json!([{"@type": ["Property", "Historized"], "name": "p", "schema": "double"}]),
        )],
        K::InvalidContext,
        "dtmi:dtdl:extension:historization;1",
    );
    check(
        "semantic type without context",
        vec![iface(
            V3,
            "T",
            json!([{"@type": ["Property", "Temperature"], "name": "p", "schema": "double", "unit": "kelvin"}]),
        )],
        K::InvalidContext,
        "quantitativeTypes",
    );
    check(
        "undefined v3 co-type",
        vec![iface(
            V3,
            "T",
            json!([{"@type": ["Property", "Commercial"], "name": "p", "schema": "double"}]),
        )],
        K::InvalidValue,
        "'Commercial' is not a DTDL type",
    );
    check(
        "semantic non-numeric",
        vec![with_ctx(
            &qt,
            json!([{"@type": ["Property", "Temperature"], "name": "p", "schema": "string", "unit": "kelvin"}]),
        )],
        K::InvalidValue,
        "double, float, integer or long",
    );
    check(
        "wrong unit",
        vec![with_ctx(
            &qt,
            json!([{"@type": ["Property", "Temperature"], "name": "p", "schema": "double", "unit": "degreeCelcius"}]),
        )],
        K::InvalidValue,
        "did you mean 'degreeCelsius'",
    );
    check(
        "missing unit",
        vec![with_ctx(
            &qt,
            json!([{"@type": ["Property", "Temperature"], "name": "p", "schema": "double"}]),
        )],
        K::MissingField,
        "'unit' is required",
    );
    check(
        "unit without semantic type",
        vec![iface(
            V3,
            "T",
            json!([{"@type": "Property", "name": "p", "schema": "double", "unit": "kelvin"}]),
        )],
        K::UnknownField,
        "'unit'",
    );
    let ann = json!([V3, "dtmi:dtdl:extension:annotation;1"]);
    check(
        "annotates nothing",
        vec![with_ctx(
            &ann,
            json!([{"@type": ["Property", "ValueAnnotation"], "name": "p", "annotates": "ghost", "schema": "double"}]),
        )],
        K::InvalidValue,
        "annotates 'ghost'",
    );
    let mqtt = json!([V3, "dtmi:dtdl:extension:mqtt;1"]);
    // MQTT is DTDL (its rules are in the conformance suite) but not for Azure Digital Twins.
    check(
        "mqtt on the service",
        vec![with_ctx(
            &mqtt,
            json!([{"@type": ["Command", "Cacheable"], "name": "c", "ttl": "PT5S"}]),
        )],
        K::InvalidContext,
        "does not support the MQTT extension",
    );
    check(
        "historized on relationship",
        vec![with_ctx(
            &json!([V3, "dtmi:dtdl:extension:historization;1"]),
            json!([{"@type": ["Relationship", "Historized"], "name": "r"}]),
        )],
        K::InvalidValue,
        "cannot be applied to a Relationship",
    );
}

#[test]
fn v2_undefined_cotype_allows_undefined_properties() {
    let mut set = ModelSet::new();
    let doc = iface(
        V2,
        "T",
        json!([{"@type": ["Property", "Commercial"], "name": "p", "schema": "double", "brand": "Honeywell"}]),
    );
    assert!(set.add_models(&[doc]).is_ok());
    let doc = iface(
        V2,
        "U",
        json!([{"@type": "Property", "name": "p", "schema": "double", "brand": "Honeywell"}]),
    );
    let err = set.add_models(&[doc]).unwrap_err();
    assert!(err.has_kind(K::UnknownField), "{err}");
}

#[test]
fn error_paths_are_json_pointers() {
    let mut set = ModelSet::new();
    let err = set
        .add_models(&[with_schema(
            json!({"@type": "Object", "fields": [{"name": "x", "schema": "flaot"}]}),
        )])
        .unwrap_err();
    let e = &err.errors[0];
    assert_eq!(e.path, "/contents/0/schema/fields/0/schema");
    assert_eq!(e.model_id.as_deref(), Some("dtmi:com:example:T;1"));
    assert!(
        e.message.contains("contents[0] 'p' schema fields[0] 'x'"),
        "{}",
        e.message
    );
}
