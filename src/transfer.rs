//! Import and export of a whole graph: models, twins and relationships with their properties.
//!
//! The formats:
//! - JSON: `{ "models": [...], "twins": [...], "relationships": [...] }`, each item in the shape
//!   the ADT data-plane API uses (DTDL documents; twins with `$dtId` and `$metadata.$model`;
//!   relationships with `$relationshipId`, `$sourceId`, `$targetId`, `$relationshipName`).
//! - ADT import-job NDJSON: `{"Section": "Header"}` then one header line
//!   (`fileVersion`, `author`, `organization`), then the optional sections `Models`, `Twins`,
//!   `Relationships` in that order, one item per line. In the `Relationships` section the
//!   source twin is `$dtId`.
//! - Azure Digital Twins Explorer's JSON export, `{"digitalTwinsFileInfo": {"fileVersion":
//!   "1.0.0"}, "digitalTwinsGraph": {"digitalTwins": [...], "relationships": [...]},
//!   "digitalTwinsModels": [...]}`, read (its items as the API returns them, `$etag` and
//!   per-property `$metadata` included: the plan leaves the service's state out as for any
//!   file) and written for importing there.
//! - Import only: Azure Digital Twins Explorer's spreadsheet (`.xlsx`), twins and
//!   relationships without models ([`explorer_sheet`], read by [`xlsx`]). Only the import
//!   screen refers to it, so its code is in that screen's lazily loaded wasm module.
//!
//! Pure: no I/O. Parsing reports every problem at once, each with its line (NDJSON), its item
//! (JSON) or its row and column (spreadsheet). [`ImportPlan`] orders the work (models first,
//! in dependency order and in uploads of at most [`dtdl::MAX_MODELS_PER_BATCH`], then twins,
//! then relationships); [`ImportPlan::execute`] runs it through a caller-supplied call and
//! reports what failed.

pub mod explorer_sheet;
pub mod xlsx;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::future::Future;

use serde_json::{Map, Value, json};

use crate::model_set::in_dependency_order;
pub use explorer_sheet::import_xlsx;
use xlsx::XlsxError;

/// The import-job file version this module reads and writes.
pub const NDJSON_FILE_VERSION: &str = "1.0.0";
/// Models per upload (ADT's limit for one `POST /models`).
pub const MODELS_PER_UPLOAD: usize = dtdl::MAX_MODELS_PER_BATCH;

/// The sections of an import-job file, in the order they must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Header,
    Models,
    Twins,
    Relationships,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Header,
        Section::Models,
        Section::Twins,
        Section::Relationships,
    ];

    /// The name as written in the file (`{"Section": "Models"}`).
    pub fn name(self) -> &'static str {
        match self {
            Section::Header => "Header",
            Section::Models => "Models",
            Section::Twins => "Twins",
            Section::Relationships => "Relationships",
        }
    }

    /// Where this section's array is in an Azure Digital Twins Explorer JSON export.
    fn explorer_key(self) -> &'static str {
        match self {
            Section::Header => "digitalTwinsFileInfo",
            Section::Models => "digitalTwinsModels",
            Section::Twins => "digitalTwinsGraph.digitalTwins",
            Section::Relationships => "digitalTwinsGraph.relationships",
        }
    }

    /// The key of this section's array in the JSON format.
    fn json_key(self) -> &'static str {
        match self {
            Section::Header => "header",
            Section::Models => "models",
            Section::Twins => "twins",
            Section::Relationships => "relationships",
        }
    }

    fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A whole graph. Invariant after parsing: every model has a string `@id`; every twin a string
/// `$dtId` and `$metadata.$model`; every relationship string `$relationshipId`, `$sourceId`,
/// `$targetId` and `$relationshipName`; twin ids and (source, relationship id) pairs unique.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// DTDL documents.
    pub models: Vec<Value>,
    pub twins: Vec<Value>,
    pub relationships: Vec<Value>,
}

/// The header line of an import-job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub file_version: String,
    pub author: String,
    pub organization: String,
}

impl Header {
    /// A header for a file written now by `author` of `organization`.
    pub fn new(author: impl Into<String>, organization: impl Into<String>) -> Header {
        Header {
            file_version: NDJSON_FILE_VERSION.to_owned(),
            author: author.into(),
            organization: organization.into(),
        }
    }
}

/// A format files are exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Ndjson,
    /// Azure Digital Twins Explorer's JSON export layout, for importing there.
    ExplorerJson,
}

/// The layout an imported file was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Json,
    Ndjson,
    /// Azure Digital Twins Explorer's JSON export.
    ExplorerJson,
    /// Azure Digital Twins Explorer's spreadsheet ([`explorer_sheet`]): the first sheet of
    /// an `.xlsx` workbook, `rows` rows below its header.
    ExplorerSheet {
        sheet: String,
        rows: usize,
    },
}

impl Layout {
    /// What was read, for the person who chose the file.
    pub fn describe(&self) -> String {
        match self {
            Layout::Json => "a JSON graph (models, twins and relationships)".to_owned(),
            Layout::Ndjson => {
                "an import-job NDJSON file (models, twins and relationships)".to_owned()
            }
            Layout::ExplorerJson => {
                "an Azure Digital Twins Explorer JSON export (models, twins and relationships)"
                    .to_owned()
            }
            Layout::ExplorerSheet { sheet, rows } => format!(
                "an Azure Digital Twins Explorer spreadsheet: sheet '{sheet}', {rows} {} of twins and relationships",
                if *rows == 1 { "row" } else { "rows" }
            ),
        }
    }

    /// Whether files of this layout can hold models (a spreadsheet cannot).
    pub fn holds_models(&self) -> bool {
        !matches!(self, Layout::ExplorerSheet { .. })
    }
}

/// A parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub layout: Layout,
    /// Present for NDJSON.
    pub header: Option<Header>,
    pub graph: Graph,
}

