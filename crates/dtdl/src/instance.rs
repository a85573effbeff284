//! Instance validation: twins, single property values (after a JSON Patch) and relationships,
//! checked against the resolved models of a [`ModelSet`].

use serde_json::{Map, Value};

use crate::error::InstanceError;
use crate::model::{EnumValueSchema, Interface, Schema};
use crate::set::ModelSet;
use crate::suggest::hint;
use crate::temporal::{is_date, is_date_time, is_duration, is_time};

/// The metadata key every component value must carry.
const METADATA_KEY: &str = "$metadata";

impl ModelSet {
    /// Validates a twin's content against `model`: unknown properties, wrong types for every
    /// schema kind, components present (objects with `$metadata`) and their contents valid;
    /// telemetry, commands and relationships are not settable. Keys starting with `$` are
    /// ignored (`$dtId`, `$etag`, `$metadata`).
    pub fn validate_twin(
        &self,
        model: &str,
        twin: &Map<String, Value>,
    ) -> Result<(), Vec<InstanceError>> {
        let interface = self.lookup(model)?;
        let mut errors = Vec::new();
        for (key, value) in twin {
            if key.starts_with('$') {
                continue;
            }
            let path = format!("/{key}");
            if let Some(property) = interface.property(key) {
                check_value(&property.schema, value, &path, &mut errors);
            } else if let Some(component) = interface.component(key) {
                match self.interface(component.schema.as_str()) {
                    Some(ci) => check_component(ci, value, &path, &mut errors),
                    None => errors.push(missing_model(component.schema.as_str())),
                }
            } else {
                errors.push(not_settable(interface, key, &path));
            }
        }
        for component in &interface.components {
            if !twin.contains_key(&component.name) {
                errors.push(InstanceError {
                    path: format!("/{}", component.name),
                    message: format!(
                        "component '{}' of model {} is missing; include it as an object, e.g. \"{}\": {{\"$metadata\": {{}}}}",
                        component.name, interface.id, component.name
                    ),
                });
            }
        }
        finish(errors)
    }

    /// Validates one value at `path` (used after JSON Patch): `["temp"]`, `["comp", "prop"]`,
    /// `["obj", "field"]`, `["map", "key"]`, `["array", "0"]`, or `["comp"]` for a whole
    /// component.
    pub fn validate_property_value(
        &self,
        model: &str,
        path: &[&str],
        value: &Value,
    ) -> Result<(), Vec<InstanceError>> {
        let interface = self.lookup(model)?;
        let Some((first, rest)) = path.split_first() else {
            return Err(vec![InstanceError {
                path: String::new(),
                message: "the path is empty; name a property".to_owned(),
            }]);
        };
        if first.starts_with('$') {
            return Ok(());
        }
        let mut errors = Vec::new();
        let here = format!("/{first}");
        if let Some(property) = interface.property(first) {
            check_at(&property.schema, rest, value, &here, &mut errors);
        } else if let Some(component) = interface.component(first) {
            let Some(ci) = self.interface(component.schema.as_str()) else {
                return Err(vec![missing_model(component.schema.as_str())]);
            };
            match rest.split_first() {
                None => check_component(ci, value, &here, &mut errors),
                Some((key, _)) if key.starts_with('$') => {}
                Some((key, deeper)) => {
                    let path = format!("{here}/{key}");
                    match ci.property(key) {
                        Some(p) => check_at(&p.schema, deeper, value, &path, &mut errors),
                        None => errors.push(not_settable(ci, key, &path)),
                    }
                }
            }
        } else {
            errors.push(not_settable(interface, first, &here));
        }
        finish(errors)
    }

