//! The cells of the first worksheet of an `.xlsx` workbook (Office Open XML SpreadsheetML),
//! read in the browser without a spreadsheet library.
//!
//! The route through the package is the standard one: `_rels/.rels` names the workbook part
//! (`xl/workbook.xml` when that file is missing), the first `<sheet>` of its `<sheets>` is the
//! first sheet (hidden or not, as Excel and SheetJS count them), and the workbook's
//! relationships name that sheet's part and the shared-string table. Cells are read as
//! Excel stores them:
//!
//! | `t`          | value                                                          |
//! |--------------|----------------------------------------------------------------|
//! | `s`          | the shared string at index `<v>`                               |
//! | `inlineStr`  | the text of `<is>`                                             |
//! | `str`, `d`   | the text of `<v>` (a formula's string result, an ISO date)     |
//! | `b`          | `<v>` `1` or `0`                                               |
//! | `e`          | an error such as `#N/A`                                        |
//! | `n` or none  | the number in `<v>` (dates too: styles are not read)           |
//!
//! Rich text is the concatenation of its runs (`<r><t>`), without phonetic runs (`<rPh>`);
//! the `_xHHHH_` escapes of OOXML strings are decoded. Cells and rows without an `r`
//! reference follow the one before; gaps are simply absent cells. A cell with neither `<v>`
//! nor `<is>` is empty and left out. Formulas are not evaluated: their cached value is read.
//!
//! Every problem is an [`XlsxError`] naming the part, line, sheet or cell; no input panics.

mod xml;
mod zip;

use std::borrow::Cow;

pub use xml::XmlProblem;
use xml::{Event, Reader, Tag, XmlError};
use zip::Archive;
pub use zip::ZipError;

/// Rows of a worksheet (Excel's limit).
pub const MAX_ROWS: u32 = 1 << 20;
/// Columns of a worksheet (Excel's limit, `A` to `XFD`).
pub const MAX_COLUMNS: u32 = 1 << 14;

/// The start of an OLE compound file: an encrypted `.xlsx` or an old `.xls`.
const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Text(String),
    Number(f64),
    Bool(bool),
    /// An error value such as `#N/A` or `#REF!`.
    Error(String),
}

impl CellValue {
    /// The value as text, as a person reads it: numbers without a needless `.0`, booleans as
    /// `TRUE`/`FALSE`, errors as themselves.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            CellValue::Text(text) | CellValue::Error(text) => Cow::Borrowed(text),
            CellValue::Number(n) => Cow::Owned(n.to_string()),
            CellValue::Bool(true) => Cow::Borrowed("TRUE"),
            CellValue::Bool(false) => Cow::Borrowed("FALSE"),
        }
    }
}

/// A cell that holds a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// 0-based (`A` is 0).
    pub column: u32,
    pub value: CellValue,
}

/// A row with at least one element in the sheet (possibly without any value).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based, as Excel shows it.
    pub number: u32,
    /// In column order, each column at most once.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The value in `column`, if that cell holds one.
    pub fn get(&self, column: u32) -> Option<&CellValue> {
        self.cells
            .binary_search_by_key(&column, |c| c.column)
            .ok()
            .and_then(|i| self.cells.get(i))
            .map(|c| &c.value)
    }
}

/// The first worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    /// In row order, each row number at most once.
    pub rows: Vec<Row>,
}

/// Why a cell cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellProblem {
    #[error("it refers to shared string {index}, but the workbook has {count}")]
    SharedString { index: String, count: usize },
    #[error("'{0}' is not a number")]
    Number(String),
    #[error("'{0}' is not a boolean (1 or 0)")]
    Bool(String),
    #[error("unknown cell type '{0}'")]
    Type(String),
    #[error("it comes after a cell to its right")]
    Order,
    #[error("it is inside row {0}")]
    OtherRow(u32),
}

