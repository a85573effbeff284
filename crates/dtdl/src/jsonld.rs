//! JSON-LD forms → the canonical form the parser reads.
//!
//! DTDL documents are JSON-LD: a property may be named by its term (`contents`) or its IRI
//! (`dtmi:dtdl:property:contents;3`), a set may be given as one value, a literal as a value
//! object (`{"@value": true}`) or a one-element array, a localizable string as a string, a
//! language map or an array of value objects, a type by its term or IRI, in any order, and
//! elements may carry their own `@context`. This pass rewrites one document into the form the
//! parser reads (a set is an array or one member, literals are bare JSON values, localizable
//! strings are language maps or plain (English) strings, names and types are terms, the DTDL
//! class first in `@type`) and hoists Interfaces defined inline in `extends` or as a Component
//! schema into documents of their own. Every problem it finds is reported; it never stops at the
//! first.
//!
//! Copy on write: an element already in that form is borrowed, not rebuilt, so a document
//! written the usual way is not copied at all; JSON pointers are rendered only for problems.
//!
//! Invariant: the output of [`normalize`] is a fixed point of [`normalize`].

use std::borrow::Cow;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::context::{CONTEXT_V2, CONTEXT_V3};
use crate::error::ModelErrorKind;
use crate::parse::escape;
use crate::set::{ParseOptions, Service, UndefinedExtensions};

/// DTDL classes that can be an element's material type, with the versions that define them.
const CLASSES: &[(&str, &[u8])] = &[
    ("Interface", &[2, 3]),
    ("Telemetry", &[2, 3]),
    ("Property", &[2, 3]),
    ("Command", &[2, 3]),
    ("Relationship", &[2, 3]),
    ("Component", &[2, 3]),
    ("CommandPayload", &[2]),
    ("CommandRequest", &[3]),
    ("CommandResponse", &[3]),
    ("Array", &[2, 3]),
    ("Enum", &[2, 3]),
    ("EnumValue", &[2, 3]),
    ("Map", &[2, 3]),
    ("MapKey", &[2, 3]),
    ("MapValue", &[2, 3]),
    ("Object", &[2, 3]),
    ("Field", &[2, 3]),
];

/// How a DTDL property's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A set of elements or references: one value or an array.
    Set,
    /// One element or reference; a one-element array is the same value.
    One,
    /// One literal of a datatype; a one-element array or a value object is the same value, an
    /// empty array is no value.
    Literal(Datatype),
    /// A localizable string.
    LangString,
}

/// The XSD datatype of a literal, as a value object's `@type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Datatype {
    Boolean,
    Integer,
    String,
    /// `enumValue`: an integer or a string.
    IntegerOrString,
}

impl Datatype {
    fn xsd(self) -> &'static [&'static str] {
        match self {
            Datatype::Boolean => &["boolean"],
            Datatype::Integer => &["integer"],
            Datatype::String => &["string"],
            Datatype::IntegerOrString => &["integer", "string"],
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match self {
            Datatype::Boolean => value.is_boolean(),
            Datatype::Integer => value.is_i64() || value.is_u64(),
            Datatype::String => value.is_string(),
            Datatype::IntegerOrString => value.is_i64() || value.is_u64() || value.is_string(),
        }
    }
}

/// DTDL properties with their shapes and the versions that define them.
const PROPERTIES: &[(&str, Shape, &[u8])] = &[
    ("contents", Shape::Set, &[2, 3]),
    ("schemas", Shape::Set, &[2, 3]),
    ("extends", Shape::Set, &[2, 3]),
    ("fields", Shape::Set, &[2, 3]),
    ("enumValues", Shape::Set, &[2, 3]),
    ("properties", Shape::Set, &[2, 3]),
    ("schema", Shape::One, &[2, 3]),
    ("request", Shape::One, &[2, 3]),
    ("response", Shape::One, &[2, 3]),
    ("mapKey", Shape::One, &[2, 3]),
    ("mapValue", Shape::One, &[2, 3]),
    ("elementSchema", Shape::One, &[2, 3]),
    ("valueSchema", Shape::One, &[2, 3]),
    ("target", Shape::One, &[2, 3]),
    ("name", Shape::Literal(Datatype::String), &[2, 3]),
    ("comment", Shape::Literal(Datatype::String), &[2, 3]),
    ("writable", Shape::Literal(Datatype::Boolean), &[2, 3]),
    (
        "minMultiplicity",
        Shape::Literal(Datatype::Integer),
        &[2, 3],
    ),
    (
        "maxMultiplicity",
        Shape::Literal(Datatype::Integer),
        &[2, 3],
    ),
    (
        "enumValue",
        Shape::Literal(Datatype::IntegerOrString),
        &[2, 3],
    ),
    ("commandType", Shape::One, &[2, 3]),
    ("nullable", Shape::Literal(Datatype::Boolean), &[3]),
    ("displayName", Shape::LangString, &[2, 3]),
    ("description", Shape::LangString, &[2, 3]),
];

/// Properties defined by extensions (read as literals or references).
const EXTENSION_PROPERTIES: &[(&str, Shape)] = &[
    ("unit", Shape::One),
    ("annotates", Shape::Literal(Datatype::String)),
    ("overrides", Shape::Literal(Datatype::String)),
    ("ttl", Shape::Literal(Datatype::String)),
    ("index", Shape::Literal(Datatype::Integer)),
    ("payloadFormat", Shape::Literal(Datatype::String)),
    ("telemetryTopic", Shape::Literal(Datatype::String)),
    ("commandTopic", Shape::Literal(Datatype::String)),
];