    /// A relationship `name` from a twin of `source_model` to a twin of `target_model`: it must
    /// be declared (incl. inherited), the target (if declared) must match via
    /// [`ModelSet::is_of_model`], and `properties` must match the relationship's properties
    /// (keys starting with `$` are ignored).
    pub fn validate_relationship(
        &self,
        source_model: &str,
        name: &str,
        target_model: &str,
        properties: &Map<String, Value>,
    ) -> Result<(), Vec<InstanceError>> {
        let interface = self.lookup(source_model)?;
        let Some(relationship) = interface.relationship(name) else {
            let names = interface.relationships.iter().map(|r| r.name.as_str());
            return Err(vec![InstanceError {
                path: String::new(),
                message: format!(
                    "model {} has no relationship '{name}'{}",
                    interface.id,
                    hint(name, names)
                ),
            }]);
        };
        let mut errors = Vec::new();
        if let Some(target) = &relationship.target
            && !self.is_of_model(target_model, target.as_str(), false)
        {
            errors.push(InstanceError {
                path: String::new(),
                message: format!(
                    "relationship '{name}' of model {} must target a twin of model {target} (or of a model extending it), but the target twin's model is {target_model}",
                    interface.id
                ),
            });
        }
        for (key, value) in properties {
            if key.starts_with('$') {
                continue;
            }
            let path = format!("/{key}");
            match relationship.properties.iter().find(|p| p.name == *key) {
                Some(p) => check_value(&p.schema, value, &path, &mut errors),
                None => {
                    let names = relationship.properties.iter().map(|p| p.name.as_str());
                    errors.push(InstanceError {
                        path,
                        message: format!(
                            "'{key}' is not a property of relationship '{name}' of model {}{}",
                            interface.id,
                            hint(key, names)
                        ),
                    });
                }
            }
        }
        finish(errors)
    }

    fn lookup(&self, model: &str) -> Result<&Interface, Vec<InstanceError>> {
        self.interface(model)
            .ok_or_else(|| vec![missing_model(model)])
    }
}

fn finish(errors: Vec<InstanceError>) -> Result<(), Vec<InstanceError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn missing_model(model: &str) -> InstanceError {
    InstanceError {
        path: String::new(),
        message: format!("model '{model}' does not exist"),
    }
}

/// Error for a key that is not a property (or component) of `interface`.
fn not_settable(interface: &Interface, key: &str, path: &str) -> InstanceError {
    let message = match interface.content_kind(key) {
        Some(kind @ ("Telemetry" | "Command" | "Relationship")) => format!(
            "'{key}' is a {kind} of model {}; only properties and components can be set on a twin",
            interface.id
        ),
        Some("Component") => format!(
            "'{key}' is a component of model {}; components cannot be nested",
            interface.id
        ),
        _ => {
            let names = interface
                .properties
                .iter()
                .map(|p| p.name.as_str())
                .chain(interface.components.iter().map(|c| c.name.as_str()));
            format!(
                "'{key}' is not a property of model {}{}",
                interface.id,
                hint(key, names)
            )
        }
    };
    InstanceError {
        path: path.to_owned(),
        message,
    }
}

/// A component value: an object with `$metadata` and only properties of `interface`.
fn check_component(
    interface: &Interface,
    value: &Value,
    path: &str,
    errors: &mut Vec<InstanceError>,
) {
    let Some(obj) = value.as_object() else {
        errors.push(InstanceError {
            path: path.to_owned(),
            message: format!(
                "a component must be an object with \"$metadata\": {{}}, found {}",
                describe(value)
            ),
        });
        return;
    };
    if !obj.get(METADATA_KEY).is_some_and(Value::is_object) {
        errors.push(InstanceError {
            path: path.to_owned(),
            message: "a component must contain \"$metadata\": {} (an object)".to_owned(),
        });
    }
    for (key, v) in obj {
        if key.starts_with('$') {
            continue;
        }
        let p = format!("{path}/{key}");
        match interface.property(key) {
            Some(property) => check_value(&property.schema, v, &p, errors),
            None => errors.push(not_settable(interface, key, &p)),
        }
    }
}

/// Validates `value` at `rest` inside a value of `schema`.
fn check_at(
    schema: &Schema,
    rest: &[&str],
    value: &Value,
    path: &str,
    errors: &mut Vec<InstanceError>,
) {
    let Some((first, deeper)) = rest.split_first() else {
        check_value(schema, value, path, errors);
        return;
    };
    let here = format!("{path}/{first}");
    match schema {
        Schema::Object { fields } => match fields.iter().find(|f| f.name == *first) {
            Some(f) => check_at(&f.schema, deeper, value, &here, errors),
            None => errors.push(unknown_field(
                first,
                fields.iter().map(|f| f.name.as_str()),
                &here,
            )),
        },
        Schema::Map {
            value: map_value, ..
        } => {
            if let Some(e) = map_key_error(first, &here) {
                errors.push(e);
            } else {
                check_at(&map_value.schema, deeper, value, &here, errors);
            }
        }
        Schema::Array { element } if *first == "-" || first.parse::<usize>().is_ok() => {
            check_at(element, deeper, value, &here, errors);
        }
        other => errors.push(InstanceError {
            path: here,
            message: format!(
                "cannot address '{first}' inside a value of schema {}",
                other.term()
            ),
        }),
    }
}