/// Where in the file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of an NDJSON file.
    Line(usize),
    /// Item `index` (0-based) of an array of the JSON format.
    Item { section: Section, index: usize },
    /// Item `index` (0-based) of an array of an Azure Digital Twins Explorer JSON export.
    ExplorerItem { section: Section, index: usize },
    /// A cell of a spreadsheet: its 1-based row and the header of its column.
    Cell { row: u32, column: &'static str },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Item { section, index } => write!(f, "{}[{index}]", section.json_key()),
            Location::ExplorerItem { section, index } => {
                write!(f, "{}[{index}]", section.explorer_key())
            }
            Location::Cell { row, column } => write!(f, "row {row}, column {column}"),
        }
    }
}

/// One problem in an imported file. Each names its place and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("line {line}, column {column}: not valid JSON ({message})")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "the file must be a JSON object with \"models\", \"twins\" and \"relationships\" arrays (or an Azure Digital Twins Explorer export, with \"digitalTwinsGraph\" and \"digitalTwinsModels\"): {problem}"
    )]
    NotAGraph { problem: String },
    #[error("this Azure Digital Twins Explorer export cannot be read: {problem}")]
    NotAnExplorerExport { problem: String },
    #[error("{at}: expected a JSON object")]
    NotAnObject { at: Location },
    #[error("{at}: '{field}' is missing or not a string")]
    MissingField { at: Location, field: &'static str },
    #[error(
        "line {line}: unknown section '{name}'; the sections are Header, Models, Twins and Relationships"
    )]
    UnknownSection { line: usize, name: String },
    #[error(
        "line {line}: section {section} comes after {after}; the order is Header, Models, Twins, Relationships, each at most once"
    )]
    SectionOrder {
        line: usize,
        section: &'static str,
        after: &'static str,
    },
    #[error("line {line}: the file must start with {{\"Section\": \"Header\"}}")]
    MissingHeader { line: usize },
    #[error(
        "line {line}: the Header section must hold exactly one line with fileVersion, author and organization"
    )]
    BadHeader { line: usize },
    #[error("line {line}: fileVersion '{found}' is not supported; use \"{NDJSON_FILE_VERSION}\"")]
    FileVersion { line: usize, found: String },
    #[error("{at}: {what} '{id}' appears more than once (first at {first})")]
    Duplicate {
        at: Location,
        what: &'static str,
        id: String,
        first: Location,
    },
    #[error("the spreadsheet cannot be read: {0}")]
    Workbook(XlsxError),
    #[error(
        "sheet '{sheet}' is empty: its first row must name the columns {}",
        quoted(&explorer_sheet::Column::ALL.map(explorer_sheet::Column::header))
    )]
    EmptySheet { sheet: String },
    #[error(
        "sheet '{sheet}', row {row}: the header row lacks {}; it has {}",
        quoted(.missing),
        if .found.is_empty() { "nothing".to_owned() } else { quoted(.found) }
    )]
    MissingColumns {
        sheet: String,
        row: u32,
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    #[error("{at}: the twin ID is empty")]
    MissingTwinId { at: Location },
    #[error("{at}: the cell holds the spreadsheet error {value}")]
    CellError { at: Location, value: String },
    #[error("{at}: not valid JSON ({message})")]
    CellJson { at: Location, message: String },
    #[error("{at}: not a JSON object: {found}")]
    NotAJsonObject { at: Location, found: String },
    #[error("{at}: the relationship from '{source_twin}' has no name")]
    MissingRelationshipName { at: Location, source_twin: String },
    #[error("{at}: empty, but the row names a relationship")]
    MissingRelationshipSource { at: Location },
    #[error(
        "{at}: empty, and no earlier row has twin '{id}' (a row without a model adds a relationship to the twin of an earlier row)"
    )]
    NoModel { at: Location, id: String },
    #[error(
        "row {row}: nothing to import (twin '{id}' is on an earlier row and this row names no relationship)"
    )]
    NothingToImport { row: u32, id: String },
    #[error("the browser gave no random numbers for the relationship ids")]
    NoRandomness,
}

/// `'a', 'b' and 'c'`.
fn quoted<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| format!("'{}'", s.as_ref())).collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The error list of a refused file. Invariant: never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportErrors(pub Vec<ImportError>);

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ImportErrors {}

// ---------------------------------------------------------------------------------------------
// Export

/// A twin as it can be created again: without `$etag`, and with `$metadata` reduced to
/// `$model` (per-property times are the service's, not the user's). Components keep an empty
/// `$metadata`, which twin creation requires.
fn exportable_twin(twin: &Value) -> Value {
    let Some(object) = twin.as_object() else {
        return twin.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        match key.as_str() {
            "$etag" => {}
            "$metadata" => {
                let model = value.get("$model").cloned().unwrap_or(Value::Null);
                out.insert(key.clone(), json!({ "$model": model }));
            }
            _ => {
                let value = match value {
                    Value::Object(component) if component.contains_key("$metadata") => {
                        let mut component = component.clone();
                        component.insert("$metadata".to_owned(), json!({}));
                        Value::Object(component)
                    }
                    other => other.clone(),
                };
                out.insert(key.clone(), value);
            }
        }
    }
    Value::Object(out)
}

/// A relationship without `$etag`.
fn exportable_relationship(relationship: &Value) -> Value {
    let mut out = relationship.clone();
    if let Some(object) = out.as_object_mut() {
        object.remove("$etag");
    }
    out
}

