//! The spreadsheet layout of Azure Digital Twins Explorer's import: the first sheet of an
//! `.xlsx` workbook, read by [`super::xlsx`], turned into the same [`Imported`] graph as the
//! JSON formats, so the plan, the report, retries and Stop work the same way.
//!
//! The layout is the explorer's `StandardExcelImportFormat` (its `ExcelImportPlugin`,
//! `client/src/services/plugins/ExcelImportPlugin.js` in Azure-Samples/digital-twins-explorer):
//! a header row naming five columns, in any order, other columns ignored:
//!
//! | column                | meaning                                                           |
//! |-----------------------|-------------------------------------------------------------------|
//! | `ModelID`             | the model of the row's twin                                       |
//! | `ID (must be unique)` | the twin's id                                                     |
//! | `Relationship (From)` | the source twin of a relationship whose target is the row's twin  |
//! | `Relationship Name`   | that relationship's name                                          |
//! | `Init Data`           | the twin's initial properties: a JSON object, or empty for `{}`   |
//!
//! Each row, as the explorer reads it:
//! - without an ID it is refused;
//! - `Init Data` must parse as JSON (a number, string, boolean or `null` is refused, as the
//!   explorer fails on them; an array is refused too);
//! - with a `ModelID` it is a twin `{"$dtId": ID, …Init Data, "$metadata": {"$model":
//!   ModelID}}` (a `$metadata` in `Init Data` is replaced); an ID already given to a twin on
//!   an earlier row is refused;
//! - with a `Relationship (From)` it is also a relationship named `Relationship Name` from
//!   that twin to the row's twin; a source without a name is refused. The source need not be
//!   in the sheet (it may already be in the instance). The relationship's id is a fresh
//!   random UUID (version 4, lower-case with hyphens), as the explorer's `uuidv4()`: importing
//!   the same sheet twice creates each relationship twice (a retry of the same plan does not,
//!   as the plan keeps its ids);
//! - without a `ModelID` the row adds a relationship to the twin of an earlier row; if no
//!   earlier row has that twin, it is refused (that is where the explorer's check "Parent
//!   Twin … is not defined yet" lands: it looks up the row's own twin, not the source).
//!
//! The sheet holds no models: the instance must already have them (uploaded separately). A
//! twin whose model the instance lacks is planned all the same and fails in the report with
//! the service's reason, as for the JSON formats.
//!
//! Where this reader differs from the explorer, on purpose:
//! - errors name the sheet's own row numbers (as Excel shows them) and the column, where the
//!   explorer counts rows from the header (`row 1` is the first row below it);
//! - the header row is the first row holding anything (the explorer takes the sheet's first
//!   row even if blank); header names are matched without regard to case or repeated spaces,
//!   and `Model ID`, `ModelId` and `ID` are accepted besides the explorer's names;
//! - a `$dtId` in `Init Data` is ignored: the twin's id is the ID column (in the explorer the
//!   `$dtId` of `Init Data` wins over it);
//! - rows with none of the five columns filled are skipped (the explorer refuses them for
//!   their missing ID);
//! - cell values are text: numbers in plain decimal (`42`, `2.5`) and booleans as
//!   `TRUE`/`FALSE` (the explorer passes a number on as a JSON number, which the service
//!   refuses as an id); ids, model ids and relationship names are trimmed; a cell
//!   holding a spreadsheet error (`#N/A`) is refused;
//! - nothing in the sheet is silently dropped: a `Relationship Name` without a
//!   `Relationship (From)`, and a row without a `ModelID` that names no relationship, are
//!   refused (the explorer ignores them).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::xlsx::{self, CellValue, Row, Sheet};
use super::{Graph, ImportError, ImportErrors, Imported, Layout, Location};
use crate::format::lowercase;

/// One of the five columns of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Model,
    Id,
    RelationshipFrom,
    RelationshipName,
    InitData,
}

impl Column {
    pub const ALL: [Column; 5] = [
        Column::Model,
        Column::Id,
        Column::RelationshipFrom,
        Column::RelationshipName,
        Column::InitData,
    ];

