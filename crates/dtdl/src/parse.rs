//! One DTDL document → [`ParsedModel`]: every local rule of the spec is checked here (types,
//! required and unknown properties, names, lengths, per-set limits, co-types and extensions).
//! References to other elements (schema DTMIs, `extends`, component schemas) are kept as DTMIs
//! and resolved later by `resolve`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::context::{
    ADJUNCT_TYPES, DocContext, ElementKind, extension_context, parse_context, semantic_type_targets,
};
use crate::dtmi::{Dtmi, MAX_INTERFACE_DTMI_LEN, MAX_USER_DTMI_LEN};
use crate::error::{ModelError, ModelErrorKind};
use crate::model::{
    EnumValue, EnumValueSchema, GEOSPATIAL_TERMS, LangString, PRIMITIVE_TERMS, Schema,
};
use crate::suggest::hint;
use crate::temporal::is_duration;
use crate::units::SemanticType;

/// Maximum serialized size of one Interface (DTDL v3; also ADT's per-model limit).
pub(crate) const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Maximum number of elements in an Interface's `contents` hierarchy (DTDL v3). Also applied to
/// v2 documents and to resolved (reference-expanded) schemas, which bounds any DTDL bomb.
pub(crate) const MAX_ELEMENTS: usize = 100_000;
/// Maximum nesting of complex schemas.
pub(crate) const MAX_SCHEMA_DEPTH: usize = 5;
const MAX_COMMENT_LEN: usize = 512;
const MAX_DESCRIPTION_LEN: usize = 512;

/// Limits that differ between DTDL v2 and v3 (`None`: no per-set limit).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) name_len: usize,
    pub(crate) display_name_len: usize,
    pub(crate) contents: Option<usize>,
    pub(crate) extends_set: Option<usize>,
    pub(crate) enum_values: Option<usize>,
    pub(crate) fields: Option<usize>,
    pub(crate) relationship_properties: Option<usize>,
    pub(crate) max_multiplicity: Option<i64>,
}

pub(crate) const LIMITS_V2: Limits = Limits {
    name_len: 64,
    display_name_len: 64,
    contents: Some(300),
    extends_set: Some(2),
    enum_values: Some(100),
    fields: Some(30),
    relationship_properties: Some(300),
    max_multiplicity: Some(500),
};

pub(crate) const LIMITS_V3: Limits = Limits {
    name_len: 512,
    display_name_len: 512,
    contents: None,
    extends_set: None,
    enum_values: None,
    fields: None,
    relationship_properties: None,
    max_multiplicity: None,
};

pub(crate) fn limits(version: u8) -> Limits {
    if version == 2 { LIMITS_V2 } else { LIMITS_V3 }
}

/// A place in a document: a JSON pointer and a human-readable trail such as
/// `contents[2] 'temperature' schema fields[0] 'x'`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Loc {
    pub(crate) pointer: String,
    pub(crate) human: String,
}

impl Loc {
    /// The `index`th item of the array under `key`, optionally named.
    fn item(&self, key: &str, index: usize, name: Option<&str>) -> Loc {
        let mut human = self.human.clone();
        if !human.is_empty() {
            human.push(' ');
        }
        human.push_str(&format!("{key}[{index}]"));
        if let Some(name) = name {
            human.push_str(&format!(" '{name}'"));
        }
        Loc {
            pointer: format!("{}/{}/{index}", self.pointer, escape(key)),
            human,
        }
    }

    /// The object under `key`.
    pub(crate) fn key(&self, key: &str) -> Loc {
        let human = if self.human.is_empty() {
            key.to_owned()
        } else {
            format!("{} {key}", self.human)
        };
        Loc {
            pointer: format!("{}/{}", self.pointer, escape(key)),
            human,
        }
    }

    /// Pointer of `key` under this place.
    pub(crate) fn pointer_to(&self, key: Option<&str>) -> String {
        match key {
            Some(k) => format!("{}/{}", self.pointer, escape(k)),
            None => self.pointer.clone(),
        }
    }
}

/// JSON pointer escaping of one reference token.
/// A key as a JSON-pointer segment (`~` → `~0`, `/` → `~1`); borrowed when nothing changes.
pub(crate) fn escape(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}