/// The graph as the JSON format (pretty-printed). Twins and relationships lose their server
/// state (`$etag`, update times) so the file can be imported elsewhere.
pub fn export_json(graph: &Graph) -> String {
    let document = json!({
        "models": graph.models,
        "twins": graph.twins.iter().map(exportable_twin).collect::<Vec<_>>(),
        "relationships": graph.relationships.iter().map(exportable_relationship).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// The graph in Azure Digital Twins Explorer's JSON export layout (file version 1.0.0), which
/// that tool's "Import graph" reads: items as [`export_json`] writes them.
pub fn export_explorer_json(graph: &Graph) -> String {
    let document = json!({
        "digitalTwinsFileInfo": {"fileVersion": "1.0.0"},
        "digitalTwinsGraph": {
            "digitalTwins": graph.twins.iter().map(exportable_twin).collect::<Vec<_>>(),
            "relationships": graph.relationships.iter().map(exportable_relationship).collect::<Vec<_>>(),
        },
        "digitalTwinsModels": graph.models,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// The graph as an import-job NDJSON file (one JSON value per line, ending with a newline).
/// Empty sections are still written, so the file says what it holds.
pub fn export_ndjson(graph: &Graph, header: &Header) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut push = |value: &Value| lines.push(value.to_string());
    push(&json!({"Section": Section::Header.name()}));
    push(&json!({
        "fileVersion": header.file_version,
        "author": header.author,
        "organization": header.organization,
    }));
    push(&json!({"Section": Section::Models.name()}));
    graph.models.iter().for_each(&mut push);
    push(&json!({"Section": Section::Twins.name()}));
    graph
        .twins
        .iter()
        .map(exportable_twin)
        .for_each(|t| push(&t));
    push(&json!({"Section": Section::Relationships.name()}));
    for relationship in &graph.relationships {
        let mut line = exportable_relationship(relationship);
        if let Some(object) = line.as_object_mut()
            && let Some(source) = object.remove("$sourceId")
        {
            object.insert("$dtId".to_owned(), source);
        }
        push(&line);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// Import

/// Parses a chosen file in any layout: an `.xlsx` workbook (by its name, or its bytes: a ZIP
/// archive or an OLE compound file, such as an encrypted workbook) with [`import_xlsx`],
/// anything else as text with [`import`] (UTF-8, invalid sequences replaced and a byte-order
/// mark dropped, as the browser's `File.text()` reads it).
pub fn import_file(name: &str, bytes: &[u8]) -> Result<Imported, ImportErrors> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const COMPOUND_FILE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".xlsx") || bytes.starts_with(ZIP) || bytes.starts_with(COMPOUND_FILE) {
        return import_xlsx(bytes);
    }
    let text = String::from_utf8_lossy(bytes);
    import(text.strip_prefix('\u{feff}').unwrap_or(&text))
}

/// Parses either text format: NDJSON when the first non-blank line is a `{"Section": …}`
/// object, JSON otherwise.
pub fn import(text: &str) -> Result<Imported, ImportErrors> {
    let first = text.lines().find(|l| !l.trim().is_empty());
    let Some(first) = first else {
        return Err(ImportErrors(vec![ImportError::Empty]));
    };
    let looks_like_section = serde_json::from_slice::<Value>(first.as_bytes())
        .ok()
        .is_some_and(|v| v.get("Section").is_some());
    if looks_like_section {
        import_ndjson(text)
    } else {
        import_json(text)
    }
}

/// Parses the JSON format. Missing arrays count as empty; other keys are refused.
pub fn import_json(text: &str) -> Result<Imported, ImportErrors> {
    if text.trim().is_empty() {
        return Err(ImportErrors(vec![ImportError::Empty]));
    }
    let document: Value = serde_json::from_slice(text.as_bytes()).map_err(|e| {
        ImportErrors(vec![ImportError::InvalidJson {
            line: e.line(),
            column: e.column(),
            message: json_message(&e),
        }])
    })?;
    let Value::Object(mut object) = document else {
        return Err(not_a_graph("the top level is not an object"));
    };
    if EXPLORER_KEYS.iter().any(|k| object.contains_key(*k)) {
        return import_explorer_json(object);
    }
    let mut sections = BTreeMap::new();
    for section in [Section::Models, Section::Twins, Section::Relationships] {
        match object.remove(section.json_key()) {
            None => {
                sections.insert(section, Vec::new());
            }
            Some(Value::Array(items)) => {
                sections.insert(section, items);
            }
            Some(_) => {
                return Err(not_a_graph(&format!(
                    "\"{}\" is not an array",
                    section.json_key()
                )));
            }
        }
    }
    if let Some(extra) = object.keys().next() {
        return Err(not_a_graph(&format!("unknown key \"{extra}\"")));
    }
    let mut items = Items::default();
    for (section, values) in sections {
        for (index, value) in values.into_iter().enumerate() {
            items.push(section, Location::Item { section, index }, value);
        }
    }
    items.finish(Layout::Json, None)
}

/// The top-level keys of an Azure Digital Twins Explorer JSON export.
const EXPLORER_KEYS: [&str; 3] = [
    "digitalTwinsFileInfo",
    "digitalTwinsGraph",
    "digitalTwinsModels",
];

/// Reads an Azure Digital Twins Explorer JSON export (its top level, already parsed). A missing
/// array counts as empty; a file version other than 1.x and keys it does not have are refused.
fn import_explorer_json(mut object: Map<String, Value>) -> Result<Imported, ImportErrors> {
    let refuse = |problem: String| ImportErrors(vec![ImportError::NotAnExplorerExport { problem }]);
    match object.remove("digitalTwinsFileInfo") {
        None => {}
        Some(Value::Object(info)) => match info.get("fileVersion") {
            None => {}
            Some(Value::String(v)) if v == "1" || v.starts_with("1.") => {}
            Some(other) => {
                return Err(refuse(format!(
                    "its file version is {other}; this app reads version 1.0.0"
                )));
            }
        },
        Some(_) => return Err(refuse("\"digitalTwinsFileInfo\" is not an object".into())),
    }
    let array = |value: Option<Value>, name: &str| match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(refuse(format!("\"{name}\" is not an array"))),
    };
    let mut sections = vec![(
        Section::Models,
        array(object.remove("digitalTwinsModels"), "digitalTwinsModels")?,
    )];
    match object.remove("digitalTwinsGraph") {
        None => {}
        Some(Value::Object(mut graph)) => {
            for section in [Section::Twins, Section::Relationships] {
                let key = section.explorer_key();
                let inner = &key["digitalTwinsGraph.".len()..];
                sections.push((section, array(graph.remove(inner), key)?));
            }
            if let Some(extra) = graph.keys().next() {
                return Err(refuse(format!(
                    "unknown key \"{extra}\" in \"digitalTwinsGraph\" (it holds \"digitalTwins\" and \"relationships\")"
                )));
            }
        }
        Some(_) => return Err(refuse("\"digitalTwinsGraph\" is not an object".into())),
    }
    if let Some(extra) = object.keys().next() {
        return Err(refuse(format!(
            "unknown key \"{extra}\" (it holds \"digitalTwinsFileInfo\", \"digitalTwinsGraph\" and \"digitalTwinsModels\")"
        )));
    }
    let mut items = Items::default();
    for (section, values) in sections {
        for (index, value) in values.into_iter().enumerate() {
            items.push(section, Location::ExplorerItem { section, index }, value);
        }
    }
    items.finish(Layout::ExplorerJson, None)
}

/// Parses an import-job NDJSON file. Blank lines are ignored; every other line must be one
/// JSON object.
pub fn import_ndjson(text: &str) -> Result<Imported, ImportErrors> {
    let mut errors = Vec::new();
    let mut current: Option<Section> = None;
    let mut seen_header_line = false;
    let mut header: Option<Header> = None;
    let mut items = Items::default();
    let mut any_line = false;

    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        any_line = true;
        let value: Value = match serde_json::from_slice(raw.as_bytes()) {
            Ok(v) => v,
            Err(e) => {
                errors.push(ImportError::InvalidJson {
                    line,
                    column: e.column(),
                    message: json_message(&e),
                });
                continue;
            }
        };
        if let Some(marker) = section_marker(&value) {
            let Some(section) = Section::from_name(marker) else {
                errors.push(ImportError::UnknownSection {
                    line,
                    name: marker.to_owned(),
                });
                // Nothing after an unknown section can be trusted to belong anywhere.
                return Err(ImportErrors(errors));
            };
            match current {
                None if section != Section::Header => {
                    errors.push(ImportError::MissingHeader { line });
                    return Err(ImportErrors(errors));
                }
                Some(previous) if section <= previous => {
                    errors.push(ImportError::SectionOrder {
                        line,
                        section: section.name(),
                        after: previous.name(),
                    });
                    return Err(ImportErrors(errors));
                }
                Some(Section::Header) if !seen_header_line => {
                    errors.push(ImportError::BadHeader { line });
                }
                _ => {}
            }
            current = Some(section);
            continue;
        }
        match current {
            None => {
                errors.push(ImportError::MissingHeader { line });
                return Err(ImportErrors(errors));
            }
            Some(Section::Header) => {
                if seen_header_line {
                    errors.push(ImportError::BadHeader { line });
                    continue;
                }
                seen_header_line = true;
                match read_header(&value, line) {
                    Ok(h) => header = Some(h),
                    Err(e) => errors.push(e),
                }
            }
            Some(section) => {
                let value = if section == Section::Relationships {
                    source_from_dt_id(value)
                } else {
                    value
                };
                items.push(section, Location::Line(line), value);
            }
        }
    }
    if !any_line {
        return Err(ImportErrors(vec![ImportError::Empty]));
    }
    if current == Some(Section::Header) && !seen_header_line {
        errors.push(ImportError::BadHeader {
            line: text.lines().count(),
        });
    }
    items.errors.splice(0..0, errors);
    items.finish(Layout::Ndjson, header)
}

/// `Some(name)` when `value` is exactly `{"Section": name}`.
fn section_marker(value: &Value) -> Option<&str> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.get("Section")?.as_str()
}

fn read_header(value: &Value, line: usize) -> Result<Header, ImportError> {
    let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    let (Some(file_version), Some(author), Some(organization)) =
        (field("fileVersion"), field("author"), field("organization"))
    else {
        return Err(ImportError::BadHeader { line });
    };
    if file_version != NDJSON_FILE_VERSION {
        return Err(ImportError::FileVersion {
            line,
            found: file_version,
        });
    }
    Ok(Header {
        file_version,
        author,
        organization,
    })
}

/// NDJSON relationships name their source `$dtId`; the API shape is `$sourceId`.
fn source_from_dt_id(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut()
        && !object.contains_key("$sourceId")
        && let Some(source) = object.remove("$dtId")
    {
        object.insert("$sourceId".to_owned(), source);
    }
    value
}

fn not_a_graph(problem: &str) -> ImportErrors {
    ImportErrors(vec![ImportError::NotAGraph {
        problem: problem.to_owned(),
    }])
}

/// serde_json's message without its own " at line X column Y" suffix (we report the place).
fn json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Items being collected from either format, checked one by one.
#[derive(Debug, Default)]
struct Items {
    graph: Graph,
    errors: Vec<ImportError>,
    model_ids: HashMap<String, Location>,
    twin_ids: HashMap<String, Location>,
    relationship_ids: HashMap<(String, String), Location>,
}

impl Items {
    fn push(&mut self, section: Section, at: Location, value: Value) {
        if !value.is_object() {
            self.errors.push(ImportError::NotAnObject { at });
            return;
        }
        let required: &[(&'static str, &str)] = match section {
            Section::Models => &[("@id", "/@id")],
            Section::Twins => &[
                ("$dtId", "/$dtId"),
                ("$metadata.$model", "/$metadata/$model"),
            ],
            Section::Relationships => &[
                ("$relationshipId", "/$relationshipId"),
                ("$sourceId", "/$sourceId"),
                ("$targetId", "/$targetId"),
                ("$relationshipName", "/$relationshipName"),
            ],
            Section::Header => &[],
        };
        let mut ok = true;
        for &(field, pointer) in required {
            if value.pointer(pointer).and_then(Value::as_str).is_none() {
                // NDJSON spells the relationship source `$dtId`.
                let field = if field == "$sourceId" && matches!(at, Location::Line(_)) {
                    "$dtId"
                } else {
                    field
                };
                self.errors.push(ImportError::MissingField {
                    at: at.clone(),
                    field,
                });
                ok = false;
            }
        }
        if !ok {
            return;
        }
        let text = |p: &str| {
            value
                .pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let duplicate = match section {
            Section::Models => check_unique(&mut self.model_ids, text("/@id"), &at, "model"),
            Section::Twins => check_unique(&mut self.twin_ids, text("/$dtId"), &at, "twin"),
            Section::Relationships => {
                let key = (text("/$sourceId"), text("/$relationshipId"));
                match self.relationship_ids.get(&key) {
                    Some(first) => Some(ImportError::Duplicate {
                        at: at.clone(),
                        what: "relationship",
                        id: format!("{}/{}", key.0, key.1),
                        first: first.clone(),
                    }),
                    None => {
                        self.relationship_ids.insert(key, at.clone());
                        None
                    }
                }
            }
            Section::Header => None,
        };
        if let Some(e) = duplicate {
            self.errors.push(e);
            return;
        }
        match section {
            Section::Models => self.graph.models.push(value),
            Section::Twins => self.graph.twins.push(value),
            Section::Relationships => self.graph.relationships.push(value),
            Section::Header => {}
        }
    }

    fn finish(self, layout: Layout, header: Option<Header>) -> Result<Imported, ImportErrors> {
        if self.errors.is_empty() {
            Ok(Imported {
                layout,
                header,
                graph: self.graph,
            })
        } else {
            Err(ImportErrors(self.errors))
        }
    }
}

fn check_unique(
    seen: &mut HashMap<String, Location>,
    id: String,
    at: &Location,
    what: &'static str,
) -> Option<ImportError> {
    if let Some(first) = seen.get(&id) {
        return Some(ImportError::Duplicate {
            at: at.clone(),
            what,
            id,
            first: first.clone(),
        });
    }
    seen.insert(id, at.clone());
    None
}

// ---------------------------------------------------------------------------------------------
// Plan and report

/// One call to make against the instance.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `POST /models` with these documents (at most [`MODELS_PER_UPLOAD`]).
    Models(Vec<Value>),
    /// `PUT /digitaltwins/{id}`.
    Twin { id: String, twin: Value },
    /// `PUT /digitaltwins/{source}/relationships/{id}`.
    Relationship {
        source: String,
        id: String,
        relationship: Value,
    },
}

impl Step {
    /// A short description for the report: "models A, B", "twin X", "relationship X/r1".
    pub fn describe(&self) -> String {
        match self {
            Step::Models(models) => {
                let ids: Vec<&str> = models.iter().map(model_id).collect();
                format!("models {}", ids.join(", "))
            }
            Step::Twin { id, .. } => format!("twin {id}"),
            Step::Relationship { source, id, .. } => format!("relationship {source}/{id}"),
        }
    }
}

fn model_id(model: &Value) -> &str {
    model.get("@id").and_then(Value::as_str).unwrap_or_default()
}

/// The calls that import a graph, in an order the service accepts: models (each after the
/// models it `extends` or uses as a component or schema, in uploads of at most
/// [`MODELS_PER_UPLOAD`]), then twins, then relationships.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    pub steps: Vec<Step>,
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not attempted because something it needs failed.
    Skipped(String),
    /// Not sent: the import was stopped before it came to this step.
    Stopped,
}

/// The result of [`ImportPlan::execute`], one outcome per step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub outcomes: Vec<(String, Outcome)>,
}

impl ImportReport {
    pub fn done(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Done))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// Steps not sent because the import was stopped.
    pub fn stopped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Stopped))
    }

    /// Steps that failed or were skipped, with the reason (not those left unsent by Stop:
    /// [`ImportReport::stopped`] counts them).
    pub fn problems(&self) -> impl Iterator<Item = (&str, &str)> {
        self.outcomes.iter().filter_map(|(what, o)| match o {
            Outcome::Done => None,
            Outcome::Failed(r) | Outcome::Skipped(r) => Some((what.as_str(), r.as_str())),
            Outcome::Stopped => None,
        })
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, o)| f(o)).count()
    }
}

