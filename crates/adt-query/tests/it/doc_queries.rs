//! Every sample query of the ADT query-language documentation parses, or fails with the
//! listed error kind for the listed reason.
//!
//! The samples are read at test time from `shared/reference/adt-docs`: the ```sql blocks of
//! the Markdown pages, and the snippets the pages include with
//! `:::code language="sql" source="~/digital-twins-docs-samples/queries/<file>.sql" id="<Id>":::`
//! (kept in `digital-twins-docs-code/queries/`, between `-- <Id>` and `-- </Id>` lines).
//! All tagged snippets of those files are checked, including those used by pages not copied.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use adt_query::{QueryErrorKind, execute, parse};

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/adt-docs")
}

/// Snippets that are not whole queries: ids ending in `Syntax` are grammar templates with
/// `<placeholders>` and `...` (for example `SELECT TOP(<number-of-return-items>)`).
fn is_template(id: &str) -> bool {
    id.ends_with("Syntax")
}

/// Documentation samples that must fail, with the kind and why.
const EXCLUSIONS: &[(&str, QueryErrorKind, &str)] = &[
    (
        "FromNegativeExample",
        QueryErrorKind::Unsupported,
        "shown by the docs as the negative example: subqueries in FROM are not supported",
    ),
    (
        "MatchNameAllExample",
        QueryErrorKind::Syntax,
        "typo in the docs: `MATCH (Building-[]-(Sensor)` lacks the `)` after Building",
    ),
    (
        "MatchVariableExample",
        QueryErrorKind::Syntax,
        "typo in the docs: `SELECT Floor,Cafe, Rel DIGITALTWINS` lacks FROM",
    ),
    (
        "MatchNameMultiExample",
        QueryErrorKind::Semantic,
        "declares `Building` but filters on `building.$dtId`; collection names are case-sensitive",
    ),
    (
        "IsStringExample",
        QueryErrorKind::Syntax,
        "typo in the docs: `FROM DIGITIALTWINS`",
    ),
    (
        "SelectTop",
        QueryErrorKind::Syntax,
        "`WHERE ...` is a placeholder, not a condition",
    ),
    (
        "QueryByProperty4",
        QueryErrorKind::Syntax,
        "`T.<propertyName>.<mapKey>` is a placeholder",
    ),
    (
        "INOperatorWithout",
        QueryErrorKind::Syntax,
        "`@buildingId` is a client-side parameter; the service has no query parameters",
    ),
    (
        "INOperatorWith",
        QueryErrorKind::Syntax,
        "`..'floorn'` in the IN list is a placeholder",
    ),
    (
        "OtherExamples1",
        QueryErrorKind::Semantic,
        "`has.role` names no declared collection (`has` is the relationship name, not an alias)",
    ),
];

/// `-- <Id>` … `-- </Id>` snippets of every `.sql` file, without comment lines.
fn sql_snippets() -> BTreeMap<String, String> {
    let mut snippets = BTreeMap::new();
    let dir = docs_dir().join("digital-twins-docs-code/queries");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    for file in files {
        let text = fs::read_to_string(&file).expect("sample file is text");
        let mut current: Option<(String, String)> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(tag) = trimmed
                .strip_prefix("-- <")
                .and_then(|t| t.strip_suffix('>'))
            {
                if let Some(id) = tag.strip_prefix('/') {
                    let (open, body) = current.take().expect("closing tag has an opening tag");
                    assert_eq!(open, id, "{}: mismatched tags", file.display());
                    snippets.insert(open, body);
                } else {
                    current = Some((tag.to_string(), String::new()));
                }
            } else if let Some((_, body)) = current.as_mut()
                && !trimmed.starts_with("--")
            {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    snippets
}

/// The Markdown pages: their ```sql blocks, and the snippet ids they include.
fn markdown_samples() -> (Vec<(String, String)>, Vec<String>) {
    let mut blocks = Vec::new();
    let mut references = Vec::new();
    let mut pages: Vec<PathBuf> = fs::read_dir(docs_dir())
        .expect("adt-docs directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in pages {
        let name = page
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = fs::read_to_string(&page).expect("page is text");
        let mut block: Option<String> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            match block.as_mut() {
                Some(body) if trimmed.starts_with("```") => {
                    blocks.push((name.clone(), std::mem::take(body)));
                    block = None;
                }
                Some(body) => {
                    body.push_str(line);
                    body.push('\n');
                }
                None if trimmed.eq_ignore_ascii_case("```sql") => block = Some(String::new()),
                None => {}
            }
            if trimmed.starts_with(":::code") && trimmed.contains("language=\"sql\"") {
                let lower = trimmed.to_ascii_lowercase();
                let at = lower
                    .find(" id=\"")
                    .expect("a :::code include names its id")
                    + 5;
                let id: String = trimmed[at..].chars().take_while(|c| *c != '"').collect();
                references.push(id);
            }
        }
    }
    (blocks, references)
}

/// The queries in a snippet: chunks separated by blank lines (`SelectCount2` holds two).
fn queries_in(snippet: &str) -> Vec<String> {
    snippet
        .split("\n\n")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses one documented query (and runs it over the test graph when it parses), checking
/// it against the exclusion list. The mismatch, if any, as text.
fn check(label: &str, query: &str) -> Result<(), String> {
    let exclusion = EXCLUSIONS.iter().find(|(id, _, _)| *id == label);
    match (parse(query), exclusion) {
        (Ok(parsed), None) => execute(&parsed, &common::building_graph())
            .map(|_| ())
            .map_err(|e| format!("{label}: runs with error {e}\n{query}")),
        (Err(error), None) => Err(format!("{label}: {error}\n{query}")),
        (Ok(_), Some((_, kind, reason))) => Err(format!(
            "{label}: parsed, but should fail with {kind:?} ({reason})\n{query}"
        )),
        (Err(error), Some((_, kind, reason))) if error.kind != *kind => Err(format!(
            "{label}: expected {kind:?} ({reason}), got {error}\n{query}"
        )),
        (Err(_), Some(_)) => Ok(()),
    }
}

#[test]
fn documented_queries_parse_or_fail_as_listed() {
    let snippets = sql_snippets();
    let (blocks, references) = markdown_samples();
    assert!(
        snippets.len() > 100,
        "found only {} snippets",
        snippets.len()
    );
    assert!(!blocks.is_empty(), "the MATCH page has a ```sql block");
    assert!(
        references.len() > 50,
        "found only {} includes",
        references.len()
    );
    let mut failures: Vec<String> = references
        .iter()
        .filter(|id| !snippets.contains_key(*id))
        .map(|id| format!("{id}: included by a page but missing from the .sql files"))
        .collect();
    let mut checked = 0;
    for (id, body) in &snippets {
        if is_template(id) {
            continue;
        }
        for query in queries_in(body) {
            checked += 1;
            failures.extend(check(id, &query).err());
        }
    }
    for (page, body) in &blocks {
        checked += 1;
        failures.extend(check(page, body).err());
    }
    for (id, _, _) in EXCLUSIONS {
        if !snippets.contains_key(*id) {
            failures.push(format!("{id}: excluded but not found"));
        }
    }
    assert!(checked > 60, "checked only {checked} queries");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
