//! RFC 6902 JSON Patch documents for twins, computed from the twin as read and as edited.
//!
//! Rules (what the data plane accepts):
//! - `$`-prefixed members (`$dtId`, `$etag`, `$metadata`) are never patched, except
//!   `/$metadata/$model` (changing a twin's model is allowed);
//! - a component (an object member carrying `$metadata`) present on both sides is diffed
//!   member by member under `/{component}/…`, with the same rules;
//! - any other value (primitive, object or map property) that differs is replaced whole;
//! - members only in the edit are `add`ed, members only in the original are `remove`d.
//!
//! Operations come out in member-name order, so the same edit always gives the same patch.

use serde::Serialize;
use serde_json::{Map, Value};

/// One RFC 6902 operation (the three the data plane supports for twins).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOp {
    Add { path: String, value: Value },
    Replace { path: String, value: Value },
    Remove { path: String },
}

impl PatchOp {
    pub fn path(&self) -> &str {
        match self {
            Self::Add { path, .. } | Self::Replace { path, .. } | Self::Remove { path } => path,
        }
    }
}

/// A JSON Pointer (RFC 6901) from reference tokens, escaping `~` and `/`.
pub fn pointer<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    tokens
        .into_iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The patch that turns `original` into `edited` (both twin JSON objects, or both a
/// relationship's: members starting with `$` are never patched).
pub fn diff_twin(original: &Value, edited: &Value) -> Vec<PatchOp> {
    let empty = Map::new();
    let original = original.as_object().unwrap_or(&empty);
    let edited = edited.as_object().unwrap_or(&empty);
    let mut ops = Vec::new();
    let before = model_of(original);
    let after = model_of(edited);
    if let Some(after) = after
        && before != Some(after)
    {
        ops.push(PatchOp::Replace {
            path: pointer(["$metadata", "$model"]),
            value: Value::String(after.to_owned()),
        });
    }
    diff_members(&[], original, edited, &mut ops);
    ops
}

/// One property that differs between two versions of a twin, for people to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The property's JSON pointer without the leading `/` (`name`, `nameplate/serial`,
    /// `$metadata/$model`), `~1`/`~0` decoded.
    pub property: String,
    /// Its value in the first version; `None` where that version does not have it.
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The properties that differ between `before` and `after` (the paths [`diff_twin`] would
/// patch), with both values, in the same stable order.
pub fn differences(before: &Value, after: &Value) -> Vec<Difference> {
    diff_twin(before, after)
        .iter()
        .map(|op| {
            let path = op.path();
            let property = path
                .trim_start_matches('/')
                .split('/')
                .map(|t| t.replace("~1", "/").replace("~0", "~"))
                .collect::<Vec<_>>()
                .join("/");
            Difference {
                property,
                before: before.pointer(path).cloned(),
                after: after.pointer(path).cloned(),
            }
        })
        .collect()
}

fn model_of(object: &Map<String, Value>) -> Option<&str> {
    object.get("$metadata")?.get("$model")?.as_str()
}

/// True for a member that is a component: an object with its own `$metadata`.
pub fn is_component(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.contains_key("$metadata"))
}

fn diff_members(
    prefix: &[&str],
    original: &Map<String, Value>,
    edited: &Map<String, Value>,
    ops: &mut Vec<PatchOp>,
) {
    let mut names: Vec<&String> = original.keys().chain(edited.keys()).collect();
    names.sort();
    names.dedup();
    for name in names.into_iter().filter(|n| !n.starts_with('$')) {
        let path_of = || pointer(prefix.iter().copied().chain([name.as_str()]));
        match (original.get(name), edited.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) if is_component(a) && is_component(b) => {
                let mut inner: Vec<&str> = prefix.to_vec();
                inner.push(name);
                if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
                    diff_members(&inner, a, b, ops);
                }
            }
            (Some(_), Some(b)) => ops.push(PatchOp::Replace {
                path: path_of(),
                value: b.clone(),
            }),
            (None, Some(b)) => ops.push(PatchOp::Add {
                path: path_of(),
                value: b.clone(),
            }),
            (Some(_), None) => ops.push(PatchOp::Remove { path: path_of() }),
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn twin(extra: Value) -> Value {
        let mut base = json!({
            "$dtId": "room-1",
            "$etag": "W/\"1\"",
            "$metadata": {"$model": "dtmi:example:Room;1", "$lastUpdateTime": "2024-01-01T00:00:00Z"},
        });
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    }

    fn check(original: Value, edited: Value, expected: Value) {
        let ops = diff_twin(&twin(original), &twin(edited));
        assert_eq!(serde_json::to_value(&ops).unwrap(), expected);
    }

    #[test]
    fn differences_name_each_changed_property_with_both_values() {
        let theirs = twin(json!({
            "name": "Renamed elsewhere",
            "temp": 20,
            "a/b": 1,
            "panel": {"$metadata": {}, "serial": "S1"},
        }));
        let mut mine = twin(json!({
            "name": "Renamed here",
            "temp": 20,
            "area": 12,
            "panel": {"$metadata": {}, "serial": "S2"},
        }));
        mine["$etag"] = json!("W/\"2\"");
        let got = differences(&theirs, &mine);
        let rows: Vec<(&str, Option<Value>, Option<Value>)> = got
            .iter()
            .map(|d| (d.property.as_str(), d.before.clone(), d.after.clone()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("a/b", Some(json!(1)), None),
                ("area", None, Some(json!(12))),
                (
                    "name",
                    Some(json!("Renamed elsewhere")),
                    Some(json!("Renamed here"))
                ),
                ("panel/serial", Some(json!("S1")), Some(json!("S2"))),
            ],
            "the ETag is not a difference people choose between; equal members are left out"
        );
        assert!(differences(&theirs, &theirs).is_empty());
    }

    #[test]
    fn diff_table() {
        // No change, no ops.
        check(json!({"temp": 20}), json!({"temp": 20}), json!([]));
        // Replace, add and remove, in name order.
        check(
            json!({"temp": 20, "name": "a"}),
            json!({"temp": 21.5, "area": 12}),
            json!([
                {"op": "add", "path": "/area", "value": 12},
                {"op": "remove", "path": "/name"},
                {"op": "replace", "path": "/temp", "value": 21.5},
            ]),
        );
        // Objects and maps are replaced whole.
        check(
            json!({"address": {"city": "A", "zip": "1"}}),
            json!({"address": {"city": "B", "zip": "1"}}),
            json!([{"op": "replace", "path": "/address", "value": {"city": "B", "zip": "1"}}]),
        );
        // Components are diffed inside, never their $metadata.
        check(
            json!({"thermostat": {"$metadata": {"$lastUpdateTime": "x"}, "setPoint": 20, "mode": "eco"}}),
            json!({"thermostat": {"$metadata": {"$lastUpdateTime": "y"}, "setPoint": 22}}),
            json!([
                {"op": "remove", "path": "/thermostat/mode"},
                {"op": "replace", "path": "/thermostat/setPoint", "value": 22},
            ]),
        );
        // A new component is added whole, with its $metadata.
        check(
            json!({}),
            json!({"thermostat": {"$metadata": {}, "setPoint": 20}}),
            json!([{"op": "add", "path": "/thermostat", "value": {"$metadata": {}, "setPoint": 20}}]),
        );
        // Pointer escaping.
        check(
            json!({}),
            json!({"a/b~c": true}),
            json!([{"op": "add", "path": "/a~1b~0c", "value": true}]),
        );
    }

    #[test]
    fn dollar_members_are_left_alone_except_the_model() {
        let original = twin(json!({"temp": 1}));
        let mut edited = original.clone();
        edited["$dtId"] = json!("other");
        edited["$etag"] = json!("W/\"2\"");
        edited["$metadata"]["$lastUpdateTime"] = json!("2030-01-01T00:00:00Z");
        assert_eq!(diff_twin(&original, &edited), vec![]);
        edited["$metadata"]["$model"] = json!("dtmi:example:Room;2");
        assert_eq!(
            diff_twin(&original, &edited),
            vec![PatchOp::Replace {
                path: "/$metadata/$model".into(),
                value: json!("dtmi:example:Room;2"),
            }]
        );
    }
}
