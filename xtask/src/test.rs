//! `cargo xtask test`: every check, stage by stage, with a summary line per stage.
//!
//! Stages run in order; a failed stage does not stop the independent ones after it, but the
//! end-to-end stages need the release build and are reported as not run without it.

use std::fs::File;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::dev::target_dir;
use crate::process::{describe, http_status, stop};

const DEV_READY_TIMEOUT: Duration = Duration::from_secs(20 * 60);

#[derive(Debug)]
enum Outcome {
    Passed,
    Failed(String),
    NotRun(String),
}

struct Stage {
    name: &'static str,
    outcome: Outcome,
    took: Duration,
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
fn disk_usage(dir: &std::path::Path) -> u64 {
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

fn run_stage(stages: &mut Vec<Stage>, name: &'static str, mut cmd: Command) -> bool {
    eprintln!("\n=== {name}: {}", describe(&cmd));
    let started = Instant::now();
    let outcome = match cmd.status() {
        Ok(s) if s.success() => Outcome::Passed,
        Ok(s) => Outcome::Failed(format!("exited with {s}")),
        Err(e) => Outcome::Failed(format!("could not run: {e}")),
    };
    let passed = matches!(outcome, Outcome::Passed);
    stages.push(Stage {
        name,
        outcome,
        took: started.elapsed(),
        target_bytes: disk_usage(&target_dir()),
    });
    passed
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

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("unknown argument `{arg}`"));
    }
    crate::setup::run()?;
    let mut stages = Vec::new();

    run_stage(&mut stages, "fmt", cargo(&["fmt", "--all", "--check"]));
    run_stage(
        &mut stages,
        "clippy (native)",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    run_stage(
        &mut stages,
        "clippy (wasm)",
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
    );
    run_stage(
        &mut stages,
        "native tests",
        cargo(&["test", "--workspace", "--exclude", "twinscope-e2e"]),
    );
    let mut wasm = cargo(&[
        "test",
        "--package",
        "twinscope",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    browser_env(&mut wasm);
    run_stage(&mut stages, "wasm tests (headless Chromium)", wasm);

    let dist = target_dir().join("e2e-dist");
    let mut release = Command::new("trunk");
    release
        .current_dir(crate::root())
        .args(["build", "--release", "--offline", "--dist"])
        .arg(&dist);
    let built = run_stage(&mut stages, "release build", release);

    if built {
        end_to_end(&mut stages, &dist);
    } else {
        let why = "needs the release build".to_owned();
        stages.push(Stage {
            name: "dev stack",
            outcome: Outcome::NotRun(why.clone()),
            took: Duration::ZERO,
            target_bytes: 0,
        });
        stages.push(Stage {
            name: "end-to-end tests (headless Chromium)",
            outcome: Outcome::NotRun(why),
            took: Duration::ZERO,
            target_bytes: 0,
        });
    }

    report(&stages)
}

/// Starts `cargo xtask dev` on a free port, then runs the end-to-end tests against both the
/// release build and the dev stack.
fn end_to_end(stages: &mut Vec<Stage>, dist: &std::path::Path) {
    let started = Instant::now();
    let port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => {
            stages.push(Stage {
                name: "dev stack",
                outcome: Outcome::Failed(format!("no free port: {e}")),
                took: Duration::ZERO,
                target_bytes: 0,
            });
            return;
        }
    };
    let log_path = target_dir().join("xtask-dev.log");
    let dev = start_dev(port, &log_path);
    let mut dev = match dev {
        Ok(child) => child,
        Err(e) => {
            stages.push(Stage {
                name: "dev stack",
                outcome: Outcome::Failed(e),
                took: started.elapsed(),
                target_bytes: 0,
            });
            return;
        }
    };
    let ready = wait_ready(&mut dev, port);
    let dev_ok = ready.is_ok();
    stages.push(Stage {
        name: "dev stack",
        outcome: match ready {
            Ok(()) => Outcome::Passed,
            Err(e) => Outcome::Failed(format!("{e}; see {}", log_path.display())),
        },
        took: started.elapsed(),
        target_bytes: disk_usage(&target_dir()),
    });

    let mut e2e = cargo(&["test", "--package", "twinscope-e2e"]);
    browser_env(&mut e2e);
    e2e.env("TWINSCOPE_DIST", dist);
    if dev_ok {
        e2e.env("TWINSCOPE_DEV_URL", format!("http://localhost:{port}"));
    }
    run_stage(stages, "end-to-end tests (headless Chromium)", e2e);
    stop(&mut dev, "cargo xtask dev");
}

fn start_dev(port: u16, log_path: &std::path::Path) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    let log =
        File::create(log_path).map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    eprintln!(
        "\n=== dev stack: {} dev --no-setup --port {port} (log: {})",
        exe.display(),
        log_path.display()
    );
    Command::new(exe)
        .current_dir(crate::root())
        .args(["dev", "--no-setup", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("cannot start `xtask dev`: {e}"))
}

fn wait_ready(dev: &mut Child, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + DEV_READY_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = dev.try_wait() {
            return Err(format!("`xtask dev` exited early ({status})"));
        }
        if http_status(port, "/") == Some(200) && http_status(port, "/config.json") == Some(200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(format!(
        "the dev stack did not serve http://127.0.0.1:{port}/ within {DEV_READY_TIMEOUT:?}"
    ))
}

fn report(stages: &[Stage]) -> Result<(), String> {
    eprintln!("\n=== summary");
    let mut failed = 0;
    for stage in stages {
        let (mark, detail) = match &stage.outcome {
            Outcome::Passed => ("ok  ", String::new()),
            Outcome::Failed(why) => {
                failed += 1;
                ("FAIL", format!(" — {why}"))
            }
            Outcome::NotRun(why) => {
                failed += 1;
                ("SKIP", format!(" — not run: {why}"))
            }
        };
        eprintln!(
            "{mark} {:<40} {:>7.1}s {:>6.2} GB in target/{detail}",
            stage.name,
            stage.took.as_secs_f64(),
            stage.target_bytes as f64 / 1e9
        );
    }
    let passed = stages.len() - failed;
    println!("stages: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} stage(s) did not pass"))
    }
}
