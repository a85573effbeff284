//! The data plane's values as the client hands them out.
//!
//! Twins, relationships and model definitions stay `serde_json::Value`: their shape is
//! whatever the instance's models say, and the pages render them as text only.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use dtdl::LangString;
use serde_json::Value;

use crate::auth::client::{AccessToken, AuthError};
use crate::model_set::lang_string;

/// Supplies a bearer for this instance (the caller acquires it for the instance's tenant).
pub type TokenProvider =
    Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>>>>>;

/// An entity tag as the service sends it (`W/"…"`), passed back verbatim in `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(String);

impl ETag {
    /// Wraps a tag exactly as received; `None` when empty.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into();
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A digital twin and the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Twin {
    /// The twin's JSON, including `$dtId`, `$etag` and `$metadata`.
    pub value: Value,
    pub etag: ETag,
}

impl Twin {
    /// `$dtId`.
    pub fn id(&self) -> &str {
        self.value
            .get("$dtId")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `$metadata.$model`.
    pub fn model(&self) -> Option<&str> {
        model_of(&self.value)
    }

    /// `$metadata.$lastUpdateTime`, if the service sent it.
    pub fn last_update_time(&self) -> Option<&str> {
        self.value
            .get("$metadata")
            .and_then(|m| m.get("$lastUpdateTime"))
            .and_then(Value::as_str)
    }
}

/// `$metadata.$model` of a twin or component JSON.
pub fn model_of(value: &Value) -> Option<&str> {
    value
        .get("$metadata")
        .and_then(|m| m.get("$model"))
        .and_then(Value::as_str)
}

/// The user members of a twin, component or relationship JSON: every member but the
/// service's own (`$dtId`, `$metadata`, `$targetId`, …, all starting with `$`).
pub fn user_members(value: &Value) -> serde_json::Map<String, Value> {
    value
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryPage {
    pub items: Vec<Value>,
    /// Present while more pages follow (the service sends an explicit `null` on the last).
    pub continuation_token: Option<String>,
    /// The `query-charge` header: query units this page cost.
    pub charge: Option<QueryCharge>,
}

/// The `query-charge` header as the service sent it (`"25.64"`). Read as a number only where
/// a charge is shown or added up ([`QueryCharge::units`]): the access check that every
/// instance's first screen runs is a query too, and parsing the header there put the standard
/// library's float parser (its 10 kB table of powers of five) into the module every page loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCharge(String);

impl QueryCharge {
    pub fn new(header: impl Into<String>) -> Self {
        Self(header.into())
    }

    /// Query units, when the header holds a finite, non-negative number.
    pub fn units(&self) -> Option<f64> {
        self.0
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|u| u.is_finite() && *u >= 0.0)
    }
}

/// What [`crate::adt::AdtClient::query_all`] did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuerySummary {
    pub rows: usize,
    pub pages: usize,
    /// Sum of the pages' charges (pages without a charge add nothing).
    pub charge: f64,
    /// True when paging stopped because the [`CancelFlag`] was raised.
    pub cancelled: bool,
}

/// Shared "stop" switch for a long operation: cheap to clone, one-way.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Rc<Cell<bool>>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.set(true);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.get()
    }

    /// True when both handles are the same switch.
    pub fn same(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// One entry of `GET /models`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelData {
    pub id: String,
    /// `displayName` by language (show it with [`LangString::best`]).
    pub display_name: LangString,
    /// `description` by language.
    pub description: LangString,
    pub upload_time: Option<String>,
    pub decommissioned: bool,
    /// The DTDL interface, when asked for with `includeModelDefinition=true`.
    pub model: Option<Value>,
}

impl ModelData {
    /// Reads one `DigitalTwinsModelData`; `None` without an `id`.
    pub fn from_json(value: &Value) -> Option<Self> {
        let id = value.get("id")?.as_str()?.to_owned();
        Some(Self {
            id,
            display_name: lang_string(value.get("displayName")),
            description: lang_string(value.get("description")),
            upload_time: value
                .get("uploadTime")
                .and_then(Value::as_str)
                .map(str::to_owned),
            decommissioned: value
                .get("decommissioned")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            model: value.get("model").cloned(),
        })
    }
}

/// A relationship pointing at a twin, from `GET /digitaltwins/{id}/incomingrelationships`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRelationship {
    pub relationship_id: String,
    pub source_id: String,
    pub relationship_name: String,
}

impl IncomingRelationship {
    pub fn from_json(value: &Value) -> Option<Self> {
        let s = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            relationship_id: s("$relationshipId")?,
            source_id: s("$sourceId")?,
            relationship_name: s("$relationshipName").unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_charge_is_read_as_units_only_when_it_is_a_number() {
        let check = |header: &str, expected: Option<f64>| {
            assert_eq!(QueryCharge::new(header).units(), expected, "{header:?}");
        };
        check("25.64", Some(25.64));
        check(" 3 ", Some(3.0));
        check("1e2", Some(100.0));
        check("", None);
        check("abc", None);
        check("-1", None);
        check("NaN", None);
        check("inf", None);
    }
}