/// One problem: JSON pointer in the input document and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) path: String,
    pub(crate) kind: ModelErrorKind,
    pub(crate) message: String,
}

/// What [`normalize`] makes of one input document.
#[derive(Debug, Default)]
pub(crate) struct Normalized<'v> {
    /// The document itself first, then the Interfaces it defines inline, each canonical. A
    /// document (or element) already in canonical form is borrowed, not copied.
    pub(crate) documents: Vec<Cow<'v, Value>>,
    pub(crate) problems: Vec<Problem>,
}

/// A place in the input document, rendered as a JSON pointer only when a problem is reported.
#[derive(Debug, Clone, Copy)]
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    fn key<'p>(&'p self, key: &'p str) -> Path<'p> {
        Path::Key(self, key)
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    fn render_into(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(parent, key) => {
                parent.render_into(out);
                out.push('/');
                out.push_str(&escape(key));
            }
            Path::Index(parent, index) => {
                parent.render_into(out);
                out.push('/');
                out.push_str(&index.to_string());
            }
        }
    }

    /// The root document's own `@context`.
    fn is_root_context(&self) -> bool {
        matches!(self, Path::Key(Path::Root, "@context"))
    }
}

/// The scope of an element: the DTDL version, the extension contexts in force, and whether an
/// extension context this crate does not define is in force (then undefined terms are allowed,
/// with [`UndefinedExtensions::Allow`]).
#[derive(Debug, Clone)]
struct Scope {
    version: u8,
    /// The property whose value this element is (empty for a document).
    holder: &'static str,
    /// Shared: only an element with a `@context` of its own changes it.
    contexts: Rc<Vec<&'static str>>,
    undefined: bool,
}

struct Normalizer {
    options: ParseOptions,
    problems: Vec<Problem>,
}

/// The canonical form of an element as it is built: its members (borrowed where unchanged) and
/// whether anything differs from the input.
struct Members<'v> {
    source: &'v Value,
    members: Vec<(&'v str, Cow<'v, Value>)>,
    changed: bool,
}

impl<'v> Members<'v> {
    fn push(&mut self, key: &'v str, value: Cow<'v, Value>) {
        self.changed |= matches!(value, Cow::Owned(_));
        self.members.push((key, value));
    }

    fn contains(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| *k == key)
    }

    fn finish(self) -> Cow<'v, Value> {
        if !self.changed {
            return Cow::Borrowed(self.source);
        }
        let mut map = Map::new();
        for (key, value) in self.members {
            map.insert(key.to_owned(), value.into_owned());
        }
        Cow::Owned(Value::Object(map))
    }
}

/// The DTDL version named by a context entry (`dtmi:dtdl:context;3`, also with a `#…` fragment
/// naming a limits profile).
fn dtdl_context_version(entry: &str) -> Option<u8> {
    match entry {
        CONTEXT_V2 => Some(2),
        CONTEXT_V3 => Some(3),
        _ => None,
    }
}

/// Rewrites one document. Documents whose `@context` cannot be read are returned unchanged (the
/// parser reports the context problem).
pub(crate) fn normalize(doc: &Value, options: ParseOptions) -> Normalized<'_> {
    let mut n = Normalizer {
        options,
        problems: Vec::new(),
    };
    let mut documents = Vec::new();
    let version = doc
        .as_object()
        .and_then(|obj| root_version(obj.get("@context")));
    let Some(version) = version else {
        documents.push(Cow::Borrowed(doc));
        return Normalized {
            documents,
            problems: n.problems,
        };
    };
    let scope = Scope {
        version,
        holder: "",
        contexts: Rc::new(Vec::new()),
        undefined: false,
    };
    let root = n.document(doc, &scope, &Path::Root, &mut documents);
    documents.insert(0, root);
    Normalized {
        documents,
        problems: n.problems,
    }
}

/// The MQTT extension context, which Azure Digital Twins does not support.
const MQTT: &str = "dtmi:dtdl:extension:mqtt;1";

/// The IoT Central extension context (DTDL v2), which may precede the DTDL context.
const IOT_CENTRAL: &str = "dtmi:iotcentral:context;2";

/// The DTDL version of a document's `@context`, when it has one where DTDL requires it: first,
/// or after the IoT Central context only.
fn root_version(context: Option<&Value>) -> Option<u8> {
    match context? {
        Value::String(s) => dtdl_context_version(s),
        Value::Array(items) => {
            // The first entry is the DTDL context (only IoT Central's may precede it); a later
            // DTDL context overrides an earlier one, as JSON-LD contexts do.
            let mut version = None;
            for item in items {
                let s = item.as_str()?;
                match dtdl_context_version(s) {
                    Some(v) => version = Some(v),
                    None if version.is_none() && s != IOT_CENTRAL => return None,
                    None => {}
                }
            }
            version
        }
        _ => None,
    }
}

impl Normalizer {
    fn problem(&mut self, path: &Path<'_>, message: impl Into<String>) {
        self.problem_of(ModelErrorKind::InvalidValue, path, message);
    }

