//! `cargo xtask test [STAGE…]`: the checks, stage by stage, with a summary line per stage.
//!
//! Stages (`--list` prints them): `fmt`, `clippy`, `native`, `wasm`, `release`, `e2e`. No
//! stage named runs them all, as CI does. A failed stage does not stop the independent ones
//! after it; `e2e` needs the release bundle and is reported as not run without it.
//!
//! The release bundle is built once per run, in its own target directory
//! (`target/release-bundle`), by `cargo xtask build` (the split bundle: lazy screens; see
//! `build.rs`), which starts first and runs beside the other stages: its long single-threaded steps (the LTO link, wasm-opt) fill the core
//! that the test stages leave idle while tests wait on sockets and the browser. Its output
//! goes to `target/release-bundle/build.log` and is shown when it fails. The end-to-end
//! tests and the size checks all use that one bundle.
//!
//! Every cargo stage prints the tests it ran (from the harness's `test result:` lines) and
//! the summary totals them, so a run that silently loses tests is visible.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::dev::target_dir;
use crate::process::describe;

/// The stages, in the order they run, with what each does.
pub const STAGES: &[(&str, &str)] = &[
    ("fmt", "cargo fmt --check over the workspace"),
    (
        "clippy",
        "clippy -D warnings, native (all targets) and wasm32 (the SPA and its tests)",
    ),
    (
        "native",
        "unit and integration tests of every crate but e2e (one integration binary per crate)",
    ),
    ("wasm", "the SPA's wasm-bindgen tests in headless Chromium"),
    (
        "release",
        "the split release bundle (cargo xtask build), built once and shared by e2e and the size checks",
    ),
    (
        "e2e",
        "end-to-end tests in headless Chromium against the split release bundle, and the dev stack on free ports",
    ),
];

/// The end-to-end tests that start `cargo xtask dev` (a name filter): they run before the
/// release bundle is waited for, and are skipped in the run that uses it.
const DEV_STACK_TESTS: &str = "dev_stack_";

#[derive(Debug)]
enum Outcome {
    Passed,
    Failed(String),
    NotRun(String),
}

/// Tests a stage ran, from the harness's `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TestCount {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl TestCount {
    fn add(&mut self, other: TestCount) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }

    fn ran(self) -> u64 {
        self.passed + self.failed
    }
}

/// Reads one harness summary line: libtest's and wasm-bindgen-test's
/// `test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; …`.
pub fn parse_test_result(line: &str) -> Option<TestCount> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let (_, counts) = rest.split_once(". ")?;
    let mut count = TestCount::default();
    let mut any = false;
    for part in counts.split(';') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        match what {
            "passed" => count.passed = n,
            "failed" => count.failed = n,
            "ignored" => count.ignored = n,
            _ => continue,
        }
        any = true;
    }
    any.then_some(count)
}

struct Stage {
    name: &'static str,
    outcome: Outcome,
    took: Duration,
    tests: Option<TestCount>,
    /// The target directory's size after the stage (CI disks are finite).
    target_bytes: u64,
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(crate::root()).args(args);
    if std::env::var_os("CI").is_some() {
        // A clean clone builds once: incremental caches would only take disk.
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

/// Bytes under `dir`, following no symlinks; what a stage left on disk.
fn disk_usage(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => disk_usage(&entry.path()),
            Ok(t) if t.is_file() => entry.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Runs `cmd` with its standard output passed through line by line and counted.
fn run_counted(mut cmd: Command) -> (Outcome, Option<TestCount>) {
    cmd.stdout(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return (Outcome::Failed(format!("could not run: {e}")), None),
    };
    let mut count: Option<TestCount> = None;
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout();
        for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
            let _ = out.write_all(&line);
            let _ = out.write_all(b"\n");
            let text = String::from_utf8_lossy(&line);
            if let Some(c) = parse_test_result(&text) {
                count.get_or_insert_default().add(c);
            }
        }
        let _ = out.flush();
    }
    let outcome = match child.wait() {
        Ok(s) if s.success() => Outcome::Passed,
        Ok(s) => Outcome::Failed(format!("exited with {s}")),
        Err(e) => Outcome::Failed(format!("could not wait for it: {e}")),
    };
    (outcome, count)
}

/// Runs `commands` in turn for stage `name`, stopping at the first that fails; the tests
/// they ran are added to `tests`.
fn run_all(name: &str, commands: Vec<Command>, tests: &mut Option<TestCount>) -> Outcome {
    for cmd in commands {
        eprintln!("\n=== {name}: {}", describe(&cmd));
        let (outcome, count) = run_counted(cmd);
        if let Some(c) = count {
            tests.get_or_insert_default().add(c);
        }
        if !matches!(outcome, Outcome::Passed) {
            return outcome;
        }
    }
    Outcome::Passed
}

struct Run {
    stages: Vec<Stage>,
    started: Instant,
}

impl Run {
    /// Runs each command in turn (stopping at the first failure) as one stage.
    fn stage(&mut self, name: &'static str, commands: Vec<Command>) -> bool {
        let started = Instant::now();
        let mut tests = None;
        let outcome = run_all(name, commands, &mut tests);
        self.finish(name, outcome, started.elapsed(), tests)
    }