    /// The header the explorer writes and looks for.
    pub fn header(self) -> &'static str {
        match self {
            Column::Model => "ModelID",
            Column::Id => "ID (must be unique)",
            Column::RelationshipFrom => "Relationship (From)",
            Column::RelationshipName => "Relationship Name",
            Column::InitData => "Init Data",
        }
    }

    /// Whether a header cell names this column.
    fn is_named_by(self, text: &str) -> bool {
        let text = lowercase(&text.split_whitespace().collect::<Vec<_>>().join(" "));
        let also: &[&str] = match self {
            Column::Model => &["model id", "modelid"],
            Column::Id => &["id"],
            _ => &[],
        };
        text == lowercase(self.header()) || also.contains(&text.as_str())
    }
}

/// A random UUID (version 4), as the explorer's `uuidv4()` makes relationship ids.
pub fn random_uuid() -> Option<String> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).ok()?;
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// Reads an `.xlsx` workbook in the explorer's layout, relationship ids from
/// [`random_uuid`].
pub fn import_xlsx(bytes: &[u8]) -> Result<Imported, ImportErrors> {
    import_xlsx_with(bytes, random_uuid)
}

/// [`import_xlsx`] with relationship ids from `new_id` (`None` when it has none to give).
pub fn import_xlsx_with(
    bytes: &[u8],
    new_id: impl FnMut() -> Option<String>,
) -> Result<Imported, ImportErrors> {
    let sheet =
        xlsx::read_first_sheet(bytes).map_err(|e| ImportErrors(vec![ImportError::Workbook(e)]))?;
    from_sheet(&sheet, new_id)
}

/// A cell's text for an id-like column: trimmed, `None` when empty.
fn text(row: &Row, column: Option<u32>, at: Location) -> Result<Option<String>, ImportError> {
    match column.and_then(|c| row.get(c)) {
        None => Ok(None),
        Some(CellValue::Error(value)) => Err(ImportError::CellError {
            at,
            value: value.clone(),
        }),
        Some(value) => {
            let text = value.text();
            let text = text.trim();
            Ok((!text.is_empty()).then(|| text.to_owned()))
        }
    }
}

/// The properties in `Init Data` (`{}` when empty).
fn init_data(row: &Row, column: u32, at: Location) -> Result<Map<String, Value>, ImportError> {
    let raw = match row.get(column) {
        None => return Ok(Map::new()),
        Some(CellValue::Error(value)) => {
            return Err(ImportError::CellError {
                at,
                value: value.clone(),
            });
        }
        Some(CellValue::Text(text)) if text.trim().is_empty() => return Ok(Map::new()),
        Some(CellValue::Text(text)) => text.as_str(),
        Some(other) => {
            return Err(ImportError::NotAJsonObject {
                at,
                found: other.text().into_owned(),
            });
        }
    };
    match serde_json::from_slice::<Value>(raw.as_bytes()) {
        Ok(Value::Object(properties)) => Ok(properties),
        Ok(other) => {
            let mut found = other.to_string();
            if found.chars().count() > 60 {
                found = found.chars().take(60).collect::<String>() + "…";
            }
            Err(ImportError::NotAJsonObject { at, found })
        }
        Err(e) => Err(ImportError::CellJson {
            at,
            message: e.to_string(),
        }),
    }
}

