//! Editing values of DTDL schemas: a twin's properties and components, a new twin's first
//! values, a new relationship's properties.
//!
//! The pure half reads what to edit from the `dtdl` crate's resolved interfaces
//! ([`TwinForm::of`]: own and inherited properties, each component's properties from its
//! interface in the same [`ModelSet`]; [`FieldSpec::property`] for relationship properties) and
//! turns control text into JSON: [`parse_input`] reads the text's syntax, then
//! [`EditRules::accept`] has the crate check the value against its schema at its path (so
//! `2023-02-31` is refused beside the field, as the service would refuse it).
//! [`EditRules::write`] puts an accepted value in place; a value inside a component gives the
//! component the `$metadata` ADT requires.
//!
//! The component half renders one labelled control per value: primitives and enums, objects
//! (their fields), maps (key/value rows, added and removed), arrays (items, added and removed),
//! each beside its unit and semantic type. Read-only properties (`writable: false`) are shown
//! but cannot be changed, except as a new twin's first values. Text is kept exactly as typed;
//! text that does not fit stays in its control with the reason and marks its path invalid, so
//! nothing malformed is ever sent and a bad entry never removes a value. Values are shown as
//! text only.

use std::collections::BTreeMap;
use std::sync::Arc;

use dtdl::{LangString, ModelSet};
use leptos::prelude::*;
use serde_json::{Map, Value};

pub use dtdl::Schema;

/// What may be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing (a Twins.Reader).
    Read,
    /// Writable properties; read-only ones (`writable: false`) are shown only.
    Edit,
    /// Every property: the first values of a new twin or relationship.
    Create,
}

impl Access {
    /// Whether a value whose property has `writable` may be changed.
    pub fn allows(self, writable: bool) -> bool {
        match self {
            Access::Read => false,
            Access::Edit => writable,
            Access::Create => true,
        }
    }
}

/// The schema of an edited value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSchema {
    /// As the model declares it.
    Dtdl(Schema),
    /// A member the model does not declare (or no model could be read): edited as JSON text.
    Unmodelled,
}

/// Where a value sits, which decides what blank text means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A property or an object field: blank text leaves it unset.
    Member,
    /// A map value or an array item: it must hold a value (blank text is an empty string for
    /// a string schema, and refused otherwise).
    Entry,
}

/// One edited value: a property, an object field, a map value or an array item.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    /// The display name (best language), or the name.
    pub label: String,
    pub schema: FieldSchema,
    /// DTDL `writable` of the property the value belongs to.
    pub writable: bool,
    /// The semantic type co-typed with the property (`"Temperature"`).
    pub semantic_type: Option<String>,
    /// The unit of the value (`"degreeCelsius"`).
    pub unit: Option<String>,
    pub slot: Slot,
}

fn best_or(text: &LangString, name: &str) -> String {
    text.best().unwrap_or(name).to_owned()
}

impl FieldSpec {
    /// A property of an interface or of a relationship.
    pub fn property(property: &dtdl::Property) -> Self {
        Self {
            name: property.name.clone(),
            label: best_or(&property.display_name, &property.name),
            schema: FieldSchema::Dtdl(property.schema.clone()),
            writable: property.writable,
            semantic_type: property.semantic_type.clone(),
            unit: property.unit.clone(),
            slot: Slot::Member,
        }
    }

    /// A field of an Object value of a property that has `writable`.
    pub fn field(field: &dtdl::Field, writable: bool) -> Self {
        Self {
            name: field.name.clone(),
            label: best_or(&field.display_name, &field.name),
            schema: FieldSchema::Dtdl(field.schema.clone()),
            writable,
            semantic_type: None,
            unit: None,
            slot: Slot::Member,
        }
    }

    /// A map value (named by its key) or an array item (named by its position).
    pub fn entry(name: String, label: String, schema: Schema, writable: bool) -> Self {
        Self {
            name,
            label,
            schema: FieldSchema::Dtdl(schema),
            writable,
            semantic_type: None,
            unit: None,
            slot: Slot::Entry,
        }
    }

    /// A member of a twin that its model does not declare.
    pub fn unmodelled(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            label: name.to_owned(),
            schema: FieldSchema::Unmodelled,
            writable: true,
            semantic_type: None,
            unit: None,
            slot: Slot::Member,
        }
    }

    /// What is shown right beside the value: the unit's symbol, or its name.
    pub fn beside(&self) -> Option<&str> {
        self.unit.as_deref().map(unit_symbol)
    }

    /// The line under the value: semantic type and unit, and "read-only" when the property is.
    pub fn about(&self) -> Option<String> {
        let quantity = match (&self.semantic_type, &self.unit) {
            (Some(kind), Some(unit)) => Some(format!("{kind} in {unit}")),
            (Some(kind), None) => Some(kind.clone()),
            (None, Some(unit)) => Some(format!("in {unit}")),
            (None, None) => None,
        };
        let parts: Vec<String> = quantity
            .into_iter()
            .chain((!self.writable).then(|| "read-only".to_owned()))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// Symbols of common DTDL units; other units are shown by name.
const UNIT_SYMBOLS: &[(&str, &str)] = &[
    ("degreeCelsius", "°C"),
    ("degreeFahrenheit", "°F"),
    ("kelvin", "K"),
    ("percent", "%"),
    ("metre", "m"),
    ("centimetre", "cm"),
    ("millimetre", "mm"),
    ("kilometre", "km"),
    ("squareMetre", "m²"),
    ("cubicMetre", "m³"),
    ("litre", "L"),
    ("second", "s"),
    ("millisecond", "ms"),
    ("minute", "min"),
    ("hour", "h"),
    ("day", "d"),
    ("watt", "W"),
    ("kilowatt", "kW"),
    ("megawatt", "MW"),
    ("wattHour", "Wh"),
    ("kilowattHour", "kWh"),
    ("volt", "V"),
    ("ampere", "A"),
    ("hertz", "Hz"),
    ("pascal", "Pa"),
    ("kilopascal", "kPa"),
    ("kilogram", "kg"),
    ("gram", "g"),
    ("lux", "lx"),
    ("metrePerSecond", "m/s"),
    ("kilometrePerHour", "km/h"),
    ("partsPerMillion", "ppm"),
    ("decibel", "dB"),
    ("degreeOfArc", "°"),
];

/// The symbol of a DTDL unit (`degreeCelsius` → `°C`), or the unit's name.
pub fn unit_symbol(unit: &str) -> &str {
    UNIT_SYMBOLS
        .iter()
        .find(|(name, _)| *name == unit)
        .map_or(unit, |(_, symbol)| symbol)
}

/// A component of a twin: its name and its interface's properties.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentForm {
    pub name: String,
    pub label: String,
    pub properties: Vec<FieldSpec>,
}

/// What a twin of one model holds, read from the model set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TwinForm {
    /// Own and inherited properties (inherited first).
    pub properties: Vec<FieldSpec>,
    pub components: Vec<ComponentForm>,
}

/// Why a model's form could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the model {0} is not among the models that could be read")]
    UnknownModel(String),
    #[error(
        "the model {model} of component {component} is not among the models that could be read"
    )]
    UnknownComponentModel { component: String, model: String },
}

impl TwinForm {
    /// The form of a twin of `model`.
    pub fn of(set: &ModelSet, model: &str) -> Result<TwinForm, FormError> {
        let interface = set
            .interface(model)
            .ok_or_else(|| FormError::UnknownModel(model.to_owned()))?;
        let components = interface
            .components
            .iter()
            .map(|component| {
                let inner = set.interface(component.schema.as_str()).ok_or_else(|| {
                    FormError::UnknownComponentModel {
                        component: component.name.clone(),
                        model: component.schema.to_string(),
                    }
                })?;
                Ok(ComponentForm {
                    name: component.name.clone(),
                    label: best_or(&component.display_name, &component.name),
                    properties: inner.properties.iter().map(FieldSpec::property).collect(),
                })
            })
            .collect::<Result<Vec<_>, FormError>>()?;
        Ok(TwinForm {
            properties: interface
                .properties
                .iter()
                .map(FieldSpec::property)
                .collect(),
            components,
        })
    }