fn unknown_field<'a>(
    name: &str,
    fields: impl IntoIterator<Item = &'a str>,
    path: &str,
) -> InstanceError {
    InstanceError {
        path: path.to_owned(),
        message: format!(
            "'{name}' is not a field of this Object{}",
            hint(name, fields)
        ),
    }
}

/// Map keys: non-empty, not starting with `$` (reserved for metadata).
fn map_key_error(key: &str, path: &str) -> Option<InstanceError> {
    let problem = if key.is_empty() {
        "map keys may not be empty"
    } else if key.starts_with('$') {
        "map keys may not start with '$'"
    } else {
        return None;
    };
    Some(InstanceError {
        path: path.to_owned(),
        message: problem.to_owned(),
    })
}

/// Short description of a JSON value for messages (long values truncated).
fn describe(value: &Value) -> String {
    const MAX: usize = 60;
    let text = value.to_string();
    if text.chars().count() > MAX {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    } else {
        text
    }
}

/// Validates one value against its schema, appending every problem found.
pub(crate) fn check_value(
    schema: &Schema,
    value: &Value,
    path: &str,
    errors: &mut Vec<InstanceError>,
) {
    let problem = match schema {
        Schema::Object { fields } => {
            let Some(obj) = value.as_object() else {
                errors.push(mismatch(path, "an object", value));
                return;
            };
            for (key, v) in obj {
                let here = format!("{path}/{key}");
                match fields.iter().find(|f| f.name == *key) {
                    Some(f) => check_value(&f.schema, v, &here, errors),
                    None => errors.push(unknown_field(
                        key,
                        fields.iter().map(|f| f.name.as_str()),
                        &here,
                    )),
                }
            }
            return;
        }
        Schema::Map {
            value: map_value, ..
        } => {
            let Some(obj) = value.as_object() else {
                errors.push(mismatch(path, "an object (map)", value));
                return;
            };
            for (key, v) in obj {
                let here = format!("{path}/{key}");
                match map_key_error(key, &here) {
                    Some(e) => errors.push(e),
                    None => check_value(&map_value.schema, v, &here, errors),
                }
            }
            return;
        }
        Schema::Array { element } => {
            let Some(items) = value.as_array() else {
                errors.push(mismatch(path, "an array", value));
                return;
            };
            for (i, item) in items.iter().enumerate() {
                check_value(element, item, &format!("{path}/{i}"), errors);
            }
            return;
        }
        Schema::Enum {
            value_schema,
            values,
        } => enum_problem(*value_schema, values, value),
        _ => scalar_problem(schema, value),
    };
    if let Some(expected) = problem {
        errors.push(mismatch(path, &expected, value));
    }
}

fn mismatch(path: &str, expected: &str, value: &Value) -> InstanceError {
    InstanceError {
        path: path.to_owned(),
        message: format!("expected {expected}, found {}", describe(value)),
    }
}

fn enum_problem(
    value_schema: EnumValueSchema,
    values: &[crate::model::EnumValue],
    value: &Value,
) -> Option<String> {
    if values.iter().any(|v| v.value == *value) {
        return None;
    }
    let listed: Vec<String> = values
        .iter()
        .take(20)
        .map(|v| v.value.to_string())
        .collect();
    let more = if values.len() > 20 { ", …" } else { "" };
    let kind = if value_schema == EnumValueSchema::Integer {
        "integer"
    } else {
        "string"
    };
    Some(format!(
        "one of the {kind} enum values [{}{more}]",
        listed.join(", ")
    ))
}