/// The graph of a sheet in the explorer's layout.
pub fn from_sheet(
    sheet: &Sheet,
    mut new_id: impl FnMut() -> Option<String>,
) -> Result<Imported, ImportErrors> {
    let fail = |e: ImportError| Err(ImportErrors(vec![e]));
    let mut rows = sheet.rows.iter().filter(|r| !r.cells.is_empty());
    let Some(header) = rows.next() else {
        return fail(ImportError::EmptySheet {
            sheet: sheet.name.clone(),
        });
    };
    let find = |column: Column| {
        header
            .cells
            .iter()
            .find(|c| matches!(&c.value, CellValue::Text(t) if column.is_named_by(t)))
            .map(|c| c.column)
    };
    let missing: Vec<&'static str> = Column::ALL
        .into_iter()
        .filter(|&c| find(c).is_none())
        .map(Column::header)
        .collect();
    if !missing.is_empty() {
        return fail(ImportError::MissingColumns {
            sheet: sheet.name.clone(),
            row: header.number,
            missing,
            found: header
                .cells
                .iter()
                .map(|c| c.value.text().into_owned())
                .collect(),
        });
    }
    let [
        model_column,
        id_column,
        from_column,
        name_column,
        init_column,
    ] = Column::ALL.map(find);
    let init_column = init_column.unwrap_or_default();

    let mut errors = Vec::new();
    let mut graph = Graph::default();
    let mut twin_rows: HashMap<String, u32> = HashMap::new();
    let mut read = 0usize;
    for row in rows {
        let at = |column: Column| Location::Cell {
            row: row.number,
            column: column.header(),
        };
        let cells = (
            text(row, model_column, at(Column::Model)),
            text(row, id_column, at(Column::Id)),
            text(row, from_column, at(Column::RelationshipFrom)),
            text(row, name_column, at(Column::RelationshipName)),
        );
        let (model, twin, source, relationship) = match cells {
            (Ok(m), Ok(i), Ok(f), Ok(n)) => (m, i, f, n),
            (m, i, f, n) => {
                errors.extend([m.err(), i.err(), f.err(), n.err()].into_iter().flatten());
                continue;
            }
        };
        let init_blank = match row.get(init_column) {
            None => true,
            Some(CellValue::Text(t)) => t.trim().is_empty(),
            Some(_) => false,
        };
        if init_blank
            && model.is_none()
            && twin.is_none()
            && source.is_none()
            && relationship.is_none()
        {
            continue;
        }
        let properties = init_data(row, init_column, at(Column::InitData));
        read += 1;
        let Some(twin) = twin else {
            errors.push(ImportError::MissingTwinId { at: at(Column::Id) });
            continue;
        };
        let properties = match properties {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match model {
            Some(model) => {
                if let Some(&first) = twin_rows.get(&twin) {
                    errors.push(ImportError::Duplicate {
                        at: at(Column::Id),
                        what: "twin",
                        id: twin,
                        first: Location::Cell {
                            row: first,
                            column: Column::Id.header(),
                        },
                    });
                    continue;
                }
                twin_rows.insert(twin.clone(), row.number);
                let mut object = Map::new();
                object.insert("$dtId".to_owned(), Value::String(twin.clone()));
                object.extend(
                    properties
                        .into_iter()
                        .filter(|(k, _)| k != "$dtId" && k != "$metadata"),
                );
                object.insert(
                    "$metadata".to_owned(),
                    serde_json::json!({ "$model": model }),
                );
                graph.twins.push(Value::Object(object));
            }
            None if !twin_rows.contains_key(&twin) => {
                errors.push(ImportError::NoModel {
                    at: at(Column::Model),
                    id: twin,
                });
                continue;
            }
            None if source.is_none() => {
                errors.push(ImportError::NothingToImport {
                    row: row.number,
                    id: twin,
                });
                continue;
            }
            None => {}
        }
        match (source, relationship) {
            (Some(source), Some(relationship)) => {
                let Some(relationship_id) = new_id() else {
                    return fail(ImportError::NoRandomness);
                };
                graph.relationships.push(serde_json::json!({
                    "$relationshipId": relationship_id,
                    "$sourceId": source,
                    "$targetId": twin,
                    "$relationshipName": relationship,
                }));
            }
            (Some(source), None) => errors.push(ImportError::MissingRelationshipName {
                at: at(Column::RelationshipName),
                source_twin: source,
            }),
            (None, Some(_)) => errors.push(ImportError::MissingRelationshipSource {
                at: at(Column::RelationshipFrom),
            }),
            (None, None) => {}
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    Ok(Imported {
        layout: Layout::ExplorerSheet {
            sheet: sheet.name.clone(),
            rows: read,
        },
        header: None,
        graph,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::transfer::xlsx::tests::workbook;
    use crate::transfer::xlsx::{XlsxError, ZipError};
    use crate::transfer::{ImportPlan, Step, import_file};

    const OPENPYXL: &[u8] = include_bytes!("../../tests/fixtures/explorer-import.xlsx");
    const XLSXWRITER: &[u8] =
        include_bytes!("../../tests/fixtures/explorer-import-shared-strings.xlsx");
    const SEED: &str = "dtmi:twinscope:seed:";

    /// Relationship ids `r1`, `r2`, … in row order.
    fn counter() -> impl FnMut() -> Option<String> {
        let mut n = 0;
        move || {
            n += 1;
            Some(format!("r{n}"))
        }
    }

    fn relationship(id: &str, source: &str, target: &str, name: &str) -> Value {
        json!({"$relationshipId": id, "$sourceId": source, "$targetId": target, "$relationshipName": name})
    }

    #[test]
    fn the_fixtures_of_two_spreadsheet_libraries_read_as_the_explorer_reads_them() {
        for (writer, bytes) in [("openpyxl", OPENPYXL), ("XlsxWriter", XLSXWRITER)] {
            let imported = import_xlsx_with(bytes, counter()).expect(writer);
            assert_eq!(
                imported.layout,
                Layout::ExplorerSheet {
                    sheet: "Twins".into(),
                    rows: 7
                },
                "{writer}"
            );
            assert_eq!(imported.header, None);
            let graph = imported.graph;
            assert!(graph.models.is_empty());
            assert_eq!(
                graph.twins,
                [
                    json!({"$dtId": "xl-annex", "$metadata": {"$model": format!("{SEED}Building;1")}, "name": "Annex", "floorCount": 2}),
                    json!({"$dtId": "xl-annex-0", "$metadata": {"$model": format!("{SEED}Floor;1")}, "name": "Ground floor", "level": 0}),
                    json!({"$dtId": "xl-annex-1", "$metadata": {"$model": format!("{SEED}Floor;1")}}),
                    json!({"$dtId": "xl-lab", "$metadata": {"$model": format!("{SEED}Room;1")}, "name": "Lab \"Ω\" <1>", "area": 42.5, "roomType": "office"}),
                    json!({"$dtId": "1001", "$metadata": {"$model": format!("{SEED}Room;1")}, "name": "Store"}),
                    json!({"$dtId": "xl-pump", "$metadata": {"$model": "dtmi:contoso:Pump;1"}, "name": "Pump"}),
                ],
                "{writer}"
            );
            assert_eq!(
                graph.relationships,
                [
                    relationship("r1", "xl-annex", "xl-annex-0", "hasFloor"),
                    relationship("r2", "xl-annex", "xl-annex-1", "hasFloor"),
                    relationship("r3", "xl-annex-1", "xl-lab", "hasRoom"),
                    relationship("r4", "xl-annex-0", "1001", "hasRoom"),
                    relationship("r5", "xl-annex-0", "xl-lab", "hasRoom"),
                ],
                "{writer}"
            );
        }
    }

    #[test]
    fn the_sheet_plans_like_any_import_twins_then_relationships() {
        let imported = import_file("campus.XLSX", OPENPYXL).unwrap();
        assert!(!imported.layout.holds_models());
        assert_eq!(
            imported.layout.describe(),
            "an Azure Digital Twins Explorer spreadsheet: sheet 'Twins', 7 rows of twins and relationships"
        );
        let plan = ImportPlan::new(&imported.graph);
        let kinds: Vec<&str> = plan
            .steps
            .iter()
            .map(|s| match s {
                Step::Models(_) => "models",
                Step::Twin { .. } => "twin",
                Step::Relationship { .. } => "relationship",
            })
            .collect();
        assert_eq!(
            kinds,
            [["twin"; 6].as_slice(), &["relationship"; 5]].concat()
        );
    }

    #[test]
    fn relationship_ids_are_random_version_4_uuids() {
        let imported = import_xlsx(OPENPYXL).unwrap();
        let ids: Vec<&str> = imported
            .graph
            .relationships
            .iter()
            .map(|r| r["$relationshipId"].as_str().unwrap())
            .collect();
        for id in &ids {
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
            assert!(
                id.bytes()
                    .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
            assert_eq!(&id[14..15], "4", "{id}");
            assert!("89ab".contains(&id[19..20]), "{id}");
        }
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }

    /// An inline-string cell.
    fn s(cell: &str, text: &str) -> String {
        let text = text.replace('&', "&amp;").replace('<', "&lt;");
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    fn row(number: u32, cells: &[String]) -> String {
        format!(r#"<row r="{number}">{}</row>"#, cells.concat())
    }

    fn header(number: u32) -> String {
        row(
            number,
            &[
                s("A{n}", "ModelID"),
                s("B{n}", "ID (must be unique)"),
                s("C{n}", "Relationship (From)"),
                s("D{n}", "Relationship Name"),
                s("E{n}", "Init Data"),
            ]
            .map(|c| c.replace("{n}", &number.to_string())),
        )
    }

    fn errors_of(rows: &[String]) -> Vec<ImportError> {
        let bytes = workbook(&[("Twins", &rows.concat())], &[]);
        import_xlsx_with(&bytes, counter()).expect_err("refused").0
    }

    fn cell(row: u32, column: Column) -> Location {
        Location::Cell {
            row,
            column: column.header(),
        }
    }

    #[test]
    fn every_bad_row_is_reported_with_its_row_and_column() {
        let m = "dtmi:x:A;1";
        let errors = errors_of(&[
            header(1),
            row(2, &[s("A2", m), s("B2", "a")]),
            row(3, &[s("A3", m), s("E3", "{}")]),
            row(4, &[s("A4", m), s("B4", "b"), s("E4", "{\"x\": ")]),
            row(5, &[s("A5", m), s("B5", "c"), s("E5", "[1, 2]")]),
            row(
                6,
                &[s("A6", m), s("B6", "d"), r#"<c r="E6"><v>5</v></c>"#.into()],
            ),
            row(7, &[s("A7", m), s("B7", "a")]),
            row(8, &[s("A8", m), s("B8", "e"), s("C8", "a")]),
            row(9, &[s("A9", m), s("B9", "f"), s("D9", "feeds")]),
            row(10, &[s("B10", "nobody"), s("C10", "a"), s("D10", "feeds")]),
            row(11, &[s("B11", "a")]),
            row(
                12,
                &[s("A12", m), r#"<c r="B12" t="e"><v>#REF!</v></c>"#.into()],
            ),
            // Blank, or filled only outside the five columns: skipped.
            row(13, &[s("A13", " "), s("G13", "a note")]),
        ]);
        let json_message = serde_json::from_str::<Value>("{\"x\": ")
            .unwrap_err()
            .to_string();
        assert_eq!(
            errors,
            vec![
                ImportError::MissingTwinId {
                    at: cell(3, Column::Id)
                },
                ImportError::CellJson {
                    at: cell(4, Column::InitData),
                    message: json_message,
                },
                ImportError::NotAJsonObject {
                    at: cell(5, Column::InitData),
                    found: "[1,2]".into()
                },
                ImportError::NotAJsonObject {
                    at: cell(6, Column::InitData),
                    found: "5".into()
                },
                ImportError::Duplicate {
                    at: cell(7, Column::Id),
                    what: "twin",
                    id: "a".into(),
                    first: cell(2, Column::Id),
                },
                ImportError::MissingRelationshipName {
                    at: cell(8, Column::RelationshipName),
                    source_twin: "a".into()
                },
                ImportError::MissingRelationshipSource {
                    at: cell(9, Column::RelationshipFrom)
                },
                ImportError::NoModel {
                    at: cell(10, Column::Model),
                    id: "nobody".into()
                },
                ImportError::NothingToImport {
                    row: 11,
                    id: "a".into()
                },
                ImportError::CellError {
                    at: cell(12, Column::Id),
                    value: "#REF!".into()
                },
            ]
        );
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(text[2], "row 5, column Init Data: not a JSON object: [1,2]");
        assert_eq!(
            text[4],
            "row 7, column ID (must be unique): twin 'a' appears more than once (first at row 2, column ID (must be unique))"
        );
        assert!(
            text[1].starts_with("row 4, column Init Data: not valid JSON (EOF while parsing"),
            "{}",
            text[1]
        );
    }

    #[test]
    fn the_header_is_the_first_row_with_anything_in_it_and_its_columns_can_move() {
        // Another order, other spellings, an extra column, the header on row 3.
        let rows = [
            row(2, &[r#"<c r="A2" s="1"/>"#.into()]),
            row(
                3,
                &[
                    s("A3", "Notes"),
                    s("B3", "init  data"),
                    s("C3", " ID "),
                    s("D3", "Model ID"),
                    s("E3", "RELATIONSHIP NAME"),
                    s("F3", "Relationship (From)"),
                ],
            ),
            row(
                4,
                &[
                    s("A4", "ignored"),
                    s("B4", r#"{"$dtId": "other", "$metadata": {"x": 1}, "n": 1}"#),
                    s("C4", "  t1 "),
                    s("D4", "dtmi:x:A;1"),
                    s("E4", "feeds"),
                    s("F4", "outside"),
                ],
            ),
        ];
        let bytes = workbook(&[("Data", &rows.concat())], &[]);
        let graph = import_xlsx_with(&bytes, counter()).unwrap().graph;
        assert_eq!(
            graph.twins,
            [json!({"$dtId": "t1", "$metadata": {"$model": "dtmi:x:A;1"}, "n": 1})]
        );
        assert_eq!(
            graph.relationships,
            [relationship("r1", "outside", "t1", "feeds")]
        );
    }

    #[test]
    fn sheets_without_the_layout_are_refused() {
        let bytes = workbook(
            &[(
                "Sheet1",
                &row(1, &[s("A1", "Model"), s("B1", "ID"), s("C1", "Init Data")]),
            )],
            &[],
        );
        let errors = import_xlsx_with(&bytes, counter()).unwrap_err().0;
        assert_eq!(
            errors,
            [ImportError::MissingColumns {
                sheet: "Sheet1".into(),
                row: 1,
                missing: vec!["ModelID", "Relationship (From)", "Relationship Name"],
                found: vec!["Model".into(), "ID".into(), "Init Data".into()],
            }]
        );
        assert_eq!(
            errors[0].to_string(),
            "sheet 'Sheet1', row 1: the header row lacks 'ModelID', 'Relationship (From)' and 'Relationship Name'; it has 'Model', 'ID' and 'Init Data'"
        );
        let empty = workbook(&[("Empty", "")], &[]);
        let errors = import_xlsx_with(&empty, counter()).unwrap_err().0;
        assert_eq!(
            errors[0].to_string(),
            "sheet 'Empty' is empty: its first row must name the columns 'ModelID', 'ID (must be unique)', 'Relationship (From)', 'Relationship Name' and 'Init Data'"
        );
        // A header alone is an empty import, not an error.
        let only_header = workbook(&[("T", &header(1))], &[]);
        let imported = import_xlsx_with(&only_header, counter()).unwrap();
        assert_eq!(imported.graph, Graph::default());
    }

    #[test]
    fn unreadable_workbooks_say_why() {
        let errors = import_file("twins.xlsx", b"{\"twins\": []}").unwrap_err().0;
        assert_eq!(
            errors,
            [ImportError::Workbook(XlsxError::Zip(ZipError::NotZip))]
        );
        assert_eq!(
            errors[0].to_string(),
            "the spreadsheet cannot be read: not an .xlsx workbook (it is not a ZIP archive)"
        );
        let mut damaged = OPENPYXL.to_vec();
        damaged.truncate(damaged.len() / 2);
        assert!(matches!(
            import_file("twins.bin", &damaged).unwrap_err().0[..],
            [ImportError::Workbook(_)]
        ));
        let no_randomness = import_xlsx_with(OPENPYXL, || None).unwrap_err().0;
        assert_eq!(no_randomness, [ImportError::NoRandomness]);
    }

    #[test]
    fn text_files_are_still_read_as_json_or_ndjson() {
        let json = "\u{feff}{\"twins\": [{\"$dtId\": \"a\", \"$metadata\": {\"$model\": \"m\"}}]}";
        let imported = import_file("graph.json", json.as_bytes()).unwrap();
        assert_eq!(imported.layout, Layout::Json);
        assert_eq!(imported.graph.twins.len(), 1);
        let ndjson = "{\"Section\": \"Header\"}\n{\"fileVersion\": \"1.0.0\", \"author\": \"a\", \"organization\": \"o\"}\n";
        assert_eq!(
            import_file("job.ndjson", ndjson.as_bytes()).unwrap().layout,
            Layout::Ndjson
        );
    }
}
