//! `cargo xtask fuzz [--seconds N] [target…]`: runs the `fuzz/` cargo-fuzz targets one after
//! another for a bounded time each, and fails if any of them finds a crash.
//!
//! Each target starts from its checked-in seeds (`fuzz/seeds/{target}`) plus the corpus it
//! grew before (`fuzz/corpus/{target}`, not checked in). `dtdl_models` also starts from every
//! case of the official DTDL conformance suite (`../shared/reference/dtdl-conformance`), whose
//! `input` arrays are written as seeds into `target/fuzz-seeds/dtdl_models` on each run
//! ([`suite_seeds`]) rather than copied into the repository. Crashes land in
//! `fuzz/artifacts/{target}/`; the failure message names the file so it can be replayed with
//! `cargo +nightly fuzz run {target} {file}` and turned into a regression test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::process;

/// Every target in `fuzz/Cargo.toml`, in the order they run.
pub const TARGETS: [&str; 6] = [
    "jwt_claims",
    "auth_response",
    "adt_query",
    "json_patch",
    "dtdl_models",
    "json_reader",
];
/// The target seeded with the DTDL conformance suite's inputs.
const DTDL_TARGET: &str = "dtdl_models";
/// Seconds per target when `--seconds` is not given.
pub const DEFAULT_SECONDS: u64 = 600;
/// libFuzzer needs a nightly compiler (`-Zsanitizer`).
const TOOLCHAIN: &str = "+nightly";

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    seconds: u64,
    targets: Vec<&'static str>,
}