    fn problem_of(&mut self, kind: ModelErrorKind, path: &Path<'_>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.render(),
            kind,
            message: message.into(),
        });
    }

    /// A top-level (or hoisted) Interface: an element whose canonical `@context` lists the DTDL
    /// context and every extension context in force anywhere in it. `value` is an object.
    fn document<'v>(
        &mut self,
        value: &'v Value,
        outer: &Scope,
        path: &Path<'_>,
        documents: &mut Vec<Cow<'v, Value>>,
    ) -> Cow<'v, Value> {
        let mut scope = outer.clone();
        let mut contexts = Vec::new();
        let own_context = value.get("@context");
        if let Some(context) = own_context {
            self.context(context, &mut scope, &path.key("@context"));
        }
        // `element` reads a nested element's own `@context`; this one is read above.
        let mut members = self.members(value, &scope, path, &mut contexts, documents, true);
        let mut all: Vec<&'static str> = scope.contexts.as_ref().clone();
        for c in contexts {
            if !all.contains(&c) {
                all.push(c);
            }
        }
        let dtdl = if scope.version == 2 {
            CONTEXT_V2
        } else {
            CONTEXT_V3
        };
        let same = match own_context {
            Some(Value::String(s)) => all.is_empty() && s == dtdl,
            Some(Value::Array(items)) => {
                !all.is_empty()
                    && items.len() == all.len() + 1
                    && std::iter::once(dtdl)
                        .chain(all.iter().copied())
                        .zip(items)
                        .all(|(c, item)| item.as_str() == Some(c))
            }
            _ => false,
        };
        let context = match own_context {
            Some(own) if same => Cow::Borrowed(own),
            _ if all.is_empty() => Cow::Owned(Value::String(dtdl.to_owned())),
            _ => Cow::Owned(Value::Array(
                std::iter::once(dtdl)
                    .chain(all)
                    .map(|c| Value::String(c.to_owned()))
                    .collect(),
            )),
        };
        members.push("@context", context);
        members.finish()
    }

    /// Reads a `@context` value into `scope`.
    fn context(&mut self, value: &Value, scope: &mut Scope, path: &Path<'_>) {
        let entries: &[Value] = match value {
            Value::Array(items) => items,
            other => std::slice::from_ref(other),
        };
        for entry in entries {
            let Some(s) = entry.as_str() else {
                self.problem_of(
                    ModelErrorKind::InvalidContext,
                    path,
                    format!("@context entries must be strings, found {entry}"),
                );
                continue;
            };
            if let Some(v) = dtdl_context_version(s) {
                let nested = !path.is_root_context();
                // A DTDL v2 element may stand in a v3 document as a content, a schema, an
                // extended Interface or a Relationship property; nothing of v3 in v2.
                if nested && v > scope.version {
                    self.problem_of(
                    ModelErrorKind::InvalidContext,
                        path,
                        format!("@context '{s}': a DTDL v{v} element cannot be part of a DTDL v{} element", scope.version),
                    );
                } else if nested
                    && v < scope.version
                    && !matches!(
                        scope.holder,
                        "contents" | "schema" | "elementSchema" | "extends" | "properties"
                    )
                {
                    self.problem_of(
                    ModelErrorKind::InvalidContext,
                        path,
                        format!("@context '{s}': a DTDL v{v} element cannot be the {} of a DTDL v{} element", scope.holder, scope.version),
                    );
                }
                continue;
            }
            if s == IOT_CENTRAL {
                // IoT Central's context defines nothing this crate checks.
                continue;
            }
            let versioned = crate::dtmi::Dtmi::parse(s)
                .ok()
                .is_some_and(|d| d.version().is_some());
            if !versioned {
                self.problem_of(
                    ModelErrorKind::InvalidContext,
                    path,
                    format!(
                        "@context '{s}' is not a DTMI with a version, as a DTDL context must be"
                    ),
                );
                continue;
            }
            if s == MQTT && self.options.service == Service::AzureDigitalTwins {
                self.problem_of(
                    ModelErrorKind::InvalidContext,
                    path,
                    format!("@context '{s}': Azure Digital Twins does not support the MQTT extension; it supports QuantitativeTypes, Historization, Annotation and Overriding"),
                );
                continue;
            }
            if let Some(known) = crate::context::known_extension(s, scope.version) {
                if !scope.contexts.contains(&known) {
                    Rc::make_mut(&mut scope.contexts).push(known);
                }
                continue;
            }
            if crate::context::is_known_extension(s, 3) {
                self.problem_of(
                    ModelErrorKind::InvalidContext,
                    path,
                    format!("@context '{s}' is a DTDL v3 extension; DTDL v2 models cannot use extensions"),
                );
                continue;
            }
            if !s.starts_with("dtmi:dtdl:") {
                match self.options.undefined_extensions {
                    UndefinedExtensions::Allow => scope.undefined = true,
                    UndefinedExtensions::Disallow => self.problem_of(
                        ModelErrorKind::InvalidContext,
                        path,
                        format!("@context '{s}' is not a DTDL extension this service supports"),
                    ),
                }
                continue;
            }
            self.problem_of(
                ModelErrorKind::InvalidContext,
                path,
                format!("@context '{s}' is not a DTDL context or extension context"),
            );
        }
    }

    /// One element (an object with DTDL properties). Adds the extension contexts used in its
    /// subtree to `contexts`.
    fn element<'v>(
        &mut self,
        value: &'v Value,
        outer: &Scope,
        path: &Path<'_>,
        contexts: &mut Vec<&'static str>,
        documents: &mut Vec<Cow<'v, Value>>,
    ) -> Cow<'v, Value> {
        self.members(value, outer, path, contexts, documents, false)
            .finish()
    }

    /// The canonical members of an element (`value`, an object), without its `@context`. A
    /// document's `@context` has been read by [`Normalizer::document`], which also adds the
    /// canonical one.
    fn members<'v>(
        &mut self,
        value: &'v Value,
        outer: &Scope,
        path: &Path<'_>,
        contexts: &mut Vec<&'static str>,
        documents: &mut Vec<Cow<'v, Value>>,
        is_document: bool,
    ) -> Members<'v> {
        let mut out = Members {
            source: value,
            members: Vec::new(),
            changed: false,
        };
        let Some(obj) = value.as_object() else {
            return out;
        };
        out.members.reserve(obj.len() + 1);
        let mut scope = Cow::Borrowed(outer);
        if !is_document && let Some(context) = obj.get("@context") {
            // A nested element's `@context` is read here and dropped from its canonical form.
            out.changed = true;
            let scope = scope.to_mut();
            self.context(context, scope, &path.key("@context"));
            for c in scope.contexts.iter() {
                if !contexts.contains(c) {
                    contexts.push(c);
                }
            }
        }
        let scope: &Scope = &scope;
        let mut open = false;
        let mut is_component = false;
        if let Some(t) = obj.get("@type") {
            let types = self.types(t, scope, &path.key("@type"), &mut open);
            is_component = types.iter().any(|x| x == "Component");
            let same = match t {
                Value::String(s) => types.len() == 1 && types[0] == *s,
                Value::Array(items) => {
                    types.len() > 1
                        && items.len() == types.len()
                        && items.iter().zip(&types).all(|(i, t)| i.as_str() == Some(t))
                }
                _ => false,
            };
            let canonical = if same {
                Cow::Borrowed(t)
            } else if types.len() == 1 {
                Cow::Owned(Value::String(types.into_iter().next().unwrap_or_default()))
            } else {
                Cow::Owned(Value::Array(types.into_iter().map(Value::String).collect()))
            };
            out.push("@type", canonical);
        }
        if open {
            out.changed = true;
            out.push(OPEN, Cow::Owned(Value::Bool(true)));
        }
        for (key, value) in obj {
            let key_path = path.key(key);
            match key.as_str() {
                "@type" | "@context" => continue,
                "@id" => {
                    out.push(key, Cow::Borrowed(value));
                    continue;
                }
                k if k.starts_with('@') => {
                    // DTDL v2 tolerates stray JSON-LD keywords on an element (they carry nothing);
                    // `@graph` would make it a different document, and v3 allows none.
                    if scope.version == 3 || k == "@graph" {
                        self.problem(
                            &key_path,
                            format!("'{k}' is a JSON-LD keyword that DTDL does not allow here"),
                        );
                    }
                    out.changed = true;
                    continue;
                }
                _ => {}
            }
            if scope.version == 3
                && key.starts_with("dtmi:")
                && crate::dtmi::Dtmi::parse(key).is_err()
            {
                self.problem_of(
                    ModelErrorKind::InvalidDtmi,
                    &key_path,
                    format!("'{key}' is not a valid DTMI"),
                );
                out.changed = true;
                continue;
            }
            let Some((term, shape)) = self.property(key, scope) else {
                if scope.version == 3 && key.contains(':') && !key.starts_with("dtmi:") {
                    self.problem(
                        &key_path,
                        format!("'{key}' is neither a DTDL term nor a DTMI"),
                    );
                    out.changed = true;
                    continue;
                }
                // Not a DTDL property: the parser decides (an extension or undefined property).
                out.push(key, Cow::Borrowed(value));
                continue;
            };
            if out.contains(term) {
                self.problem(
                    &key_path,
                    format!("'{term}' is given twice (as a term and as its IRI)"),
                );
                out.changed = true;
                continue;
            }
            out.changed |= term != key;
            let holder = |scope: &Scope| Scope {
                holder: term,
                ..scope.clone()
            };
            let canonical = match shape {
                Shape::Set => {
                    let scope = holder(scope);
                    let hoist = term == "extends";
                    match value {
                        Value::Array(items) => {
                            let mut out_items = Vec::with_capacity(items.len());
                            let mut changed = false;
                            for (i, item) in items.iter().enumerate() {
                                let item_path = Path::Index(&key_path, i);
                                let item = self.reference_or_element(
                                    item, &scope, &item_path, contexts, documents, hoist,
                                );
                                changed |= matches!(item, Cow::Owned(_));
                                out_items.push(item);
                            }
                            if changed {
                                Cow::Owned(Value::Array(
                                    out_items.into_iter().map(Cow::into_owned).collect(),
                                ))
                            } else {
                                Cow::Borrowed(value)
                            }
                        }
                        // One member stands for a one-member set (the parser reads both).
                        one => match self.reference_or_element(
                            one, &scope, &key_path, contexts, documents, hoist,
                        ) {
                            Cow::Borrowed(same) => Cow::Borrowed(same),
                            Cow::Owned(item) => Cow::Owned(Value::Array(vec![item])),
                        },
                    }
                }
                Shape::One => {
                    let one = match value {
                        Value::Array(a) if a.is_empty() => {
                            out.changed = true;
                            continue;
                        }
                        Value::Array(a) if a.len() == 1 => {
                            out.changed = true;
                            &a[0]
                        }
                        other => other,
                    };
                    let scope = holder(scope);
                    let canonical = self.reference_or_element(
                        one,
                        &scope,
                        &key_path,
                        contexts,
                        documents,
                        is_component && term == "schema",
                    );
                    if std::ptr::eq(one, value) {
                        canonical
                    } else {
                        Cow::Owned(canonical.into_owned())
                    }
                }
                Shape::Literal(datatype) => {
                    match self.literal(value, datatype, scope, &key_path, term) {
                        Some(v) => v,
                        None => {
                            out.changed = true;
                            continue;
                        }
                    }
                }
                Shape::LangString => match self.lang_string(value, scope, &key_path, term) {
                    Some(map) => map,
                    None => {
                        out.changed = true;
                        continue;
                    }
                },
            };
            out.push(term, canonical);
        }
        out
    }

    /// A set member or a single object value: an element (normalized; an inline Interface where
    /// one may stand is hoisted and replaced by its `@id`) or a reference (IRIs of DTDL instances
    /// such as `dtmi:dtdl:instance:Schema:double;3` become their terms).
    fn reference_or_element<'v>(
        &mut self,
        value: &'v Value,
        scope: &Scope,
        path: &Path<'_>,
        contexts: &mut Vec<&'static str>,
        documents: &mut Vec<Cow<'v, Value>>,
        interface_allowed: bool,
    ) -> Cow<'v, Value> {
        let Some(obj) = value.as_object() else {
            return match value {
                Value::String(s) => match instance_term(s, scope.version) {
                    Cow::Borrowed(_) => Cow::Borrowed(value),
                    Cow::Owned(term) => Cow::Owned(Value::String(term)),
                },
                other => Cow::Borrowed(other),
            };
        };
        let is_interface = interface_allowed
            && obj
                .get("@type")
                .is_some_and(|t| class_of(t, scope.version).as_deref() == Some("Interface"));
        if is_interface {
            let doc = self.document(value, scope, path, documents);
            let id = doc.get("@id").cloned();
            if self.options.service == Service::AzureDigitalTwins {
                let named = id.as_ref().and_then(Value::as_str).unwrap_or("it");
                self.problem(
                    path,
                    format!("Azure Digital Twins takes no Interface defined inline; upload '{named}' as a model of its own and refer to it by its @id"),
                );
            }
            documents.push(doc);
            return match id {
                Some(id) => Cow::Owned(id),
                None => {
                    self.problem(path, "an Interface defined inline needs an @id");
                    Cow::Owned(Value::Null)
                }
            };
        }
        self.element(value, scope, path, contexts, documents)
    }

    /// A property key → its term and shape, when it names a DTDL property (term or IRI of this
    /// version) or a property an extension defines.
    fn property(&self, key: &str, scope: &Scope) -> Option<(&'static str, Shape)> {
        let term = match iri_term(key, "dtmi:dtdl:property:") {
            Some((term, v)) if v == scope.version => term,
            Some(_) => return None,
            None => key,
        };
        if let Some((t, shape, versions)) = PROPERTIES.iter().find(|(t, _, _)| *t == term) {
            return versions.contains(&scope.version).then_some((*t, *shape));
        }
        EXTENSION_PROPERTIES
            .iter()
            .find(|(t, _)| *t == term)
            .map(|(t, s)| (*t, *s))
    }

    /// `@type` → terms, the DTDL class first, duplicates removed. Co-types that nothing defines
    /// make the element open (its undefined properties are then allowed) where DTDL allows them,
    /// and are dropped; elsewhere they are problems.
    fn types(
        &mut self,
        value: &Value,
        scope: &Scope,
        path: &Path<'_>,
        open: &mut bool,
    ) -> Vec<String> {
        let entries: &[Value] = match value {
            Value::Array(a) => a,
            one => std::slice::from_ref(one),
        };
        if entries.is_empty() {
            self.problem(path, "@type must name the element's DTDL class");
        }
        let mut out: Vec<String> = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(s) = entry.as_str() else {
                self.problem(
                    path,
                    format!("@type entries must be strings, found {entry}"),
                );
                continue;
            };
            let term = type_term(s, scope.version);
            if out.iter().any(|t| *t == term) {
                continue;
            }
            match self.classify_cotype(&term, scope) {
                CoType::Known => out.push(term.into_owned()),
                CoType::Open => *open = true,
                CoType::Invalid(message) => self.problem(path, message),
            }
        }
        if let Some(i) = out.iter().position(|t| is_class(t, scope.version))
            && i > 0
        {
            let class = out.remove(i);
            out.insert(0, class);
        }
        out
    }

    fn classify_cotype(&self, term: &str, scope: &Scope) -> CoType {
        let is_dtmi = term.starts_with("dtmi:");
        if is_dtmi && crate::dtmi::Dtmi::parse(term).is_err() {
            return CoType::Invalid(format!("@type '{term}' is not a valid DTMI"));
        }
        if is_class(term, scope.version) || is_cotype_term(term, scope) {
            return CoType::Known;
        }
        let iri = term.contains(':');
        if scope.undefined && (is_dtmi || !iri) {
            return CoType::Open;
        }
        match scope.version {
            2 if !is_dtmi && !is_dtdl_term(term) => CoType::Open,
            _ if !is_dtmi && iri => {
                CoType::Invalid(format!("@type '{term}' is neither a DTDL term nor a DTMI"))
            }
            _ if is_dtmi => CoType::Invalid(format!(
                "@type '{term}' is not a type defined by DTDL or by an extension in @context"
            )),
            _ if is_dtdl_term(term) => CoType::Invalid(format!(
                "@type '{term}' is a DTDL term but not a type that can be listed in @type"
            )),
            _ => CoType::Known,
        }
    }

    /// A literal: the value, a one-element array of it, or a value object; an empty array is no
    /// value (`None` then, and also after a problem).
    fn literal<'v>(
        &mut self,
        value: &'v Value,
        datatype: Datatype,
        scope: &Scope,
        path: &Path<'_>,
        term: &str,
    ) -> Option<Cow<'v, Value>> {
        let one = match value {
            Value::Array(a) if a.is_empty() => return None,
            Value::Array(a) if a.len() == 1 => &a[0],
            Value::Array(_) => {
                self.problem(path, format!("{term} takes one value, found {value}"));
                return None;
            }
            other => other,
        };
        let same = |one: &'v Value| {
            if std::ptr::eq(one, value) {
                Cow::Borrowed(one)
            } else {
                Cow::Owned(one.clone())
            }
        };
        let Value::Object(o) = one else {
            return Some(same(one));
        };
        if !o.keys().all(|k| k.starts_with('@')) || !o.contains_key("@value") {
            // Not a value object: the parser reports the wrong type.
            return Some(same(one));
        }
        for key in o.keys() {
            let allowed = match key.as_str() {
                "@value" | "@type" => true,
                "@id" | "@context" | "@graph" => false,
                _ => scope.version == 2,
            };
            if !allowed {
                self.problem(
                    path,
                    format!("{term}: a value object may not contain '{key}'"),
                );
                return None;
            }
        }
        let inner = &o["@value"];
        if !datatype.accepts(inner) {
            self.problem(
                path,
                format!(
                    "{term}: @value {inner} is not a {}",
                    datatype.xsd().join(" or ")
                ),
            );
            return None;
        }
        if let Some(t) = o.get("@type") {
            let named = match t {
                Value::String(s) => Some(s.as_str()),
                Value::Array(a) if a.len() == 1 => a[0].as_str(),
                _ => None,
            };
            let ok = named.is_some_and(|n| {
                datatype.xsd().iter().any(|x| {
                    n.strip_prefix("xsd:") == Some(x)
                        || n.strip_prefix("http://www.w3.org/2001/XMLSchema#") == Some(x)
                }) && (datatype != Datatype::IntegerOrString
                    || (inner.is_string() == n.ends_with("string")))
            });
            if !ok {
                self.problem(
                    path,
                    format!(
                        "{term}: @type {t} of the value object is not xsd:{}",
                        datatype.xsd().join(" or xsd:")
                    ),
                );
                return None;
            }
        }
        Some(Cow::Owned(inner.clone()))
    }

    /// A localizable string → a language map. A language map is checked by the parser; so is a
    /// plain string, which stands for English (DTDL's default) and is left as it is.
    fn lang_string<'v>(
        &mut self,
        value: &'v Value,
        scope: &Scope,
        path: &Path<'_>,
        term: &str,
    ) -> Option<Cow<'v, Value>> {
        let items: &[Value] = match value {
            Value::Object(_) | Value::String(_) => return Some(Cow::Borrowed(value)),
            Value::Array(a) => a,
            other => {
                self.problem(
                    path,
                    format!(
                        "{term} must be a string, a language map or an array of them, found {other}"
                    ),
                );
                return None;
            }
        };
        let mut map = Map::new();
        let mut ok = true;
        for item in items {
            let (language, text) = match item {
                Value::String(s) => ("en".to_owned(), s.clone()),
                Value::Object(o) => match self.lang_value_object(o, scope, path, term) {
                    Some(pair) => pair,
                    None => {
                        ok = false;
                        continue;
                    }
                },
                other => {
                    self.problem(
                        path,
                        format!("{term} entries must be strings or value objects, found {other}"),
                    );
                    ok = false;
                    continue;
                }
            };
            if map.contains_key(&language) {
                self.problem(
                    path,
                    format!("{term} gives two texts for language '{language}'"),
                );
                ok = false;
                continue;
            }
            map.insert(language, Value::String(text));
        }
        ok.then_some(Cow::Owned(Value::Object(map)))
    }

    fn lang_value_object(
        &mut self,
        o: &Map<String, Value>,
        scope: &Scope,
        path: &Path<'_>,
        term: &str,
    ) -> Option<(String, String)> {
        for key in o.keys() {
            let allowed = match key.as_str() {
                "@value" | "@language" => true,
                "@id" | "@context" | "@graph" => false,
                k => scope.version == 2 && k.starts_with('@'),
            };
            if !allowed {
                self.problem(
                    path,
                    format!("{term}: a value object may not contain '{key}'"),
                );
                return None;
            }
        }
        let Some(Value::String(text)) = o.get("@value") else {
            self.problem(
                path,
                format!("{term}: a value object needs a string @value"),
            );
            return None;
        };
        let language = match o.get("@language") {
            None => "en".to_owned(),
            Some(Value::String(l)) if crate::parse::is_language_tag(l) => l.clone(),
            Some(other) => {
                self.problem(
                    path,
                    format!(
                        "{term}: @language {other} is not a language tag such as 'en' or 'en-US'"
                    ),
                );
                return None;
            }
        };
        Some((language, text.clone()))
    }
}