/// A schema whose references to other schemas are not yet resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SchemaAst {
    /// Fully known already (primitives, geospatial, Enums, unit types).
    Done(Schema),
    /// A DTMI naming a complex schema defined elsewhere.
    Ref {
        id: Dtmi,
        loc: Loc,
    },
    Object {
        fields: Vec<FieldAst>,
    },
    Map {
        key: Box<FieldAst>,
        value: Box<FieldAst>,
    },
    Array {
        element: Box<SchemaAst>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldAst {
    pub(crate) name: String,
    pub(crate) display_name: LangString,
    pub(crate) schema: SchemaAst,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PropertyAst {
    pub(crate) name: String,
    pub(crate) schema: SchemaAst,
    pub(crate) writable: bool,
    pub(crate) quantity: Quantity,
    pub(crate) display_name: LangString,
    pub(crate) description: LangString,
    pub(crate) loc: Loc,
}

/// The semantic type and unit of a Property or Telemetry, when it has them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Quantity {
    pub(crate) semantic_type: Option<String>,
    pub(crate) unit: Option<String>,
}

impl Quantity {
    fn read(semantic: Option<&SemanticType>, obj: &Map<String, Value>) -> Self {
        Quantity {
            semantic_type: semantic.map(|s| s.name.to_owned()),
            unit: semantic
                .and_then(|_| obj.get("unit"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// One element of `contents` with its kind-specific part.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContentAst {
    pub(crate) name: String,
    pub(crate) loc: Loc,
    pub(crate) display_name: LangString,
    pub(crate) description: LangString,
    pub(crate) body: ContentBody,
    pub(crate) quantity: Quantity,
    /// `annotates` of a ValueAnnotation co-type.
    pub(crate) annotates: Option<String>,
    /// `overrides` of an Override co-type.
    pub(crate) overrides: Option<String>,
    /// Extension properties present on the element (e.g. `unit`), for Override checks.
    pub(crate) extension_properties: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ContentBody {
    Property {
        schema: SchemaAst,
        writable: bool,
    },
    Telemetry {
        schema: SchemaAst,
    },
    Command {
        payloads: Vec<SchemaAst>,
    },
    Relationship {
        target: Option<Dtmi>,
        properties: Vec<PropertyAst>,
        min_multiplicity: Option<u32>,
        max_multiplicity: Option<u32>,
        writable: bool,
    },
    Component {
        schema: Dtmi,
    },
}

/// A document that passed every local check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedModel {
    pub(crate) id: Dtmi,
    pub(crate) ctx: DocContext,
    pub(crate) display_name: LangString,
    pub(crate) description: LangString,
    pub(crate) extends: Vec<(Dtmi, Loc)>,
    pub(crate) contents: Vec<ContentAst>,
    /// Every complex schema in the document that has an `@id` (from `schemas` or inline).
    pub(crate) defs: BTreeMap<Dtmi, SchemaAst>,
    /// Elements counted in the document (see [`MAX_ELEMENTS`]).
    pub(crate) element_count: usize,
    pub(crate) raw: Value,
}

/// Keys every element may have.
const COMMON_KEYS: &[&str] = &[
    "@type",
    "@id",
    "comment",
    "description",
    "displayName",
    crate::jsonld::OPEN,
];

/// DTDL metamodel type terms, which may not be used as co-types.
const CORE_TYPES: &[&str] = &[
    "Interface",
    "Telemetry",
    "Property",
    "Command",
    "Relationship",
    "Component",
    "Array",
    "Enum",
    "Map",
    "Object",
    "Field",
    "EnumValue",
    "MapKey",
    "MapValue",
    "CommandPayload",
    "CommandRequest",
    "CommandResponse",
];

const CONTENT_TYPES: &[&str] = &[
    "Property",
    "Telemetry",
    "Command",
    "Relationship",
    "Component",
];
const COMPLEX_TYPES: &[&str] = &["Array", "Enum", "Map", "Object"];
/// Schema terms of DTDL v4 that v2/v3 do not have.
const V4_ONLY_TERMS: &[&str] = &[
    "byte",
    "bytes",
    "decimal",
    "short",
    "uuid",
    "unsignedByte",
    "unsignedShort",
    "unsignedInteger",
    "unsignedLong",
];

/// What the co-types of one element add to it.
#[derive(Debug, Default)]
struct CoTypes {
    semantic: Option<&'static SemanticType>,
    /// Undefined co-type present: unknown properties are tolerated (DTDL open world).
    open: bool,
    /// Properties added by co-types.
    extra_keys: Vec<&'static str>,
    adjuncts: Vec<&'static str>,
}

/// Common parts of an element.
#[derive(Debug, Default)]
struct Common {
    id: Option<Dtmi>,
    display_name: LangString,
    description: LangString,
    cotypes: CoTypes,
}

/// Parses one document of a batch. `index` is the document's position (for messages when it
/// has no readable `@id`).
/// Parses one canonical document (see [`crate::jsonld`]); `raw` is the document as uploaded.
pub(crate) fn parse_document(
    doc: &Value,
    raw: &Value,
    index: usize,
) -> Result<ParsedModel, Vec<ModelError>> {
    let Some(obj) = doc.as_object() else {
        return Err(vec![ModelError {
            model_id: None,
            kind: ModelErrorKind::NotAnObject,
            path: String::new(),
            message: format!(
                "document {index}: a model must be a JSON object (one DTDL Interface), found {}",
                json_kind(doc)
            ),
        }]);
    };
    let model_label = match obj.get("@id").and_then(Value::as_str) {
        Some(id) => id.to_owned(),
        None => format!("document {index}"),
    };
    let model_id = obj.get("@id").and_then(Value::as_str).map(str::to_owned);
    // Exact size only when a cheap upper bound does not already show the document is small.
    let size = if serialized_len_bound(raw) <= MAX_DOCUMENT_BYTES {
        0
    } else {
        serialized_len(raw)
    };
    if size > MAX_DOCUMENT_BYTES {
        return Err(vec![ModelError {
            model_id,
            kind: ModelErrorKind::LimitExceeded,
            path: String::new(),
            message: format!(
                "{model_label}: the Interface is {size} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes (1 MiB)"
            ),
        }]);
    }
    let ctx = match parse_context(obj.get("@context")) {
        Ok(ctx) => ctx,
        Err(message) => {
            return Err(vec![ModelError {
                model_id,
                kind: ModelErrorKind::InvalidContext,
                path: "/@context".to_owned(),
                message: format!("{model_label}: {message}"),
            }]);
        }
    };
    let mut parser = Parser {
        label: model_label,
        model_id,
        limits: limits(ctx.version),
        ctx,
        errors: Vec::new(),
        elements: 0,
        defs: BTreeMap::new(),
    };
    let parsed = parser.interface(obj, raw);
    match parsed {
        Some(model) if parser.errors.is_empty() => Ok(model),
        _ => Err(parser.errors),
    }
}

/// An upper bound of [`serialized_len`] that reads no string's bytes (each byte of a string
/// counted as its longest escape, `\u00XX`; each number as 32 characters).
fn serialized_len_bound(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 32,
        Value::String(s) => 2 + 6 * s.len(),
        Value::Array(items) => items.iter().fold(2 + items.len(), |n, v| {
            n.saturating_add(serialized_len_bound(v))
        }),
        Value::Object(map) => map.iter().fold(2 + 2 * map.len(), |n, (k, v)| {
            n.saturating_add(2 + 6 * k.len())
                .saturating_add(serialized_len_bound(v))
        }),
    }
}

/// An optional set-valued property (`None` when absent): its members, an array or one value
/// standing for a one-member set (the canonical form keeps such a value as it is).
fn set_members<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v [Value]> {
    match obj.get(key)? {
        Value::Array(items) => Some(items),
        one => Some(std::slice::from_ref(one)),
    }
}

/// The length of `value` serialized as compact JSON, without building the text.
fn serialized_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(usize::MAX, |()| count.0)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Parser {
    label: String,
    model_id: Option<String>,
    ctx: DocContext,
    limits: Limits,
    errors: Vec<ModelError>,
    elements: usize,
    defs: BTreeMap<Dtmi, SchemaAst>,
}

impl Parser {
    fn err(
        &mut self,
        kind: ModelErrorKind,
        loc: &Loc,
        key: Option<&str>,
        message: impl AsRef<str>,
    ) {
        let place = if loc.human.is_empty() {
            String::new()
        } else {
            format!("{}: ", loc.human)
        };
        self.errors.push(ModelError {
            model_id: self.model_id.clone(),
            kind,
            path: loc.pointer_to(key),
            message: format!("{}: {place}{}", self.label, message.as_ref()),
        });
    }

    /// Counts `n` more elements; false (with one LimitExceeded error) once over budget.
    fn count(&mut self, n: usize, loc: &Loc, key: Option<&str>) -> bool {
        if self.elements > MAX_ELEMENTS {
            return false;
        }
        self.elements = self.elements.saturating_add(n);
        if self.elements > MAX_ELEMENTS {
            self.err(
                ModelErrorKind::LimitExceeded,
                loc,
                key,
                format!(
                    "the Interface has more than {MAX_ELEMENTS} elements in its contents hierarchy"
                ),
            );
            return false;
        }
        true
    }

    fn over_budget(&self) -> bool {
        self.elements > MAX_ELEMENTS
    }

    fn interface(&mut self, obj: &Map<String, Value>, raw: &Value) -> Option<ParsedModel> {
        let root = Loc::default();
        let types = self.types(obj, &root, true)?;
        if types.first().map(String::as_str) != Some("Interface") {
            let found = types.join(", ");
            self.err(
                ModelErrorKind::InvalidValue,
                &root,
                Some("@type"),
                format!(
                    "@type must be \"Interface\", found '{found}'{}",
                    hint(&found, ["Interface"])
                ),
            );
            return None;
        }
        let id = self.interface_id(obj, &root);
        let mut specific = vec!["@context", "contents", "extends", "schemas"];
        specific.extend_from_slice(COMMON_KEYS);
        let common = self.common(obj, &root, ElementKind::Interface, &types, &specific);
        let extends = self.extends(obj, &root, id.as_ref());
        if let Some(schemas) = set_members(obj, "schemas") {
            for (i, item) in schemas.iter().enumerate() {
                let loc = root.item("schemas", i, item.get("@id").and_then(Value::as_str));
                if !self.count(1, &loc, None) {
                    break;
                }
                match item.as_object() {
                    Some(o) if o.contains_key("@id") => {
                        self.complex_schema(o, &loc, 1);
                    }
                    Some(_) => self.err(
                        ModelErrorKind::MissingField,
                        &loc,
                        Some("@id"),
                        "a schema in 'schemas' must have an @id so it can be referenced",
                    ),
                    None => self.err(
                        ModelErrorKind::InvalidValue,
                        &loc,
                        None,
                        format!(
                            "must be an Array, Enum, Map or Object definition, found {}",
                            json_kind(item)
                        ),
                    ),
                }
            }
        }
        let contents = self.contents(obj, &root);
        let id = id?;
        Some(ParsedModel {
            id,
            ctx: self.ctx.clone(),
            display_name: common.display_name,
            description: common.description,
            extends,
            contents,
            defs: std::mem::take(&mut self.defs),
            element_count: self.elements,
            raw: raw.clone(),
        })
    }

    fn interface_id(&mut self, obj: &Map<String, Value>, root: &Loc) -> Option<Dtmi> {
        let Some(value) = obj.get("@id") else {
            self.err(
                ModelErrorKind::MissingField,
                root,
                Some("@id"),
                "@id is required on an Interface",
            );
            return None;
        };
        let Some(s) = value.as_str() else {
            self.err(
                ModelErrorKind::InvalidDtmi,
                root,
                Some("@id"),
                format!("@id must be a DTMI string, found {value}"),
            );
            return None;
        };
        let id = self.dtmi(s, root, "@id")?;
        if s.chars().count() > MAX_INTERFACE_DTMI_LEN {
            self.err(
                ModelErrorKind::InvalidDtmi,
                root,
                Some("@id"),
                format!(
                    "the @id of an Interface may be at most {MAX_INTERFACE_DTMI_LEN} characters"
                ),
            );
            return None;
        }
        if self.ctx.version == 2 && !id.has_one_part_version() {
            self.err(
                ModelErrorKind::InvalidDtmi,
                root,
                Some("@id"),
                format!("'{s}': DTDL v2 identifiers need a one-part version, e.g. ';1'"),
            );
            return None;
        }
        Some(id)
    }

    /// A user DTMI as used in a model document (not reserved, no system segment).
    fn dtmi(&mut self, s: &str, loc: &Loc, key: &str) -> Option<Dtmi> {
        let id = match Dtmi::parse(s) {
            Ok(id) => id,
            Err(e) => {
                self.err(
                    ModelErrorKind::InvalidDtmi,
                    loc,
                    Some(key),
                    format!("{key}: {e}"),
                );
                return None;
            }
        };
        let problem = if !id.is_user() {
            Some("is a system DTMI (a segment starts with '_'); only user DTMIs are allowed in models".to_owned())
        } else if id.is_reserved() {
            Some("uses a prefix reserved by DTDL ('dtmi:dtdl:' or 'dtmi:standard:')".to_owned())
        } else if s.chars().count() > MAX_USER_DTMI_LEN {
            Some(format!("is longer than {MAX_USER_DTMI_LEN} characters"))
        } else if self.ctx.version == 2 && !id.has_one_part_version() {
            Some("needs a one-part version (e.g. ';1') in DTDL v2".to_owned())
        } else {
            None
        };
        match problem {
            Some(p) => {
                self.err(
                    ModelErrorKind::InvalidDtmi,
                    loc,
                    Some(key),
                    format!("{key} '{s}' {p}"),
                );
                None
            }
            None => Some(id),
        }
    }

    /// `@type` as a list (string or non-empty array of strings).
    fn types(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        required: bool,
    ) -> Option<Vec<String>> {
        match obj.get("@type") {
            None if required => {
                self.err(
                    ModelErrorKind::MissingField,
                    loc,
                    Some("@type"),
                    "@type is required",
                );
                None
            }
            None => Some(Vec::new()),
            Some(Value::String(s)) => Some(vec![s.clone()]),
            Some(Value::Array(items))
                if !items.is_empty() && items.iter().all(Value::is_string) =>
            {
                Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                )
            }
            Some(other) => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("@type"),
                    format!(
                        "@type must be a string or a non-empty array of strings, found {other}"
                    ),
                );
                None
            }
        }
    }

    /// Co-types, unknown keys, `@id`, `comment`, `displayName`, `description`. `types[0]` is the
    /// element's DTDL type (or absent when `@type` is optional and omitted).
    fn common(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        kind: ElementKind,
        types: &[String],
        allowed: &[&str],
    ) -> Common {
        let mut cotypes = self.cotypes(loc, kind, types.get(1..).unwrap_or(&[]));
        cotypes.open |= obj.contains_key(crate::jsonld::OPEN);
        if !cotypes.open {
            for key in obj.keys() {
                if !allowed.contains(&key.as_str()) && !cotypes.extra_keys.contains(&key.as_str()) {
                    let mut candidates: Vec<&str> = allowed.to_vec();
                    candidates.extend(cotypes.extra_keys.iter());
                    self.err(
                        ModelErrorKind::UnknownField,
                        loc,
                        Some(key),
                        format!(
                            "'{key}' is not a property of {}{}",
                            kind.name(),
                            hint(key, candidates.iter().copied())
                        ),
                    );
                }
            }
        }
        for required in &cotypes.extra_keys {
            let is_required = cotypes.semantic.is_some() && *required == "unit"
                || ADJUNCT_TYPES
                    .iter()
                    .any(|a| cotypes.adjuncts.contains(&a.name) && a.required.contains(required));
            if is_required && !obj.contains_key(*required) {
                self.err(
                    ModelErrorKind::MissingField,
                    loc,
                    Some(required),
                    format!("'{required}' is required by the co-type in @type"),
                );
            }
        }
        let id = match obj.get("@id") {
            Some(Value::String(s)) if kind != ElementKind::Interface => self.dtmi(s, loc, "@id"),
            Some(other) if kind != ElementKind::Interface => {
                self.err(
                    ModelErrorKind::InvalidDtmi,
                    loc,
                    Some("@id"),
                    format!("@id must be a DTMI string, found {other}"),
                );
                None
            }
            _ => None,
        };
        if let Some(comment) = obj.get("comment") {
            match comment.as_str() {
                Some(s) if s.chars().count() > MAX_COMMENT_LEN => self.err(
                    ModelErrorKind::LimitExceeded,
                    loc,
                    Some("comment"),
                    format!("comment is longer than {MAX_COMMENT_LEN} characters"),
                ),
                Some(_) => {}
                None => self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("comment"),
                    "comment must be a string",
                ),
            }
        }
        let display_name = self.lang_string(obj, loc, "displayName", self.limits.display_name_len);
        let description = self.lang_string(obj, loc, "description", MAX_DESCRIPTION_LEN);
        self.extension_values(obj, loc, &cotypes);
        Common {
            id,
            display_name,
            description,
            cotypes,
        }
    }

    fn cotypes(&mut self, loc: &Loc, kind: ElementKind, cotypes: &[String]) -> CoTypes {
        let mut out = CoTypes::default();
        for t in cotypes {
            let t = t.as_str();
            if CORE_TYPES.contains(&t) {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("@type"),
                    format!("@type cannot combine '{}' with '{t}'", kind.name()),
                );
            } else if let Some(st) = self.ctx.semantic_types().iter().find(|s| s.name == t) {
                if semantic_type_targets(self.ctx.version).contains(&kind) {
                    out.semantic = Some(st);
                    out.extra_keys.push("unit");
                } else {
                    self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some("@type"),
                        format!("semantic type '{t}' cannot co-type a {}", kind.name()),
                    );
                }
            } else if let Some(adjunct) = ADJUNCT_TYPES
                .iter()
                .find(|a| a.name == t)
                .filter(|_| self.ctx.version == 3)
            {
                if !self.ctx.has(adjunct.extension) {
                    self.err(
                        ModelErrorKind::InvalidContext,
                        loc,
                        Some("@type"),
                        format!(
                            "co-type '{t}' requires @context to include \"{}\"",
                            extension_context(adjunct.extension)
                        ),
                    );
                } else if !adjunct.applies_to.contains(&kind) {
                    self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some("@type"),
                        format!("co-type '{t}' cannot be applied to a {}", kind.name()),
                    );
                } else {
                    out.adjuncts.push(adjunct.name);
                    out.extra_keys
                        .extend(adjunct.required.iter().chain(adjunct.optional));
                }
            } else if self.ctx.version == 3
                && crate::units::QT_V1_SEMANTIC_TYPES
                    .iter()
                    .any(|s| s.name == t)
            {
                self.err(
                    ModelErrorKind::InvalidContext,
                    loc,
                    Some("@type"),
                    format!(
                        "semantic type '{t}' requires @context to include \"{}\"",
                        extension_context(crate::context::Extension::QuantitativeTypes)
                    ),
                );
            } else if self.ctx.version == 2 || Dtmi::parse(t).is_ok() {
                // Undefined co-type: the DTDL open world allows it (v2: any term; v3: an IRI).
                out.open = true;
            } else {
                let known = ADJUNCT_TYPES
                    .iter()
                    .map(|a| a.name)
                    .chain(self.ctx.semantic_types().iter().map(|s| s.name));
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("@type"),
                    format!(
                        "@type '{t}' is not a DTDL type or a co-type defined by an extension in @context{}",
                        hint(t, known)
                    ),
                );
            }
        }
        if out.adjuncts.contains(&"Override") && !out.adjuncts.contains(&"ValueAnnotation") {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("@type"),
                "co-type 'Override' requires co-type 'ValueAnnotation'",
            );
        }
        out
    }

    /// Values of properties added by co-types (`unit`, `ttl`, `index`, topics …).
    fn extension_values(&mut self, obj: &Map<String, Value>, loc: &Loc, cotypes: &CoTypes) {
        if let (Some(st), Some(unit)) = (cotypes.semantic, obj.get("unit")) {
            let units = self
                .ctx
                .unit_types()
                .iter()
                .find(|u| u.name == st.unit_type)
                .map_or(&[][..], |u| u.units);
            match unit.as_str() {
                Some(u) if units.contains(&u) => {}
                _ => {
                    let shown = unit
                        .as_str()
                        .map_or_else(|| unit.to_string(), str::to_owned);
                    self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some("unit"),
                        format!(
                            "unit '{shown}' is not a {} (required by semantic type '{}'){}",
                            st.unit_type,
                            st.name,
                            hint(&shown, units.iter().copied())
                        ),
                    );
                }
            }
        }
        for key in [
            "annotates",
            "overrides",
            "payloadFormat",
            "telemetryTopic",
            "commandTopic",
        ] {
            if let Some(v) = obj.get(key).filter(|_| cotypes.extra_keys.contains(&key)) {
                match v.as_str() {
                    Some(s) if key.ends_with("Topic") && !is_topic_pattern(s) => self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some(key),
                        format!("{key} '{s}' is not an MQTT topic pattern (labels separated by '/', tokens like '{{name}}', not starting with '$')"),
                    ),
                    Some(_) => {}
                    None => self.err(ModelErrorKind::InvalidValue, loc, Some(key), format!("{key} must be a string")),
                }
            }
        }
        if let Some(ttl) = obj
            .get("ttl")
            .filter(|_| cotypes.extra_keys.contains(&"ttl"))
            && !ttl.as_str().is_some_and(is_duration)
        {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("ttl"),
                format!("ttl {ttl} is not an ISO 8601 duration such as \"PT15S\""),
            );
        }
        if let Some(index) = obj
            .get("index")
            .filter(|_| cotypes.extra_keys.contains(&"index"))
            && !index
                .as_i64()
                .is_some_and(|i| i >= 1 && i <= i64::from(i32::MAX))
        {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("index"),
                format!("index {index} must be an integer >= 1"),
            );
        }
    }

    fn lang_string(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        key: &str,
        max: usize,
    ) -> LangString {
        let mut out = BTreeMap::new();
        match obj.get(key) {
            None => {}
            Some(Value::String(s)) => {
                out.insert("en".to_owned(), s.clone());
            }
            Some(Value::Object(map)) => {
                for (lang, text) in map {
                    if !is_language_tag(lang) {
                        self.err(
                            ModelErrorKind::InvalidValue,
                            loc,
                            Some(key),
                            format!(
                                "{key} key '{lang}' is not a language tag such as 'en' or 'en-US'"
                            ),
                        );
                    }
                    match text.as_str() {
                        Some(t) => {
                            out.insert(lang.clone(), t.to_owned());
                        }
                        None => self.err(
                            ModelErrorKind::InvalidValue,
                            loc,
                            Some(key),
                            format!("{key} '{lang}' must be a string, found {text}"),
                        ),
                    }
                }
            }
            Some(other) => self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some(key),
                format!("{key} must be a string or a language map, found {other}"),
            ),
        }
        for (lang, text) in &out {
            if text.chars().count() > max {
                self.err(
                    ModelErrorKind::LimitExceeded,
                    loc,
                    Some(key),
                    format!("{key} ('{lang}') is longer than {max} characters"),
                );
            }
        }
        LangString(out)
    }

    /// `name`: required, DTDL name syntax, length limit.
    fn name(&mut self, obj: &Map<String, Value>, loc: &Loc) -> Option<String> {
        let Some(value) = obj.get("name") else {
            self.err(
                ModelErrorKind::MissingField,
                loc,
                Some("name"),
                "name is required",
            );
            return None;
        };
        let Some(name) = value.as_str() else {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("name"),
                format!("name must be a string, found {value}"),
            );
            return None;
        };
        if name.chars().count() > self.limits.name_len {
            self.err(
                ModelErrorKind::LimitExceeded,
                loc,
                Some("name"),
                format!(
                    "name '{name}' is longer than {} characters",
                    self.limits.name_len
                ),
            );
            return None;
        }
        if !is_dtdl_name(name) {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("name"),
                format!("name '{name}' must start with a letter, contain only letters, digits and underscores, and end with a letter or digit"),
            );
            return None;
        }
        Some(name.to_owned())
    }

    fn boolean(&mut self, obj: &Map<String, Value>, loc: &Loc, key: &str) -> bool {
        match obj.get(key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some(key),
                    format!("{key} must be true or false, found {other}"),
                );
                false
            }
        }
    }

    /// Checks an optional per-set limit before the set is walked.
    fn set_limit(&mut self, len: usize, limit: Option<usize>, loc: &Loc, key: &str) -> bool {
        match limit {
            Some(max) if len > max => {
                self.err(
                    ModelErrorKind::LimitExceeded,
                    loc,
                    Some(key),
                    format!(
                        "{key} has {len} elements; DTDL v{} allows at most {max}",
                        self.ctx.version
                    ),
                );
                false
            }
            _ => true,
        }
    }

    fn extends(
        &mut self,
        obj: &Map<String, Value>,
        root: &Loc,
        own: Option<&Dtmi>,
    ) -> Vec<(Dtmi, Loc)> {
        let items: Vec<(Loc, &Value)> = match obj.get("extends") {
            None => return Vec::new(),
            Some(Value::Array(items)) => {
                if !self.set_limit(items.len(), self.limits.extends_set, root, "extends") {
                    return Vec::new();
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (root.item("extends", i, None), v))
                    .collect()
            }
            Some(single) => vec![(root.key("extends"), single)],
        };
        let mut out: Vec<(Dtmi, Loc)> = Vec::new();
        for (loc, value) in items {
            match value {
                Value::String(s) => {
                    let Some(id) = self.dtmi(s, &loc, "extends") else { continue };
                    if Some(&id) == own {
                        self.err(ModelErrorKind::ExtendsCycle, &loc, None, format!("the Interface extends itself ('{s}')"));
                    } else if out.iter().any(|(d, _)| *d == id) {
                        self.err(ModelErrorKind::DuplicateName, &loc, None, format!("extends lists '{s}' twice"));
                    } else {
                        out.push((id, loc));
                    }
                }
                Value::Object(_) => self.err(
                    ModelErrorKind::InvalidValue,
                    &loc,
                    None,
                    "inline Interface definitions in extends are not supported; upload the Interface as its own model and reference its DTMI",
                ),
                other => self.err(
                    ModelErrorKind::InvalidDtmi,
                    &loc,
                    None,
                    format!("extends must name Interfaces by DTMI, found {other}"),
                ),
            }
        }
        out
    }

    fn contents(&mut self, obj: &Map<String, Value>, root: &Loc) -> Vec<ContentAst> {
        let Some(items) = set_members(obj, "contents") else {
            return Vec::new();
        };
        if !self.set_limit(items.len(), self.limits.contents, root, "contents")
            || !self.count(items.len(), root, Some("contents"))
        {
            return Vec::new();
        }
        let mut out: Vec<ContentAst> = Vec::new();
        let mut telemetry_indexes = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if self.over_budget() {
                break;
            }
            let loc = root.item("contents", i, item.get("name").and_then(Value::as_str));
            let Some(content) = self.content(item, &loc) else {
                continue;
            };
            if let Some(first) = out.iter().find(|c| c.name == content.name) {
                let message = format!(
                    "name '{}' is already used by {}",
                    content.name, first.loc.human
                );
                self.err(ModelErrorKind::DuplicateName, &loc, Some("name"), message);
                continue;
            }
            if let (ContentBody::Telemetry { .. }, Some(index)) =
                (&content.body, item.get("index").and_then(Value::as_i64))
                && let Some(other) = telemetry_indexes.insert(index, content.name.clone())
            {
                self.err(
                    ModelErrorKind::DuplicateName,
                    &loc,
                    Some("index"),
                    format!("index {index} is already used by Telemetry '{other}'"),
                );
            }
            out.push(content);
        }
        out
    }

    fn content(&mut self, item: &Value, loc: &Loc) -> Option<ContentAst> {
        let Some(obj) = item.as_object() else {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                None,
                format!(
                    "contents elements must be objects, found {}",
                    json_kind(item)
                ),
            );
            return None;
        };
        let types = self.types(obj, loc, true)?;
        let main = types[0].as_str();
        let (kind, specific): (ElementKind, &[&str]) = match main {
            "Property" => (ElementKind::Property, &["name", "schema", "writable"]),
            "Telemetry" => (ElementKind::Telemetry, &["name", "schema"]),
            "Command" if self.ctx.version == 2 => (
                ElementKind::Command,
                &["name", "request", "response", "commandType"],
            ),
            // `commandType` is deprecated in v3 but still allowed.
            "Command" => (
                ElementKind::Command,
                &["name", "request", "response", "commandType"],
            ),
            "Relationship" => (
                ElementKind::Relationship,
                &[
                    "name",
                    "target",
                    "properties",
                    "minMultiplicity",
                    "maxMultiplicity",
                    "writable",
                ],
            ),
            "Component" => (ElementKind::Component, &["name", "schema"]),
            other => {
                let message = if CONTENT_TYPES.iter().any(|t| types.iter().any(|x| x == t)) {
                    format!(
                        "@type must list the content type ({}) first, found '{other}'",
                        CONTENT_TYPES.join(", ")
                    )
                } else {
                    format!(
                        "@type '{other}' is not a content type (Property, Telemetry, Command, Relationship or Component){}",
                        hint(other, CONTENT_TYPES.iter().copied())
                    )
                };
                self.err(ModelErrorKind::InvalidValue, loc, Some("@type"), message);
                return None;
            }
        };
        let mut allowed: Vec<&str> = specific.to_vec();
        allowed.extend_from_slice(COMMON_KEYS);
        let common = self.common(obj, loc, kind, &types, &allowed);
        let name = self.name(obj, loc);
        let body = match kind {
            ElementKind::Property => {
                let schema = self.required_schema(obj, loc, "schema", 0);
                let writable = self.boolean(obj, loc, "writable");
                schema.map(|schema| ContentBody::Property { schema, writable })
            }
            ElementKind::Telemetry => self
                .required_schema(obj, loc, "schema", 0)
                .map(|schema| ContentBody::Telemetry { schema }),
            ElementKind::Command => Some(self.command(obj, loc)),
            ElementKind::Relationship => self.relationship(obj, loc),
            _ => self.component(obj, loc),
        };
        if let (Some(st), Some(schema)) = (common.cotypes.semantic, body_schema(body.as_ref())) {
            self.semantic_schema(st, schema, loc);
        }
        let extension_properties = common
            .cotypes
            .extra_keys
            .iter()
            .filter(|k| obj.contains_key(**k))
            .map(|k| (*k).to_owned())
            .collect();
        let _ = common.id;
        Some(ContentAst {
            name: name?,
            loc: loc.clone(),
            display_name: common.display_name,
            description: common.description,
            body: body?,
            quantity: Quantity::read(common.cotypes.semantic, obj),
            annotates: obj
                .get("annotates")
                .and_then(Value::as_str)
                .map(str::to_owned),
            overrides: obj
                .get("overrides")
                .and_then(Value::as_str)
                .map(str::to_owned),
            extension_properties,
        })
    }

    /// A semantic type requires a numeric schema.
    fn semantic_schema(&mut self, st: &SemanticType, schema: &SchemaAst, loc: &Loc) {
        let numeric = matches!(schema, SchemaAst::Done(s) if s.is_numeric());
        if !numeric {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("schema"),
                format!("schema must be double, float, integer or long because @type includes semantic type '{}'", st.name),
            );
        }
    }

    fn command(&mut self, obj: &Map<String, Value>, loc: &Loc) -> ContentBody {
        if let Some(ct) = obj.get("commandType")
            && !matches!(ct.as_str(), Some("synchronous" | "asynchronous"))
        {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("commandType"),
                format!("commandType must be \"synchronous\" or \"asynchronous\", found {ct}"),
            );
        }
        let mut payloads = Vec::new();
        for key in ["request", "response"] {
            let Some(value) = obj.get(key) else { continue };
            let ploc = loc.key(key);
            let Some(p) = value.as_object() else {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some(key),
                    format!("{key} must be an object with a name and a schema"),
                );
                continue;
            };
            if !self.count(1, &ploc, None) {
                break;
            }
            let expected = match (self.ctx.version, key) {
                (2, _) => "CommandPayload",
                (_, "request") => "CommandRequest",
                _ => "CommandResponse",
            };
            let Some(types) = self.types(p, &ploc, false) else {
                continue;
            };
            if !types.is_empty() && types[0] != expected {
                self.err(
                    ModelErrorKind::InvalidValue,
                    &ploc,
                    Some("@type"),
                    format!(
                        "@type of {key} must be \"{expected}\", found '{}'",
                        types[0]
                    ),
                );
                continue;
            }
            let mut allowed = vec!["name", "schema"];
            allowed.extend_from_slice(COMMON_KEYS);
            let common = self.common(p, &ploc, ElementKind::CommandPayload, &types, &allowed);
            self.name(p, &ploc);
            if let Some(schema) = self.required_schema(p, &ploc, "schema", 0) {
                if let Some(st) = common.cotypes.semantic {
                    self.semantic_schema(st, &schema, &ploc);
                }
                payloads.push(schema);
            }
        }
        ContentBody::Command { payloads }
    }

    fn relationship(&mut self, obj: &Map<String, Value>, loc: &Loc) -> Option<ContentBody> {
        let target = match obj.get("target") {
            None => None,
            Some(Value::String(s)) => Some(self.dtmi(s, loc, "target")?),
            Some(other) => {
                self.err(
                    ModelErrorKind::InvalidDtmi,
                    loc,
                    Some("target"),
                    format!("target must be an Interface DTMI, found {other}"),
                );
                return None;
            }
        };
        let min_multiplicity = match obj.get("minMultiplicity") {
            None => None,
            Some(v) if v.as_u64() == Some(0) => Some(0),
            Some(v) => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("minMultiplicity"),
                    format!("minMultiplicity must be 0, found {v}"),
                );
                None
            }
        };
        let max_multiplicity = match obj.get("maxMultiplicity") {
            None => None,
            Some(v) => match v.as_i64() {
                Some(n) if n < 1 => {
                    self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some("maxMultiplicity"),
                        format!("maxMultiplicity must be >= 1, found {n}"),
                    );
                    None
                }
                Some(n) if self.limits.max_multiplicity.is_some_and(|max| n > max) => {
                    let max = self.limits.max_multiplicity.unwrap_or_default();
                    self.err(
                        ModelErrorKind::LimitExceeded,
                        loc,
                        Some("maxMultiplicity"),
                        format!("maxMultiplicity must be <= {max} in DTDL v2, found {n}"),
                    );
                    None
                }
                Some(n) => u32::try_from(n).ok().or_else(|| {
                    self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some("maxMultiplicity"),
                        format!("maxMultiplicity must fit a 32-bit integer, found {n}"),
                    );
                    None
                }),
                None => {
                    self.err(
                        ModelErrorKind::InvalidValue,
                        loc,
                        Some("maxMultiplicity"),
                        format!("maxMultiplicity must be an integer, found {v}"),
                    );
                    None
                }
            },
        };
        let writable = self.boolean(obj, loc, "writable");
        let mut properties: Vec<PropertyAst> = Vec::new();
        if let Some(items) = set_members(obj, "properties")
            && self.set_limit(
                items.len(),
                self.limits.relationship_properties,
                loc,
                "properties",
            )
            && self.count(items.len(), loc, Some("properties"))
        {
            for (i, item) in items.iter().enumerate() {
                let ploc = loc.item("properties", i, item.get("name").and_then(Value::as_str));
                let Some(p) = self.relationship_property(item, &ploc) else {
                    continue;
                };
                if properties.iter().any(|q| q.name == p.name) {
                    self.err(
                        ModelErrorKind::DuplicateName,
                        &ploc,
                        Some("name"),
                        format!(
                            "property name '{}' is used twice in this Relationship",
                            p.name
                        ),
                    );
                    continue;
                }
                properties.push(p);
            }
        }
        Some(ContentBody::Relationship {
            target,
            properties,
            min_multiplicity,
            max_multiplicity,
            writable,
        })
    }

    fn relationship_property(&mut self, item: &Value, loc: &Loc) -> Option<PropertyAst> {
        let Some(obj) = item.as_object() else {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                None,
                "Relationship properties must be Property objects",
            );
            return None;
        };
        let types = self.types(obj, loc, true)?;
        if types[0] != "Property" {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("@type"),
                format!(
                    "@type of a Relationship property must be \"Property\", found '{}'",
                    types[0]
                ),
            );
            return None;
        }
        let mut allowed = vec!["name", "schema", "writable"];
        allowed.extend_from_slice(COMMON_KEYS);
        let common = self.common(obj, loc, ElementKind::Property, &types, &allowed);
        let name = self.name(obj, loc);
        let schema = self.required_schema(obj, loc, "schema", 0);
        let writable = self.boolean(obj, loc, "writable");
        if let (Some(st), Some(s)) = (common.cotypes.semantic, schema.as_ref()) {
            self.semantic_schema(st, s, loc);
        }
        Some(PropertyAst {
            name: name?,
            schema: schema?,
            writable,
            quantity: Quantity::read(common.cotypes.semantic, obj),
            display_name: common.display_name,
            description: common.description,
            loc: loc.clone(),
        })
    }

    fn component(&mut self, obj: &Map<String, Value>, loc: &Loc) -> Option<ContentBody> {
        match obj.get("schema") {
            None => {
                self.err(
                    ModelErrorKind::MissingField,
                    loc,
                    Some("schema"),
                    "schema is required (the DTMI of an Interface)",
                );
                None
            }
            Some(Value::String(s)) => self
                .dtmi(s, loc, "schema")
                .map(|schema| ContentBody::Component { schema }),
            Some(Value::Object(_)) => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("schema"),
                    "inline Interface definitions as Component schema are not supported; upload the Interface as its own model and reference its DTMI",
                );
                None
            }
            Some(other) => {
                self.err(
                    ModelErrorKind::InvalidDtmi,
                    loc,
                    Some("schema"),
                    format!("a Component schema must be an Interface DTMI, found {other}"),
                );
                None
            }
        }
    }

    fn required_schema(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        key: &str,
        depth: usize,
    ) -> Option<SchemaAst> {
        match obj.get(key) {
            Some(value) => self.schema(value, loc, key, depth),
            None => {
                self.err(
                    ModelErrorKind::MissingField,
                    loc,
                    Some(key),
                    format!("{key} is required"),
                );
                None
            }
        }
    }

    /// A schema value: a term, a DTMI reference or an inline complex schema. `depth` is the
    /// number of complex schemas enclosing it.
    fn schema(&mut self, value: &Value, loc: &Loc, key: &str, depth: usize) -> Option<SchemaAst> {
        match value {
            Value::String(s) => self.schema_term(s, loc, key),
            Value::Object(o) => {
                let sloc = loc.key(key);
                if !self.count(1, &sloc, None) {
                    return None;
                }
                self.complex_schema(o, &sloc, depth + 1)
            }
            other => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some(key),
                    format!(
                        "{key} must be a schema name, a DTMI or a complex schema object, found {}",
                        json_kind(other)
                    ),
                );
                None
            }
        }
    }

    fn schema_term(&mut self, s: &str, loc: &Loc, key: &str) -> Option<SchemaAst> {
        if let Some((_, schema)) = PRIMITIVE_TERMS
            .iter()
            .chain(GEOSPATIAL_TERMS)
            .find(|(t, _)| *t == s)
        {
            return Some(SchemaAst::Done(schema.clone()));
        }
        if let Some(schema) = geospatial_iri(s, self.ctx.version) {
            return Some(SchemaAst::Done(schema));
        }
        if let Some(unit_type) = self.ctx.unit_types().iter().find(|u| u.name == s) {
            let values = unit_type
                .units
                .iter()
                .map(|u| EnumValue {
                    name: (*u).to_owned(),
                    value: Value::String((*u).to_owned()),
                    display_name: LangString::default(),
                })
                .collect();
            return Some(SchemaAst::Done(Schema::Enum {
                value_schema: EnumValueSchema::String,
                values,
            }));
        }
        if s.starts_with("dtmi:") {
            let id = self.dtmi(s, loc, key)?;
            return Some(SchemaAst::Ref {
                id,
                loc: loc.key(key),
            });
        }
        let terms = PRIMITIVE_TERMS
            .iter()
            .chain(GEOSPATIAL_TERMS)
            .map(|(t, _)| *t);
        let message = if V4_ONLY_TERMS.contains(&s) {
            format!(
                "{key} '{s}' is not a DTDL v{} schema (it was introduced in DTDL v4)",
                self.ctx.version
            )
        } else if COMPLEX_TYPES.contains(&s) {
            format!("{key} '{s}' must be given as an object with \"@type\": \"{s}\"")
        } else {
            format!("{key} '{s}' is not a DTDL schema{}", hint(s, terms))
        };
        self.err(ModelErrorKind::InvalidValue, loc, Some(key), message);
        None
    }

    /// An Array, Enum, Map or Object object at `loc`; registers it when it has an `@id`.
    fn complex_schema(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        depth: usize,
    ) -> Option<SchemaAst> {
        if depth > MAX_SCHEMA_DEPTH {
            self.err(
                ModelErrorKind::LimitExceeded,
                loc,
                None,
                format!("complex schemas are nested more than {MAX_SCHEMA_DEPTH} levels deep"),
            );
            return None;
        }
        let types = self.types(obj, loc, true)?;
        let kind = types[0].as_str();
        let specific: &[&str] = match kind {
            "Array" => &["elementSchema"],
            "Enum" => &["valueSchema", "enumValues"],
            "Map" => &["mapKey", "mapValue"],
            "Object" => &["fields"],
            other => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("@type"),
                    format!(
                        "@type '{other}' is not a complex schema (Array, Enum, Map or Object){}",
                        hint(other, COMPLEX_TYPES.iter().copied())
                    ),
                );
                return None;
            }
        };
        let mut allowed = specific.to_vec();
        allowed.extend_from_slice(COMMON_KEYS);
        let common = self.common(obj, loc, ElementKind::ComplexSchema, &types, &allowed);
        let schema = match kind {
            "Array" => self
                .required_schema(obj, loc, "elementSchema", depth)
                .map(|e| SchemaAst::Array {
                    element: Box::new(e),
                }),
            "Enum" => self.enum_schema(obj, loc).map(SchemaAst::Done),
            "Map" => self.map_schema(obj, loc, depth),
            _ => self.object_schema(obj, loc, depth),
        }?;
        if let Some(id) = common.id {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.defs.entry(id.clone()) {
                slot.insert(schema.clone());
            } else {
                self.err(
                    ModelErrorKind::DuplicateName,
                    loc,
                    Some("@id"),
                    format!("@id '{id}' is defined more than once in this document"),
                );
            }
        }
        Some(schema)
    }

    fn enum_schema(&mut self, obj: &Map<String, Value>, loc: &Loc) -> Option<Schema> {
        let value_schema = match obj.get("valueSchema").and_then(Value::as_str) {
            Some("integer") => EnumValueSchema::Integer,
            Some("string") => EnumValueSchema::String,
            Some(other) => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("valueSchema"),
                    format!("valueSchema must be \"integer\" or \"string\", found '{other}'"),
                );
                return None;
            }
            None if obj.contains_key("valueSchema") => {
                self.err(
                    ModelErrorKind::InvalidValue,
                    loc,
                    Some("valueSchema"),
                    "valueSchema must be \"integer\" or \"string\"",
                );
                return None;
            }
            None => {
                self.err(
                    ModelErrorKind::MissingField,
                    loc,
                    Some("valueSchema"),
                    "valueSchema is required (\"integer\" or \"string\")",
                );
                return None;
            }
        };
        let items = set_members(obj, "enumValues").unwrap_or(&[]);
        if self.ctx.version == 2 && items.is_empty() {
            self.err(
                ModelErrorKind::MissingField,
                loc,
                Some("enumValues"),
                "enumValues needs at least one value in DTDL v2",
            );
            return None;
        }
        if !self.set_limit(items.len(), self.limits.enum_values, loc, "enumValues")
            || !self.count(items.len(), loc, Some("enumValues"))
        {
            return None;
        }
        let mut values: Vec<EnumValue> = Vec::with_capacity(items.len());
        let mut names = BTreeSet::new();
        let mut seen_values: BTreeMap<String, String> = BTreeMap::new();
        let mut indexes = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            let vloc = loc.item("enumValues", i, item.get("name").and_then(Value::as_str));
            let Some(o) = item.as_object() else {
                self.err(
                    ModelErrorKind::InvalidValue,
                    &vloc,
                    None,
                    "enumValues elements must be objects with name and enumValue",
                );
                continue;
            };
            let Some(types) = self.types(o, &vloc, false) else {
                continue;
            };
            if !types.is_empty() && types[0] != "EnumValue" {
                self.err(
                    ModelErrorKind::InvalidValue,
                    &vloc,
                    Some("@type"),
                    format!("@type must be \"EnumValue\", found '{}'", types[0]),
                );
                continue;
            }
            let mut allowed = vec!["name", "enumValue"];
            allowed.extend_from_slice(COMMON_KEYS);
            let common = self.common(o, &vloc, ElementKind::EnumValue, &types, &allowed);
            let name = self.name(o, &vloc);
            let value = match (o.get("enumValue"), value_schema) {
                (None, _) => {
                    self.err(
                        ModelErrorKind::MissingField,
                        &vloc,
                        Some("enumValue"),
                        "enumValue is required",
                    );
                    None
                }
                (Some(v @ Value::Number(n)), EnumValueSchema::Integer)
                    if n.as_i64().is_some_and(|x| i32::try_from(x).is_ok()) =>
                {
                    Some(v.clone())
                }
                (Some(v @ Value::String(_)), EnumValueSchema::String) => Some(v.clone()),
                (Some(v), schema) => {
                    let expected = if schema == EnumValueSchema::Integer {
                        "a 32-bit integer"
                    } else {
                        "a string"
                    };
                    self.err(
                        ModelErrorKind::InvalidValue,
                        &vloc,
                        Some("enumValue"),
                        format!("enumValue {v} must be {expected} (valueSchema)"),
                    );
                    None
                }
            };
            if let (Some(index), true) = (
                o.get("index").and_then(Value::as_i64),
                common.cotypes.adjuncts.contains(&"Indexed"),
            ) && let Some(other) = indexes.insert(index, name.clone().unwrap_or_default())
            {
                self.err(
                    ModelErrorKind::DuplicateName,
                    &vloc,
                    Some("index"),
                    format!("index {index} is already used by EnumValue '{other}'"),
                );
            }
            let (Some(name), Some(value)) = (name, value) else {
                continue;
            };
            if !names.insert(name.clone()) {
                self.err(
                    ModelErrorKind::DuplicateName,
                    &vloc,
                    Some("name"),
                    format!("EnumValue name '{name}' is used twice in this Enum"),
                );
                continue;
            }
            if let Some(other) = seen_values.insert(value.to_string(), name.clone()) {
                self.err(
                    ModelErrorKind::DuplicateName,
                    &vloc,
                    Some("enumValue"),
                    format!("enumValue {value} is used by both '{other}' and '{name}'"),
                );
                continue;
            }
            values.push(EnumValue {
                name,
                value,
                display_name: common.display_name,
            });
        }
        Some(Schema::Enum {
            value_schema,
            values,
        })
    }

    fn object_schema(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        depth: usize,
    ) -> Option<SchemaAst> {
        let items = set_members(obj, "fields").unwrap_or(&[]);
        if self.ctx.version == 2 && items.is_empty() {
            self.err(
                ModelErrorKind::MissingField,
                loc,
                Some("fields"),
                "fields needs at least one field in DTDL v2",
            );
            return None;
        }
        if !self.set_limit(items.len(), self.limits.fields, loc, "fields")
            || !self.count(items.len(), loc, Some("fields"))
        {
            return None;
        }
        let mut fields: Vec<FieldAst> = Vec::with_capacity(items.len());
        let mut indexes = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if self.over_budget() {
                return None;
            }
            let floc = loc.item("fields", i, item.get("name").and_then(Value::as_str));
            let Some((field, index)) = self.field(item, &floc, ElementKind::Field, depth) else {
                continue;
            };
            if fields.iter().any(|f| f.name == field.name) {
                self.err(
                    ModelErrorKind::DuplicateName,
                    &floc,
                    Some("name"),
                    format!("field name '{}' is used twice in this Object", field.name),
                );
                continue;
            }
            if let Some(index) = index
                && let Some(other) = indexes.insert(index, field.name.clone())
            {
                self.err(
                    ModelErrorKind::DuplicateName,
                    &floc,
                    Some("index"),
                    format!("index {index} is already used by field '{other}'"),
                );
            }
            fields.push(field);
        }
        Some(SchemaAst::Object { fields })
    }

    fn map_schema(
        &mut self,
        obj: &Map<String, Value>,
        loc: &Loc,
        depth: usize,
    ) -> Option<SchemaAst> {
        let mut parts = Vec::new();
        for (key, kind) in [
            ("mapKey", ElementKind::MapKey),
            ("mapValue", ElementKind::MapValue),
        ] {
            let Some(value) = obj.get(key) else {
                self.err(
                    ModelErrorKind::MissingField,
                    loc,
                    Some(key),
                    format!("{key} is required"),
                );
                return None;
            };
            if !self.count(1, loc, Some(key)) {
                return None;
            }
            parts.push(
                self.field(value, &loc.key(key), kind, depth)
                    .map(|(f, _)| f),
            );
        }
        let value = parts.pop().flatten();
        let key = parts.pop().flatten();
        let (key, value) = (key?, value?);
        if key.schema != SchemaAst::Done(Schema::String) {
            self.err(
                ModelErrorKind::InvalidValue,
                &loc.key("mapKey"),
                Some("schema"),
                "the schema of mapKey must be \"string\"",
            );
            return None;
        }
        Some(SchemaAst::Map {
            key: Box::new(key),
            value: Box::new(value),
        })
    }

    /// A Field, MapKey or MapValue: `name` and `schema`. Returns the `index` of an Indexed field.
    fn field(
        &mut self,
        item: &Value,
        loc: &Loc,
        kind: ElementKind,
        depth: usize,
    ) -> Option<(FieldAst, Option<i64>)> {
        let Some(o) = item.as_object() else {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                None,
                format!("{} must be an object with name and schema", kind.name()),
            );
            return None;
        };
        let types = self.types(o, loc, false)?;
        if !types.is_empty() && types[0] != kind.name() {
            self.err(
                ModelErrorKind::InvalidValue,
                loc,
                Some("@type"),
                format!("@type must be \"{}\", found '{}'", kind.name(), types[0]),
            );
            return None;
        }
        let mut allowed = vec!["name", "schema"];
        allowed.extend_from_slice(COMMON_KEYS);
        let common = self.common(o, loc, kind, &types, &allowed);
        let name = self.name(o, loc);
        let schema = self.required_schema(o, loc, "schema", depth)?;
        if let Some(st) = common.cotypes.semantic {
            self.semantic_schema(st, &schema, loc);
        }
        let index = o
            .get("index")
            .and_then(Value::as_i64)
            .filter(|_| common.cotypes.adjuncts.contains(&"Indexed"));
        Some((
            FieldAst {
                name: name?,
                display_name: common.display_name,
                schema,
            },
            index,
        ))
    }
}

