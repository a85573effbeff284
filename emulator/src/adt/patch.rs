//! RFC 6902 JSON Patch, restricted as Azure Digital Twins restricts it: only `add`, `replace`
//! and `remove`; every operation must resolve (replace/remove need the target, add needs the
//! parent); the document is patched atomically (all operations or none).

use serde_json::{Map, Value};

/// Why a patch document was refused (rendered as `JsonPatchInvalid`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("The patch document must be a JSON array of operations.")]
    NotAnArray,
    #[error("Operation {0} is not an object with 'op' and 'path'.")]
    Malformed(usize),
    #[error("Unsupported operation type {0}.")]
    Unsupported(String),
    #[error("Operation {0} needs a 'value'.")]
    MissingValue(usize),
    #[error("The path {0} is not a valid JSON pointer.")]
    BadPointer(String),
    #[error("Could not resolve path {0}.")]
    Unresolved(String),
}

/// One parsed operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Add(Vec<String>, Value),
    Replace(Vec<String>, Value),
    Remove(Vec<String>),
}

impl Op {
    /// The path's reference tokens.
    pub fn path(&self) -> &[String] {
        match self {
            Op::Add(p, _) | Op::Replace(p, _) | Op::Remove(p) => p,
        }
    }
}

/// Parses a patch document.
pub fn parse(doc: &Value) -> Result<Vec<Op>, PatchError> {
    let ops = doc.as_array().ok_or(PatchError::NotAnArray)?;
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let obj = op.as_object().ok_or(PatchError::Malformed(i))?;
            let kind = obj
                .get("op")
                .and_then(Value::as_str)
                .ok_or(PatchError::Malformed(i))?;
            let raw_path = obj
                .get("path")
                .and_then(Value::as_str)
                .ok_or(PatchError::Malformed(i))?;
            let path = pointer(raw_path)?;
            let value = || obj.get("value").cloned().ok_or(PatchError::MissingValue(i));
            match kind {
                "add" => Ok(Op::Add(path, value()?)),
                "replace" => Ok(Op::Replace(path, value()?)),
                "remove" => Ok(Op::Remove(path)),
                other => Err(PatchError::Unsupported(other.to_string())),
            }
        })
        .collect()
}

/// RFC 6901 reference tokens of a pointer (`""` is the whole document).
pub fn pointer(raw: &str) -> Result<Vec<String>, PatchError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let rest = raw
        .strip_prefix('/')
        .ok_or_else(|| PatchError::BadPointer(raw.to_string()))?;
    rest.split('/')
        .map(|t| {
            if t.replace("~0", "").replace("~1", "").contains('~') {
                Err(PatchError::BadPointer(raw.to_string()))
            } else {
                Ok(t.replace("~1", "/").replace("~0", "~"))
            }
        })
        .collect()
}

fn display(path: &[String]) -> String {
    path.iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Applies `ops` to a copy of `doc`; `doc` is untouched on error.
pub fn apply(doc: &Value, ops: &[Op]) -> Result<Value, PatchError> {
    let mut out = doc.clone();
    for op in ops {
        apply_one(&mut out, op)?;
    }
    Ok(out)
}

fn apply_one(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path();
    let unresolved = || PatchError::Unresolved(display(path));
    let Some((last, parent_path)) = path.split_last() else {
        return match op {
            Op::Add(_, v) | Op::Replace(_, v) => {
                *doc = v.clone();
                Ok(())
            }
            Op::Remove(_) => Err(unresolved()),
        };
    };
    let parent = parent_path
        .iter()
        .try_fold(doc, |node, token| child_mut(node, token))
        .ok_or_else(unresolved)?;
    match (parent, op) {
        (Value::Object(map), Op::Add(_, v)) => {
            map.insert(last.clone(), v.clone());
            Ok(())
        }
        (Value::Object(map), Op::Replace(_, v)) => {
            let slot = map.get_mut(last).ok_or_else(unresolved)?;
            *slot = v.clone();
            Ok(())
        }
        (Value::Object(map), Op::Remove(_)) => map.remove(last).map(|_| ()).ok_or_else(unresolved),
        (Value::Array(items), Op::Add(_, v)) => {
            let index = if last == "-" {
                items.len()
            } else {
                array_index(last)
                    .filter(|i| *i <= items.len())
                    .ok_or_else(unresolved)?
            };
            items.insert(index, v.clone());
            Ok(())
        }
        (Value::Array(items), Op::Replace(_, v)) => {
            let i = array_index(last)
                .filter(|i| *i < items.len())
                .ok_or_else(unresolved)?;
            items[i] = v.clone();
            Ok(())
        }
        (Value::Array(items), Op::Remove(_)) => {
            let i = array_index(last)
                .filter(|i| *i < items.len())
                .ok_or_else(unresolved)?;
            items.remove(i);
            Ok(())
        }
        _ => Err(unresolved()),
    }
}

fn child_mut<'a>(node: &'a mut Value, token: &str) -> Option<&'a mut Value> {
    match node {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => array_index(token).and_then(move |i| items.get_mut(i)),
        _ => None,
    }
}