/// The private key the normalizer sets on an element whose `@type` includes a co-type nothing
/// defines (allowed in this scope): the parser then accepts properties it does not know.
pub(crate) const OPEN: &str = "@open";

enum CoType {
    Known,
    Open,
    Invalid(String),
}

/// The DTDL class an `@type` value names (as a term or IRI, in any position), if any.
fn class_of(types: &Value, version: u8) -> Option<Cow<'_, str>> {
    let entries: &[Value] = match types {
        Value::Array(a) => a,
        one => std::slice::from_ref(one),
    };
    entries
        .iter()
        .filter_map(Value::as_str)
        .map(|s| type_term(s, version))
        .find(|t| is_class(t, version))
}

fn is_class(term: &str, version: u8) -> bool {
    CLASSES
        .iter()
        .any(|(c, versions)| *c == term && versions.contains(&version))
}

/// Terms DTDL itself defines that are not classes (schemas, command types): not usable as
/// co-types.
fn is_dtdl_term(term: &str) -> bool {
    crate::model::PRIMITIVE_TERMS
        .iter()
        .any(|(t, _)| *t == term)
        || crate::model::GEOSPATIAL_TERMS
            .iter()
            .any(|(t, _)| *t == term)
        || matches!(term, "synchronous" | "asynchronous")
        || PROPERTIES.iter().any(|(t, _, _)| *t == term)
}