fn body_schema(body: Option<&ContentBody>) -> Option<&SchemaAst> {
    match body? {
        ContentBody::Property { schema, .. } | ContentBody::Telemetry { schema } => Some(schema),
        _ => None,
    }
}

/// `dtmi:standard:schema:geospatial:<term>;<version>` for the document's DTDL version.
fn geospatial_iri(s: &str, version: u8) -> Option<Schema> {
    let rest = s.strip_prefix("dtmi:standard:schema:geospatial:")?;
    let (term, v) = rest.split_once(';')?;
    if v != version.to_string() {
        return None;
    }
    GEOSPATIAL_TERMS
        .iter()
        .find(|(t, _)| *t == term)
        .map(|(_, schema)| schema.clone())
}

/// `^[a-zA-Z](?:[a-zA-Z0-9_]*[a-zA-Z0-9])?$`.
pub(crate) fn is_dtdl_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && b[b.len() - 1] != b'_'
}

/// A BCP 47-shaped tag: `^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`.
/// A language tag as DTDL writes them: a 2–4 letter language, then optionally a 4-letter script
/// and a 2-letter or 3-digit region (`de`, `zh-Hant`, `fr-155`, `sr-Latn-RS`).
pub(crate) fn is_language_tag(tag: &str) -> bool {
    let alpha = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let mut parts = tag.split('-').peekable();
    if !parts.next().is_some_and(|p| alpha(p, 2..=4)) {
        return false;
    }
    if parts.peek().is_some_and(|p| alpha(p, 4..=4)) {
        parts.next();
    }
    if let Some(region) = parts.next()
        && !(alpha(region, 2..=2)
            || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit())))
    {
        return false;
    }
    parts.next().is_none()
}

