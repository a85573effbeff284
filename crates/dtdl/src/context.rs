//! `@context`: the DTDL version of a document and the language extensions it imports, and the
//! co-types (adjunct types) those extensions define.

use serde_json::Value;

use crate::units::{
    QT_V1_SEMANTIC_TYPES, QT_V1_UNIT_TYPES, SemanticType, UnitType, V2_SEMANTIC_TYPES,
    V2_UNIT_TYPES,
};

pub(crate) const CONTEXT_V2: &str = "dtmi:dtdl:context;2";
pub(crate) const CONTEXT_V3: &str = "dtmi:dtdl:context;3";
const MAX_CONTEXT_LEN: usize = 2048;

/// The DTDL v3 language extensions whose specifications this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extension {
    QuantitativeTypes,
    Historization,
    Annotation,
    Overriding,
    Mqtt,
}

/// Extension context specifier → extension. Only the v1 versions are specified in the reference.
const EXTENSION_CONTEXTS: &[(&str, Extension)] = &[
    (
        "dtmi:dtdl:extension:quantitativeTypes;1",
        Extension::QuantitativeTypes,
    ),
    (
        "dtmi:dtdl:extension:historization;1",
        Extension::Historization,
    ),
    ("dtmi:dtdl:extension:annotation;1", Extension::Annotation),
    ("dtmi:dtdl:extension:overriding;1", Extension::Overriding),
    ("dtmi:dtdl:extension:mqtt;1", Extension::Mqtt),
];

/// The parsed `@context` of one document. Invariant: `version` is 2 or 3 and `extensions` is
/// empty for version 2.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DocContext {
    pub(crate) version: u8,
    pub(crate) extensions: Vec<Extension>,
}

impl DocContext {
    pub(crate) fn has(&self, ext: Extension) -> bool {
        self.extensions.contains(&ext)
    }

    /// Semantic types usable in this document (native in v2; QuantitativeTypes in v3).
    pub(crate) fn semantic_types(&self) -> &'static [SemanticType] {
        match (self.version, self.has(Extension::QuantitativeTypes)) {
            (2, _) => V2_SEMANTIC_TYPES,
            (_, true) => QT_V1_SEMANTIC_TYPES,
            _ => &[],
        }
    }

    /// Unit types usable in this document.
    pub(crate) fn unit_types(&self) -> &'static [UnitType] {
        match (self.version, self.has(Extension::QuantitativeTypes)) {
            (2, _) => V2_UNIT_TYPES,
            (_, true) => QT_V1_UNIT_TYPES,
            _ => &[],
        }
    }
}

/// Reads `@context`: a string or an array of strings whose first entry is the DTDL context.
pub(crate) fn parse_context(value: Option<&Value>) -> Result<DocContext, String> {
    let entries: Vec<&str> = match value {
        None => {
            return Err(format!(
                "@context is required; set it to \"{CONTEXT_V3}\" (or \"{CONTEXT_V2}\")"
            ));
        }
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(s) => out.push(s),
                    None => return Err(format!("@context entries must be strings, found {item}")),
                }
            }
            out
        }
        Some(other) => {
            return Err(format!(
                "@context must be a string or an array of strings, found {other}"
            ));
        }
    };
    let Some((first, rest)) = entries.split_first() else {
        return Err(format!(
            "@context is empty; its first entry must be \"{CONTEXT_V3}\""
        ));
    };
    if let Some(long) = entries.iter().find(|e| e.chars().count() > MAX_CONTEXT_LEN) {
        let head: String = long.chars().take(32).collect();
        return Err(format!(
            "@context entry '{head}…' is longer than {MAX_CONTEXT_LEN} characters"
        ));
    }
    let version = match *first {
        CONTEXT_V2 => 2,
        CONTEXT_V3 => 3,
        other if rest.iter().any(|e| *e == CONTEXT_V2 || *e == CONTEXT_V3) => {
            return Err(format!(
                "@context must list the DTDL context first, but starts with '{other}'"
            ));
        }
        other => {
            return Err(format!(
                "@context '{other}' is not a DTDL context; use \"{CONTEXT_V3}\" or \"{CONTEXT_V2}\""
            ));
        }
    };
    let mut extensions = Vec::new();
    for entry in rest {
        if *entry == *first {
            continue;
        }
        if version == 2 {
            return Err(format!(
                "@context '{entry}' is not supported with {CONTEXT_V2}: DTDL v2 models may only use the DTDL context"
            ));
        }
        match EXTENSION_CONTEXTS.iter().find(|(ctx, _)| ctx == entry) {
            Some((_, ext)) => extensions.push(*ext),
            None => {
                let supported: Vec<&str> = EXTENSION_CONTEXTS.iter().map(|(c, _)| *c).collect();
                return Err(format!(
                    "@context '{entry}' is not a supported DTDL extension (supported: {})",
                    supported.join(", ")
                ));
            }
        }
    }
    Ok(DocContext {
        version,
        extensions,
    })
}

/// True when `entry` is the context of an extension this crate implements for `version`.
pub(crate) fn is_known_extension(entry: &str, version: u8) -> bool {
    known_extension(entry, version).is_some()
}

/// The context specifier of an extension this crate implements for `version`, if `entry` is one.
pub(crate) fn known_extension(entry: &str, version: u8) -> Option<&'static str> {
    EXTENSION_CONTEXTS
        .iter()
        .find(|(c, _)| *c == entry && version == 3)
        .map(|(c, _)| *c)
}