/// Semantic types and extension co-types: the parser checks them against the context.
fn is_cotype_term(term: &str, scope: &Scope) -> bool {
    let semantic = crate::units::V2_SEMANTIC_TYPES
        .iter()
        .chain(crate::units::QT_V1_SEMANTIC_TYPES)
        .any(|s| s.name == term);
    semantic
        || crate::context::ADJUNCT_TYPES
            .iter()
            .any(|a| a.name == term && scope.version == 3)
}

/// `dtmi:dtdl:class:Interface;3` → `Interface` (in a v3 document); semantic type IRIs
/// (`dtmi:standard:class:Temperature;2`) → their terms; other strings unchanged.
fn type_term(s: &str, version: u8) -> Cow<'_, str> {
    match iri_term(s, "dtmi:dtdl:class:") {
        Some((term, v)) if v == version && is_class(term, version) => {
            return Cow::Owned(term.to_owned());
        }
        _ => {}
    }
    match iri_term(s, "dtmi:standard:class:") {
        Some((term, 2)) if version == 2 => Cow::Owned(term.to_owned()),
        _ => Cow::Borrowed(s),
    }
}

/// `dtmi:dtdl:instance:Schema:double;3` → `double`, `dtmi:standard:unit:hour;2` → `hour`, in a
/// document of that version; other strings unchanged (borrowed).
fn instance_term(s: &str, version: u8) -> Cow<'_, str> {
    for prefix in [
        "dtmi:dtdl:instance:Schema:",
        "dtmi:dtdl:instance:CommandType:",
    ] {
        if let Some((term, v)) = iri_term(s, prefix)
            && v == version
            && !term.contains(':')
        {
            return Cow::Owned(term.to_owned());
        }
    }
    match iri_term(s, "dtmi:standard:unit:") {
        Some((term, 2)) if version == 2 => Cow::Owned(term.to_owned()),
        _ => Cow::Borrowed(s),
    }
}