/// MQTT topic pattern: `/`-separated labels, each literal printable ASCII (no space, `"`, `+`,
/// `#`, `{`, `}`) or a `{token}` / `{prefix:token}` of ASCII letters; not starting with `$`.
fn is_topic_pattern(s: &str) -> bool {
    if s.starts_with('$') || s.is_empty() {
        return false;
    }
    s.split('/').all(|label| {
        if let Some(token) = label.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
            let token = token.split_once(':').map_or(token, |(prefix, t)| {
                if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_alphabetic()) {
                    ""
                } else {
                    t
                }
            });
            !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphabetic())
        } else {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"\"+#{}".contains(&b))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_table() {
        for (name, ok) in [
            ("temp", true),
            ("a", true),
            ("a_1", true),
            ("A1", true),
            ("_a", false),
            ("a_", false),
            ("1a", false),
            ("a-b", false),
            ("", false),
        ] {
            assert_eq!(is_dtdl_name(name), ok, "{name}");
        }
    }

    #[test]
    fn language_tags_and_topics() {
        assert!(is_language_tag("en"));
        assert!(is_language_tag("en-US"));
        assert!(!is_language_tag("english language"));
        assert!(is_topic_pattern("vehicles/{modelId}/{senderId}/telemetry"));
        assert!(is_topic_pattern("vehicles/{ex:executorId}/command"));
        assert!(!is_topic_pattern("$sys/x"));
        assert!(!is_topic_pattern("a/+/b"));
        assert!(!is_topic_pattern("a//b"));
    }

    #[test]
    fn loc_builds_pointer_and_trail() {
        let loc = Loc::default()
            .item("contents", 2, Some("temperature"))
            .key("schema");
        assert_eq!(loc.pointer, "/contents/2/schema");
        assert_eq!(loc.human, "contents[2] 'temperature' schema");
        assert_eq!(Loc::default().key("a/b~c").pointer, "/a~1b~0c");
    }
}