impl ImportPlan {
    /// The plan for `graph` (as parsed by [`import`]).
    pub fn new(graph: &Graph) -> ImportPlan {
        let mut steps: Vec<Step> = in_dependency_order(&graph.models)
            .chunks(MODELS_PER_UPLOAD)
            .map(|chunk| Step::Models(chunk.to_vec()))
            .collect();
        for twin in &graph.twins {
            let id = twin
                .get("$dtId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            steps.push(Step::Twin {
                id: id.to_owned(),
                twin: exportable_twin(twin),
            });
        }
        for relationship in &graph.relationships {
            let field = |n: &str| {
                relationship
                    .get(n)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            steps.push(Step::Relationship {
                source: field("$sourceId"),
                id: field("$relationshipId"),
                relationship: exportable_relationship(relationship),
            });
        }
        ImportPlan { steps }
    }

    /// Runs every step through `call` in order. A twin whose model failed to upload, and a
    /// relationship whose source or target twin failed, is skipped rather than sent. Once
    /// `stopped()` says so (asked before each step), the steps left are not sent
    /// ([`Outcome::Stopped`]); the step being sent then finishes first.
    pub async fn execute<F, Fut>(&self, stopped: impl Fn() -> bool, mut call: F) -> ImportReport
    where
        F: FnMut(&Step) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        let mut failed_models: BTreeSet<String> = BTreeSet::new();
        let mut failed_twins: BTreeSet<String> = BTreeSet::new();
        let mut outcomes = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let skip = match step {
                Step::Models(_) => None,
                Step::Twin { twin, .. } => {
                    let model = twin
                        .pointer("/$metadata/$model")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    failed_models
                        .contains(model)
                        .then(|| format!("its model {model} was not uploaded"))
                }
                Step::Relationship {
                    source,
                    relationship,
                    ..
                } => {
                    let target = relationship
                        .get("$targetId")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    [source.as_str(), target]
                        .into_iter()
                        .find(|t| failed_twins.contains(*t))
                        .map(|t| format!("twin {t} was not created"))
                }
            };
            if stopped() {
                outcomes.push((step.describe(), Outcome::Stopped));
                continue;
            }
            let outcome = match skip {
                Some(reason) => Outcome::Skipped(reason),
                None => match call(step).await {
                    Ok(()) => Outcome::Done,
                    Err(reason) => Outcome::Failed(reason),
                },
            };
            if outcome != Outcome::Done {
                match step {
                    Step::Models(models) => {
                        failed_models.extend(models.iter().map(|m| model_id(m).to_owned()));
                    }
                    Step::Twin { id, .. } => {
                        failed_twins.insert(id.clone());
                    }
                    Step::Relationship { .. } => {}
                }
            }
            outcomes.push((step.describe(), outcome));
        }
        ImportReport { outcomes }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    fn sample() -> Graph {
        Graph {
            models: vec![
                json!({"@id": "dtmi:x:Room;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
                       "extends": "dtmi:x:Space;1",
                       "contents": [{"@type": "Relationship", "name": "feeds", "target": "dtmi:x:Room;1"}]}),
                json!({"@id": "dtmi:x:Space;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
                       "contents": [{"@type": "Property", "name": "name", "schema": "string"}]}),
            ],
            twins: vec![
                json!({"$dtId": "r1", "$metadata": {"$model": "dtmi:x:Room;1"}, "name": "Lobby"}),
                json!({"$dtId": "r2", "$metadata": {"$model": "dtmi:x:Room;1"}, "name": "Hall \"B\"\nnorth"}),
            ],
            relationships: vec![json!({
                "$relationshipId": "f1", "$sourceId": "r1", "$targetId": "r2",
                "$relationshipName": "feeds", "since": "2024-01-01"
            })],
        }
    }

    /// Polls a future that never waits (the tests' calls are synchronous).
    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn json_round_trips() {
        let graph = sample();
        let text = export_json(&graph);
        let back = import(&text).expect("valid export");
        assert_eq!(back.layout, Layout::Json);
        assert_eq!(back.header, None);
        assert_eq!(back.graph, graph);
    }

    /// `graph` as Azure Digital Twins Explorer exports it: items as the API returns them.
    fn explorer_export(graph: &Graph) -> Value {
        let with_state = |twin: &Value| {
            let mut twin = twin.clone();
            twin["$etag"] = json!("W/\"5a1f\"");
            twin["$metadata"]["$lastUpdateTime"] = json!("2024-05-01T10:00:00.1234567Z");
            twin["$metadata"]["name"] = json!({"lastUpdateTime": "2024-05-01T10:00:00Z"});
            twin
        };
        json!({
            "digitalTwinsFileInfo": {"fileVersion": "1.0.0"},
            "digitalTwinsGraph": {
                "digitalTwins": graph.twins.iter().map(with_state).collect::<Vec<_>>(),
                "relationships": graph.relationships.iter().map(|r| {
                    let mut r = r.clone();
                    r["$etag"] = json!("W/\"77\"");
                    r
                }).collect::<Vec<_>>(),
            },
            "digitalTwinsModels": graph.models,
        })
    }

    #[test]
    fn an_explorer_json_export_is_read_and_planned_without_the_services_state() {
        let graph = sample();
        let file = explorer_export(&graph);
        let read = import_file("graph.json", file.to_string().as_bytes()).expect("an export");
        assert_eq!(read.layout, Layout::ExplorerJson);
        assert!(read.layout.holds_models());
        assert_eq!(read.graph.models, graph.models);
        assert_eq!(read.graph.twins.len(), 2);
        assert_eq!(read.graph.relationships.len(), 1);
        // The plan sends what the person's file says, not the service's state it carried.
        let plan = ImportPlan::new(&read.graph);
        let planned = |id: &str| {
            plan.steps
                .iter()
                .find_map(|s| match s {
                    Step::Twin { id: i, twin } if i == id => Some(twin.clone()),
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(planned("r1"), graph.twins[0]);
        assert_eq!(planned("r2"), graph.twins[1]);
        assert!(plan.steps.iter().any(|s| matches!(s,
            Step::Relationship { relationship, .. } if relationship.get("$etag").is_none()
                && relationship["since"] == "2024-01-01")));
        // Parts may be missing (an export of a graph without relationships, or models only).
        let models_only = json!({"digitalTwinsModels": graph.models});
        let read = import(&models_only.to_string()).unwrap();
        assert_eq!((read.graph.models.len(), read.graph.twins.len()), (2, 0));
    }

    #[test]
    fn the_explorer_layout_round_trips() {
        let graph = sample();
        let text = export_explorer_json(&graph);
        let document: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            document["digitalTwinsFileInfo"],
            json!({"fileVersion": "1.0.0"})
        );
        assert_eq!(
            document["digitalTwinsGraph"]["digitalTwins"][0]["$dtId"],
            "r1"
        );
        assert_eq!(
            document["digitalTwinsModels"].as_array().map(Vec::len),
            Some(2)
        );
        let back = import(&text).expect("its own export");
        assert_eq!(back.layout, Layout::ExplorerJson);
        assert_eq!(back.graph, graph);
    }

    #[test]
    fn a_broken_explorer_export_says_where() {
        let check = |file: Value, expected: &[&str]| {
            let errors: Vec<String> = errors_of(&file.to_string())
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(errors, expected, "{file}");
        };
        let twin = json!({"$dtId": "a", "$metadata": {"$model": "dtmi:x:A;1"}});
        check(
            json!({"digitalTwinsGraph": {"digitalTwins": [twin, {"$dtId": "b"}, twin, 7]}}),
            &[
                "digitalTwinsGraph.digitalTwins[1]: '$metadata.$model' is missing or not a string",
                "digitalTwinsGraph.digitalTwins[2]: twin 'a' appears more than once (first at digitalTwinsGraph.digitalTwins[0])",
                "digitalTwinsGraph.digitalTwins[3]: expected a JSON object",
            ],
        );
        check(
            json!({"digitalTwinsGraph": {"relationships": [{"$relationshipId": "r", "$targetId": "b", "$relationshipName": "n"}]}}),
            &["digitalTwinsGraph.relationships[0]: '$sourceId' is missing or not a string"],
        );
        check(
            json!({"digitalTwinsModels": [{"@type": "Interface"}]}),
            &["digitalTwinsModels[0]: '@id' is missing or not a string"],
        );
        let refused = |problem: &str| {
            vec![format!(
                "this Azure Digital Twins Explorer export cannot be read: {problem}"
            )]
        };
        for (file, problem) in [
            (
                json!({"digitalTwinsFileInfo": {"fileVersion": "2.0.0"}}),
                "its file version is \"2.0.0\"; this app reads version 1.0.0",
            ),
            (
                json!({"digitalTwinsFileInfo": "1.0.0"}),
                "\"digitalTwinsFileInfo\" is not an object",
            ),
            (
                json!({"digitalTwinsGraph": []}),
                "\"digitalTwinsGraph\" is not an object",
            ),
            (
                json!({"digitalTwinsGraph": {"digitalTwins": {}}}),
                "\"digitalTwinsGraph.digitalTwins\" is not an array",
            ),
            (
                json!({"digitalTwinsModels": {}}),
                "\"digitalTwinsModels\" is not an array",
            ),
            (
                json!({"digitalTwinsGraph": {"twins": []}}),
                "unknown key \"twins\" in \"digitalTwinsGraph\" (it holds \"digitalTwins\" and \"relationships\")",
            ),
            (
                json!({"digitalTwinsModels": [], "twins": []}),
                "unknown key \"twins\" (it holds \"digitalTwinsFileInfo\", \"digitalTwinsGraph\" and \"digitalTwinsModels\")",
            ),
        ] {
            let expected = refused(problem);
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            check(file, &expected);
        }
    }

    #[test]
    fn ndjson_round_trips_with_one_value_per_line() {
        let graph = sample();
        let header = Header::new("ada@contoso.com", "Contoso");
        let text = export_ndjson(&graph, &header);
        // Header marker + header + 3 markers + 2 models + 2 twins + 1 relationship.
        assert_eq!(text.lines().count(), 10);
        assert!(
            text.lines()
                .all(|l| serde_json::from_str::<Value>(l).is_ok())
        );
        let relationship_line = text.lines().last().expect("lines");
        assert!(relationship_line.contains("\"$dtId\":\"r1\""));
        assert!(!relationship_line.contains("$sourceId"));

        let back = import(&text).expect("valid export");
        assert_eq!(back.layout, Layout::Ndjson);
        assert_eq!(back.header, Some(header));
        assert_eq!(back.graph, graph);
    }

    #[test]
    fn export_drops_server_state() {
        let mut graph = sample();
        graph.twins[0] = json!({
            "$dtId": "r1", "$etag": "W/\"1\"",
            "$metadata": {"$model": "dtmi:x:Room;1", "$lastUpdateTime": "t", "name": {"lastUpdateTime": "t"}},
            "name": "Lobby",
            "thermostat": {"$metadata": {"setPoint": {"lastUpdateTime": "t"}}, "setPoint": 21}
        });
        graph.relationships[0]["$etag"] = json!("W/\"2\"");
        let back = import(&export_json(&graph)).expect("valid").graph;
        assert_eq!(
            back.twins[0],
            json!({"$dtId": "r1", "$metadata": {"$model": "dtmi:x:Room;1"}, "name": "Lobby",
                   "thermostat": {"$metadata": {}, "setPoint": 21}})
        );
        assert!(back.relationships[0].get("$etag").is_none());
    }

    fn errors_of(text: &str) -> Vec<ImportError> {
        import(text).expect_err("should be refused").0
    }

    #[test]
    fn malformed_ndjson_lines_are_reported_with_their_line_numbers() {
        let text = [
            r#"{"Section": "Header"}"#,
            r#"{"fileVersion": "1.0.0", "author": "a", "organization": "o"}"#,
            r#"{"Section": "Twins"}"#,
            r#"{"$dtId": "t1", "$metadata": {"$model": "dtmi:x:A;1"}}"#,
            r#"{"$dtId": "t2", "$metadata": {"$model": "#,
            "",
            r#"["not", "an", "object"]"#,
            r#"{"$dtId": "t1", "$metadata": {"$model": "dtmi:x:A;1"}}"#,
            r#"{"$metadata": {"$model": "dtmi:x:A;1"}}"#,
            r#"{"Section": "Relationships"}"#,
            r#"{"$dtId": "t1", "$relationshipId": "r", "$relationshipName": "n"}"#,
        ]
        .join("\n");
        let errors = errors_of(&text);
        let check = |index: usize, expected: ImportError| {
            assert_eq!(
                errors.get(index),
                Some(&expected),
                "all errors: {errors:#?}"
            );
        };
        assert!(
            matches!(errors[0], ImportError::InvalidJson { line: 5, .. }),
            "{errors:#?}"
        );
        check(
            1,
            ImportError::NotAnObject {
                at: Location::Line(7),
            },
        );
        check(
            2,
            ImportError::Duplicate {
                at: Location::Line(8),
                what: "twin",
                id: "t1".into(),
                first: Location::Line(4),
            },
        );
        check(
            3,
            ImportError::MissingField {
                at: Location::Line(9),
                field: "$dtId",
            },
        );
        check(
            4,
            ImportError::MissingField {
                at: Location::Line(11),
                field: "$targetId",
            },
        );
        assert_eq!(errors.len(), 5);
        assert!(errors[0].to_string().starts_with("line 5, column"));
    }

    #[test]
    fn unknown_repeated_and_misordered_sections_are_refused() {
        let head = "{\"Section\": \"Header\"}\n{\"fileVersion\": \"1.0.0\", \"author\": \"a\", \"organization\": \"o\"}\n";
        let check = |tail: &str, expected: ImportError| {
            assert_eq!(
                errors_of(&format!("{head}{tail}")),
                vec![expected],
                "tail {tail}"
            );
        };
        check(
            "{\"Section\": \"Telemetry\"}\n",
            ImportError::UnknownSection {
                line: 3,
                name: "Telemetry".into(),
            },
        );
        check(
            "{\"Section\": \"Twins\"}\n{\"Section\": \"Models\"}\n",
            ImportError::SectionOrder {
                line: 4,
                section: "Models",
                after: "Twins",
            },
        );
        check(
            "{\"Section\": \"Models\"}\n{\"Section\": \"Models\"}\n",
            ImportError::SectionOrder {
                line: 4,
                section: "Models",
                after: "Models",
            },
        );
        // No header first, a header without its line, an unsupported version.
        assert_eq!(
            errors_of("{\"Section\": \"Models\"}\n"),
            vec![ImportError::MissingHeader { line: 1 }]
        );
        assert_eq!(
            errors_of("{\"Section\": \"Header\"}\n{\"Section\": \"Models\"}\n"),
            vec![ImportError::BadHeader { line: 2 }]
        );
        assert_eq!(
            errors_of(
                "{\"Section\": \"Header\"}\n{\"fileVersion\": \"2.0.0\", \"author\": \"a\", \"organization\": \"o\"}\n"
            ),
            vec![ImportError::FileVersion {
                line: 2,
                found: "2.0.0".into()
            }]
        );
    }

    #[test]
    fn malformed_json_documents_name_the_place() {
        assert!(matches!(
            errors_of("{\n  \"twins\": [\n    {\"$dtId\": }\n  ]\n}")[..],
            [ImportError::InvalidJson { line: 3, .. }]
        ));
        assert!(matches!(
            errors_of("{\"twins\": {}}")[..],
            [ImportError::NotAGraph { .. }]
        ));
        assert!(matches!(
            errors_of("{\"nodes\": []}")[..],
            [ImportError::NotAGraph { .. }]
        ));
        assert_eq!(errors_of("  \n"), vec![ImportError::Empty]);
        let errors = errors_of(
            r#"{"models": [{"@type": "Interface"}], "relationships": [{"$relationshipId": "r", "$targetId": "b", "$relationshipName": "n"}]}"#,
        );
        assert_eq!(
            errors,
            vec![
                ImportError::MissingField {
                    at: Location::Item {
                        section: Section::Models,
                        index: 0
                    },
                    field: "@id"
                },
                ImportError::MissingField {
                    at: Location::Item {
                        section: Section::Relationships,
                        index: 0
                    },
                    field: "$sourceId"
                },
            ]
        );
        assert_eq!(
            errors[1].to_string(),
            "relationships[0]: '$sourceId' is missing or not a string"
        );
    }

    #[test]
    fn the_plan_puts_models_in_dependency_order_then_twins_then_relationships() {
        let plan = ImportPlan::new(&sample());
        let kinds: Vec<String> = plan.steps.iter().map(Step::describe).collect();
        assert_eq!(
            kinds,
            [
                "models dtmi:x:Space;1, dtmi:x:Room;1",
                "twin r1",
                "twin r2",
                "relationship r1/f1",
            ]
        );
    }

    #[test]
    fn large_model_sets_are_split_into_uploads_that_respect_dependencies() {
        // A chain: model i extends model i+1, given in reverse dependency order.
        let n = MODELS_PER_UPLOAD + 20;
        let models: Vec<Value> = (0..n)
            .map(|i| {
                let mut m = json!({"@id": format!("dtmi:x:M{i};1"), "@type": "Interface"});
                if i + 1 < n {
                    m["extends"] = json!([format!("dtmi:x:M{};1", i + 1)]);
                }
                m
            })
            .collect();
        let plan = ImportPlan::new(&Graph {
            models,
            ..Graph::default()
        });
        let uploads: Vec<&Vec<Value>> = plan
            .steps
            .iter()
            .map(|s| match s {
                Step::Models(m) => m,
                other => panic!("unexpected step {other:?}"),
            })
            .collect();
        assert_eq!(
            uploads.iter().map(|u| u.len()).collect::<Vec<_>>(),
            [MODELS_PER_UPLOAD, 20]
        );
        let order: Vec<&str> = uploads
            .iter()
            .flat_map(|u| u.iter().map(model_id))
            .collect();
        assert_eq!(
            order.first(),
            Some(&format!("dtmi:x:M{};1", n - 1).as_str())
        );
        assert_eq!(order.last(), Some(&"dtmi:x:M0;1"));
    }

    #[test]
    fn a_stopped_import_sends_nothing_more_and_reports_what_was_not_sent() {
        let plan = ImportPlan::new(&sample());
        let sent = std::cell::Cell::new(0);
        // Stopped once two steps have been sent (the person pressed Stop during the second).
        let report = block_on(plan.execute(
            || sent.get() >= 2,
            |_| {
                sent.set(sent.get() + 1);
                std::future::ready(Ok(()))
            },
        ));
        assert_eq!(sent.get(), 2, "nothing is sent after Stop");
        assert_eq!(
            (
                report.done(),
                report.failed(),
                report.skipped(),
                report.stopped()
            ),
            (2, 0, 0, plan.steps.len() - 2)
        );
        assert_eq!(report.problems().count(), 0, "nothing failed");
        assert_eq!(
            report.outcomes[2..],
            [
                ("twin r2".to_owned(), Outcome::Stopped),
                ("relationship r1/f1".to_owned(), Outcome::Stopped)
            ]
        );
    }

    #[test]
    fn the_report_skips_what_depends_on_a_failure() {
        let mut graph = sample();
        graph
            .twins
            .push(json!({"$dtId": "p1", "$metadata": {"$model": "dtmi:x:Pump;1"}}));
        graph.relationships.push(json!({
            "$relationshipId": "f2", "$sourceId": "p1", "$targetId": "r1", "$relationshipName": "feeds"
        }));
        let plan = ImportPlan::new(&graph);
        let mut calls = Vec::new();
        let report = block_on(plan.execute(
            || false,
            |step| {
                calls.push(step.describe());
                let result = match step {
                    Step::Twin { id, .. } if id == "r2" => Err("409 Conflict".to_owned()),
                    _ => Ok(()),
                };
                std::future::ready(result)
            },
        ));
        // r1/f1 targets r2, which failed: skipped without a call. p1 has a model that is not
        // part of the import: it is attempted (the instance may already have it).
        assert_eq!(
            calls,
            [
                "models dtmi:x:Space;1, dtmi:x:Room;1",
                "twin r1",
                "twin r2",
                "twin p1",
                "relationship p1/f2"
            ]
        );
        assert_eq!(
            (report.done(), report.failed(), report.skipped()),
            (4, 1, 1)
        );
        let problems: Vec<(&str, &str)> = report.problems().collect();
        assert_eq!(
            problems,
            [
                ("twin r2", "409 Conflict"),
                ("relationship r1/f1", "twin r2 was not created")
            ]
        );

        // A failed model upload skips its twins (r1, r2), and their relationships in turn
        // (both touch r1); p1's model was not part of it, so p1 is still created.
        let report = block_on(plan.execute(
            || false,
            |step| {
                std::future::ready(match step {
                    Step::Models(_) => Err("400 Bad Request".to_owned()),
                    _ => Ok(()),
                })
            },
        ));
        assert_eq!(
            (report.done(), report.failed(), report.skipped()),
            (1, 1, 4)
        );
        assert_eq!(
            report.problems().map(|(what, _)| what).collect::<Vec<_>>(),
            [
                "models dtmi:x:Space;1, dtmi:x:Room;1",
                "twin r1",
                "twin r2",
                "relationship r1/f1",
                "relationship p1/f2"
            ]
        );
    }
}