/// `{prefix}{term};{version}` → (term, version).
fn iri_term<'s>(s: &'s str, prefix: &str) -> Option<(&'s str, u8)> {
    let rest = s.strip_prefix(prefix)?;
    let (term, version) = rest.rsplit_once(';')?;
    Some((term, version.parse().ok()?))
}

/// Properties whose values are elements, never schema or Interface references: a string there is
/// the `@id` of an element defined elsewhere in the batch (JSON-LD node reference).
const ELEMENT_ONLY: &[&str] = &[
    "contents",
    "request",
    "response",
    "properties",
    "enumValues",
    "fields",
    "mapKey",
    "mapValue",
];

/// Replaces node references (`"request": "dtmi:ex:payload;1"`) in element-only properties by a
/// copy of the element with that `@id`, when the batch defines one. Unknown ids stay as they
/// are (the parser reports them). Copies are expanded too, to a bounded depth.
pub(crate) fn inline_element_references(docs: &mut [Cow<'_, Value>]) {
    let mut wanted = std::collections::HashSet::new();
    for doc in docs.iter() {
        referenced_ids(doc, &mut wanted);
    }
    if wanted.is_empty() {
        return;
    }
    let mut index: std::collections::HashMap<String, Value> = std::collections::HashMap::new();
    for doc in docs.iter() {
        collect_ids(doc, &wanted, &mut index, true);
    }
    if index.is_empty() {
        return;
    }
    for doc in docs.iter_mut() {
        // Only a document that makes one of these references is copied to be rewritten.
        let mut refs = std::collections::HashSet::new();
        referenced_ids(doc, &mut refs);
        if refs.iter().any(|id| index.contains_key(*id)) {
            substitute(doc.to_mut(), &index, 0);
        }
    }
}

/// The strings standing where an element-only property expects an element.
fn referenced_ids<'v>(value: &'v Value, out: &mut std::collections::HashSet<&'v str>) {
    match value {
        Value::Object(o) => {
            for (key, v) in o {
                if ELEMENT_ONLY.contains(&key.as_str()) {
                    match v {
                        Value::String(id) => {
                            out.insert(id);
                        }
                        Value::Array(items) => {
                            out.extend(items.iter().filter_map(Value::as_str));
                        }
                        _ => {}
                    }
                }
                referenced_ids(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| referenced_ids(v, out)),
        _ => {}
    }
}

fn collect_ids(
    value: &Value,
    wanted: &std::collections::HashSet<&str>,
    index: &mut std::collections::HashMap<String, Value>,
    root: bool,
) {
    match value {
        Value::Object(o) => {
            if !root
                && let Some(Value::String(id)) = o.get("@id")
                && wanted.contains(id.as_str())
            {
                index.entry(id.clone()).or_insert_with(|| value.clone());
            }
            for v in o.values() {
                collect_ids(v, wanted, index, false);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_ids(v, wanted, index, false)),
        _ => {}
    }
}

fn substitute(value: &mut Value, index: &std::collections::HashMap<String, Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Object(o) => {
            for (key, v) in o.iter_mut() {
                if ELEMENT_ONLY.contains(&key.as_str()) {
                    match v {
                        Value::String(id) => {
                            if let Some(element) = index.get(id.as_str()) {
                                *v = element.clone();
                            }
                        }
                        Value::Array(items) => {
                            for item in items.iter_mut() {
                                if let Value::String(id) = item
                                    && let Some(element) = index.get(id.as_str())
                                {
                                    *item = element.clone();
                                }
                            }
                        }
                        _ => {}
                    }
                }
                substitute(v, index, depth + 1);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| substitute(v, index, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The documents and problems of `doc` with the settings of Azure Digital Twins.
    fn canonical(doc: Value) -> (Vec<Value>, Vec<Problem>) {
        owned(normalize(&doc, ParseOptions::default()))
    }

    fn owned(n: Normalized<'_>) -> (Vec<Value>, Vec<Problem>) {
        (
            n.documents.into_iter().map(Cow::into_owned).collect(),
            n.problems,
        )
    }

    /// Each JSON-LD form → the one canonical form.
    fn check(input: Value, expected: Value) {
        let (documents, problems) = canonical(input.clone());
        assert!(problems.is_empty(), "{input}: {problems:?}");
        assert_eq!(documents[0], expected, "{input}");
        let (again, _) = canonical(documents[0].clone());
        assert_eq!(again[0], expected, "not a fixed point: {input}");
    }

    #[test]
    fn json_ld_forms_become_the_canonical_form() {
        check(
            json!({"@context": "dtmi:dtdl:context;3", "@id": "dtmi:a:b;1", "@type": "Interface",
                   "contents": {"@type": ["TimeSpan", "Property"], "name": "t", "schema": "double", "unit": "hour"}}),
            json!({"@context": "dtmi:dtdl:context;3", "@id": "dtmi:a:b;1", "@type": "Interface",
                   "contents": [{"@type": ["Property", "TimeSpan"], "name": "t", "schema": "double", "unit": "hour"}]}),
        );
        check(
            json!({"@context": ["dtmi:dtdl:context;2"], "@id": "dtmi:a:b;1",
                   "@type": ["dtmi:dtdl:class:Interface;2"],
                   "dtmi:dtdl:property:displayName;2": [{"@value": "hello"}, {"@value": "hola", "@language": "es"}],
                   "contents": [{"@type": "Relationship", "name": "r",
                                 "writable": {"@value": true, "@type": "xsd:boolean"},
                                 "maxMultiplicity": [3], "comment": []}]}),
            json!({"@context": "dtmi:dtdl:context;2", "@id": "dtmi:a:b;1", "@type": "Interface",
                   "displayName": {"en": "hello", "es": "hola"},
                   "contents": [{"@type": "Relationship", "name": "r", "writable": true, "maxMultiplicity": 3}]}),
        );
        check(
            json!({"@context": "dtmi:dtdl:context;2", "@id": "dtmi:a:b;1", "@type": "Interface",
                   "contents": {"@type": "Property", "name": "p", "schema": "dtmi:dtdl:instance:Schema:double;2"}}),
            json!({"@context": "dtmi:dtdl:context;2", "@id": "dtmi:a:b;1", "@type": "Interface",
                   "contents": [{"@type": "Property", "name": "p", "schema": "double"}]}),
        );
    }

    #[test]
    fn inline_interfaces_in_extends_and_component_schemas_become_documents() {
        let doc = json!({
            "@context": "dtmi:dtdl:context;3", "@id": "dtmi:a:room;1", "@type": "Interface",
            "extends": {"@id": "dtmi:a:space;1", "@type": "Interface"},
            "contents": {"@type": "Component", "name": "c",
                         "schema": {"@id": "dtmi:a:sensor;1", "@type": "Interface"}}
        });
        let language = ParseOptions {
            service: Service::LanguageOnly,
            ..ParseOptions::default()
        };
        // Azure Digital Twins wants each Interface uploaded as a model of its own.
        let (_, problems) = canonical(doc.clone());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("upload 'dtmi:a:sensor;1' as a model of its own")
        );
        let (documents, problems) = owned(normalize(&doc, language));
        assert!(problems.is_empty(), "{problems:?}");
        let ids: Vec<&str> = documents
            .iter()
            .map(|d| d["@id"].as_str().unwrap())
            .collect();
        // The document first, then the inline Interfaces in key order (`contents` before `extends`).
        assert_eq!(ids, ["dtmi:a:room;1", "dtmi:a:sensor;1", "dtmi:a:space;1"]);
        assert_eq!(documents[0]["extends"], json!(["dtmi:a:space;1"]));
        assert_eq!(
            documents[0]["contents"][0]["schema"],
            json!("dtmi:a:sensor;1")
        );
        assert_eq!(documents[2]["@context"], json!("dtmi:dtdl:context;3"));
    }

    #[test]
    fn every_problem_is_reported_not_only_the_first() {
        let (_, problems) = canonical(json!({
            "@context": "dtmi:dtdl:context;3", "@id": "dtmi:a:b;1", "@type": "Interface",
            "@graph": {},
            "displayName": [{"@value": "a"}, {"@value": "b"}],
            "contents": {"@type": ["Property", "http://x.org/y"], "name": "p", "schema": "double",
                         "writable": {"@value": "yes"}}
        }));
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/@graph",
                "/contents/@type",
                "/contents/writable",
                "/displayName"
            ],
            "{problems:?}"
        );
    }
}