/// The kinds of DTDL element a co-type can be applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ElementKind {
    Interface,
    Telemetry,
    Property,
    Command,
    CommandPayload,
    Relationship,
    Component,
    EnumValue,
    Field,
    MapKey,
    MapValue,
    ComplexSchema,
}

impl ElementKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ElementKind::Interface => "Interface",
            ElementKind::Telemetry => "Telemetry",
            ElementKind::Property => "Property",
            ElementKind::Command => "Command",
            ElementKind::CommandPayload => "CommandPayload",
            ElementKind::Relationship => "Relationship",
            ElementKind::Component => "Component",
            ElementKind::EnumValue => "EnumValue",
            ElementKind::Field => "Field",
            ElementKind::MapKey => "MapKey",
            ElementKind::MapValue => "MapValue",
            ElementKind::ComplexSchema => "schema",
        }
    }
}

/// A non-semantic adjunct type defined by an extension: its name, extension, the element kinds
/// it may co-type, and the extra properties it adds (`required`, `optional`).
pub(crate) struct AdjunctType {
    pub(crate) name: &'static str,
    pub(crate) extension: Extension,
    pub(crate) applies_to: &'static [ElementKind],
    pub(crate) required: &'static [&'static str],
    pub(crate) optional: &'static [&'static str],
}

pub(crate) const ADJUNCT_TYPES: &[AdjunctType] = &[
    AdjunctType {
        name: "Historized",
        extension: Extension::Historization,
        applies_to: &[ElementKind::Property, ElementKind::Telemetry],
        required: &[],
        optional: &[],
    },
    AdjunctType {
        name: "ValueAnnotation",
        extension: Extension::Annotation,
        applies_to: &[ElementKind::Property, ElementKind::Telemetry],
        required: &["annotates"],
        optional: &[],
    },
    AdjunctType {
        name: "Override",
        extension: Extension::Overriding,
        applies_to: &[ElementKind::Property],
        required: &["overrides"],
        optional: &[],
    },
    AdjunctType {
        name: "Mqtt",
        extension: Extension::Mqtt,
        applies_to: &[ElementKind::Interface],
        required: &["payloadFormat"],
        optional: &["telemetryTopic", "commandTopic"],
    },
    AdjunctType {
        name: "Idempotent",
        extension: Extension::Mqtt,
        applies_to: &[ElementKind::Command],
        required: &[],
        optional: &[],
    },
    AdjunctType {
        name: "Cacheable",
        extension: Extension::Mqtt,
        applies_to: &[ElementKind::Command],
        required: &["ttl"],
        optional: &[],
    },
    AdjunctType {
        name: "Indexed",
        extension: Extension::Mqtt,
        applies_to: &[
            ElementKind::EnumValue,
            ElementKind::Field,
            ElementKind::Telemetry,
        ],
        required: &["index"],
        optional: &[],
    },
];

/// Element kinds a semantic type may co-type in the given DTDL version.
pub(crate) fn semantic_type_targets(version: u8) -> &'static [ElementKind] {
    if version == 2 {
        &[ElementKind::Property, ElementKind::Telemetry]
    } else {
        &[
            ElementKind::Property,
            ElementKind::Telemetry,
            ElementKind::CommandPayload,
            ElementKind::Field,
            ElementKind::MapValue,
        ]
    }
}

/// The context specifier that defines `extension`.
pub(crate) fn extension_context(extension: Extension) -> &'static str {
    EXTENSION_CONTEXTS
        .iter()
        .find(|(_, e)| *e == extension)
        .map_or("", |(ctx, _)| ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: Value, expected: Result<(u8, usize), &str>) {
        let got = parse_context(Some(&value));
        match (got, expected) {
            (Ok(ctx), Ok((version, n_ext))) => {
                assert_eq!(
                    (ctx.version, ctx.extensions.len()),
                    (version, n_ext),
                    "{value}"
                )
            }
            (Err(msg), Err(fragment)) => assert!(msg.contains(fragment), "{value}: {msg}"),
            (got, expected) => panic!("{value}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn context_table() {
        check(json!("dtmi:dtdl:context;2"), Ok((2, 0)));
        check(json!("dtmi:dtdl:context;3"), Ok((3, 0)));
        check(
            json!(["dtmi:dtdl:context;3", "dtmi:dtdl:extension:historization;1"]),
            Ok((3, 1)),
        );
        check(
            json!([
                "dtmi:dtdl:context;3",
                "dtmi:dtdl:extension:quantitativeTypes;1",
                "dtmi:dtdl:extension:annotation;1"
            ]),
            Ok((3, 2)),
        );
        check(
            json!(["dtmi:dtdl:extension:historization;1", "dtmi:dtdl:context;3"]),
            Err("first"),
        );
        check(
            json!(["dtmi:dtdl:context;2", "dtmi:dtdl:extension:historization;1"]),
            Err("DTDL v2"),
        );
        check(
            json!(["dtmi:dtdl:context;3", "dtmi:dtdl:extension:bogus;1"]),
            Err("not a supported DTDL extension"),
        );
        check(json!("dtmi:dtdl:context;4"), Err("not a DTDL context"));
        check(json!([]), Err("empty"));
        check(json!(3), Err("string or an array"));
        assert!(parse_context(None).unwrap_err().contains("required"));
    }
}