/// Why a workbook cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsxError {
    #[error(
        "this is an encrypted workbook or an old .xls file, not an .xlsx; save it as an Excel Workbook (.xlsx) without a password"
    )]
    CompoundFile,
    #[error("{0}")]
    Zip(#[from] ZipError),
    #[error("not an .xlsx workbook: the archive has no {0}")]
    MissingPart(String),
    #[error("not an .xlsx workbook: its main part {part} is a <{root}>, not a <workbook>")]
    NotAWorkbook { part: String, root: String },
    #[error("{0} is not UTF-8 text")]
    NotUtf8(String),
    #[error("{part}, line {line}: {problem}")]
    Xml {
        part: String,
        line: usize,
        problem: XmlProblem,
    },
    #[error("the workbook has no sheets")]
    NoSheets,
    #[error("the workbook's relationships do not say where sheet '{0}' is")]
    SheetNotFound(String),
    #[error("the first sheet, '{sheet}', is a {kind}, not a worksheet of cells")]
    NotAWorksheet { sheet: String, kind: String },
    #[error("sheet '{sheet}': '{reference}' is not a cell reference like B7")]
    Reference { sheet: String, reference: String },
    #[error("sheet '{sheet}': '{number}' is not a row number from 1 to {MAX_ROWS}")]
    RowNumber { sheet: String, number: String },
    #[error("sheet '{sheet}': row {row} comes after row {after}")]
    RowOrder { sheet: String, row: u32, after: u32 },
    #[error("sheet '{sheet}', cell {cell}: {problem}")]
    Cell {
        sheet: String,
        cell: String,
        problem: CellProblem,
    },
}