    fn finish(
        &mut self,
        name: &'static str,
        outcome: Outcome,
        took: Duration,
        tests: Option<TestCount>,
    ) -> bool {
        let passed = matches!(outcome, Outcome::Passed);
        let stage = Stage {
            name,
            outcome,
            took,
            tests,
            target_bytes: disk_usage(&target_dir()),
        };
        eprintln!(
            "=== {name}: {} in {:.1}s",
            stage.mark().trim(),
            took.as_secs_f64()
        );
        self.stages.push(stage);
        passed
    }

    fn not_run(&mut self, name: &'static str, why: &str) {
        self.stages.push(Stage {
            name,
            outcome: Outcome::NotRun(why.to_owned()),
            took: Duration::ZERO,
            tests: None,
            target_bytes: 0,
        });
    }
}

impl Stage {
    fn mark(&self) -> &'static str {
        match self.outcome {
            Outcome::Passed => "ok  ",
            Outcome::Failed(_) => "FAIL",
            Outcome::NotRun(_) => "SKIP",
        }
    }
}

fn browser_env(cmd: &mut Command) {
    if std::env::var_os("CHROMEDRIVER").is_none() {
        cmd.env("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
    cmd.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    );
    cmd.env("WASM_BINDGEN_TEST_TIMEOUT", "120");
}

/// Which stages to run: all for no argument, else the named ones (in the canonical order).
fn select(args: &[String]) -> Result<Vec<&'static str>, String> {
    if args.is_empty() {
        return Ok(STAGES.iter().map(|(name, _)| *name).collect());
    }
    for arg in args {
        if !STAGES.iter().any(|(name, _)| name == arg) {
            let names: Vec<&str> = STAGES.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown stage `{arg}`; the stages are {} (or --list)",
                names.join(", ")
            ));
        }
    }
    Ok(STAGES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| args.iter().any(|a| a == name))
        .collect())
}

pub fn list() -> String {
    let mut out = String::from("stages of `cargo xtask test` (no argument runs them all):\n");
    for (name, what) in STAGES {
        out.push_str(&format!("  {name:<8} {what}\n"));
    }
    out
}

/// The release bundle: `dist` and the target directory its cargo build uses.
pub struct ReleaseBundle {
    pub dist: PathBuf,
    target: PathBuf,
    log: PathBuf,
}

impl ReleaseBundle {
    pub fn new() -> Self {
        let target = crate::build::default_target_dir();
        Self {
            dist: target.join("dist"),
            log: target.join("build.log"),
            target,
        }
    }

