//! What the service said when it refused a change, placed where the person can act on it.
//!
//! A refused save or create carries the service's `code`, `message`, the individual problems
//! in `details` and the codes of any `innererror` ([`AdtError::Validation`]). [`place`] puts
//! each detail beside the field it concerns when its text names one (a JSON pointer such as
//! `/panel/level`, or a quoted property name such as `'name'`), and keeps the rest for the
//! form's error area; [`ServiceErrorView`] shows that area: the code, the message, the inner
//! codes and every detail not shown beside a field. Nothing is summarised as "see details".

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use serde_json::Value;

use crate::adt::AdtError;
use crate::components::property_editor::{FieldSchema, FieldSpec, Schema, TwinForm};

/// The service's problems, sorted by where they are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placed {
    /// Problems by field (path key: `name`, `panel/level`), in the service's words.
    pub fields: BTreeMap<String, Vec<String>>,
    /// Problems that name no field of the form.
    pub general: Vec<String>,
}

impl Placed {
    /// How many problems are shown beside fields.
    pub fn beside_fields(&self) -> usize {
        self.fields.values().map(Vec::len).sum()
    }

    /// The text shown beside each field.
    pub fn by_field(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|(k, v)| (k.clone(), v.join(" ")))
            .collect()
    }
}

fn push_keys(spec: &FieldSpec, prefix: &[String], keys: &mut BTreeSet<String>) {
    let mut path = prefix.to_vec();
    path.push(spec.name.clone());
    keys.insert(path.join("/"));
    if let FieldSchema::Dtdl(Schema::Object { fields }) = &spec.schema {
        for f in fields {
            push_keys(&FieldSpec::field(f, spec.writable), &path, keys);
        }
    }
}

/// The keys of the fields a form shows for `twin` (properties, object fields, components'
/// properties, and the twin's members the model does not declare).
pub fn field_keys(form: &TwinForm, twin: &Value) -> BTreeSet<String> {
    let mut keys = property_keys(&form.properties);
    for c in &form.components {
        keys.insert(c.name.clone());
        for p in &c.properties {
            push_keys(p, std::slice::from_ref(&c.name), &mut keys);
        }
    }
    keys.extend(form.unmodelled(twin));
    keys
}

/// The keys of a list of fields (a relationship's properties: no components, nothing
/// unmodelled).
pub fn property_keys(properties: &[FieldSpec]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for p in properties {
        push_keys(p, &[], &mut keys);
    }
    keys
}