    pub fn component_names(&self) -> Vec<String> {
        self.components.iter().map(|c| c.name.clone()).collect()
    }

    /// Members of `twin` that are neither a property nor a component (nor `$…` metadata).
    pub fn unmodelled(&self, twin: &Value) -> Vec<String> {
        twin.as_object()
            .map(|o| {
                o.keys()
                    .filter(|k| !k.starts_with('$'))
                    .filter(|k| !self.properties.iter().any(|p| &p.name == *k))
                    .filter(|k| !self.components.iter().any(|c| &c.name == *k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Why typed text was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("expected true or false")]
    NotBoolean,
    #[error("expected a whole number")]
    NotWholeNumber,
    #[error("expected a number, such as 22.5, -0.5 or 1e3")]
    NotNumber,
    /// `22,5`, `1,234.5`, `1.234,5`: a number written with a comma.
    #[error("write decimals with a point and no thousands separators, e.g. 1234.5")]
    NumberSeparators,
    /// `1e400`: a number, but none a double can hold.
    #[error("out of range: a number here is between about -1.8e308 and 1.8e308")]
    NumberOutOfRange,
    /// A whole number past what 64 bits hold (the schema's own range is checked after).
    #[error(
        "out of range: a whole number here is between -9223372036854775808 and 18446744073709551615"
    )]
    WholeNumberOutOfRange,
    #[error("choose one of the listed values")]
    NotListed,
    #[error("expected a date and time (YYYY-MM-DDTHH:MM)")]
    NotDateTime,
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("enter a value, or remove the entry")]
    Required,
    /// The value does not fit its schema: the `dtdl` crate's explanation.
    #[error("{0}")]
    Schema(String),
}

fn is_integer_kind(schema: &Schema) -> bool {
    matches!(
        schema,
        Schema::Integer
            | Schema::Long
            | Schema::Short
            | Schema::Byte
            | Schema::UnsignedByte
            | Schema::UnsignedShort
            | Schema::UnsignedInteger
            | Schema::UnsignedLong
    )
}

fn is_decimal_kind(schema: &Schema) -> bool {
    matches!(schema, Schema::Double | Schema::Float | Schema::Decimal)
}

fn is_geospatial(schema: &Schema) -> bool {
    matches!(
        schema,
        Schema::Point
            | Schema::LineString
            | Schema::Polygon
            | Schema::MultiPoint
            | Schema::MultiLineString
            | Schema::MultiPolygon
    )
}

/// Typed text as a whole number (`i64`, or `u64` above it), or why it is none.
fn whole_number(t: &str) -> Result<Value, InputError> {
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n.into());
    }
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n.into());
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Err(InputError::WholeNumberOutOfRange)
    } else if with_separators(t) {
        Err(InputError::NumberSeparators)
    } else {
        Err(InputError::NotWholeNumber)
    }
}

/// Typed text as a finite number, or why it is none.
fn number(t: &str) -> Result<Value, InputError> {
    match t.parse::<f64>() {
        Ok(n) => serde_json::Number::from_f64(n).map(Value::Number).ok_or(
            if n.is_infinite() && !t.to_ascii_lowercase().contains("inf") {
                InputError::NumberOutOfRange
            } else {
                InputError::NotNumber
            },
        ),
        Err(_) if with_separators(t) => Err(InputError::NumberSeparators),
        Err(_) => Err(InputError::NotNumber),
    }
}

/// Whether `t` is a number once its commas are read as a decimal point or dropped as
/// thousands separators (`22,5`, `1,234.5`, `1.234,5`).
fn with_separators(t: &str) -> bool {
    t.contains(',')
        && (t.replace(',', ".").parse::<f64>().is_ok() || t.replace(',', "").parse::<f64>().is_ok())
}