/// `A`, `B`, … `Z`, `AA`, … for a 0-based column.
pub fn column_name(column: u32) -> String {
    let mut n = column + 1;
    let mut name = Vec::new();
    while n > 0 {
        let digit = (n - 1) % 26;
        name.push(b'A' + digit as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// `B7` for column 1, row 7.
pub fn cell_name(column: u32, row: u32) -> String {
    format!("{}{row}", column_name(column))
}

/// The 0-based column and 1-based row of a reference like `B7` (also `$B$7`).
fn parse_reference(reference: &str) -> Option<(u32, u32)> {
    let reference = reference.trim();
    let letters_end = reference
        .char_indices()
        .find(|(_, c)| !c.is_ascii_alphabetic() && *c != '$')
        .map(|(i, _)| i)?;
    let (letters, digits) = reference.split_at(letters_end);
    let letters = letters.trim_matches('$');
    if letters.is_empty()
        || letters.len() > 3
        || !letters.bytes().all(|b| b.is_ascii_alphabetic())
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let column = letters.bytes().try_fold(0u32, |n, b| {
        Some(n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1)
    })? - 1;
    let row: u32 = digits.parse().ok()?;
    (column < MAX_COLUMNS && (1..=MAX_ROWS).contains(&row)).then_some((column, row))
}

/// Decodes the `_xHHHH_` escapes OOXML uses for characters XML cannot carry.
fn decode_escapes(text: String) -> String {
    if !text.contains("_x") {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("_x") {
        let decoded = rest
            .get(at + 2..at + 6)
            .filter(|_| rest.get(at + 6..at + 7) == Some("_"))
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push_str(&rest[..at]);
                out.push(c);
                rest = &rest[at + 7..];
            }
            None => {
                out.push_str(&rest[..at + 2]);
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One `<Relationship>` of a `.rels` part.
#[derive(Debug)]
struct Relationship {
    id: String,
    /// The last segment of its `Type` URI (`worksheet`, `sharedStrings`, …).
    kind: String,
    /// The part it points at, as a path inside the archive.
    target: String,
}

/// The `.rels` part of `part` (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`).
fn relationships_part(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// `target` relative to the folder of `source` (or to the root when it starts with `/`),
/// with `.` and `..` resolved.
fn resolve(source: &str, target: &str) -> String {
    let base = match target.strip_prefix('/') {
        Some(_) => "",
        None => source.rsplit_once('/').map_or("", |(dir, _)| dir),
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in base.split('/').chain(target.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// A part of the archive as text.
fn part_text(archive: &Archive<'_>, part: &str) -> Result<Option<String>, XlsxError> {
    let Some(bytes) = archive.read(part)? else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| XlsxError::NotUtf8(part.to_owned()))
}

fn xml_error(part: &str) -> impl Fn(XmlError) -> XlsxError + '_ {
    move |e| XlsxError::Xml {
        part: part.to_owned(),
        line: e.line,
        problem: e.problem,
    }
}

/// The attribute `name` of `tag`, owned.
fn attribute(tag: &Tag<'_>, name: &str) -> Result<Option<String>, XmlProblem> {
    Ok(tag.attribute(name)?.map(Cow::into_owned))
}

/// The relationships of `source` (`None` when it has no `.rels` part).
fn relationships(
    archive: &Archive<'_>,
    source: &str,
    rels: &str,
) -> Result<Option<Vec<Relationship>>, XlsxError> {
    let Some(text) = part_text(archive, rels)? else {
        return Ok(None);
    };
    let error = xml_error(rels);
    let mut reader = Reader::new(&text);
    let mut found = Vec::new();
    loop {
        match reader.next_event().map_err(&error)? {
            Event::Start(tag) if tag.name == "Relationship" => {
                let get = |name| attribute(&tag, name).map_err(|p| error(reader.error(p)));
                let external = get("TargetMode")?.is_some_and(|m| m == "External");
                if let (Some(id), Some(kind), Some(target), false) =
                    (get("Id")?, get("Type")?, get("Target")?, external)
                {
                    found.push(Relationship {
                        id,
                        kind: kind.rsplit('/').next().unwrap_or_default().to_owned(),
                        target: resolve(source, &target),
                    });
                }
            }
            Event::Eof => return Ok(Some(found)),
            _ => {}
        }
    }
}

/// The name and relationship id of the first `<sheet>` of a workbook part.
fn first_sheet(text: &str, part: &str) -> Result<(String, Option<String>), XlsxError> {
    let error = xml_error(part);
    let mut reader = Reader::new(text);
    let mut in_root = false;
    loop {
        match reader.next_event().map_err(&error)? {
            Event::Start(tag) if !in_root => {
                if tag.name != "workbook" {
                    return Err(XlsxError::NotAWorkbook {
                        part: part.to_owned(),
                        root: tag.name.to_owned(),
                    });
                }
                in_root = true;
            }
            Event::Start(tag) if tag.name == "sheet" => {
                let problem = |p| error(reader.error(p));
                let name = attribute(&tag, "name").map_err(problem)?;
                let id = attribute(&tag, "id").map_err(problem)?;
                return Ok((name.unwrap_or_default(), id));
            }
            Event::Eof => return Err(XlsxError::NoSheets),
            _ => {}
        }
    }
}

/// The text of a string item (`<si>` or `<is>`, just started): its `<t>`, or the `<t>` of
/// its runs, without phonetic runs.
fn rich_text(reader: &mut Reader<'_>) -> Result<String, XmlError> {
    let mut text = String::new();
    let mut depth = 0usize;
    loop {
        match reader.next_event()? {
            Event::Start(tag) if tag.name == "t" => text.push_str(&reader.text_until_end()?),
            Event::Start(tag) if tag.name == "rPh" => reader.skip_element()?,
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(decode_escapes(text)),
            Event::End(_) => depth -= 1,
            Event::Text(_) => {}
            Event::Eof => return Ok(decode_escapes(text)),
        }
    }
}

/// The shared-string table.
fn shared_strings(text: &str, part: &str) -> Result<Vec<String>, XlsxError> {
    let error = xml_error(part);
    let mut reader = Reader::new(text);
    let mut strings = Vec::new();
    loop {
        match reader.next_event().map_err(&error)? {
            Event::Start(tag) if tag.name == "si" => {
                strings.push(rich_text(&mut reader).map_err(&error)?);
            }
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

/// Reads a worksheet part.
struct SheetReader<'a> {
    sheet: &'a str,
    part: &'a str,
    shared: &'a [String],
}

impl SheetReader<'_> {
    fn xml(&self, e: XmlError) -> XlsxError {
        xml_error(self.part)(e)
    }

    fn problem(&self, reader: &Reader<'_>, p: XmlProblem) -> XlsxError {
        self.xml(reader.error(p))
    }

    fn cell_error(&self, column: u32, row: u32, problem: CellProblem) -> XlsxError {
        XlsxError::Cell {
            sheet: self.sheet.to_owned(),
            cell: cell_name(column, row),
            problem,
        }
    }

    fn rows(&self, text: &str) -> Result<Vec<Row>, XlsxError> {
        let mut reader = Reader::new(text);
        let mut rows: Vec<Row> = Vec::new();
        let mut in_data = false;
        let mut current: Option<Row> = None;
        let mut next_column = 0u32;
        loop {
            match reader.next_event().map_err(|e| self.xml(e))? {
                Event::Start(tag) if tag.name == "sheetData" => in_data = true,
                Event::End("sheetData") => in_data = false,
                Event::Start(tag) if in_data && tag.name == "row" => {
                    let after = rows.last().map_or(0, |r| r.number);
                    let number = match attribute(&tag, "r").map_err(|p| self.problem(&reader, p))? {
                        None => after + 1,
                        Some(text) => text
                            .trim()
                            .parse::<u32>()
                            .ok()
                            .filter(|n| (1..=MAX_ROWS).contains(n))
                            .ok_or_else(|| XlsxError::RowNumber {
                                sheet: self.sheet.to_owned(),
                                number: text.clone(),
                            })?,
                    };
                    if number <= after || number > MAX_ROWS {
                        return Err(XlsxError::RowOrder {
                            sheet: self.sheet.to_owned(),
                            row: number,
                            after,
                        });
                    }
                    current = Some(Row {
                        number,
                        cells: Vec::new(),
                    });
                    next_column = 0;
                }
                Event::End("row") => rows.extend(current.take()),
                Event::Start(tag) if tag.name == "c" => {
                    let Some(row) = current.as_mut() else {
                        reader.skip_element().map_err(|e| self.xml(e))?;
                        continue;
                    };
                    let column = match attribute(&tag, "r").map_err(|p| self.problem(&reader, p))? {
                        None => next_column,
                        Some(reference) => {
                            let (column, in_row) =
                                parse_reference(&reference).ok_or_else(|| {
                                    XlsxError::Reference {
                                        sheet: self.sheet.to_owned(),
                                        reference: reference.clone(),
                                    }
                                })?;
                            if in_row != row.number {
                                return Err(self.cell_error(
                                    column,
                                    in_row,
                                    CellProblem::OtherRow(row.number),
                                ));
                            }
                            column
                        }
                    };
                    if column < next_column {
                        return Err(self.cell_error(column, row.number, CellProblem::Order));
                    }
                    if column >= MAX_COLUMNS {
                        return Err(XlsxError::Reference {
                            sheet: self.sheet.to_owned(),
                            reference: cell_name(column, row.number),
                        });
                    }
                    next_column = column + 1;
                    let kind = attribute(&tag, "t").map_err(|p| self.problem(&reader, p))?;
                    if let Some(value) =
                        self.cell(&mut reader, kind.as_deref(), column, row.number)?
                    {
                        row.cells.push(Cell { column, value });
                    }
                }
                Event::Eof => {
                    rows.extend(current.take());
                    return Ok(rows);
                }
                _ => {}
            }
        }
    }

    /// The value of the cell just started (`None` when empty).
    fn cell(
        &self,
        reader: &mut Reader<'_>,
        kind: Option<&str>,
        column: u32,
        row: u32,
    ) -> Result<Option<CellValue>, XlsxError> {
        let mut value: Option<String> = None;
        let mut inline: Option<String> = None;
        loop {
            match reader.next_event().map_err(|e| self.xml(e))? {
                Event::Start(tag) if tag.name == "v" => {
                    value = Some(reader.text_until_end().map_err(|e| self.xml(e))?);
                }
                Event::Start(tag) if tag.name == "is" => {
                    inline = Some(rich_text(reader).map_err(|e| self.xml(e))?);
                }
                Event::Start(_) => reader.skip_element().map_err(|e| self.xml(e))?,
                Event::End(_) | Event::Eof => break,
                Event::Text(_) => {}
            }
        }
        let fail = |problem| Err(self.cell_error(column, row, problem));
        let kind = kind.unwrap_or("n");
        if kind == "inlineStr" {
            return Ok(inline.or(value).map(CellValue::Text));
        }
        let Some(value) = value else {
            return Ok(None);
        };
        let trimmed = value.trim();
        Ok(Some(match kind {
            "s" => match trimmed
                .parse::<usize>()
                .ok()
                .and_then(|i| self.shared.get(i))
            {
                Some(text) => CellValue::Text(text.clone()),
                None => {
                    return fail(CellProblem::SharedString {
                        index: trimmed.to_owned(),
                        count: self.shared.len(),
                    });
                }
            },
            "str" | "d" => CellValue::Text(decode_escapes(value)),
            "b" => match trimmed {
                "1" | "true" => CellValue::Bool(true),
                "0" | "false" => CellValue::Bool(false),
                _ => return fail(CellProblem::Bool(trimmed.to_owned())),
            },
            "e" => CellValue::Error(trimmed.to_owned()),
            "n" => match trimmed.parse::<f64>() {
                Ok(n) if n.is_finite() => CellValue::Number(n),
                _ => return fail(CellProblem::Number(trimmed.to_owned())),
            },
            other => return fail(CellProblem::Type(other.to_owned())),
        }))
    }
}

/// Reads the first sheet of the workbook in `bytes`.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Sheet, XlsxError> {
    if bytes.starts_with(&COMPOUND_FILE) {
        return Err(XlsxError::CompoundFile);
    }
    let archive = Archive::open(bytes)?;
    let workbook = relationships(&archive, "", "_rels/.rels")?
        .and_then(|found| found.into_iter().find(|r| r.kind == "officeDocument"))
        .map_or_else(|| "xl/workbook.xml".to_owned(), |r| r.target);
    let text =
        part_text(&archive, &workbook)?.ok_or_else(|| XlsxError::MissingPart(workbook.clone()))?;
    let (name, id) = first_sheet(&text, &workbook)?;
    let found =
        relationships(&archive, &workbook, &relationships_part(&workbook))?.unwrap_or_default();
    let sheet = id
        .and_then(|id| found.iter().find(|r| r.id == id))
        .ok_or_else(|| XlsxError::SheetNotFound(name.clone()))?;
    if sheet.kind != "worksheet" {
        return Err(XlsxError::NotAWorksheet {
            sheet: name,
            kind: sheet.kind.clone(),
        });
    }
    let shared = match found.iter().find(|r| r.kind == "sharedStrings") {
        None => Vec::new(),
        Some(r) => {
            let text = part_text(&archive, &r.target)?
                .ok_or_else(|| XlsxError::MissingPart(r.target.clone()))?;
            shared_strings(&text, &r.target)?
        }
    };
    let text = part_text(&archive, &sheet.target)?
        .ok_or_else(|| XlsxError::MissingPart(sheet.target.clone()))?;
    let rows = SheetReader {
        sheet: &name,
        part: &sheet.target,
        shared: &shared,
    }
    .rows(&text)?;
    Ok(Sheet { name, rows })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An `.xlsx` archive with one or more sheets (`(name, sheetData XML)`), the shared
    /// strings `shared` (none when empty), deflated.
    pub(crate) fn workbook(sheets: &[(&str, &str)], shared: &[&str]) -> Vec<u8> {
        let mut parts: Vec<(String, String)> = Vec::new();
        parts.push((
            "[Content_Types].xml".into(),
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#.into(),
        ));
        parts.push((
            "_rels/.rels".into(),
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
        ));
        let mut list = String::new();
        let mut rels = String::new();
        for (i, (name, data)) in sheets.iter().enumerate() {
            let n = i + 1;
            list.push_str(&format!(
                r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
            ));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            ));
            parts.push((
                format!("xl/worksheets/sheet{n}.xml"),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>{data}</sheetData></worksheet>"#
                ),
            ));
        }
        if !shared.is_empty() {
            rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>"#);
            let items: String = shared
                .iter()
                .map(|s| format!("<si><t xml:space=\"preserve\">{s}</t></si>"))
                .collect();
            parts.push((
                "xl/sharedStrings.xml".into(),
                format!(
                    r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{items}</sst>"#,
                    shared.len()
                ),
            ));
        }
        parts.push((
            "xl/workbook.xml".into(),
            format!(
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{list}</sheets></workbook>"#
            ),
        ));
        parts.push((
            "xl/_rels/workbook.xml.rels".into(),
            format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            ),
        ));
        let entries: Vec<(&str, &[u8], bool)> = parts
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_bytes(), true))
            .collect();
        zip::tests::zip(&entries)
    }

    fn text(s: &str) -> CellValue {
        CellValue::Text(s.to_owned())
    }

    #[test]
    fn references_and_column_names() {
        assert_eq!(parse_reference("A1"), Some((0, 1)));
        assert_eq!(parse_reference("$AB$12"), Some((27, 12)));
        assert_eq!(parse_reference("xfd1048576"), Some((16383, 1_048_576)));
        for bad in [
            "", "A", "7", "A$B1", "A0", "XFE1", "A1048577", "AAAA1", "A-1", "1A", "A1B", "Ä1",
        ] {
            assert_eq!(parse_reference(bad), None, "{bad}");
        }
        for column in [0, 25, 26, 27, 701, 702, 16383] {
            let name = cell_name(column, 3);
            assert_eq!(parse_reference(&name), Some((column, 3)), "{name}");
        }
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(27), "AB");
    }

    #[test]
    fn every_kind_of_cell_is_read_from_the_first_sheet() {
        let data = concat!(
            r#"<row r="1" spans="1:5"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c>"#,
            r#"<c r="D1" t="inlineStr"><is><t>in</t></is></c><c r="E1" t="inlineStr"><is><r><rPr><b/></rPr><t>ri</t></r><r><t xml:space="preserve">ch </t></r><rPh sb="0" eb="1"><t>PH</t></rPh></is></c></row>"#,
            r#"<row r="3"><c r="B3"><v>42</v></c><c r="C3" s="2"><v>-1.5E3</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" t="e"><v>#N/A</v></c></row>"#,
            // No references: the row after 3, cells from A on; an empty cell, a formula.
            r#"<row><c t="str"><f>A1&amp;"x"</f><v>Model&amp;x</v></c><c s="1"/><c t="d"><v>2024-01-01T00:00:00</v></c></row>"#,
            r#"<row r="9"/>"#
        );
        let bytes = workbook(
            &[
                ("Twins", data),
                ("Other", r#"<row r="1"><c r="A1"><v>1</v></c></row>"#),
            ],
            &["ModelID", "tab_x0009_here &amp; &lt;there&gt;"],
        );
        let sheet = read_first_sheet(&bytes).unwrap();
        assert_eq!(sheet.name, "Twins");
        let numbers: Vec<u32> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 4, 9]);
        let row = |i: usize| &sheet.rows[i];
        assert_eq!(row(0).get(0), Some(&text("ModelID")));
        assert_eq!(row(0).get(1), None);
        assert_eq!(row(0).get(2), Some(&text("tab\there & <there>")));
        assert_eq!(row(0).get(3), Some(&text("in")));
        assert_eq!(row(0).get(4), Some(&text("rich ")));
        assert_eq!(row(1).get(1), Some(&CellValue::Number(42.0)));
        assert_eq!(row(1).get(1).unwrap().text(), "42");
        assert_eq!(row(1).get(2), Some(&CellValue::Number(-1500.0)));
        assert_eq!(row(1).get(3), Some(&CellValue::Bool(true)));
        assert_eq!(row(1).get(4), Some(&CellValue::Error("#N/A".into())));
        assert_eq!(row(2).get(0), Some(&text("Model&x")));
        assert_eq!(row(2).get(1), None);
        assert_eq!(row(2).get(2), Some(&text("2024-01-01T00:00:00")));
        assert!(row(3).cells.is_empty());
    }

    #[test]
    fn the_layout_of_other_writers_is_read() {
        // Prefixed names, no package relationships, absolute targets, a BOM.
        let parts: Vec<(&str, String)> = vec![
            (
                "xl/workbook.xml",
                "\u{feff}<x:workbook xmlns:x=\"m\" xmlns:r=\"r\"><x:sheets><x:sheet name=\"S\" sheetId=\"7\" r:id=\"a\"/></x:sheets></x:workbook>".into(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                "<Relationships><Relationship Id=\"a\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" Target=\"/xl/worksheets/../worksheets/./data.xml\"/></Relationships>".into(),
            ),
            (
                "xl/worksheets/data.xml",
                "<x:worksheet xmlns:x=\"m\"><x:sheetData><x:row r=\"2\"><x:c r=\"B2\" t=\"inlineStr\"><x:is><x:t>hi</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>".into(),
            ),
        ];
        let entries: Vec<(&str, &[u8], bool)> = parts
            .iter()
            .map(|(n, t)| (*n, t.as_bytes(), false))
            .collect();
        let sheet = read_first_sheet(&zip::tests::zip(&entries)).unwrap();
        assert_eq!(sheet.name, "S");
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].get(1), Some(&text("hi")));
    }

    fn error_of(sheet_data: &str, shared: &[&str]) -> XlsxError {
        read_first_sheet(&workbook(&[("Twins", sheet_data)], shared)).unwrap_err()
    }

    #[test]
    fn malformed_sheets_name_the_sheet_and_cell() {
        let cell = |cell: &str, problem| XlsxError::Cell {
            sheet: "Twins".into(),
            cell: cell.into(),
            problem,
        };
        assert_eq!(
            error_of(r#"<row r="2"><c r="B2" t="s"><v>3</v></c></row>"#, &["a"]),
            cell(
                "B2",
                CellProblem::SharedString {
                    index: "3".into(),
                    count: 1
                }
            )
        );
        assert_eq!(
            error_of(r#"<row r="2"><c r="B2"><v>12abc</v></c></row>"#, &[]),
            cell("B2", CellProblem::Number("12abc".into()))
        );
        assert_eq!(
            error_of(r#"<row r="2"><c r="B2"><v>inf</v></c></row>"#, &[]),
            cell("B2", CellProblem::Number("inf".into()))
        );
        assert_eq!(
            error_of(r#"<row r="2"><c r="B2" t="b"><v>yes</v></c></row>"#, &[]),
            cell("B2", CellProblem::Bool("yes".into()))
        );
        assert_eq!(
            error_of(r#"<row r="2"><c r="B2" t="x"><v>1</v></c></row>"#, &[]),
            cell("B2", CellProblem::Type("x".into()))
        );
        assert_eq!(
            error_of(
                r#"<row r="2"><c r="C2"><v>1</v></c><c r="B2"><v>1</v></c></row>"#,
                &[]
            ),
            cell("B2", CellProblem::Order)
        );
        assert_eq!(
            error_of(r#"<row r="2"><c r="B3"><v>1</v></c></row>"#, &[]),
            cell("B3", CellProblem::OtherRow(2))
        );
        assert_eq!(
            error_of(r#"<row r="2"><c r="2B"><v>1</v></c></row>"#, &[]),
            XlsxError::Reference {
                sheet: "Twins".into(),
                reference: "2B".into()
            }
        );
        assert_eq!(
            error_of(r#"<row r="3"/><row r="2"/>"#, &[]),
            XlsxError::RowOrder {
                sheet: "Twins".into(),
                row: 2,
                after: 3
            }
        );
        assert_eq!(
            error_of(r#"<row r="0"/>"#, &[]),
            XlsxError::RowNumber {
                sheet: "Twins".into(),
                number: "0".into()
            }
        );
        let error = error_of("<row r=\"2\">\n<c r=\"B2\"><v>1</v></row>", &[]);
        assert_eq!(
            error,
            XlsxError::Xml {
                part: "xl/worksheets/sheet1.xml".into(),
                line: 2,
                problem: XmlProblem::Mismatched {
                    found: "row".into(),
                    open: "c".into()
                }
            }
        );
        assert_eq!(
            error.to_string(),
            "xl/worksheets/sheet1.xml, line 2: closing tag </row> does not match <c>"
        );
        assert_eq!(
            cell("B2", CellProblem::Order).to_string(),
            "sheet 'Twins', cell B2: it comes after a cell to its right"
        );
    }

    #[test]
    fn archives_that_are_not_workbooks_are_named_as_such() {
        assert_eq!(
            read_first_sheet(b"not a zip").unwrap_err(),
            XlsxError::Zip(ZipError::NotZip)
        );
        let mut ole = COMPOUND_FILE.to_vec();
        ole.extend_from_slice(&[0; 600]);
        assert_eq!(read_first_sheet(&ole).unwrap_err(), XlsxError::CompoundFile);
        let other = zip::tests::zip(&[("readme.txt", b"hello", true)]);
        assert_eq!(
            read_first_sheet(&other).unwrap_err(),
            XlsxError::MissingPart("xl/workbook.xml".into())
        );
        let docx = zip::tests::zip(&[
            ("_rels/.rels", br#"<Relationships><Relationship Id="r" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#, true),
            ("word/document.xml", b"<w:document xmlns:w=\"w\"/>", true),
        ]);
        assert_eq!(
            read_first_sheet(&docx).unwrap_err(),
            XlsxError::NotAWorkbook {
                part: "word/document.xml".into(),
                root: "document".into()
            }
        );
        let empty =
            zip::tests::zip(&[("xl/workbook.xml", b"<workbook><sheets/></workbook>", true)]);
        assert_eq!(read_first_sheet(&empty).unwrap_err(), XlsxError::NoSheets);
        let chart = zip::tests::zip(&[
            ("xl/workbook.xml", br#"<workbook><sheets><sheet name="Chart1" r:id="c"/></sheets></workbook>"#, true),
            ("xl/_rels/workbook.xml.rels", br#"<Relationships><Relationship Id="c" Type="http://x/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>"#, true),
        ]);
        assert_eq!(
            read_first_sheet(&chart).unwrap_err(),
            XlsxError::NotAWorksheet {
                sheet: "Chart1".into(),
                kind: "chartsheet".into()
            }
        );
        let lost = zip::tests::zip(&[(
            "xl/workbook.xml",
            br#"<workbook><sheets><sheet name="S" r:id="x"/></sheets></workbook>"#,
            true,
        )]);
        assert_eq!(
            read_first_sheet(&lost).unwrap_err(),
            XlsxError::SheetNotFound("S".into())
        );
        let latin1 = zip::tests::zip(&[("xl/workbook.xml", b"<workbook>\xe9</workbook>", true)]);
        assert_eq!(
            read_first_sheet(&latin1).unwrap_err(),
            XlsxError::NotUtf8("xl/workbook.xml".into())
        );
    }

    #[test]
    fn no_damage_to_a_workbook_makes_it_panic() {
        let good = workbook(
            &[(
                "Twins",
                r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row>"#,
            )],
            &["x"],
        );
        assert!(read_first_sheet(&good).is_ok());
        for cut in (0..good.len()).step_by(7) {
            let _ = read_first_sheet(&good[..cut]);
        }
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x5A;
            let _ = read_first_sheet(&bad);
        }
    }

    #[test]
    fn no_damage_to_a_sheet_makes_it_panic() {
        let data = concat!(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>a&amp;</t></r><rPh><t>x</t></rPh></is></c></row>"#,
            r#"<row><c t="b"><v>1</v></c><c r="C2" t="e"><v>#N/A</v></c><c><f>1+1</f><v>2</v></c></row>"#
        );
        for (at, _) in data.char_indices() {
            for replacement in ["<", ">", "\"", "'", "&", "/", "=", " ", "", "9", "$"] {
                let mut bad = data.to_owned();
                bad.replace_range(at..at + 1, replacement);
                let bytes = workbook(&[("S", &bad)], &["x"]);
                if let Ok(sheet) = read_first_sheet(&bytes) {
                    let _ =
                        crate::transfer::explorer_sheet::from_sheet(&sheet, || Some("r".into()));
                }
            }
        }
    }

    #[test]
    fn escapes_are_decoded_only_when_well_formed() {
        let check = |raw: &str, expected: &str| assert_eq!(decode_escapes(raw.into()), expected);
        check("a_x000D_b", "a\rb");
        check("_x005F_x0041_", "_x0041_");
        check("_x00", "_x00");
        check("_xZZZZ_", "_xZZZZ_");
        check("_xD800_", "_xD800_");
        check("é_x00e9_", "éé");
    }
}