    /// `cargo xtask build` (this program) into `dist`, its output to the log file.
    fn start(&self) -> Result<Child, String> {
        std::fs::create_dir_all(&self.target)
            .map_err(|e| format!("cannot create {}: {e}", self.target.display()))?;
        let log = std::fs::File::create(&self.log)
            .map_err(|e| format!("cannot write {}: {e}", self.log.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let program = std::env::current_exe()
            .map_err(|e| format!("cannot find this program to run `xtask build`: {e}"))?;
        let mut cmd = Command::new(program);
        cmd.current_dir(crate::root())
            .args(["build", "--dist"])
            .arg(&self.dist)
            .arg("--target-dir")
            .arg(&self.target)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        if std::env::var_os("CI").is_some() {
            cmd.env("CARGO_INCREMENTAL", "0");
        }
        eprintln!(
            "\n=== release: {} (beside the other stages; log: {})",
            describe(&cmd),
            self.log.display()
        );
        cmd.spawn()
            .map_err(|e| format!("cannot start `xtask build`: {e}"))
    }

    /// The last lines of the build log, for a failure report.
    fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--list") {
        print!("{}", list());
        return Ok(());
    }
    let selected = select(args)?;
    let wants = |name: &str| selected.contains(&name);
    crate::setup::run()?;
    let mut run = Run {
        stages: Vec::new(),
        started: Instant::now(),
    };

    // The release bundle first, in the background: everything else can run beside it.
    let bundle = ReleaseBundle::new();
    let needs_bundle = wants("release") || wants("e2e");
    let mut release = needs_bundle.then(|| (Instant::now(), bundle.start()));

    if wants("fmt") {
        run.stage("fmt", vec![cargo(&["fmt", "--all", "--check"])]);
    }
    if wants("clippy") {
        run.stage(
            "clippy",
            vec![
                cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
                cargo(&[
                    "clippy",
                    "--package",
                    "twinscope",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
            ],
        );
    }
    if wants("native") {
        run.stage(
            "native",
            vec![cargo(&[
                "test",
                "--workspace",
                "--exclude",
                "twinscope-e2e",
            ])],
        );
    }
    if wants("wasm") {
        let mut wasm = cargo(&[
            "test",
            "--package",
            "twinscope",
            "--target",
            "wasm32-unknown-unknown",
        ]);
        browser_env(&mut wasm);
        match crate::redirect_server::start() {
            Ok(origin) => {
                wasm.env(crate::redirect_server::ENV, origin);
                run.stage("wasm", vec![wasm]);
            }
            Err(e) => {
                run.finish("wasm", Outcome::Failed(e), Duration::ZERO, None);
            }
        }
    }
    // The end-to-end tests that need no bundle (the dev stack, whose debug build runs beside
    // the release build's last steps) go before waiting for it.
    let e2e_started = Instant::now();
    let mut e2e_tests: Option<TestCount> = None;
    let mut e2e_outcome = Outcome::Passed;
    if wants("e2e") {
        let mut build = cargo(&["test", "--package", "twinscope-e2e", "--no-run"]);
        build.stdin(Stdio::null());
        let mut dev = cargo(&["test", "--package", "twinscope-e2e", "--", DEV_STACK_TESTS]);
        browser_env(&mut dev);
        e2e_outcome = run_all("e2e", vec![build, dev], &mut e2e_tests);
    }
    let e2e_before_bundle = e2e_started.elapsed();

    let mut built = false;
    if let Some((started, child)) = release.take() {
        let waited = Instant::now();
        let outcome = match child.and_then(|mut c| c.wait().map_err(|e| e.to_string())) {
            Ok(status) if status.success() => Outcome::Passed,
            Ok(status) => {
                eprintln!(
                    "\n=== release failed ({status}); the end of {}:\n{}",
                    bundle.log.display(),
                    bundle.log_tail(60)
                );
                Outcome::Failed(format!(
                    "exited with {status}; see {}",
                    bundle.log.display()
                ))
            }
            Err(e) => Outcome::Failed(e),
        };
        eprintln!(
            "=== release: waited {:.1}s for it after the other stages",
            waited.elapsed().as_secs_f64()
        );
        built = run.finish("release", outcome, started.elapsed(), None);
    }
    if wants("e2e") {
        if !built {
            run.not_run("e2e", "needs the release bundle");
        } else {
            let started = Instant::now();
            if matches!(e2e_outcome, Outcome::Passed) {
                let mut e2e = cargo(&[
                    "test",
                    "--package",
                    "twinscope-e2e",
                    "--",
                    "--skip",
                    DEV_STACK_TESTS,
                ]);
                browser_env(&mut e2e);
                e2e.env("TWINSCOPE_DIST", &bundle.dist);
                e2e_outcome = run_all("e2e", vec![e2e], &mut e2e_tests);
            }
            run.finish(
                "e2e",
                e2e_outcome,
                e2e_before_bundle + started.elapsed(),
                e2e_tests,
            );
        }
    }
    report(&run)
}

fn report(run: &Run) -> Result<(), String> {
    eprintln!("\n=== summary");
    let mut failed = 0;
    let mut tests = TestCount::default();
    for stage in &run.stages {
        let detail = match &stage.outcome {
            Outcome::Passed => String::new(),
            Outcome::Failed(why) => {
                failed += 1;
                format!(" — {why}")
            }
            Outcome::NotRun(why) => {
                failed += 1;
                format!(" — not run: {why}")
            }
        };
        let count = stage.tests.map_or(String::new(), |c| {
            tests.add(c);
            format!("{:>5} tests", c.ran())
        });
        eprintln!(
            "{} {:<8} {:>7.1}s {:>11} {:>6.2} GB in target/{detail}",
            stage.mark(),
            stage.name,
            stage.took.as_secs_f64(),
            count,
            stage.target_bytes as f64 / 1e9
        );
    }
    eprintln!(
        "     {:<8} {:>7.1}s (wall time of the whole run, setup excluded)",
        "total",
        run.started.elapsed().as_secs_f64()
    );
    println!(
        "tests: {} passed, {} failed ({} ignored)",
        tests.passed, tests.failed, tests.ignored
    );
    let passed = run.stages.len() - failed;
    println!("stages: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} stage(s) did not pass"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_summary_lines_are_counted() {
        let check = |line: &str, expected: Option<(u64, u64, u64)>| {
            assert_eq!(
                parse_test_result(line).map(|c| (c.passed, c.failed, c.ignored)),
                expected,
                "{line}"
            );
        };
        check(
            "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.52s",
            Some((12, 0, 1)),
        );
        check(
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            Some((3, 2, 0)),
        );
        check(
            "   test result: ok. 0 passed; 0 failed; 0 ignored",
            Some((0, 0, 0)),
        );
        check("test foo ... ok", None);
        check("running 12 tests", None);
        check("test result: garbage", None);
    }

    #[test]
    fn stages_are_chosen_by_name_in_their_own_order() {
        let all: Vec<&str> = STAGES.iter().map(|(n, _)| *n).collect();
        assert_eq!(select(&[]).unwrap(), all);
        let args = ["e2e".to_owned(), "fmt".to_owned()];
        assert_eq!(select(&args).unwrap(), ["fmt", "e2e"]);
        let error = select(&["lint".to_owned()]).unwrap_err();
        assert!(error.contains("unknown stage `lint`"), "{error}");
        assert!(
            error.contains("fmt, clippy, native, wasm, release, e2e"),
            "{error}"
        );
        assert!(list().contains("  release  "), "{}", list());
    }
}