/// `HH:MM` (what a time input gives without seconds) → `HH:MM:00`.
fn with_seconds(time: &str) -> String {
    if time.len() == 5 && time.as_bytes()[2] == b':' {
        format!("{time}:00")
    } else {
        time.to_owned()
    }
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM[:SS]`, read as UTC) or a full RFC 3339
/// date-time (kept as typed).
fn date_time(text: &str) -> Result<String, InputError> {
    let (date, time) = text
        .split_once(['T', 't'])
        .filter(|(date, _)| date.len() == "YYYY-MM-DD".len())
        .ok_or(InputError::NotDateTime)?;
    if time.contains(['Z', 'z', '+', '-']) {
        Ok(text.to_owned())
    } else {
        Ok(format!("{date}T{}Z", with_seconds(time)))
    }
}

/// The control text as JSON for `schema`: the text's syntax only (the value is checked against
/// its schema by [`EditRules::accept`]). Blank text is `Ok(None)` (the value is left unset) for
/// a [`Slot::Member`]; an entry must hold a value.
pub fn parse_input(
    schema: &FieldSchema,
    slot: Slot,
    text: &str,
) -> Result<Option<Value>, InputError> {
    let t = text.trim();
    let schema = match schema {
        FieldSchema::Unmodelled if !t.is_empty() => {
            return serde_json::from_slice(t.as_bytes())
                .map(Some)
                .map_err(|e| InputError::Json(e.to_string()));
        }
        FieldSchema::Unmodelled => None,
        FieldSchema::Dtdl(schema) => Some(schema),
    };
    if t.is_empty() {
        return match (slot, schema) {
            (Slot::Member, _) => Ok(None),
            (Slot::Entry, Some(Schema::String)) => Ok(Some(Value::String(text.to_owned()))),
            (Slot::Entry, _) => Err(InputError::Required),
        };
    }
    let Some(schema) = schema else {
        return Ok(None);
    };
    let value = match schema {
        Schema::Boolean => match t {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(InputError::NotBoolean),
        },
        s if is_integer_kind(s) => whole_number(t)?,
        s if is_decimal_kind(s) => number(t)?,
        Schema::String => Value::String(text.to_owned()),
        Schema::Time => Value::String(with_seconds(t)),
        Schema::DateTime => Value::String(date_time(t)?),
        Schema::Date | Schema::Duration | Schema::Uuid | Schema::Bytes => {
            Value::String(t.to_owned())
        }
        Schema::Enum { values, .. } => values
            .iter()
            .find(|v| v.name == t)
            .map(|v| v.value.clone())
            .ok_or(InputError::NotListed)?,
        _ => serde_json::from_slice(t.as_bytes()).map_err(|e| InputError::Json(e.to_string()))?,
    };
    Ok(Some(value))
}

/// The control text for a stored value (the inverse of [`parse_input`]).
pub fn input_text(schema: &FieldSchema, value: Option<&Value>) -> String {
    let schema = match schema {
        FieldSchema::Dtdl(schema) => Some(schema),
        FieldSchema::Unmodelled => None,
    };
    match (schema, value) {
        (_, None | Some(Value::Null)) => String::new(),
        (Some(Schema::DateTime), Some(Value::String(s))) if s.ends_with(['Z', 'z']) => {
            // Shown in `datetime-local` form: seconds kept, zone dropped (always UTC).
            let s = &s[..s.len() - 1];
            s.split('.').next().unwrap_or(s).to_owned()
        }
        (Some(Schema::Enum { values, .. }), Some(v)) => values
            .iter()
            .find(|e| &e.value == v)
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(other)) => other.to_string(),
    }
}

/// What a new map entry or array item starts as: an empty string, `false`, or an empty
/// object, map or array. Other schemas have no neutral value: the entry starts empty and must
/// be filled (or removed) before the twin can be saved.
pub fn new_entry_value(schema: &Schema) -> Value {
    match schema {
        Schema::String => Value::String(String::new()),
        Schema::Boolean => Value::Bool(false),
        Schema::Object { .. } | Schema::Map { .. } => Value::Object(Map::new()),
        Schema::Array { .. } => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

/// Why a new map key was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("enter a key")]
    Empty,
    #[error("a key cannot start with $")]
    Reserved,
    #[error("there is already an entry {0}")]
    Exists(String),
}

/// The key as typed (trimmed), when `map` (the map's current value) can take it.
pub fn check_new_key(map: Option<&Value>, key: &str) -> Result<String, KeyError> {
    let key = key.trim();
    if key.is_empty() {
        Err(KeyError::Empty)
    } else if key.starts_with('$') {
        Err(KeyError::Reserved)
    } else if map.and_then(|m| m.get(key)).is_some() {
        Err(KeyError::Exists(key.to_owned()))
    } else {
        Ok(key.to_owned())
    }
}

/// How values are checked and written: against which model, if any.
#[derive(Debug, Clone)]
pub enum EditRules {
    /// No model could be read: values are JSON text, checked by the service only.
    Unchecked,
    /// A twin (or a new twin) of `model`.
    Twin { set: Arc<ModelSet>, model: String },
    /// A new relationship `name` from a twin of `source_model`.
    Relationship {
        set: Arc<ModelSet>,
        source_model: String,
        name: String,
    },
}

/// `/a/b` for the path `[a, b]`, as the `dtdl` crate names places.
fn place(path: &[String]) -> String {
    path.iter().map(|p| format!("/{p}")).collect()
}

impl EditRules {
    /// The text typed for the value at `path` inside `root` (the whole edited twin or
    /// relationship), as JSON that fits its schema; `Ok(None)` leaves the value unset.
    pub fn accept(
        &self,
        root: &Value,
        path: &[String],
        schema: &FieldSchema,
        slot: Slot,
        text: &str,
    ) -> Result<Option<Value>, InputError> {
        let value = parse_input(schema, slot, text)?;
        if let Some(value) = &value {
            self.check(root, path, value)?;
        }
        Ok(value)
    }

    /// Whether `value` fits at `path`, by the `dtdl` crate's rules.
    pub fn check(&self, root: &Value, path: &[String], value: &Value) -> Result<(), InputError> {
        let errors = match self {
            EditRules::Unchecked => Vec::new(),
            EditRules::Twin { set, model } => {
                let steps: Vec<&str> = path.iter().map(String::as_str).collect();
                set.validate_property_value(model, &steps, value)
                    .err()
                    .unwrap_or_default()
            }
            EditRules::Relationship {
                set,
                source_model,
                name,
            } => {
                let Some(first) = path.first() else {
                    return Ok(());
                };
                // The crate checks whole relationship properties: the edit in place, then only
                // what is said about this value (not the target, which is checked on save).
                let mut whole = root.clone();
                set_at(&mut whole, path, Some(value.clone()));
                let mut properties = Map::new();
                properties.insert(
                    first.clone(),
                    whole.get(first).cloned().unwrap_or(Value::Null),
                );
                let target = set
                    .interface(source_model)
                    .and_then(|i| i.relationship(name))
                    .and_then(|r| r.target.as_ref())
                    .map_or(source_model.as_str(), |t| t.as_str());
                let here = place(path);
                set.validate_relationship(source_model, name, target, &properties)
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|e| e.path == here || e.path.starts_with(&format!("{here}/")))
                    .collect()
            }
        };
        if errors.is_empty() {
            Ok(())
        } else {
            let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            Err(InputError::Schema(messages.join("; ")))
        }
    }

    /// Sets (or with `None` removes) the value at `path`. A value inside a component that the
    /// twin lacks creates the component with its `$metadata`.
    pub fn write(&self, root: &mut Value, path: &[String], value: Option<Value>) {
        if value.is_some()
            && let EditRules::Twin { set, model } = self
            && let [component, _, ..] = path
            && set
                .interface(model)
                .is_some_and(|i| i.component(component).is_some())
        {
            ensure_component(root, component);
        }
        set_at(root, path, value);
    }

    /// Appends `item` to the array at `path` (created when missing).
    pub fn append(&self, root: &mut Value, path: &[String], item: Value) {
        let len = match value_at(root, path) {
            Some(Value::Array(items)) => items.len(),
            _ => {
                self.write(root, path, Some(Value::Array(Vec::new())));
                0
            }
        };
        let mut at = path.to_vec();
        at.push(len.to_string());
        self.write(root, &at, Some(item));
    }
}

/// Makes `root[name]` a component: an object with `$metadata`.
fn ensure_component(root: &mut Value, name: &str) {
    if !root.is_object() {
        *root = Value::Object(Map::new());
    }
    let Some(object) = root.as_object_mut() else {
        return;
    };
    let component = object
        .entry(name.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !component.is_object() {
        *component = Value::Object(Map::new());
    }
    if let Some(c) = component.as_object_mut() {
        c.entry("$metadata")
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// The value at `path` (member names, array positions) inside `root`.
pub fn value_at<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(root, |v, key| match v {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        other => other.get(key),
    })
}

/// The child `key` of `value`: an array item, or an object member created when missing (a
/// non-object becomes an object). `None` with `create` false when it does not exist.
fn child_mut<'a>(value: &'a mut Value, key: &str, create: bool) -> Option<&'a mut Value> {
    let index = match value {
        Value::Array(items) => key.parse::<usize>().ok().filter(|i| *i < items.len()),
        _ => None,
    };
    if let Some(i) = index {
        return value.as_array_mut()?.get_mut(i);
    }
    if !create {
        return value.as_object_mut()?.get_mut(key);
    }
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    Some(
        value
            .as_object_mut()?
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new())),
    )
}

/// Sets (or with `None` removes) the value at `path`: an object member, or an array item
/// (removing one moves the later items up; setting the position after the last appends).
/// Setting creates the objects on the way; removing what is not there changes nothing.
pub fn set_at(root: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let create = value.is_some();
    let mut current = root;
    for key in parents {
        match child_mut(current, key, create) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Value::Array(items) = current {
        match (last.parse::<usize>(), value) {
            (Ok(i), Some(v)) if i < items.len() => items[i] = v,
            (Ok(i), Some(v)) if i == items.len() => items.push(v),
            (Ok(i), None) if i < items.len() => {
                items.remove(i);
            }
            _ => {}
        }
        return;
    }
    match value {
        Some(v) => {
            if !current.is_object() {
                *current = Value::Object(Map::new());
            }
            if let Some(object) = current.as_object_mut() {
                object.insert(last.clone(), v);
            }
        }
        None => {
            if let Some(object) = current.as_object_mut() {
                object.remove(last);
            }
        }
    }
}

/// An element id for a path (`{prefix}-a-b`), with unsafe characters replaced.
fn control_id(prefix: &str, path: &[String]) -> String {
    let joined: String = path
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{joined}")
}

/// What every control of one edited value shares: the edited JSON (a whole twin, or a new
/// relationship's properties), the paths whose text does not fit (so the page can refuse to
/// save), what the service said about a field when it refused a save, the rules, and what
/// may be changed.
#[derive(Debug, Clone, Copy)]
pub struct EditState {
    pub edited: RwSignal<Value>,
    /// The fields whose text does not fit (by path key), with the text as typed.
    pub invalid: RwSignal<BTreeMap<String, String>>,
    /// Text to put back into fields as they are made (by path key): what was typed before a
    /// sign-in ([`EditState::type_back`]).
    typed_back: StoredValue<BTreeMap<String, String>>,
    /// The service's problems by path key (`name`, `panel/level`), shown beside the field
    /// until its value is changed (see `components::service_error`).
    pub service: RwSignal<BTreeMap<String, String>>,
    pub rules: StoredValue<EditRules>,
    pub access: Access,
    /// The start of the controls' element ids (`prop` gives `prop-name`), unique per editor
    /// on a page.
    pub id_prefix: &'static str,
}

impl EditState {
    /// A fresh state editing `edited`: nothing invalid, nothing said by the service yet.
    pub fn new(edited: Value, rules: EditRules, access: Access, id_prefix: &'static str) -> Self {
        Self {
            edited: RwSignal::new(edited),
            invalid: RwSignal::new(BTreeMap::new()),
            typed_back: StoredValue::new(BTreeMap::new()),
            service: RwSignal::new(BTreeMap::new()),
            rules: StoredValue::new(rules),
            access,
            id_prefix,
        }
    }

    fn accept(
        &self,
        path: &[String],
        schema: &FieldSchema,
        slot: Slot,
        text: &str,
    ) -> Result<Option<Value>, InputError> {
        self.edited.with_untracked(|root| {
            self.rules
                .with_value(|rules| rules.accept(root, path, schema, slot, text))
        })
    }

    fn write(&self, path: &[String], value: Option<Value>) {
        let rules = self.rules;
        self.edited
            .update(|root| rules.with_value(|r| r.write(root, path, value)));
    }

    fn append(&self, path: &[String], item: Value) {
        let rules = self.rules;
        self.edited
            .update(|root| rules.with_value(|r| r.append(root, path, item)));
    }

    /// The person changed the value at `key`: what the service said about it (or about the
    /// object, map or array holding it) no longer holds.
    fn clear_service(&self, key: &str) {
        let concerns = |k: &String| key == k || key.starts_with(&format!("{k}/"));
        if self.service.with_untracked(|s| s.keys().any(concerns)) {
            self.service.update(|s| s.retain(|k, _| !concerns(k)));
        }
    }

    /// `text` (as typed) does not fit the field at `key`; `None`: it fits, or the field went.
    fn mark_invalid(&self, key: &str, text: Option<&str>) {
        self.invalid.try_update(|map| match text {
            Some(text) => {
                map.insert(key.to_owned(), text.to_owned());
            }
            None => {
                map.remove(key);
            }
        });
    }

    /// The field at `key` went (its control was taken down): its text is forgotten without
    /// waking anything now, since the page may be going and what reads `invalid` with it (a
    /// woken reader would run after its owner went and panic on a disposed signal, which
    /// stops the app: seen leaving a twin with text that did not fit). The readers hear of it
    /// in a microtask, by when a page that went has taken `invalid` along (then nobody hears);
    /// a field that went alone (an array item removed) re-enables Save then.
    fn forget_invalid(&self, key: &str) {
        let invalid = self.invalid;
        let had = invalid
            .try_update_untracked(|map| map.remove(key).is_some())
            .unwrap_or(false);
        if had {
            leptos::tachys::renderer::dom::queue_microtask(move || {
                invalid.try_update(|_| {});
            });
        }
    }

    /// The fields made from now on show `texts` (by path key) as if typed, each checked as it
    /// goes in: text that did not fit before a sign-in is back where it was.
    pub fn type_back(&self, texts: BTreeMap<String, String>) {
        self.typed_back.set_value(texts);
    }

    /// The typed text to put back into the field at `key`, once.
    fn take_typed_back(&self, key: &str) -> Option<String> {
        self.typed_back
            .try_update_value(|texts| texts.remove(key))
            .flatten()
    }
}

/// One value's control (and, for objects, maps and arrays, the controls inside it).
pub fn field_view(spec: FieldSpec, path: Vec<String>, state: EditState) -> AnyView {
    match spec.schema.clone() {
        FieldSchema::Dtdl(Schema::Object { fields }) => object_view(spec, fields, path, state),
        FieldSchema::Dtdl(Schema::Map { key, value }) => map_view(spec, *key, *value, path, state),
        FieldSchema::Dtdl(Schema::Array { element }) => array_view(spec, *element, path, state),
        _ => scalar_view(spec, path, state),
    }
}

/// A component's properties under its name, at `[component, property]`.
pub fn component_view(component: ComponentForm, state: EditState) -> AnyView {
    let name = component.name.clone();
    let fields = component
        .properties
        .into_iter()
        .map(|f| {
            let path = vec![name.clone(), f.name.clone()];
            field_view(f, path, state)
        })
        .collect_view();
    let aria = format!("Component {}", component.label);
    view! {
        <section class="card twin-component" aria-label=aria>
            <h3>
                {format!("Component {}", component.label)}
                <span class="property__name">{format!(" ({})", component.name)}</span>
            </h3>
            <div class="twin-properties">{fields}</div>
        </section>
    }
    .into_any()
}

/// The legend of a fieldset: label, then the name.
fn legend(spec: &FieldSpec) -> impl IntoView + use<> {
    let name = (spec.slot == Slot::Member)
        .then(|| view! { <span class="property__name">{format!(" ({})", spec.name)}</span> });
    view! { <legend>{spec.label.clone()}{name}</legend> }
}

/// What the service said about the value at `path` when it refused a save, if anything.
fn service_view(state: EditState, path: &[String]) -> impl IntoView + use<> {
    let key = path.join("/");
    let id = format!("{}-service", control_id(state.id_prefix, path));
    move || {
        state.service.with(|s| s.get(&key).cloned()).map(|said| {
            view! {
                <p class="property__error property__error--service" id=id.clone()>
                    {format!("The service says: {said}")}
                </p>
            }
        })
    }
}

fn about_view(spec: &FieldSpec, id: String) -> impl IntoView + use<> {
    spec.about()
        .map(|about| view! { <p class="property__about" id=id>{about}</p> })
}

fn object_view(
    spec: FieldSpec,
    fields: Vec<dtdl::Field>,
    path: Vec<String>,
    state: EditState,
) -> AnyView {
    let inner = fields
        .iter()
        .map(|f| {
            let mut p = path.clone();
            p.push(f.name.clone());
            field_view(FieldSpec::field(f, spec.writable), p, state)
        })
        .collect_view();
    let about_id = format!("{}-about", control_id(state.id_prefix, &path));
    let service = service_view(state, &path);
    view! {
        <fieldset class="property property--object">
            {legend(&spec)}
            {about_view(&spec, about_id)}
            {service}
            {inner}
        </fieldset>
    }
    .into_any()
}

fn remove_button(label: String, on_remove: impl Fn() + 'static) -> impl IntoView {
    view! {
        <button
            type="button"
            class="button button--ghost button--small"
            aria-label=label
            on:click=move |_| on_remove()
        >
            "Remove"
        </button>
    }
}

fn map_view(
    spec: FieldSpec,
    key: dtdl::Field,
    value: dtdl::Field,
    path: Vec<String>,
    state: EditState,
) -> AnyView {
    let editable = state.access.allows(spec.writable);
    let keys = {
        let path = path.clone();
        Memo::new(move |_| {
            state.edited.with(|v| {
                value_at(v, &path)
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
        })
    };
    let entries = {
        let (path, value_schema, writable) = (path.clone(), value.schema.clone(), spec.writable);
        move || {
            keys.get()
                .into_iter()
                .map(|k| {
                    let mut p = path.clone();
                    p.push(k.clone());
                    let entry =
                        FieldSpec::entry(k.clone(), k.clone(), value_schema.clone(), writable);
                    let remove = editable.then(|| {
                        let p = p.clone();
                        remove_button(format!("Remove entry {k}"), move || state.write(&p, None))
                    });
                    view! {
                        <div class="property__entry">
                            {field_view(entry, p, state)}
                            {remove}
                        </div>
                    }
                })
                .collect_view()
        }
    };
    let add = editable.then(|| {
        let new_key = RwSignal::new(String::new());
        let problem = RwSignal::new(None::<KeyError>);
        let add_id = format!("{}-new-key", control_id(state.id_prefix, &path));
        let error_id = format!("{add_id}-error");
        let described = error_id.clone();
        let key_label = format!("New {}", best_or(&key.display_name, &key.name));
        let path = path.clone();
        let add = move |_| {
            let typed = new_key.get_untracked();
            let checked = state
                .edited
                .with_untracked(|v| check_new_key(value_at(v, &path), &typed));
            match checked {
                Ok(k) => {
                    let mut p = path.clone();
                    p.push(k);
                    state.write(&p, Some(new_entry_value(&value.schema)));
                    new_key.set(String::new());
                    problem.set(None);
                }
                Err(e) => problem.set(Some(e)),
            }
        };
        view! {
            <div class="property__add">
                <label class="field__label" for=add_id.clone()>{key_label}</label>
                <input
                    id=add_id.clone()
                    class="input"
                    aria-describedby=move || problem.with(Option::is_some).then(|| described.clone())
                    prop:value=move || new_key.get()
                    on:input=move |ev| new_key.set(event_target_value(&ev))
                />
                <button type="button" class="button button--ghost button--small" on:click=add>
                    "Add entry"
                </button>
            </div>
            {move || problem.get().map(|p| view! { <p class="property__error" id=error_id.clone()>{p.to_string()}</p> })}
        }
    });
    let about_id = format!("{}-about", control_id(state.id_prefix, &path));
    let service = service_view(state, &path);
    view! {
        <fieldset class="property property--map">
            {legend(&spec)}
            {about_view(&spec, about_id)}
            {service}
            {entries}
            {add}
        </fieldset>
    }
    .into_any()
}

fn array_view(spec: FieldSpec, element: Schema, path: Vec<String>, state: EditState) -> AnyView {
    let editable = state.access.allows(spec.writable);
    let len = {
        let path = path.clone();
        Memo::new(move |_| {
            state.edited.with(|v| {
                value_at(v, &path)
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len)
            })
        })
    };
    let items = {
        let (path, element, writable, label) = (
            path.clone(),
            element.clone(),
            spec.writable,
            spec.label.clone(),
        );
        move || {
            (0..len.get())
                .map(|i| {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    let item = FieldSpec::entry(
                        i.to_string(),
                        format!("Item {}", i + 1),
                        element.clone(),
                        writable,
                    );
                    let remove = editable.then(|| {
                        let p = p.clone();
                        remove_button(format!("Remove item {} of {label}", i + 1), move || {
                            state.write(&p, None)
                        })
                    });
                    view! {
                        <div class="property__entry">
                            {field_view(item, p, state)}
                            {remove}
                        </div>
                    }
                })
                .collect_view()
        }
    };
    let add = editable.then(|| {
        let path = path.clone();
        let aria = format!("Add an item to {}", spec.label);
        view! {
            <div class="property__add">
                <button
                    type="button"
                    class="button button--ghost button--small"
                    aria-label=aria
                    on:click=move |_| state.append(&path, new_entry_value(&element))
                >
                    "Add item"
                </button>
            </div>
        }
    });
    let about_id = format!("{}-about", control_id(state.id_prefix, &path));
    let service = service_view(state, &path);
    view! {
        <fieldset class="property property--array">
            {legend(&spec)}
            {about_view(&spec, about_id)}
            {service}
            {items}
            {add}
        </fieldset>
    }
    .into_any()
}

/// A primitive, enum, geospatial or unmodelled value: one control.
fn scalar_view(spec: FieldSpec, path: Vec<String>, state: EditState) -> AnyView {
    let id = control_id(state.id_prefix, &path);
    let path_key = path.join("/");
    let editable = state.access.allows(spec.writable);
    let (schema, slot) = (spec.schema.clone(), spec.slot);
    let initial = state
        .edited
        .with_untracked(|v| input_text(&schema, value_at(v, &path)));
    let text = RwSignal::new(initial);
    let problem = RwSignal::new(None::<InputError>);
    // An entry added without a neutral value must be filled before anything is saved.
    let empty = state
        .edited
        .with_untracked(|v| value_at(v, &path).is_none_or(Value::is_null));
    if slot == Slot::Entry && empty && parse_input(&schema, slot, "").is_err() {
        problem.set(Some(InputError::Required));
        state.mark_invalid(&path_key, Some(""));
    }
    {
        let path_key = path_key.clone();
        on_cleanup(move || state.forget_invalid(&path_key));
    }
    // Re-read when the value is replaced (reload, "take theirs").
    {
        let (schema, path) = (schema.clone(), path.clone());
        Effect::new(move |_| {
            let current = state.edited.with(|v| value_at(v, &path).cloned());
            // Text being typed that already means this value stays as typed ("21.").
            let typed = parse_input(&schema, slot, &text.get_untracked());
            if problem.get_untracked().is_none() && typed.ok() != Some(current.clone()) {
                text.set(input_text(&schema, current.as_ref()));
            }
        });
    }
    let commit = {
        let (schema, path, path_key) = (schema.clone(), path.clone(), path_key.clone());
        move |raw: String| {
            text.set(raw.clone());
            state.clear_service(&path_key);
            match state.accept(&path, &schema, slot, &raw) {
                Ok(value) => {
                    problem.set(None);
                    state.mark_invalid(&path_key, None);
                    state.write(&path, value);
                }
                Err(why) => {
                    problem.set(Some(why));
                    state.mark_invalid(&path_key, Some(&raw));
                }
            }
        }
    };
    if let Some(raw) = state.take_typed_back(&path_key) {
        commit(raw);
    }
    let error_id = format!("{id}-error");
    let about_id = format!("{id}-about");
    let service_id = format!("{id}-service");
    let described = {
        let (error_id, about) = (error_id.clone(), spec.about().map(|_| about_id.clone()));
        let (service_id, path_key) = (service_id.clone(), path_key.clone());
        Signal::derive(move || {
            let said = state.service.with(|s| s.contains_key(&path_key));
            let ids: Vec<String> = about
                .clone()
                .into_iter()
                .chain(problem.with(Option::is_some).then(|| error_id.clone()))
                .chain(said.then(|| service_id.clone()))
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        })
    };
    let service = service_view(state, &path);
    let refused = {
        let path_key = path_key.clone();
        move || state.service.with(|s| s.contains_key(&path_key))
    };
    let control = control_for(&schema, id.clone(), text, editable, commit, described);
    let name = (slot == Slot::Member)
        .then(|| view! { <span class="property__name">{format!(" ({})", spec.name)}</span> });
    let beside = spec
        .beside()
        .map(|unit| view! { <span class="property__unit">{unit.to_owned()}</span> });
    view! {
        <div class="property" class:property--invalid=move || problem.with(Option::is_some) || refused()>
            <label class="field__label" for=id.clone()>{spec.label.clone()}{name}</label>
            <div class="property__value">{control}{beside}</div>
            {about_view(&spec, about_id)}
            {move || problem.get().map(|p| view! { <p class="property__error" id=error_id.clone()>{p.to_string()}</p> })}
            {service}
        </div>
    }
    .into_any()
}

/// The input for a primitive, enum, geospatial or unmodelled value.
fn control_for(
    schema: &FieldSchema,
    id: String,
    text: RwSignal<String>,
    editable: bool,
    commit: impl Fn(String) + Clone + 'static,
    described: Signal<Option<String>>,
) -> AnyView {
    let disabled = !editable;
    let described = move || described.get();
    let schema = match schema {
        FieldSchema::Dtdl(s) if !s.is_complex() || matches!(s, Schema::Enum { .. }) => {
            if is_geospatial(s) {
                None
            } else {
                Some(s)
            }
        }
        _ => None,
    };
    match schema {
        None => view! {
            <textarea
                id=id
                class="input input--mono"
                rows="3"
                spellcheck="false"
                disabled=disabled
                aria-describedby=described
                prop:value=move || text.get()
                on:change=move |ev| commit(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        Some(Schema::Boolean) => view! {
            <input
                type="checkbox"
                id=id
                class="property__check"
                disabled=disabled
                aria-describedby=described
                prop:checked=move || text.get() == "true"
                on:change=move |ev| commit(if event_target_checked(&ev) { "true" } else { "false" }.to_owned())
            />
        }
        .into_any(),
        Some(Schema::Enum { values, .. }) => {
            let options = values
                .iter()
                .map(|v| {
                    let name = v.name.clone();
                    let selected = {
                        let name = name.clone();
                        move || text.get() == name
                    };
                    let label = best_or(&v.display_name, &v.name);
                    view! { <option value=name selected=selected>{label}</option> }
                })
                .collect_view();
            view! {
                <select id=id class="input" disabled=disabled aria-describedby=described
                    on:change=move |ev| commit(event_target_value(&ev))>
                    <option value="" selected=move || text.get().is_empty()>"(not set)"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        Some(scalar) => {
            // Numbers are typed as text: a `type="number"` input reports a sanitised value
            // while a person is still typing (`22.` reads as `22`, `1e` as nothing), and
            // writing that back moved the caret and corrupted or erased what was typed. The
            // text is kept exactly as typed and checked by `parse_input` and the crate.
            let (kind, step, placeholder) = match scalar {
                s if is_integer_kind(s) => ("text", None, "a whole number"),
                s if is_decimal_kind(s) => ("text", None, "a number, e.g. 22.5"),
                Schema::Date => ("date", None, "YYYY-MM-DD"),
                Schema::DateTime => ("datetime-local", Some("1"), "YYYY-MM-DDTHH:MM"),
                Schema::Time => ("time", Some("1"), "HH:MM:SS"),
                Schema::Duration => ("text", None, "PT15M"),
                Schema::Uuid => ("text", None, "00000000-0000-0000-0000-000000000000"),
                Schema::Bytes => ("text", None, "base64"),
                _ => ("text", None, ""),
            };
            let live = commit.clone();
            view! {
                <input
                    type=kind
                    id=id
                    class="input"
                    step=step
                    placeholder=placeholder
                    disabled=disabled
                    aria-describedby=described
                    prop:value=move || text.get()
                    on:input=move |ev| live(event_target_value(&ev))
                    on:change=move |ev| commit(event_target_value(&ev))
                />
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::adt::diff_twin;
    use crate::model_set::instance_set;

    const ROOM: &str = "dtmi:example:Room;1";

    fn space() -> Value {
        json!({
            "@id": "dtmi:example:Space;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "contents": [{"@type": "Property", "name": "name", "schema": "string", "writable": true,
                          "displayName": {"de": "Bezeichnung", "en": "Name"}}],
        })
    }

    fn thermostat() -> Value {
        json!({
            "@id": "dtmi:example:Thermostat;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "contents": [
                {"@type": "Property", "name": "setPoint", "schema": "double", "writable": true},
                {"@type": "Property", "name": "serial", "schema": "string"},
            ],
        })
    }

    fn room() -> Value {
        json!({
            "@id": ROOM,
            "@type": "Interface",
            "@context": ["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"],
            "extends": "dtmi:example:Space;1",
            "schemas": [{"@id": "dtmi:example:Mode;1", "@type": "Enum", "valueSchema": "string",
                         "enumValues": [{"name": "eco", "enumValue": "ECO", "displayName": {"en": "Economy"}},
                                        {"name": "comfort", "enumValue": "COMFORT"}]}],
            "contents": [
                {"@type": ["Property", "Temperature"], "name": "temp", "schema": "double", "writable": true, "unit": "degreeCelsius"},
                {"@type": ["Property", "TimeSpan"], "name": "runtime", "schema": "double", "writable": true, "unit": "hour"},
                {"@type": "Property", "name": "occupied", "schema": "boolean"},
                {"@type": "Property", "name": "count", "schema": "integer", "writable": true},
                {"@type": "Property", "name": "since", "schema": "date", "writable": true},
                {"@type": "Property", "name": "seen", "schema": "dateTime", "writable": true},
                {"@type": "Property", "name": "opens", "schema": "time", "writable": true},
                {"@type": "Property", "name": "every", "schema": "duration", "writable": true},
                {"@type": "Property", "name": "mode", "schema": "dtmi:example:Mode;1", "writable": true},
                {"@type": "Property", "name": "address", "writable": true, "schema": {"@type": "Object", "fields": [
                    {"name": "city", "schema": "string"}, {"name": "floor", "schema": "integer"}]}},
                {"@type": "Property", "name": "tags", "writable": true, "schema": {"@type": "Map",
                    "mapKey": {"name": "tag", "schema": "string"}, "mapValue": {"name": "v", "schema": "string"}}},
                {"@type": "Property", "name": "limits", "writable": true, "schema": {"@type": "Map",
                    "mapKey": {"name": "phase", "schema": "string"}, "mapValue": {"name": "limit", "schema": "double"}}},
                {"@type": "Property", "name": "readings", "writable": true, "schema": {"@type": "Array", "elementSchema": "double"}},
                {"@type": "Property", "name": "visits", "writable": true, "schema": {"@type": "Array", "elementSchema": {
                    "@type": "Object", "fields": [{"name": "on", "schema": "date"}, {"name": "who", "schema": "string"}]}}},
                {"@type": "Component", "name": "thermostat", "schema": "dtmi:example:Thermostat;1"},
                {"@type": "Relationship", "name": "contains", "target": "dtmi:example:Space;1",
                 "properties": [{"@type": "Property", "name": "since", "schema": "dateTime"},
                                {"@type": "Property", "name": "weight", "schema": "integer"}]},
                {"@type": "Telemetry", "name": "reading", "schema": "double"},
            ],
        })
    }

    fn set() -> Arc<ModelSet> {
        let (r, s, t) = (room(), space(), thermostat());
        let built = instance_set([
            (ROOM, Some(&r)),
            ("dtmi:example:Space;1", Some(&s)),
            ("dtmi:example:Thermostat;1", Some(&t)),
        ]);
        assert!(built.unreadable.is_empty(), "{:?}", built.unreadable);
        Arc::new(built.set)
    }

    fn twin_rules() -> EditRules {
        EditRules::Twin {
            set: set(),
            model: ROOM.to_owned(),
        }
    }

    fn p(steps: &[&str]) -> Vec<String> {
        steps.iter().map(|s| s.to_string()).collect()
    }

    fn schema_of(form: &TwinForm, name: &str) -> FieldSchema {
        form.properties
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.schema.clone())
            .unwrap_or_else(|| panic!("no property {name}"))
    }

    #[test]
    fn the_form_comes_from_the_crates_resolved_interface() {
        let form = TwinForm::of(&set(), ROOM).expect("room is in the set");
        let names: Vec<&str> = form.properties.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names[0], "name", "inherited first");
        assert_eq!(form.properties[0].label, "Name", "English display name");
        assert!(names.contains(&"visits") && !names.contains(&"reading"));
        let temp = form.properties.iter().find(|f| f.name == "temp").unwrap();
        assert_eq!(temp.semantic_type.as_deref(), Some("Temperature"));
        assert_eq!(temp.beside(), Some("°C"));
        assert_eq!(
            temp.about().as_deref(),
            Some("Temperature in degreeCelsius")
        );
        let runtime = form
            .properties
            .iter()
            .find(|f| f.name == "runtime")
            .unwrap();
        assert_eq!(runtime.unit.as_deref(), Some("hour"));
        assert_eq!(runtime.about().as_deref(), Some("TimeSpan in hour"));
        let occupied = form
            .properties
            .iter()
            .find(|f| f.name == "occupied")
            .unwrap();
        assert!(!occupied.writable);
        assert_eq!(occupied.about().as_deref(), Some("read-only"));
        assert!(matches!(
            schema_of(&form, "mode"),
            FieldSchema::Dtdl(Schema::Enum { values, .. }) if values[0].display_name.best() == Some("Economy")
        ));
        assert_eq!(form.component_names(), ["thermostat"]);
        let thermostat = &form.components[0];
        let inner: Vec<(&str, bool)> = thermostat
            .properties
            .iter()
            .map(|f| (f.name.as_str(), f.writable))
            .collect();
        assert_eq!(inner, [("setPoint", true), ("serial", false)]);
        assert_eq!(
            TwinForm::of(&set(), "dtmi:example:Nope;1"),
            Err(FormError::UnknownModel("dtmi:example:Nope;1".into()))
        );
        let twin = json!({"$dtId": "a", "$metadata": {}, "temp": 1, "extra": 2, "thermostat": {"$metadata": {}}});
        assert_eq!(form.unmodelled(&twin), ["extra"]);
    }

    #[test]
    fn access_decides_what_can_change() {
        assert!(Access::Edit.allows(true) && !Access::Edit.allows(false));
        assert!(Access::Create.allows(false));
        assert!(!Access::Read.allows(true));
    }

    #[test]
    fn typed_values_are_checked_by_the_crate_against_their_schema() {
        let rules = twin_rules();
        let form = TwinForm::of(&set(), ROOM).unwrap();
        let root = json!({});
        let accept = |name: &str, text: &str| {
            rules.accept(
                &root,
                &p(&[name]),
                &schema_of(&form, name),
                Slot::Member,
                text,
            )
        };
        // Doubles: kept exactly as typed, read as numbers.
        assert_eq!(accept("temp", "22.5"), Ok(Some(json!(22.5))));
        assert_eq!(accept("temp", "-0.5"), Ok(Some(json!(-0.5))));
        assert_eq!(accept("temp", "1e3"), Ok(Some(json!(1000.0))));
        assert_eq!(accept("temp", "1e"), Err(InputError::NotNumber));
        assert_eq!(accept("temp", "NaN"), Err(InputError::NotNumber));
        assert_eq!(accept("temp", "inf"), Err(InputError::NotNumber));
        assert_eq!(accept("temp", "-infinity"), Err(InputError::NotNumber));
        assert_eq!(accept("temp", "1e400"), Err(InputError::NumberOutOfRange));
        assert_eq!(accept("temp", "-1e400"), Err(InputError::NumberOutOfRange));
        assert_eq!(accept("temp", "1e-400"), Ok(Some(json!(0.0))));
        // A comma, as many people write decimals or thousands: said as such, not just refused.
        for typed in ["22,5", "1,234.5", "1.234,5", "-0,5", "1,000"] {
            assert_eq!(
                accept("temp", typed),
                Err(InputError::NumberSeparators),
                "{typed}"
            );
        }
        assert_eq!(accept("temp", "a,b"), Err(InputError::NotNumber));
        assert_eq!(accept("temp", ","), Err(InputError::NotNumber));
        assert_eq!(accept("temp", "  "), Ok(None), "blank leaves it unset");
        // Integers: whole numbers in range.
        assert_eq!(accept("count", "42"), Ok(Some(json!(42))));
        assert_eq!(accept("count", "4.2"), Err(InputError::NotWholeNumber));
        assert_eq!(accept("count", "1e3"), Err(InputError::NotWholeNumber));
        assert_eq!(accept("count", "1,000"), Err(InputError::NumberSeparators));
        assert_eq!(accept("count", "4,2"), Err(InputError::NumberSeparators));
        assert_eq!(
            accept("count", "99999999999999999999"),
            Err(InputError::WholeNumberOutOfRange)
        );
        assert_eq!(
            accept("count", "-9223372036854775809"),
            Err(InputError::WholeNumberOutOfRange)
        );
        assert_eq!(accept("count", "-"), Err(InputError::NotWholeNumber));
        assert_eq!(
            InputError::NotWholeNumber.to_string(),
            "expected a whole number"
        );
        assert!(
            matches!(accept("count", "3000000000"), Err(InputError::Schema(m)) if m.contains("integer"))
        );
        // Dates: real calendar days only.
        assert_eq!(accept("since", "2024-02-29"), Ok(Some(json!("2024-02-29"))));
        let refused = accept("since", "2023-02-31").expect_err("no 31 February");
        assert!(
            matches!(&refused, InputError::Schema(m) if m.contains("date") && m.contains("2023-02-31")),
            "{refused}"
        );
        assert!(accept("since", "2024-13-01").is_err());
        // Date-times from `datetime-local` are UTC; a full RFC 3339 value is kept.
        assert_eq!(
            accept("seen", "2024-02-29T10:30"),
            Ok(Some(json!("2024-02-29T10:30:00Z")))
        );
        assert_eq!(
            accept("seen", "2024-02-29T10:30:15+02:00"),
            Ok(Some(json!("2024-02-29T10:30:15+02:00")))
        );
        assert!(accept("seen", "2023-02-31T10:30").is_err());
        assert_eq!(accept("seen", "yesterday"), Err(InputError::NotDateTime));
        assert_eq!(accept("opens", "07:05"), Ok(Some(json!("07:05:00"))));
        assert!(accept("opens", "25:00").is_err());
        assert_eq!(accept("every", "PT15M"), Ok(Some(json!("PT15M"))));
        assert!(accept("every", "PT").is_err());
        assert!(accept("every", "15 minutes").is_err());
        // Enums by member name.
        assert_eq!(accept("mode", "eco"), Ok(Some(json!("ECO"))));
        assert_eq!(accept("mode", "ECO"), Err(InputError::NotListed));
        // A member the model does not declare is refused by name.
        let extra = rules.accept(
            &root,
            &p(&["extra"]),
            &FieldSchema::Unmodelled,
            Slot::Member,
            "1",
        );
        assert!(matches!(extra, Err(InputError::Schema(m)) if m.contains("'extra'")));
        // Without a model, JSON text is taken as it is.
        assert_eq!(
            EditRules::Unchecked.accept(
                &root,
                &p(&["x"]),
                &FieldSchema::Unmodelled,
                Slot::Member,
                "[1,2]"
            ),
            Ok(Some(json!([1, 2])))
        );
        assert!(matches!(
            EditRules::Unchecked.accept(
                &root,
                &p(&["x"]),
                &FieldSchema::Unmodelled,
                Slot::Member,
                "[1,"
            ),
            Err(InputError::Json(_))
        ));
    }

    #[test]
    fn values_inside_objects_maps_arrays_and_components_are_checked_at_their_path() {
        let rules = twin_rules();
        let root = json!({});
        let double = FieldSchema::Dtdl(Schema::Double);
        let date = FieldSchema::Dtdl(Schema::Date);
        let integer = FieldSchema::Dtdl(Schema::Integer);
        assert_eq!(
            rules.accept(
                &root,
                &p(&["address", "floor"]),
                &integer,
                Slot::Member,
                "3"
            ),
            Ok(Some(json!(3)))
        );
        assert_eq!(
            rules.accept(&root, &p(&["limits", "L1"]), &double, Slot::Entry, "16.5"),
            Ok(Some(json!(16.5)))
        );
        assert_eq!(
            rules.accept(&root, &p(&["limits", "L1"]), &double, Slot::Entry, ""),
            Err(InputError::Required),
            "an entry must hold a value"
        );
        assert_eq!(
            rules.accept(
                &root,
                &p(&["tags", "t"]),
                &FieldSchema::Dtdl(Schema::String),
                Slot::Entry,
                ""
            ),
            Ok(Some(json!(""))),
            "an empty string is a value"
        );
        assert_eq!(
            rules.accept(&root, &p(&["readings", "0"]), &double, Slot::Entry, "-0.5"),
            Ok(Some(json!(-0.5)))
        );
        assert!(
            rules
                .accept(
                    &root,
                    &p(&["visits", "0", "on"]),
                    &date,
                    Slot::Member,
                    "2023-02-31"
                )
                .is_err()
        );
        assert_eq!(
            rules.accept(
                &root,
                &p(&["thermostat", "setPoint"]),
                &double,
                Slot::Member,
                "21"
            ),
            Ok(Some(json!(21.0)))
        );
        assert!(
            rules
                .check(&root, &p(&["thermostat", "setPoint"]), &json!("warm"))
                .is_err()
        );
    }

    #[test]
    fn relationship_properties_are_checked_by_the_crate() {
        let rules = EditRules::Relationship {
            set: set(),
            source_model: ROOM.to_owned(),
            name: "contains".to_owned(),
        };
        let root = json!({"weight": 2});
        let since = FieldSchema::Dtdl(Schema::DateTime);
        assert_eq!(
            rules.accept(
                &root,
                &p(&["since"]),
                &since,
                Slot::Member,
                "2024-05-01T08:00"
            ),
            Ok(Some(json!("2024-05-01T08:00:00Z")))
        );
        assert!(
            rules
                .accept(
                    &root,
                    &p(&["since"]),
                    &since,
                    Slot::Member,
                    "2024-02-30T08:00"
                )
                .is_err()
        );
        assert!(rules.check(&root, &p(&["weight"]), &json!(2.5)).is_err());
        assert!(rules.check(&root, &p(&["nope"]), &json!(1)).is_err());
    }

    #[test]
    fn stored_values_round_trip_through_their_controls() {
        let cases = [
            (Schema::Double, json!(21.5)),
            (Schema::Integer, json!(7)),
            (Schema::Boolean, json!(false)),
            (Schema::DateTime, json!("2024-02-29T10:30:15Z")),
            (Schema::Date, json!("2024-02-29")),
            (Schema::Time, json!("07:05:00")),
            (
                Schema::Point,
                json!({"type": "Point", "coordinates": [1.0, 2.0]}),
            ),
        ];
        for (schema, value) in cases {
            let schema = FieldSchema::Dtdl(schema);
            let text = input_text(&schema, Some(&value));
            assert_eq!(
                parse_input(&schema, Slot::Member, &text).unwrap(),
                Some(value),
                "{schema:?}"
            );
        }
        let json_text = input_text(&FieldSchema::Unmodelled, Some(&json!({"a": [1]})));
        assert_eq!(
            parse_input(&FieldSchema::Unmodelled, Slot::Member, &json_text),
            Ok(Some(json!({"a": [1]})))
        );
    }

    #[test]
    fn values_are_set_and_removed_by_path_in_objects_and_arrays() {
        let mut twin = json!({"$dtId": "a", "address": {"city": "X"}, "list": [1, 2, 3]});
        set_at(&mut twin, &p(&["address", "floor"]), Some(json!(3)));
        set_at(&mut twin, &p(&["address", "city"]), None);
        set_at(&mut twin, &p(&["list", "1"]), Some(json!(20)));
        set_at(&mut twin, &p(&["list", "3"]), Some(json!(4)));
        set_at(&mut twin, &p(&["list", "0"]), None);
        // Removing what is not there creates nothing.
        set_at(&mut twin, &p(&["nope", "x"]), None);
        assert_eq!(
            twin,
            json!({"$dtId": "a", "address": {"floor": 3}, "list": [20, 3, 4]})
        );
        assert_eq!(value_at(&twin, &p(&["list", "2"])), Some(&json!(4)));
        assert_eq!(value_at(&twin, &p(&["list", "9"])), None);
        assert_eq!(value_at(&twin, &p(&["address", "floor"])), Some(&json!(3)));
        assert_eq!(value_at(&twin, &p(&["nope", "x"])), None);
    }

    #[test]
    fn new_map_keys_are_checked() {
        let map = json!({"a": 1});
        assert_eq!(check_new_key(Some(&map), " b "), Ok("b".to_owned()));
        assert_eq!(
            check_new_key(Some(&map), "a"),
            Err(KeyError::Exists("a".into()))
        );
        assert_eq!(check_new_key(None, "  "), Err(KeyError::Empty));
        assert_eq!(check_new_key(None, "$x"), Err(KeyError::Reserved));
        assert_eq!(new_entry_value(&Schema::String), json!(""));
        assert_eq!(new_entry_value(&Schema::Double), Value::Null);
        assert_eq!(
            new_entry_value(&Schema::Array {
                element: Box::new(Schema::Double)
            }),
            json!([])
        );
    }

    /// Edits applied the way the controls apply them, then the JSON Patch the page sends.
    #[test]
    fn edits_of_maps_arrays_objects_and_components_become_the_json_patch() {
        let rules = twin_rules();
        let original = json!({
            "$dtId": "r1", "$etag": "W/\"1\"", "$metadata": {"$model": ROOM},
            "tags": {"a": "x"},
            "readings": [1.0, 2.0, 3.0],
            "address": {"city": "Oslo"},
        });
        let mut edited = original.clone();
        // Map: a new entry, and one removed.
        let checked = check_new_key(value_at(&edited, &p(&["tags"])), "b").unwrap();
        rules.write(
            &mut edited,
            &p(&["tags", &checked]),
            Some(new_entry_value(&Schema::String)),
        );
        let typed = rules
            .accept(
                &edited,
                &p(&["tags", "b"]),
                &FieldSchema::Dtdl(Schema::String),
                Slot::Entry,
                "y",
            )
            .unwrap();
        rules.write(&mut edited, &p(&["tags", "b"]), typed);
        rules.write(&mut edited, &p(&["tags", "a"]), None);
        // Array: the middle item removed, one appended.
        rules.write(&mut edited, &p(&["readings", "1"]), None);
        rules.append(&mut edited, &p(&["readings"]), json!(4.5));
        // Array of objects, on a twin without it: created.
        rules.append(
            &mut edited,
            &p(&["visits"]),
            new_entry_value(&Schema::Object { fields: vec![] }),
        );
        rules.write(&mut edited, &p(&["visits", "0", "who"]), Some(json!("Ann")));
        // Object field.
        rules.write(&mut edited, &p(&["address", "floor"]), Some(json!(2)));
        // A component the twin lacks gets its $metadata.
        rules.write(
            &mut edited,
            &p(&["thermostat", "setPoint"]),
            Some(json!(21.0)),
        );
        let ops = serde_json::to_value(diff_twin(&original, &edited)).unwrap();
        assert_eq!(
            ops,
            json!([
                {"op": "replace", "path": "/address", "value": {"city": "Oslo", "floor": 2}},
                {"op": "replace", "path": "/readings", "value": [1.0, 3.0, 4.5]},
                {"op": "replace", "path": "/tags", "value": {"b": "y"}},
                {"op": "add", "path": "/thermostat", "value": {"$metadata": {}, "setPoint": 21.0}},
                {"op": "add", "path": "/visits", "value": [{"who": "Ann"}]},
            ])
        );
        // Once the component is there, its properties are patched one by one.
        let mut later = edited.clone();
        rules.write(
            &mut later,
            &p(&["thermostat", "setPoint"]),
            Some(json!(22.0)),
        );
        rules.write(&mut later, &p(&["thermostat", "serial"]), Some(json!("S1")));
        assert_eq!(
            serde_json::to_value(diff_twin(&edited, &later)).unwrap(),
            json!([
                {"op": "add", "path": "/thermostat/serial", "value": "S1"},
                {"op": "replace", "path": "/thermostat/setPoint", "value": 22.0},
            ])
        );
        // Every value the page would send passes the crate's twin check.
        let user: Map<String, Value> = later
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| !k.starts_with('$'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(set().validate_twin(ROOM, &user), Ok(()));
    }
}
