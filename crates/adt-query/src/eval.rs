//! Condition evaluation over one row of bindings. Borrow-only: nothing is allocated per row.

use std::cmp::Ordering;

use serde_json::Value;

use crate::ast::{CompareOp, Condition, Operand, TextOp, TypeTest, ValueRef};
use crate::graph::Graph;

/// One binding per query variable (`None` while unbound).
pub(crate) type Bindings<'a> = [Option<&'a Value>];

/// The value at `r`, or `None` when the variable is unbound or a path step is missing.
pub(crate) fn lookup<'a>(bindings: &Bindings<'a>, r: &ValueRef) -> Option<&'a Value> {
    let mut value = bindings.get(r.variable).copied().flatten()?;
    for segment in &r.path {
        value = value.as_object()?.get(segment)?;
    }
    Some(value)
}

fn operand<'a>(operand: &'a Operand, bindings: &Bindings<'a>) -> Option<&'a Value> {
    match operand {
        Operand::Ref(r) => lookup(bindings, r),
        Operand::Literal(value) => Some(value),
    }
}

/// Three-valued: `Some(true)`, `Some(false)` or `None` (undefined). A row matches only
/// when its condition is `Some(true)`.
pub(crate) fn evaluate<'a>(
    condition: &'a Condition,
    bindings: &Bindings<'a>,
    graph: &dyn Graph,
) -> Option<bool> {
    match condition {
        Condition::And(terms) => {
            let mut result = Some(true);
            for term in terms {
                match evaluate(term, bindings, graph) {
                    Some(false) => return Some(false),
                    None => result = None,
                    Some(true) => {}
                }
            }
            result
        }
        Condition::Or(terms) => {
            let mut result = Some(false);
            for term in terms {
                match evaluate(term, bindings, graph) {
                    Some(true) => return Some(true),
                    None => result = None,
                    Some(false) => {}
                }
            }
            result
        }
        Condition::Not(inner) => evaluate(inner, bindings, graph).map(|b| !b),
        Condition::Compare { left, op, right } => {
            compare(operand(left, bindings)?, *op, operand(right, bindings)?)
        }
        Condition::In {
            operand: value,
            values,
            negated,
        } => {
            let value = operand(value, bindings)?;
            let found = values
                .iter()
                .any(|item| compare(value, CompareOp::Eq, item) == Some(true));
            Some(found != *negated)
        }
        Condition::Test(test, value) => Some(type_test(*test, operand(value, bindings))),
        Condition::Text { op, value, pattern } => {
            let value = operand(value, bindings)?.as_str()?;
            let pattern = operand(pattern, bindings)?.as_str()?;
            Some(match op {
                TextOp::StartsWith => value.starts_with(pattern),
                TextOp::EndsWith => value.ends_with(pattern),
                TextOp::Contains => value.contains(pattern),
            })
        }
        Condition::ArrayContains { array, value } => {
            let array = operand(array, bindings)?.as_array()?;
            let value = operand(value, bindings)?;
            Some(array.iter().any(|item| {
                is_primitive(item) && compare(item, CompareOp::Eq, value) == Some(true)
            }))
        }
        Condition::IsOfModel {
            variable,
            model,
            exact,
        } => {
            let twin = bindings.get(*variable).copied().flatten()?;
            let twin_model = twin
                .get("$metadata")
                .and_then(|m| m.get("$model"))
                .and_then(Value::as_str);
            Some(twin_model.is_some_and(|m| graph.is_of_model(m, model, *exact)))
        }
    }
}

fn is_primitive(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn type_test(test: TypeTest, value: Option<&Value>) -> bool {
    match (test, value) {
        (TypeTest::Defined, value) => value.is_some(),
        (_, None) => false,
        (TypeTest::Null, Some(v)) => v.is_null(),
        (TypeTest::Bool, Some(v)) => v.is_boolean(),
        (TypeTest::Number, Some(v)) => v.is_number(),
        (TypeTest::String, Some(v)) => v.is_string(),
        (TypeTest::Primitive, Some(v)) => is_primitive(v),
        (TypeTest::Object, Some(v)) => v.is_object(),
    }
}

fn number_order(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Compares two values of the same JSON type; values of different types (or ordering of
/// arrays and objects) are undefined.
pub(crate) fn compare(left: &Value, op: CompareOp, right: &Value) -> Option<bool> {
    let order = match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_order(a, b)?,
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) => {
            return match op {
                CompareOp::Eq => Some(left == right),
                CompareOp::Ne => Some(left != right),
                _ => None,
            };
        }
        _ => return None,
    };
    Some(match op {
        CompareOp::Eq => order == Ordering::Equal,
        CompareOp::Ne => order != Ordering::Equal,
        CompareOp::Lt => order == Ordering::Less,
        CompareOp::Gt => order == Ordering::Greater,
        CompareOp::Le => order != Ordering::Greater,
        CompareOp::Ge => order != Ordering::Less,
    })
}
