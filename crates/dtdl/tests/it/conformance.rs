//! The official DTDL conformance suite (`shared/reference/dtdl-conformance/{v2,v3}`), every case
//! with its own options, one fresh [`ModelSet`] per case.
//!
//! A case agrees when the crate accepts the input set exactly when the suite says it is valid.
//! Every disagreement must be listed, with a one-line reason, in
//! `tests/conformance-disagreements.txt`; a listed case that now agrees fails the test too, so
//! the list only ever shrinks. The test prints the agreement per version and per family.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dtdl::{ModelSet, ParseOptions, Service, UndefinedExtensions};
use serde_json::Value;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/dtdl-conformance")
}

/// One case: its file, its index in the file, what the suite says, and what the crate says.
struct Outcome {
    key: String,
    family: String,
    valid: bool,
    accepted: bool,
    first_error: String,
}

fn options(case: &Value) -> ParseOptions {
    let names: Vec<&str> = case["options"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // The suite tests the language, not a service's rules on top of it.
    let mut options = ParseOptions {
        service: Service::LanguageOnly,
        ..ParseOptions::default()
    };
    for name in names {
        match name {
            "AllowUndefinedExtensions" => {
                options.undefined_extensions = UndefinedExtensions::Allow;
            }
            "DisallowUndefinedExtensions" => {
                options.undefined_extensions = UndefinedExtensions::Disallow;
            }
            other => panic!("the suite names an option this test does not know: {other}"),
        }
    }
    options
}

fn run_version(version: &str) -> Vec<Outcome> {
    let dir = suite_dir().join(version);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut outcomes = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let cases: Vec<Value> = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        let family = name.split('-').next().unwrap().to_owned();
        for (index, case) in cases.iter().enumerate() {
            let valid = case["valid"].as_bool().unwrap();
            let input = case["input"].as_array().unwrap();
            let mut set = ModelSet::with_options(options(case));
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| set.add_models(input)))
                    .unwrap_or_else(|_| panic!("{version}/{name}#{index}: the parser panicked"));
            let first_error = match &result {
                Ok(_) => String::new(),
                Err(e) => e.errors[0].message.clone(),
            };
            outcomes.push(Outcome {
                key: format!("{version}/{name}#{index}"),
                family: family.clone(),
                valid,
                accepted: result.is_ok(),
                first_error,
            });
        }
    }
    outcomes
}

fn percent(agree: usize, total: usize) -> f64 {
    100.0 * agree as f64 / total.max(1) as f64
}

fn report(version: &str, outcomes: &[Outcome]) -> f64 {
    let mut families: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut agree = 0;
    for o in outcomes {
        let entry = families.entry(&o.family).or_default();
        entry.1 += 1;
        if o.valid == o.accepted {
            entry.0 += 1;
            agree += 1;
        }
    }
    let overall = percent(agree, outcomes.len());
    println!(
        "DTDL conformance {version}: {agree} of {} cases agree ({overall:.2}%)",
        outcomes.len()
    );
    for (family, (a, t)) in families {
        println!("  {family:<15} {a:>5} of {t:>5} ({:.2}%)", percent(a, t));
    }
    overall
}

/// `key  reason` lines; `#` starts a comment.
fn listed_disagreements() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-disagreements.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            assert!(
                !reason.trim().is_empty(),
                "{key}: every listed disagreement needs a reason"
            );
            (key.to_owned(), reason.trim().to_owned())
        })
        .collect()
}

#[test]
fn the_official_suite_agrees_case_by_case() {
    let listed = listed_disagreements();
    let mut unlisted = Vec::new();
    let mut fixed = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut overalls = Vec::new();
    for version in ["v2", "v3"] {
        let outcomes = run_version(version);
        overalls.push((version, report(version, &outcomes)));
        for o in &outcomes {
            seen.insert(o.key.clone());
            let disagrees = o.valid != o.accepted;
            match (disagrees, listed.contains_key(&o.key)) {
                (true, false) => unlisted.push(format!(
                    "{}  suite says {}, crate {}{}",
                    o.key,
                    if o.valid { "valid" } else { "invalid" },
                    if o.accepted { "accepts" } else { "refuses: " },
                    o.first_error
                )),
                (false, true) => fixed.push(o.key.clone()),
                _ => {}
            }
        }
    }
    let stale: Vec<&String> = listed.keys().filter(|k| !seen.contains(*k)).collect();
    if let Ok(path) = std::env::var("DTDL_CONFORMANCE_DUMP") {
        std::fs::write(path, unlisted.join("\n")).unwrap();
    }
    for (version, overall) in overalls {
        assert!(
            overall >= 99.5,
            "{version}: agreement {overall:.2}% is below 99.5%"
        );
    }
    assert!(
        unlisted.is_empty(),
        "{} disagreements are not listed in tests/conformance-disagreements.txt:\n{}",
        unlisted.len(),
        unlisted
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        fixed.is_empty() && stale.is_empty(),
        "listed disagreements that now agree or no longer exist; remove them: {fixed:?} {stale:?}"
    );
}
