//! Editing a twin's properties with a control per DTDL schema.
//!
//! The pure half reads a DTDL interface into [`InterfaceShape`] (properties, components,
//! relationships, with their schemas) and turns control text into JSON ([`parse_input`]);
//! the component half renders one labelled control per field and writes accepted values into
//! the edited twin (a `RwSignal<Value>`) at the field's JSON path. Text that does not fit the
//! schema stays in the control with its reason and marks the path invalid, so nothing
//! malformed is ever sent. Values are shown as text only.

use std::collections::BTreeSet;

use leptos::prelude::*;
use serde_json::{Map, Value};

/// A DTDL schema, as far as the editor needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    Boolean,
    /// `integer` or `long`.
    Integer,
    /// `double` or `float`.
    Double,
    String,
    Date,
    DateTime,
    Time,
    Duration,
    Enum {
        /// True for `integer` enum values.
        integer: bool,
        values: Vec<EnumValue>,
    },
    Object(Vec<Field>),
    Map {
        key_name: String,
        value: Box<Schema>,
    },
    /// Anything else (arrays, geospatial, unresolved ids): edited as JSON text.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: String,
    pub label: String,
    pub value: Value,
}

/// A property or an object field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub schema: Schema,
    /// DTDL `writable` (properties default to not writable; object fields inherit).
    pub writable: bool,
}

/// A relationship the model declares.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipShape {
    pub name: String,
    pub label: String,
    /// The target interface, when the model restricts it.
    pub target: Option<String>,
}

/// What an interface (with what it extends, merged by the caller) declares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InterfaceShape {
    pub properties: Vec<Field>,
    /// Component name and the interface id of its schema.
    pub components: Vec<(String, String)>,
    pub relationships: Vec<RelationshipShape>,
    /// Interfaces this one `extends`.
    pub extends: Vec<String>,
}

fn types_of(entry: &Value) -> Vec<&str> {
    match entry.get("@type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn label_of(entry: &Value, name: &str) -> String {
    match entry.get("displayName") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => m
            .get("en")
            .or_else(|| m.values().next())
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_owned(),
        _ => name.to_owned(),
    }
}