/// How one target's run ended.
#[derive(Debug)]
struct Outcome {
    target: &'static str,
    /// libFuzzer's `Done N runs` figure, when it got that far.
    runs: Option<u64>,
    /// The crash input libFuzzer wrote, if any.
    artifact: Option<PathBuf>,
    passed: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let plan = parse_args(args)?;
    ensure_cargo_fuzz()?;
    let fuzz_dir = crate::root().join("fuzz");
    let mut outcomes = Vec::new();
    for target in &plan.targets {
        outcomes.push(run_target(&fuzz_dir, target, plan.seconds)?);
    }
    eprintln!("\nfuzz summary ({} s per target):", plan.seconds);
    for o in &outcomes {
        let runs = o.runs.map_or_else(|| "?".to_owned(), |r| r.to_string());
        let result = match (&o.artifact, o.passed) {
            (_, true) => "clean".to_owned(),
            (Some(path), false) => format!("CRASH: {}", path.display()),
            (None, false) => "FAILED (no crash file; see the output above)".to_owned(),
        };
        eprintln!("  {:<14} {runs:>12} runs  {result}", o.target);
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| match &o.artifact {
            Some(path) => format!("{} crashed: {}", o.target, path.display()),
            None => format!("{} failed", o.target),
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

fn parse_args(args: &[String]) -> Result<Plan, String> {
    let mut seconds = DEFAULT_SECONDS;
    let mut targets = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--seconds" {
            let value = rest.next().ok_or("--seconds needs a number")?;
            seconds =
                value.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("--seconds wants a positive whole number, not `{value}`")
                })?;
        } else if let Some(target) = TARGETS.iter().find(|t| **t == arg.as_str()) {
            if !targets.contains(target) {
                targets.push(*target);
            }
        } else {
            return Err(format!(
                "unknown fuzz target or option `{arg}` (targets: {})",
                TARGETS.join(", ")
            ));
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    Ok(Plan { seconds, targets })
}

/// Installs `cargo-fuzz` when `cargo fuzz` is not available.
fn ensure_cargo_fuzz() -> Result<(), String> {
    if process::output("cargo", &[TOOLCHAIN, "fuzz", "--version"]).is_some() {
        return Ok(());
    }
    let mut install = Command::new("cargo");
    install.args(["install", "cargo-fuzz", "--locked"]);
    process::run_visible(install)
}

/// Runs one target for `seconds`, echoing libFuzzer's output and remembering its run count
/// and crash file.
fn run_target(fuzz_dir: &Path, target: &'static str, seconds: u64) -> Result<Outcome, String> {
    let corpus = fuzz_dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(fuzz_dir)
        .args([TOOLCHAIN, "fuzz", "run", "--debug-assertions", target])
        .arg(&corpus);
    let seeds = fuzz_dir.join("seeds").join(target);
    if seeds.is_dir() {
        cmd.arg(&seeds);
    }
    if target == DTDL_TARGET {
        let suite = crate::root().join("../shared/reference/dtdl-conformance");
        if suite.is_dir() {
            let generated = crate::dev::target_dir().join("fuzz-seeds").join(target);
            let count = suite_seeds(&suite, &generated)?;
            eprintln!(
                "{target}: {count} seeds from the DTDL conformance suite in {}",
                generated.display()
            );
            cmd.arg(&generated);
        } else {
            eprintln!(
                "{target}: no DTDL conformance suite at {}; only the checked-in seeds",
                suite.display()
            );
        }
    }
    cmd.arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .stderr(Stdio::piped());
    let line = process::describe(&cmd);
    eprintln!("\n$ {line}");
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{line}`: {e}"))?;
    let mut runs = None;
    let mut artifact = None;
    if let Some(stderr) = child.stderr.take() {
        for text in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{text}");
            if let Some(n) = done_runs(&text) {
                runs = Some(n);
            }
            if let Some(path) = crash_file(&text) {
                artifact = Some(fuzz_dir.join(path));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("`{line}` did not finish: {e}"))?;
    Ok(Outcome {
        target,
        runs,
        artifact,
        passed: status.success(),
    })
}

/// Writes each distinct `input` of the conformance suite under `suite` (`{v2,v3}/*.json`, each
/// a JSON array of cases `{"valid", "options", "input"}`, UTF-8 with a byte-order mark) into
/// `out` as one seed named after its first case (`v3-Requirement-Foo-2`), whitespace outside
/// strings removed; `out` is emptied first, so it follows the suite. Returns the seed count.
fn suite_seeds(suite: &Path, out: &Path) -> Result<usize, String> {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut seen = std::collections::HashSet::new();
    for version in ["v2", "v3"] {
        let dir = suite.join(version);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let inputs = case_inputs(text.trim_start_matches('\u{feff}'))
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let stem = file.file_stem().unwrap_or_default().to_string_lossy();
            for (index, input) in inputs.into_iter().enumerate() {
                let seed = compact(input);
                if seen.insert(seed.clone()) {
                    let path = out.join(format!("{version}-{stem}-{index}"));
                    std::fs::write(&path, seed)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
            }
        }
    }
    Ok(seen.len())
}

/// The raw text of every case's `input` member in a suite file (a JSON array of objects). A
/// scanner that knows JSON's structure (strings, escapes, nesting) and nothing else: enough
/// for the suite's well-formed files, and xtask needs no JSON library for it.
fn case_inputs(text: &str) -> Result<Vec<&str>, String> {
    let b = text.as_bytes();
    let unexpected = |at: usize| format!("unexpected input at byte {at} (want an array of cases)");
    let mut at = skip_space(b, 0);
    if b.get(at) != Some(&b'[') {
        return Err(unexpected(at));
    }
    at += 1;
    let mut inputs = Vec::new();
    loop {
        at = skip_space(b, at);
        match b.get(at) {
            Some(b']') => return Ok(inputs),
            Some(b',') => at += 1,
            Some(b'{') => {
                at += 1;
                loop {
                    at = skip_space(b, at);
                    match b.get(at) {
                        Some(b'}') => {
                            at += 1;
                            break;
                        }
                        Some(b',') => at += 1,
                        Some(b'"') => {
                            let key_end = value_end(b, at)?;
                            let key = &text[at + 1..key_end - 1];
                            at = skip_space(b, key_end);
                            if b.get(at) != Some(&b':') {
                                return Err(unexpected(at));
                            }
                            at = skip_space(b, at + 1);
                            let end = value_end(b, at)?;
                            if key == "input" {
                                inputs.push(&text[at..end]);
                            }
                            at = end;
                        }
                        _ => return Err(unexpected(at)),
                    }
                }
            }
            _ => return Err(unexpected(at)),
        }
    }
}

fn skip_space(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The index just past the JSON value that starts at `at`.
fn value_end(b: &[u8], at: usize) -> Result<usize, String> {
    let unterminated = || format!("a value starting at byte {at} does not end");
    match b.get(at) {
        Some(b'"') => {
            let mut i = at + 1;
            while let Some(c) = b.get(i) {
                match c {
                    b'\\' => i += 2,
                    b'"' => return Ok(i + 1),
                    _ => i += 1,
                }
            }
            Err(unterminated())
        }
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(c) = b.get(i) {
                match c {
                    b'"' => {
                        i = value_end(b, i)?;
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err(unterminated())
        }
        Some(_) => {
            let mut i = at;
            while b
                .get(i)
                .is_some_and(|c| !matches!(c, b',' | b']' | b'}') && !c.is_ascii_whitespace())
            {
                i += 1;
            }
            if i == at {
                Err(format!("no value at byte {at}"))
            } else {
                Ok(i)
            }
        }
        None => Err(unterminated()),
    }
}

/// `json` without the whitespace outside its strings.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// `Done 123456 runs in 60 second(s)` → 123456.
fn done_runs(line: &str) -> Option<u64> {
    line.strip_prefix("Done ")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `Test unit written to fuzz/artifacts/t/crash-…` → the path.
fn crash_file(line: &str) -> Option<&str> {
    let (_, path) = line.split_once("Test unit written to ")?;
    Some(path.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_arguments_run_every_target_for_ten_minutes() {
        assert_eq!(
            parse_args(&[]),
            Ok(Plan {
                seconds: DEFAULT_SECONDS,
                targets: TARGETS.to_vec()
            })
        );
    }

    #[test]
    fn seconds_and_targets_are_taken_in_any_order() {
        assert_eq!(
            parse_args(&strings(&["json_patch", "--seconds", "60", "adt_query"])),
            Ok(Plan {
                seconds: 60,
                targets: vec!["json_patch", "adt_query"]
            })
        );
    }

    #[test]
    fn unknown_targets_and_bad_seconds_are_refused() {
        assert!(
            parse_args(&strings(&["nope"]))
                .unwrap_err()
                .contains("nope")
        );
        assert!(parse_args(&strings(&["--seconds", "0"])).is_err());
        assert!(parse_args(&strings(&["--seconds"])).is_err());
    }

    #[test]
    fn suite_cases_yield_their_inputs_compacted_and_once() {
        let file = "\u{feff}[\n  {\n    \"valid\": true,\n    \"options\": [ \"A\" ],\n    \"input\": [\n      { \"@id\": \"dtmi:a:b;1\", \"x\": \"a \\\" ] } [ \", \"n\": -1.5e3 }\n    ]\n  },\n  { \"input\": [ 1, null, true ], \"valid\": false }\n]\n";
        let inputs = case_inputs(file.trim_start_matches('\u{feff}')).unwrap();
        assert_eq!(inputs.len(), 2);
        assert_eq!(
            compact(inputs[0]),
            r#"[{"@id":"dtmi:a:b;1","x":"a \" ] } [ ","n":-1.5e3}]"#
        );
        assert_eq!(compact(inputs[1]), "[1,null,true]");
        assert!(case_inputs("[{\"input\": [1, 2}").is_err());
        assert!(case_inputs("{}").is_err());

        let dir = std::env::temp_dir().join(format!("xtask-suite-seeds-{}", std::process::id()));
        let suite = dir.join("suite");
        for version in ["v2", "v3"] {
            std::fs::create_dir_all(suite.join(version)).unwrap();
            std::fs::write(suite.join(version).join("Case-X.json"), file).unwrap();
        }
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale"), "old").unwrap();
        assert_eq!(
            suite_seeds(&suite, &out).unwrap(),
            2,
            "duplicates are written once"
        );
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["v2-Case-X-0", "v2-Case-X-1"]);
        assert_eq!(
            std::fs::read_to_string(out.join("v2-Case-X-1")).unwrap(),
            "[1,null,true]"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn libfuzzer_output_yields_runs_and_crash_files() {
        assert_eq!(done_runs("Done 48213 runs in 61 second(s)"), Some(48213));
        assert_eq!(done_runs("#48213 DONE cov: 1 ft: 2"), None);
        assert_eq!(
            crash_file("artifact_prefix='x/'; Test unit written to x/crash-abc"),
            Some("x/crash-abc")
        );
    }
}
