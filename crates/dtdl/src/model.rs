//! The resolved object model: Interfaces with inherited contents flattened and every schema
//! reference replaced by the schema it names.

use std::collections::BTreeMap;

use crate::dtmi::Dtmi;

/// A localizable string: language tag → text. A plain JSON string is stored under `"en"`
/// (the DTDL default language).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LangString(pub BTreeMap<String, String>);

impl LangString {
    /// English when present, otherwise the first language in tag order.
    pub fn best(&self) -> Option<&str> {
        self.0
            .get("en")
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }
}

/// An Interface with its own and inherited contents (inherited first, in `extends` order).
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    pub id: Dtmi,
    /// 2 or 3.
    pub dtdl_version: u8,
    pub display_name: LangString,
    pub description: LangString,
    /// Direct supertypes only.
    pub extends: Vec<Dtmi>,
    pub properties: Vec<Property>,
    pub relationships: Vec<Relationship>,
    pub components: Vec<Component>,
    pub telemetry: Vec<Telemetry>,
    pub commands: Vec<Command>,
    /// The document as uploaded.
    pub raw: serde_json::Value,
}

impl Interface {
    /// The property named `name`, if any.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The relationship named `name`, if any.
    pub fn relationship(&self, name: &str) -> Option<&Relationship> {
        self.relationships.iter().find(|r| r.name == name)
    }

    /// The component named `name`, if any.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The kind of content named `name` ("Property", "Telemetry", …), if any.
    pub fn content_kind(&self, name: &str) -> Option<&'static str> {
        if self.property(name).is_some() {
            Some("Property")
        } else if self.relationship(name).is_some() {
            Some("Relationship")
        } else if self.component(name).is_some() {
            Some("Component")
        } else if self.telemetry.iter().any(|t| t.name == name) {
            Some("Telemetry")
        } else if self.commands.iter().any(|c| c.name == name) {
            Some("Command")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub schema: Schema,
    pub writable: bool,
    /// The semantic type co-typed with the Property (`"Temperature"`, `"TimeSpan"`, …).
    pub semantic_type: Option<String>,
    /// The unit the value is given in (`"degreeCelsius"`, `"hour"`, …), with a semantic type.
    pub unit: Option<String>,
    pub display_name: LangString,
    pub description: LangString,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub name: String,
    /// `None`: any Interface may be the target.
    pub target: Option<Dtmi>,
    pub properties: Vec<Property>,
    pub min_multiplicity: Option<u32>,
    pub max_multiplicity: Option<u32>,
    pub writable: bool,
    pub display_name: LangString,
    pub description: LangString,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    /// The Interface that describes the component (always present in the model set).
    pub schema: Dtmi,
    pub display_name: LangString,
    pub description: LangString,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Telemetry {
    pub name: String,
    pub schema: Schema,
    pub semantic_type: Option<String>,
    pub unit: Option<String>,
    pub display_name: LangString,
    pub description: LangString,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
}

/// The value type of an Enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumValueSchema {
    Integer,
    String,
}

/// One Enum member. Invariant: `value` is a JSON integer for integer Enums, a string otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: String,
    pub value: serde_json::Value,
    pub display_name: LangString,
}

/// An Object field, a MapKey or a MapValue.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub schema: Schema,
    pub display_name: LangString,
}

/// A resolved schema. The v3-only numeric/`uuid`/`bytes` kinds are part of the type for
/// completeness (DTDL v4 and extensions) but the parser never produces them for v2/v3 models.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    Boolean,
    Date,
    DateTime,
    Double,
    Duration,
    Float,
    Integer,
    Long,
    String,
    Time,
    Byte,
    Bytes,
    Decimal,
    Short,
    Uuid,
    UnsignedByte,
    UnsignedShort,
    UnsignedInteger,
    UnsignedLong,
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    Enum {
        value_schema: EnumValueSchema,
        values: Vec<EnumValue>,
    },
    Object {
        fields: Vec<Field>,
    },
    Map {
        key: Box<Field>,
        value: Box<Field>,
    },
    Array {
        element: Box<Schema>,
    },
}

impl Schema {
    /// The DTDL term for this schema kind (`"double"`, `"Object"`, …).
    pub fn term(&self) -> &'static str {
        match self {
            Schema::Boolean => "boolean",
            Schema::Date => "date",
            Schema::DateTime => "dateTime",
            Schema::Double => "double",
            Schema::Duration => "duration",
            Schema::Float => "float",
            Schema::Integer => "integer",
            Schema::Long => "long",
            Schema::String => "string",
            Schema::Time => "time",
            Schema::Byte => "byte",
            Schema::Bytes => "bytes",
            Schema::Decimal => "decimal",
            Schema::Short => "short",
            Schema::Uuid => "uuid",
            Schema::UnsignedByte => "unsignedByte",
            Schema::UnsignedShort => "unsignedShort",
            Schema::UnsignedInteger => "unsignedInteger",
            Schema::UnsignedLong => "unsignedLong",
            Schema::Point => "point",
            Schema::LineString => "lineString",
            Schema::Polygon => "polygon",
            Schema::MultiPoint => "multiPoint",
            Schema::MultiLineString => "multiLineString",
            Schema::MultiPolygon => "multiPolygon",
            Schema::Enum { .. } => "Enum",
            Schema::Object { .. } => "Object",
            Schema::Map { .. } => "Map",
            Schema::Array { .. } => "Array",
        }
    }

    /// True for `double`, `float`, `integer` and `long` (the schemas a semantic type allows).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Schema::Double | Schema::Float | Schema::Integer | Schema::Long
        )
    }

    /// True for Array, Enum, Map and Object.
    pub fn is_complex(&self) -> bool {
        matches!(
            self,
            Schema::Enum { .. } | Schema::Object { .. } | Schema::Map { .. } | Schema::Array { .. }
        )
    }
}

/// Primitive schema terms of DTDL v2 and v3 (the geospatial terms are separate).
pub(crate) const PRIMITIVE_TERMS: &[(&str, Schema)] = &[
    ("boolean", Schema::Boolean),
    ("date", Schema::Date),
    ("dateTime", Schema::DateTime),
    ("double", Schema::Double),
    ("duration", Schema::Duration),
    ("float", Schema::Float),
    ("integer", Schema::Integer),
    ("long", Schema::Long),
    ("string", Schema::String),
    ("time", Schema::Time),
];

/// Geospatial schema terms; also addressable as `dtmi:standard:schema:geospatial:<term>;<2|3>`.
pub(crate) const GEOSPATIAL_TERMS: &[(&str, Schema)] = &[
    ("point", Schema::Point),
    ("lineString", Schema::LineString),
    ("polygon", Schema::Polygon),
    ("multiPoint", Schema::MultiPoint),
    ("multiLineString", Schema::MultiLineString),
    ("multiPolygon", Schema::MultiPolygon),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_prefers_english_then_first_tag() {
        let mut map = BTreeMap::new();
        map.insert("it".to_owned(), "Termostato".to_owned());
        map.insert("de".to_owned(), "Thermostat (de)".to_owned());
        let mut s = LangString(map);
        assert_eq!(s.best(), Some("Thermostat (de)"));
        s.0.insert("en".to_owned(), "Thermostat".to_owned());
        assert_eq!(s.best(), Some("Thermostat"));
        assert_eq!(LangString::default().best(), None);
    }
}