/// `None` when `value` fits the primitive or geospatial `schema`; otherwise what was expected.
fn scalar_problem(schema: &Schema, value: &Value) -> Option<String> {
    let ok = match schema {
        Schema::Boolean => value.is_boolean(),
        Schema::String => value.is_string(),
        Schema::Integer => int_in(value, i64::from(i32::MIN), i64::from(i32::MAX)),
        Schema::Long => value.as_i64().is_some(),
        Schema::Short => int_in(value, i64::from(i16::MIN), i64::from(i16::MAX)),
        Schema::Byte => int_in(value, i64::from(i8::MIN), i64::from(i8::MAX)),
        Schema::UnsignedByte => int_in(value, 0, i64::from(u8::MAX)),
        Schema::UnsignedShort => int_in(value, 0, i64::from(u16::MAX)),
        Schema::UnsignedInteger => int_in(value, 0, i64::from(u32::MAX)),
        Schema::UnsignedLong => value.as_u64().is_some(),
        Schema::Double | Schema::Decimal => value.as_f64().is_some_and(f64::is_finite),
        Schema::Float => value
            .as_f64()
            .is_some_and(|f| f.is_finite() && f.abs() <= f64::from(f32::MAX)),
        Schema::Date => value.as_str().is_some_and(is_date),
        Schema::DateTime => value.as_str().is_some_and(is_date_time),
        Schema::Time => value.as_str().is_some_and(is_time),
        Schema::Duration => value.as_str().is_some_and(is_duration),
        Schema::Uuid => value.as_str().is_some_and(is_uuid),
        Schema::Bytes => value.as_str().is_some_and(is_base64),
        Schema::Point
        | Schema::LineString
        | Schema::Polygon
        | Schema::MultiPoint
        | Schema::MultiLineString
        | Schema::MultiPolygon => is_geojson(schema, value),
        Schema::Enum { .. } | Schema::Object { .. } | Schema::Map { .. } | Schema::Array { .. } => {
            true
        }
    };
    (!ok).then(|| expectation(schema))
}

fn expectation(schema: &Schema) -> String {
    match schema {
        Schema::Boolean => "a boolean (true or false)".to_owned(),
        Schema::String => "a string".to_owned(),
        Schema::Integer => "an integer (a whole number from -2147483648 to 2147483647)".to_owned(),
        Schema::Long => "a long (a whole number that fits in 64 bits)".to_owned(),
        Schema::Double => "a double (a finite number)".to_owned(),
        Schema::Float => "a float (a finite number within single-precision range)".to_owned(),
        Schema::Date => "a date string such as \"2024-05-01\"".to_owned(),
        Schema::DateTime => {
            "an RFC 3339 dateTime string such as \"2024-05-01T12:30:00Z\"".to_owned()
        }
        Schema::Time => "a time string such as \"12:30:00\"".to_owned(),
        Schema::Duration => "an ISO 8601 duration string such as \"PT15M\"".to_owned(),
        geo if matches!(
            geo,
            Schema::Point
                | Schema::LineString
                | Schema::Polygon
                | Schema::MultiPoint
                | Schema::MultiLineString
                | Schema::MultiPolygon
        ) =>
        {
            format!("a GeoJSON {} object", geojson_type(geo))
        }
        other => format!("a value of schema {}", other.term()),
    }
}

/// A whole JSON number in `[min, max]` (floats such as `3.0` are not integers).
fn int_in(value: &Value, min: i64, max: i64) -> bool {
    value.as_i64().is_some_and(|n| (min..=max).contains(&n))
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn geojson_type(schema: &Schema) -> &'static str {
    match schema {
        Schema::Point => "Point",
        Schema::LineString => "LineString",
        Schema::Polygon => "Polygon",
        Schema::MultiPoint => "MultiPoint",
        Schema::MultiLineString => "MultiLineString",
        _ => "MultiPolygon",
    }
}

/// `{"type": <T>, "coordinates": …}` with coordinates shaped as GeoJSON (RFC 7946) requires.
fn is_geojson(schema: &Schema, value: &Value) -> bool {
    let Some(obj) = value.as_object() else {
        return false;
    };
    if obj.get("type").and_then(Value::as_str) != Some(geojson_type(schema)) {
        return false;
    }
    if obj
        .keys()
        .any(|k| !matches!(k.as_str(), "type" | "coordinates" | "bbox"))
    {
        return false;
    }
    let Some(coords) = obj.get("coordinates") else {
        return false;
    };
    match schema {
        Schema::Point => is_position(coords),
        Schema::LineString => is_line_string(coords),
        Schema::Polygon => is_polygon(coords),
        Schema::MultiPoint => all_of(coords, is_position),
        Schema::MultiLineString => all_of(coords, is_line_string),
        _ => all_of(coords, is_polygon),
    }
}

fn all_of(value: &Value, f: fn(&Value) -> bool) -> bool {
    value.as_array().is_some_and(|items| items.iter().all(f))
}

/// `[x, y]` or `[x, y, z]` numbers.
fn is_position(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.iter().all(Value::is_number))
}

fn is_line_string(value: &Value) -> bool {
    all_of(value, is_position) && value.as_array().is_some_and(|p| p.len() >= 2)
}

/// Linear rings: at least four positions, first equal to last.
fn is_polygon(value: &Value) -> bool {
    all_of(value, |ring| {
        ring.as_array()
            .is_some_and(|r| r.len() >= 4 && r.iter().all(is_position) && r.first() == r.last())
    })
}