fn ids(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                other => other.get("@id").and_then(Value::as_str).map(str::to_owned),
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl InterfaceShape {
    /// Reads a DTDL interface (v2 or v3). Unknown content is skipped.
    pub fn from_dtdl(interface: &Value) -> Self {
        let schemas: Vec<&Value> = interface
            .get("schemas")
            .and_then(Value::as_array)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        let mut shape = Self {
            extends: ids(interface.get("extends")),
            ..Self::default()
        };
        let contents = interface
            .get("contents")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for entry in &contents {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let types = types_of(entry);
            let label = label_of(entry, name);
            if types.contains(&"Property") {
                shape.properties.push(Field {
                    name: name.to_owned(),
                    label,
                    schema: entry
                        .get("schema")
                        .map(|s| read_schema(s, &schemas, 0))
                        .unwrap_or(Schema::Other),
                    writable: entry
                        .get("writable")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                });
            } else if types.contains(&"Component") {
                if let Some(schema) = entry.get("schema").and_then(Value::as_str) {
                    shape.components.push((name.to_owned(), schema.to_owned()));
                }
            } else if types.contains(&"Relationship") {
                shape.relationships.push(RelationshipShape {
                    name: name.to_owned(),
                    label,
                    target: entry
                        .get("target")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                });
            }
        }
        shape
    }

    /// Adds what `base` declares (an interface this one extends), keeping own entries first.
    pub fn merge(&mut self, base: InterfaceShape) {
        for p in base.properties {
            if !self.properties.iter().any(|q| q.name == p.name) {
                self.properties.push(p);
            }
        }
        for c in base.components {
            if !self.components.iter().any(|d| d.0 == c.0) {
                self.components.push(c);
            }
        }
        for r in base.relationships {
            if !self.relationships.iter().any(|s| s.name == r.name) {
                self.relationships.push(r);
            }
        }
    }
}

/// The deepest nesting of object/map schemas read (DTDL allows 5).
const MAX_SCHEMA_DEPTH: usize = 8;

fn read_schema(schema: &Value, defined: &[&Value], depth: usize) -> Schema {
    if depth > MAX_SCHEMA_DEPTH {
        return Schema::Other;
    }
    match schema {
        Value::String(s) => match s.as_str() {
            "boolean" => Schema::Boolean,
            "integer" | "long" | "byte" | "short" | "unsignedByte" | "unsignedShort"
            | "unsignedInteger" | "unsignedLong" => Schema::Integer,
            "double" | "float" | "decimal" => Schema::Double,
            "string" | "uuid" => Schema::String,
            "date" => Schema::Date,
            "dateTime" => Schema::DateTime,
            "time" => Schema::Time,
            "duration" => Schema::Duration,
            id => defined
                .iter()
                .find(|d| d.get("@id").and_then(Value::as_str) == Some(id))
                .map(|d| read_schema(d, defined, depth + 1))
                .unwrap_or(Schema::Other),
        },
        Value::Object(_) => {
            let types = types_of(schema);
            if types.contains(&"Enum") {
                let integer = schema.get("valueSchema").and_then(Value::as_str) == Some("integer");
                let values = schema
                    .get("enumValues")
                    .and_then(Value::as_array)
                    .map(|vs| {
                        vs.iter()
                            .filter_map(|v| {
                                let name = v.get("name")?.as_str()?.to_owned();
                                Some(EnumValue {
                                    label: label_of(v, &name),
                                    value: v.get("enumValue")?.clone(),
                                    name,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Schema::Enum { integer, values }
            } else if types.contains(&"Object") {
                let fields = schema
                    .get("fields")
                    .and_then(Value::as_array)
                    .map(|fs| {
                        fs.iter()
                            .filter_map(|f| {
                                let name = f.get("name")?.as_str()?.to_owned();
                                Some(Field {
                                    label: label_of(f, &name),
                                    schema: f
                                        .get("schema")
                                        .map(|s| read_schema(s, defined, depth + 1))
                                        .unwrap_or(Schema::Other),
                                    writable: true,
                                    name,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Schema::Object(fields)
            } else if types.contains(&"Map") {
                let key_name = schema
                    .get("mapKey")
                    .and_then(|k| k.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or("key")
                    .to_owned();
                let value = schema
                    .get("mapValue")
                    .and_then(|v| v.get("schema"))
                    .map(|s| read_schema(s, defined, depth + 1))
                    .unwrap_or(Schema::Other);
                Schema::Map {
                    key_name,
                    value: Box::new(value),
                }
            } else {
                Schema::Other
            }
        }
        _ => Schema::Other,
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    matches!(parts.as_slice(), [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2)
        && (1..=12).contains(&m.parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u8>().unwrap_or(0)))
}

fn is_time(s: &str) -> bool {
    let (hms, _fraction) = s.split_once('.').unwrap_or((s, ""));
    let parts: Vec<&str> = hms.split(':').collect();
    let ok = |p: &&str, max: u8| digits(p, 2) && p.parse::<u8>().is_ok_and(|v| v <= max);
    match parts.as_slice() {
        [h, m] => ok(h, 23) && ok(m, 59),
        [h, m, sec] => ok(h, 23) && ok(m, 59) && ok(sec, 60),
        _ => false,
    }
}

/// The control text as JSON for `schema`, or why it does not fit. Blank text is `Ok(None)`:
/// the property is left unset (removed on save).
pub fn parse_input(schema: &Schema, text: &str) -> Result<Option<Value>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let value = match schema {
        Schema::Boolean => match t {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err("expected true or false".into()),
        },
        Schema::Integer => t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "expected a whole number".to_owned())?,
        Schema::Double => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| "expected a number".to_owned())?,
        Schema::String => Value::String(text.to_owned()),
        Schema::Date if is_date(t) => Value::String(t.to_owned()),
        Schema::Date => return Err("expected a date (YYYY-MM-DD)".into()),
        Schema::Time if is_time(t) => Value::String(if t.len() == 5 {
            format!("{t}:00")
        } else {
            t.to_owned()
        }),
        Schema::Time => return Err("expected a time (HH:MM or HH:MM:SS)".into()),
        Schema::DateTime => {
            // `datetime-local` gives `YYYY-MM-DDTHH:MM[:SS]`, read as UTC.
            let (date, rest) = t.split_once('T').ok_or("expected a date and time")?;
            let time = rest.trim_end_matches('Z');
            if !is_date(date) || !is_time(time) {
                return Err("expected a date and time (YYYY-MM-DDTHH:MM)".into());
            }
            let time = if time.len() == 5 {
                format!("{time}:00")
            } else {
                time.to_owned()
            };
            Value::String(format!("{date}T{time}Z"))
        }
        Schema::Duration => {
            let ok = t.starts_with('P')
                && t.len() > 1
                && t[1..]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"YMWDTHS.,".contains(&b))
                && !t.ends_with('T');
            if !ok {
                return Err("expected an ISO 8601 duration such as PT15M or P1DT2H".into());
            }
            Value::String(t.to_owned())
        }
        Schema::Enum { values, .. } => {
            let found = values.iter().find(|v| v.name == t).map(|v| v.value.clone());
            found.ok_or_else(|| "choose one of the listed values".to_owned())?
        }
        Schema::Object(_) | Schema::Map { .. } | Schema::Other => {
            serde_json::from_str(t).map_err(|e| format!("not valid JSON: {e}"))?
        }
    };
    Ok(Some(value))
}

/// The control text for a stored value (the inverse of [`parse_input`]).
pub fn input_text(schema: &Schema, value: Option<&Value>) -> String {
    match (schema, value) {
        (_, None | Some(Value::Null)) => String::new(),
        (Schema::DateTime, Some(Value::String(s))) => {
            // Shown in `datetime-local` form: seconds kept, zone dropped (always UTC).
            let s = s.trim_end_matches('Z');
            s.split('.').next().unwrap_or(s).to_owned()
        }
        (Schema::Enum { values, .. }, Some(v)) => values
            .iter()
            .find(|e| &e.value == v)
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(other)) => other.to_string(),
    }
}

/// The value at `path` (member names) inside `root`.
pub fn value_at<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(root, |v, key| v.get(key))
}

/// Sets (or with `None` removes) the value at `path`, creating objects on the way.
pub fn set_at(root: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = root;
    for key in parents {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        let Some(object) = current.as_object_mut() else {
            return;
        };
        current = object
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !current.is_object() {
        *current = Value::Object(Map::new());
    }
    if let Some(object) = current.as_object_mut() {
        match value {
            Some(v) => {
                object.insert(last.clone(), v);
            }
            None => {
                object.remove(last);
            }
        }
    }
}

/// An element id for a path (`prop-a-b`), with unsafe characters replaced.
fn control_id(path: &[String]) -> String {
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
    format!("prop-{joined}")
}

/// One field's control (and, for objects and maps, its nested controls).
///
/// `edited` is the whole twin; `invalid` collects the paths whose text does not fit, so the
/// page can refuse to save; `editable` is false for readers.
pub fn field_view(
    field: Field,
    path: Vec<String>,
    edited: RwSignal<Value>,
    invalid: RwSignal<BTreeSet<String>>,
    editable: bool,
) -> AnyView {
    let id = control_id(&path);
    let path_key = path.join("/");
    match field.schema.clone() {
        Schema::Object(fields) => {
            let inner = fields
                .into_iter()
                .map(|f| {
                    let mut p = path.clone();
                    p.push(f.name.clone());
                    field_view(f, p, edited, invalid, editable)
                })
                .collect_view();
            view! {
                <fieldset class="property property--object">
                    <legend>{field.label}</legend>
                    {inner}
                </fieldset>
            }
            .into_any()
        }
        Schema::Map { key_name, value } => map_view(
            field.label,
            key_name,
            *value,
            path,
            edited,
            invalid,
            editable,
        ),
        schema => {
            let initial = edited.with_untracked(|v| input_text(&schema, value_at(v, &path)));
            let text = RwSignal::new(initial);
            let problem = RwSignal::new(None::<String>);
            // Re-read when the twin is replaced (reload, "take theirs").
            {
                let (schema, path) = (schema.clone(), path.clone());
                Effect::new(move |_| {
                    let current = edited.with(|v| value_at(v, &path).cloned());
                    // Text being typed that already means this value stays as typed ("21.").
                    let typed = parse_input(&schema, &text.get_untracked());
                    if problem.get_untracked().is_none() && typed != Ok(current.clone()) {
                        text.set(input_text(&schema, current.as_ref()));
                    }
                });
            }
            let commit = {
                let (schema, path, path_key) = (schema.clone(), path.clone(), path_key.clone());
                move |raw: String| {
                    text.set(raw.clone());
                    match parse_input(&schema, &raw) {
                        Ok(value) => {
                            problem.set(None);
                            invalid.update(|s| {
                                s.remove(&path_key);
                            });
                            edited.update(|v| set_at(v, &path, value));
                        }
                        Err(why) => {
                            problem.set(Some(why));
                            invalid.update(|s| {
                                s.insert(path_key.clone());
                            });
                        }
                    }
                }
            };
            let error_id = format!("{id}-error");
            let described = error_id.clone();
            let control = control_for(&schema, id.clone(), text, editable, commit);
            view! {
                <div class="property" class:property--invalid=move || problem.with(Option::is_some)>
                    <label class="field__label" for=id.clone()>
                        {field.label}
                        <span class="property__name">{format!(" ({})", field.name)}</span>
                    </label>
                    <div
                        aria-describedby=move || problem.with(Option::is_some).then(|| described.clone())
                    >
                        {control}
                    </div>
                    {move || problem.get().map(|p| view! { <p class="property__error" id=error_id.clone()>{p}</p> })}
                </div>
            }
            .into_any()
        }
    }
}

/// The input for a scalar schema.
fn control_for(
    schema: &Schema,
    id: String,
    text: RwSignal<String>,
    editable: bool,
    commit: impl Fn(String) + Clone + 'static,
) -> AnyView {
    let disabled = !editable;
    match schema {
        Schema::Boolean => {
            let commit = commit.clone();
            view! {
                <input
                    type="checkbox"
                    id=id
                    class="property__check"
                    disabled=disabled
                    prop:checked=move || text.get() == "true"
                    on:change=move |ev| commit(if event_target_checked(&ev) { "true" } else { "false" }.to_owned())
                />
            }
            .into_any()
        }
        Schema::Enum { values, .. } => {
            let options = values
                .iter()
                .map(|v| {
                    let name = v.name.clone();
                    let selected = {
                        let name = name.clone();
                        move || text.get() == name
                    };
                    view! { <option value=name selected=selected>{v.label.clone()}</option> }
                })
                .collect_view();
            view! {
                <select id=id class="input" disabled=disabled on:change=move |ev| commit(event_target_value(&ev))>
                    <option value="" selected=move || text.get().is_empty()>"(not set)"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        Schema::Object(_) | Schema::Map { .. } | Schema::Other => view! {
            <textarea
                id=id
                class="input input--mono"
                rows="3"
                spellcheck="false"
                disabled=disabled
                prop:value=move || text.get()
                on:change=move |ev| commit(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        scalar => {
            // Numbers are typed as text: a `type="number"` input reports a sanitised value
            // while a person is still typing (`22.` reads as `22`, `1e` as nothing), and
            // writing that back moved the caret and corrupted or erased what was typed. The
            // text is kept exactly as typed and checked by `parse_input`.
            let (kind, step, placeholder) = match scalar {
                Schema::Integer => ("text", None, "a whole number"),
                Schema::Double => ("text", None, "a number, e.g. 22.5"),
                Schema::Date => ("date", None, "YYYY-MM-DD"),
                Schema::DateTime => ("datetime-local", Some("1"), "YYYY-MM-DDTHH:MM"),
                Schema::Time => ("time", Some("1"), "HH:MM:SS"),
                Schema::Duration => ("text", None, "PT15M"),
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
                    prop:value=move || text.get()
                    on:input=move |ev| live(event_target_value(&ev))
                    on:change=move |ev| commit(event_target_value(&ev))
                />
            }
            .into_any()
        }
    }
}

fn map_view(
    label: String,
    key_name: String,
    value_schema: Schema,
    path: Vec<String>,
    edited: RwSignal<Value>,
    invalid: RwSignal<BTreeSet<String>>,
    editable: bool,
) -> AnyView {
    let new_key = RwSignal::new(String::new());
    let add_id = format!("{}-new-key", control_id(&path));
    let entries = {
        let (path, value_schema) = (path.clone(), value_schema.clone());
        move || {
            let keys: Vec<String> = edited.with(|v| {
                value_at(v, &path)
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default()
            });
            keys.into_iter()
                .map(|key| {
                    let mut p = path.clone();
                    p.push(key.clone());
                    let remove_path = p.clone();
                    let field = Field {
                        name: key.clone(),
                        label: key.clone(),
                        schema: value_schema.clone(),
                        writable: true,
                    };
                    let remove = editable.then(|| {
                        view! {
                            <button
                                type="button"
                                class="button button--ghost button--small"
                                aria-label=format!("Remove entry {key}")
                                on:click=move |_| edited.update(|v| set_at(v, &remove_path, None))
                            >
                                "Remove"
                            </button>
                        }
                    });
                    view! {
                        <div class="property__entry">
                            {field_view(field, p, edited, invalid, editable)}
                            {remove}
                        </div>
                    }
                })
                .collect_view()
        }
    };
    let add = editable.then(|| {
        let path = path.clone();
        view! {
            <div class="property__add">
                <label class="field__label" for=add_id.clone()>{format!("New {key_name}")}</label>
                <input id=add_id.clone() class="input" prop:value=move || new_key.get()
                    on:input=move |ev| new_key.set(event_target_value(&ev))/>
                <button
                    type="button"
                    class="button button--ghost button--small"
                    on:click=move |_| {
                        let key = new_key.get_untracked().trim().to_owned();
                        if key.is_empty() {
                            return;
                        }
                        let mut p = path.clone();
                        p.push(key);
                        if edited.with_untracked(|v| value_at(v, &p).is_none()) {
                            edited.update(|v| set_at(v, &p, Some(Value::Null)));
                        }
                        new_key.set(String::new());
                    }
                >
                    "Add entry"
                </button>
            </div>
        }
    });
    view! {
        <fieldset class="property property--map">
            <legend>{label}</legend>
            {entries}
            {add}
        </fieldset>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn room() -> Value {
        json!({
            "@id": "dtmi:example:Room;1",
            "@type": "Interface",
            "@context": "dtmi:dtdl:context;3",
            "extends": "dtmi:example:Space;1",
            "schemas": [{"@id": "dtmi:example:Mode;1", "@type": "Enum", "valueSchema": "string",
                         "enumValues": [{"name": "eco", "enumValue": "ECO", "displayName": {"en": "Economy"}},
                                        {"name": "comfort", "enumValue": "COMFORT"}]}],
            "contents": [
                {"@type": ["Property", "Temperature"], "name": "temp", "schema": "double", "writable": true, "unit": "degreeCelsius"},
                {"@type": "Property", "name": "occupied", "schema": "boolean"},
                {"@type": "Property", "name": "mode", "schema": "dtmi:example:Mode;1", "writable": true},
                {"@type": "Property", "name": "address", "schema": {"@type": "Object", "fields": [
                    {"name": "city", "schema": "string"}, {"name": "floor", "schema": "integer"}]}},
                {"@type": "Property", "name": "tags", "schema": {"@type": "Map",
                    "mapKey": {"name": "tag", "schema": "string"}, "mapValue": {"name": "v", "schema": "string"}}},
                {"@type": "Component", "name": "thermostat", "schema": "dtmi:example:Thermostat;1"},
                {"@type": "Relationship", "name": "contains", "target": "dtmi:example:Device;1", "displayName": "Contains"},
                {"@type": "Telemetry", "name": "reading", "schema": "double"},
            ],
        })
    }

    #[test]
    fn an_interface_is_read_into_fields_components_and_relationships() {
        let shape = InterfaceShape::from_dtdl(&room());
        let names: Vec<(&str, &Schema)> = shape
            .properties
            .iter()
            .map(|f| (f.name.as_str(), &f.schema))
            .collect();
        assert_eq!(names[0], ("temp", &Schema::Double));
        assert_eq!(names[1], ("occupied", &Schema::Boolean));
        assert!(
            matches!(names[2].1, Schema::Enum { integer: false, values } if values[0].label == "Economy")
        );
        assert!(matches!(names[3].1, Schema::Object(f) if f[1].schema == Schema::Integer));
        assert!(
            matches!(names[4].1, Schema::Map { key_name, value } if key_name == "tag" && **value == Schema::String)
        );
        assert_eq!(shape.properties.len(), 5, "telemetry is not a property");
        assert!(shape.properties[0].writable && !shape.properties[1].writable);
        assert_eq!(
            shape.components,
            vec![("thermostat".into(), "dtmi:example:Thermostat;1".into())]
        );
        assert_eq!(
            shape.relationships[0].target.as_deref(),
            Some("dtmi:example:Device;1")
        );
        assert_eq!(shape.relationships[0].label, "Contains");
        assert_eq!(shape.extends, vec!["dtmi:example:Space;1".to_owned()]);
    }

    #[test]
    fn merging_a_base_keeps_own_entries_first() {
        let mut own = InterfaceShape::from_dtdl(&room());
        let base = InterfaceShape::from_dtdl(&json!({"contents": [
            {"@type": "Property", "name": "temp", "schema": "string"},
            {"@type": "Property", "name": "area", "schema": "double"},
        ]}));
        own.merge(base);
        assert_eq!(own.properties[0].schema, Schema::Double);
        assert_eq!(own.properties.last().unwrap().name, "area");
    }

    #[test]
    fn input_is_checked_against_the_schema() {
        let mode = Schema::Enum {
            integer: false,
            values: vec![EnumValue {
                name: "eco".into(),
                label: "Eco".into(),
                value: json!("ECO"),
            }],
        };
        let check = |schema: &Schema, text: &str, expected: Result<Option<Value>, ()>| {
            assert_eq!(
                parse_input(schema, text).map_err(|_| ()),
                expected,
                "{schema:?} {text:?}"
            );
        };
        check(&Schema::Integer, "42", Ok(Some(json!(42))));
        check(&Schema::Integer, "4.2", Err(()));
        check(&Schema::Double, "21.5", Ok(Some(json!(21.5))));
        check(&Schema::Double, "NaN", Err(()));
        check(&Schema::Double, "warm", Err(()));
        check(&Schema::Double, "  ", Ok(None));
        check(&Schema::Boolean, "true", Ok(Some(json!(true))));
        check(&Schema::String, " a ", Ok(Some(json!(" a "))));
        check(&Schema::Date, "2024-02-29", Ok(Some(json!("2024-02-29"))));
        check(&Schema::Date, "2024-13-01", Err(()));
        check(
            &Schema::DateTime,
            "2024-02-29T10:30",
            Ok(Some(json!("2024-02-29T10:30:00Z"))),
        );
        check(
            &Schema::DateTime,
            "2024-02-29T10:30:15Z",
            Ok(Some(json!("2024-02-29T10:30:15Z"))),
        );
        check(&Schema::DateTime, "yesterday", Err(()));
        check(&Schema::Time, "07:05", Ok(Some(json!("07:05:00"))));
        check(&Schema::Time, "25:00", Err(()));
        check(&Schema::Duration, "PT15M", Ok(Some(json!("PT15M"))));
        check(&Schema::Duration, "15 minutes", Err(()));
        check(&mode, "eco", Ok(Some(json!("ECO"))));
        check(&mode, "ECO", Err(()));
        check(&Schema::Other, "[1,2]", Ok(Some(json!([1, 2]))));
        check(&Schema::Other, "[1,", Err(()));
    }

    #[test]
    fn stored_values_round_trip_through_their_controls() {
        let cases = [
            (Schema::Double, json!(21.5)),
            (Schema::Integer, json!(7)),
            (Schema::Boolean, json!(false)),
            (Schema::DateTime, json!("2024-02-29T10:30:15Z")),
            (Schema::Date, json!("2024-02-29")),
            (Schema::Other, json!({"a": [1]})),
        ];
        for (schema, value) in cases {
            let text = input_text(&schema, Some(&value));
            assert_eq!(
                parse_input(&schema, &text).unwrap(),
                Some(value),
                "{schema:?}"
            );
        }
    }

    #[test]
    fn values_are_set_and_removed_by_path() {
        let mut twin = json!({"$dtId": "a", "address": {"city": "X"}});
        let p = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        set_at(&mut twin, &p(&["address", "floor"]), Some(json!(3)));
        set_at(&mut twin, &p(&["thermostat", "setPoint"]), Some(json!(20)));
        set_at(&mut twin, &p(&["address", "city"]), None);
        assert_eq!(
            twin,
            json!({"$dtId": "a", "address": {"floor": 3}, "thermostat": {"setPoint": 20}})
        );
        assert_eq!(value_at(&twin, &p(&["address", "floor"])), Some(&json!(3)));
        assert_eq!(value_at(&twin, &p(&["nope", "x"])), None);
    }
}
