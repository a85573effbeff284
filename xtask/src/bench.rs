//! `cargo xtask bench`: one command for the whole benchmark report.
//!
//! 1. builds the release bundle (`trunk build --release --offline`) into `target/bench/dist`;
//! 2. runs each native part, which writes its figures to `target/bench/parts/{part}.json`:
//!    the emulator's throughput bench, the gateway's added-latency bench, and the
//!    in-browser `acquire_token_silent` bench (wasm-bindgen-test in headless Chromium);
//! 3. runs the browser half (`twinscope-e2e --bin bench`): payload, load and sign-in times,
//!    query, paging and graph figures, the auth module's share of the wasm, the MSAL.js peer
//!    page, and merges the parts into `target/bench/report.md` and `report.json`.
//!
//! Figures are medians of several runs with their spread; the report names the machine.

use std::path::Path;
use std::process::Command;

use crate::dev::target_dir;
use crate::process::run_visible;

/// twiggy attributes the wasm's bytes to the auth module (the report's "auth share");
/// installed from crates.io when missing, like the tools `setup` installs.
fn ensure_twiggy() -> Result<(), String> {
    if std::env::var_os("TWIGGY").is_some()
        || crate::process::output("twiggy", &["--version"]).is_some()
    {
        return Ok(());
    }
    let mut install = Command::new("cargo");
    install.args(["install", "twiggy", "--locked"]);
    run_visible(install)
}

/// The `BENCH {part} {json}` line the wasm bench prints (a test cannot write files).
const WASM_PART_PREFIX: &str = "BENCH ";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut runs = "7".to_owned();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a value")?.clone(),
            other => return Err(format!("unknown argument `{other}` (try --runs N)")),
        }
    }
    if runs.parse::<u32>().map_or(true, |n| n == 0) {
        return Err(format!(
            "--runs needs a whole number of at least 1, not `{runs}`"
        ));
    }
    crate::setup::run()?;
    ensure_twiggy()?;
    let target = target_dir();
    let out = target.join("bench");
    let dist = out.join("dist");
    let parts = out.join("parts");
    let _ = std::fs::remove_dir_all(&parts);
    std::fs::create_dir_all(&parts)
        .map_err(|e| format!("cannot create {}: {e}", parts.display()))?;

    let mut build = Command::new("trunk");
    build
        .current_dir(crate::root())
        .args(["build", "--release", "--offline", "--dist"])
        .arg(&dist);
    run_visible(build)?;

    native_part(&parts, "emulator", "twinscope-emulator", "throughput")?;
    native_part(&parts, "gateway", "twinscope-gateway", "added_latency")?;
    wasm_part(&parts)?;

    // Trunk's cargo output, before wasm-bindgen and wasm-opt: it still has a name section, so
    // the auth module's share can be attributed function by function.
    let wasm_with_names = target.join("wasm32-unknown-unknown/wasm-release/twinscope.wasm");
    let mut bench = Command::new("cargo");
    bench
        .current_dir(crate::root())
        .args([
            "run",
            "--release",
            "--package",
            "twinscope-e2e",
            "--bin",
            "bench",
            "--",
            "--runs",
            &runs,
            "--dist",
        ])
        .arg(&dist)
        .arg("--out")
        .arg(&out)
        .arg("--parts")
        .arg(&parts)
        .arg("--wasm-with-names")
        .arg(&wasm_with_names);
    with_chromedriver(&mut bench);
    run_visible(bench)
}

fn with_chromedriver(cmd: &mut Command) {
    if std::env::var_os("CHROMEDRIVER").is_none() {
        cmd.env("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
}

/// A `harness = false` bench target that writes its own part file.
fn native_part(parts: &Path, part: &str, package: &str, bench: &str) -> Result<(), String> {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(crate::root())
        .args(["bench", "--package", package, "--bench", bench])
        .env("TWINSCOPE_BENCH_JSON", parts.join(format!("{part}.json")));
    run_visible(cmd)
}

/// `acquire_token_silent` from the cache, timed inside headless Chromium by a wasm test that
/// prints its part as one line.
fn wasm_part(parts: &Path) -> Result<(), String> {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(crate::root())
        .args([
            "test",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "it",
            "--",
            "bench_silent",
            "--nocapture",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        );
    with_chromedriver(&mut cmd);
    let line = crate::process::describe(&cmd);
    println!("$ {line}");
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{line}`: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    crate::process::check(output.status, &line)?;
    let mut found = false;
    for rest in stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix(WASM_PART_PREFIX))
    {
        let (part, json) = rest
            .split_once(' ')
            .ok_or_else(|| format!("malformed bench line `{rest}`"))?;
        let file = parts.join(format!("{part}.json"));
        std::fs::write(&file, json).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        found = true;
    }
    if found {
        Ok(())
    } else {
        Err(format!("`{line}` printed no `{WASM_PART_PREFIX}…` line"))
    }
}