/// A canonical array index: digits, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    let canonical = token == "0" || (!token.starts_with('0') && !token.is_empty());
    if canonical && token.chars().all(|c| c.is_ascii_digit()) {
        token.parse().ok()
    } else {
        None
    }
}

/// A patch that may only touch `$`-free top-level members of an object (relationship
/// properties): the object with its `$` members set aside, patched, and put back.
pub fn apply_to_properties(
    doc: &Map<String, Value>,
    ops: &[Op],
    reserved_ok: impl Fn(&str) -> bool,
) -> Result<Map<String, Value>, PatchError> {
    for op in ops {
        if let Some(first) = op.path().first()
            && first.starts_with('$')
            && !reserved_ok(first)
        {
            return Err(PatchError::Unresolved(display(op.path())));
        }
    }
    match apply(&Value::Object(doc.clone()), ops)? {
        Value::Object(map) => Ok(map),
        _ => Err(PatchError::NotAnArray),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(doc: Value, patch: Value, expected: Result<Value, PatchError>) {
        let result = parse(&patch).and_then(|ops| apply(&doc, &ops));
        assert_eq!(result, expected, "patch {patch} on {doc}");
    }

    #[test]
    fn add_replace_remove_follow_rfc_6902() {
        let doc = json!({"a": 1, "o": {"x": [1, 2]}, "s~/": 0});
        check(
            doc.clone(),
            json!([{"op":"add","path":"/b","value":2}]),
            Ok(json!({"a":1,"b":2,"o":{"x":[1,2]},"s~/":0})),
        );
        check(
            doc.clone(),
            json!([{"op":"replace","path":"/o/x/1","value":9},{"op":"add","path":"/o/x/-","value":3}]),
            Ok(json!({"a":1,"o":{"x":[1,9,3]},"s~/":0})),
        );
        check(
            doc.clone(),
            json!([{"op":"remove","path":"/s~0~1"}]),
            Ok(json!({"a":1,"o":{"x":[1,2]}})),
        );
        check(
            doc.clone(),
            json!([{"op":"add","path":"/o/y","value":{}}, {"op":"add","path":"/o/y/z","value":null}]),
            Ok(json!({"a":1,"o":{"x":[1,2],"y":{"z":null}},"s~/":0})),
        );
    }

    #[test]
    fn strict_errors_name_the_problem() {
        let doc = json!({"a": 1});
        check(
            doc.clone(),
            json!({"op":"add"}),
            Err(PatchError::NotAnArray),
        );
        check(
            doc.clone(),
            json!([{"op":"move","path":"/a","from":"/b"}]),
            Err(PatchError::Unsupported("move".into())),
        );
        check(
            doc.clone(),
            json!([{"op":"test","path":"/a","value":1}]),
            Err(PatchError::Unsupported("test".into())),
        );
        check(
            doc.clone(),
            json!([{"op":"replace","path":"/missing","value":1}]),
            Err(PatchError::Unresolved("/missing".into())),
        );
        check(
            doc.clone(),
            json!([{"op":"remove","path":"/missing"}]),
            Err(PatchError::Unresolved("/missing".into())),
        );
        check(
            doc.clone(),
            json!([{"op":"add","path":"/x/y","value":1}]),
            Err(PatchError::Unresolved("/x/y".into())),
        );
        check(
            doc.clone(),
            json!([{"op":"add","path":"a","value":1}]),
            Err(PatchError::BadPointer("a".into())),
        );
        check(
            doc.clone(),
            json!([{"op":"add","path":"/a"}]),
            Err(PatchError::MissingValue(0)),
        );
        check(doc, json!([{"path":"/a"}]), Err(PatchError::Malformed(0)));
    }

    #[test]
    fn a_failing_operation_leaves_the_document_unchanged() {
        let doc = json!({"a": 1});
        let ops = parse(&json!([
            {"op":"replace","path":"/a","value":2},
            {"op":"remove","path":"/nope"}
        ]))
        .unwrap();
        assert!(apply(&doc, &ops).is_err());
        assert_eq!(doc, json!({"a": 1}));
    }
}