/// JSON pointers in `text`: a `/` that starts a word, up to a space, `:` `,` `;` `)` or a
/// quote. `~1` and `~0` are decoded.
fn pointers(text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || matches!(chars[i - 1], ' ' | '\'' | '"' | '(' | '`' | '[');
        if chars[i] == '/' && starts_word {
            let mut j = i + 1;
            while j < chars.len()
                && !chars[j].is_whitespace()
                && !matches!(chars[j], ':' | ',' | ';' | ')' | '\'' | '"' | '`' | ']')
            {
                j += 1;
            }
            let raw: String = chars[i + 1..j].iter().collect();
            let raw = raw.trim_end_matches('.');
            if !raw.is_empty() {
                found.push(
                    raw.split('/')
                        .map(|s| s.replace("~1", "/").replace("~0", "~"))
                        .collect(),
                );
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

/// Words in `text` between single, double or back quotes.
fn quoted(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['\'', '"', '`'] {
        let parts: Vec<&str> = text.split(quote).collect();
        // Odd positions are inside quotes when the quotes pair up.
        for inside in parts.iter().skip(1).step_by(2).take(parts.len() / 2) {
            if !inside.is_empty() && inside.len() <= 256 {
                found.push((*inside).to_owned());
            }
        }
    }
    found
}

/// The field a problem's text names, if it names exactly one of `keys`: the deepest field a
/// JSON pointer in it lies in, else a quoted name that is a field's key or the last step of
/// exactly one field's key.
pub fn field_of(text: &str, keys: &BTreeSet<String>) -> Option<String> {
    for pointer in pointers(text) {
        let deepest = (1..=pointer.len())
            .rev()
            .map(|n| pointer[..n].join("/"))
            .find(|k| keys.contains(k));
        if deepest.is_some() {
            return deepest;
        }
    }
    for word in quoted(text) {
        let as_path = word.trim_start_matches('/').replace('.', "/");
        if keys.contains(&as_path) {
            return Some(as_path);
        }
        let mut matching = keys
            .iter()
            .filter(|k| k.rsplit('/').next() == Some(word.as_str()));
        if let (Some(only), None) = (matching.next(), matching.next()) {
            return Some(only.clone());
        }
    }
    None
}

/// Sorts the service's problems of `error` into those beside a field of `keys` and the rest.
/// An error without details has nothing to place.
pub fn place(error: &AdtError, keys: &BTreeSet<String>) -> Placed {
    let mut placed = Placed::default();
    if let AdtError::Validation { details, .. } = error {
        for detail in details {
            let text = if detail.message.is_empty() {
                detail.code.clone()
            } else {
                detail.message.clone()
            };
            match field_of(&detail.message, keys) {
                Some(key) => placed.fields.entry(key).or_default().push(text),
                None => placed.general.push(text),
            }
        }
    }
    placed
}

/// The first line of a refusal: what the service said, with its code.
pub fn headline(error: &AdtError) -> String {
    match error {
        AdtError::Validation { code, message, .. } => {
            let message = if message.is_empty() {
                "the change does not fit the model or the API"
            } else {
                message
            };
            if code.is_empty() {
                format!("The service refused it: {message}")
            } else {
                format!("The service refused it ({code}): {message}")
            }
        }
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => {
                    crate::format::uppercase(first.encode_utf8(&mut [0; 4])) + chars.as_str()
                }
                None => text,
            }
        }
    }
}

/// The form's error area for a refusal: headline, inner error codes, the problems not shown
/// beside a field, and how many are.
#[component]
pub fn ServiceErrorView(error: AdtError, placed: Placed) -> impl IntoView {
    let inner = match &error {
        AdtError::Validation { inner, .. } if !inner.is_empty() => Some(inner.join(" → ")),
        _ => None,
    };
    let beside = placed.beside_fields();
    let general = placed.general;
    view! {
        <div class="alert alert--error service-error" role="alert">
            <p>{headline(&error)}</p>
            {inner.map(|codes| view! { <p class="hint">{format!("Inner error: {codes}")}</p> })}
            {(!general.is_empty()).then(|| view! {
                <ul class="problems">
                    {general.into_iter().map(|g| view! { <li>{g}</li> }).collect::<Vec<_>>()}
                </ul>
            })}
            {(beside > 0).then(|| view! {
                <p>{if beside == 1 {
                    "1 problem is shown beside its field.".to_owned()
                } else {
                    format!("{beside} problems are shown beside their fields.")
                }}</p>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::adt::error::ErrorDetail;
    use crate::model_set::instance_set;

    fn keys(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn refusal(details: &[&str]) -> AdtError {
        AdtError::Validation {
            code: "ValidationFailed".into(),
            message: "Invalid twin specified. See details for the individual errors.".into(),
            details: details
                .iter()
                .map(|m| ErrorDetail {
                    code: "ValidationFailed".into(),
                    message: (*m).into(),
                })
                .collect(),
            inner: vec![],
        }
    }

    #[test]
    fn a_json_pointer_names_the_deepest_field_it_lies_in() {
        let k = keys(&["name", "panel", "panel/level", "address", "address/city"]);
        assert_eq!(
            field_of("/name: expected a string", &k).as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of("/panel/level: expected a whole number", &k).as_deref(),
            Some("panel/level")
        );
        // Below a field the form shows as a whole (a map entry): that field.
        assert_eq!(
            field_of("/address/city/extra: not declared", &k).as_deref(),
            Some("address/city")
        );
        assert_eq!(
            field_of("The path /panel/level cannot be patched.", &k).as_deref(),
            Some("panel/level")
        );
        // A link is not a pointer; an unknown pointer names nothing.
        assert_eq!(
            field_of("See https://aka.ms/name for more.", &k),
            None,
            "a URL's path is not a field"
        );
        assert_eq!(field_of("/other: not declared", &k), None);
    }

    #[test]
    fn a_quoted_name_names_its_field_when_only_one_field_has_it() {
        let k = keys(&["name", "panel/level", "door/level", "panel/serial"]);
        assert_eq!(
            field_of("Property 'name' has an invalid value.", &k).as_deref(),
            Some("name")
        );
        assert_eq!(
            field_of("\"serial\" must be a string", &k).as_deref(),
            Some("panel/serial")
        );
        assert_eq!(field_of("'level' is out of range", &k), None, "ambiguous");
        assert_eq!(
            field_of("'panel.level' is out of range", &k).as_deref(),
            Some("panel/level")
        );
        assert_eq!(field_of("Nothing quoted here", &k), None);
    }

    #[test]
    fn details_go_beside_their_fields_and_the_rest_to_the_form() {
        let k = keys(&["name", "occupancy"]);
        let placed = place(
            &refusal(&[
                "/occupancy: expected integer, found \"many\"",
                "The twin is too large.",
                "Property 'name' is read-only.",
            ]),
            &k,
        );
        assert_eq!(placed.beside_fields(), 2);
        assert_eq!(
            placed.by_field()["occupancy"],
            "/occupancy: expected integer, found \"many\""
        );
        assert_eq!(placed.by_field()["name"], "Property 'name' is read-only.");
        assert_eq!(placed.general, ["The twin is too large."]);
        // Other errors have no details to place.
        assert_eq!(place(&AdtError::PreconditionFailed, &k), Placed::default());
    }

    #[test]
    fn the_headline_carries_the_code_and_the_message() {
        assert_eq!(
            headline(&refusal(&[])),
            "The service refused it (ValidationFailed): Invalid twin specified. See details for the individual errors."
        );
        let bare = AdtError::Validation {
            code: String::new(),
            message: String::new(),
            details: vec![],
            inner: vec![],
        };
        assert_eq!(
            headline(&bare),
            "The service refused it: the change does not fit the model or the API"
        );
        assert!(headline(&AdtError::PreconditionFailed).starts_with("This was changed"));
    }

    #[test]
    fn the_form_s_fields_are_its_properties_object_fields_components_and_loose_members() {
        let room = json!({"@id": "dtmi:x:Room;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "contents": [
                {"@type": "Property", "name": "name", "schema": "string", "writable": true},
                {"@type": "Property", "name": "address", "writable": true, "schema": {"@type": "Object",
                    "fields": [{"name": "city", "schema": "string"}]}},
                {"@type": "Component", "name": "panel", "schema": "dtmi:x:Panel;1"}]});
        let panel = json!({"@id": "dtmi:x:Panel;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "contents": [{"@type": "Property", "name": "level", "schema": "integer", "writable": true}]});
        let built = instance_set([
            ("dtmi:x:Room;1", Some(&room)),
            ("dtmi:x:Panel;1", Some(&panel)),
        ]);
        let form = TwinForm::of(&built.set, "dtmi:x:Room;1").expect("readable");
        let twin = json!({"$dtId": "r", "name": "x", "legacy": 1, "panel": {"$metadata": {}}});
        assert_eq!(
            field_keys(&form, &twin),
            keys(&[
                "address",
                "address/city",
                "legacy",
                "name",
                "panel",
                "panel/level"
            ])
        );
    }
}
