//! `cargo xtask fuzz [--seconds N] [target…]`: runs the `fuzz/` cargo-fuzz targets one after
//! another for a bounded time each, and fails if any of them finds a crash.
//!
//! Each target starts from its checked-in seeds (`fuzz/seeds/{target}`) plus the corpus it
//! grew before (`fuzz/corpus/{target}`, not checked in). Crashes land in
//! `fuzz/artifacts/{target}/`; the failure message names the file so it can be replayed with
//! `cargo +nightly fuzz run {target} {file}` and turned into a regression test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::process;

/// Every target in `fuzz/Cargo.toml`, in the order they run.
pub const TARGETS: [&str; 4] = ["jwt_claims", "auth_response", "adt_query", "json_patch"];
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
    fn libfuzzer_output_yields_runs_and_crash_files() {
        assert_eq!(done_runs("Done 48213 runs in 61 second(s)"), Some(48213));
        assert_eq!(done_runs("#48213 DONE cov: 1 ft: 2"), None);
        assert_eq!(
            crash_file("artifact_prefix='x/'; Test unit written to x/crash-abc"),
            Some("x/crash-abc")
        );
    }
}
