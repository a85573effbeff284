//! `cargo xtask bench`: one command for the whole benchmark report.
//!
//! 1. builds the split release bundle (`cargo xtask build`, lazy screens) into
//!    `target/bench/dist`, compiling in `target/release-bundle` like `cargo xtask test`;
//! 2. runs each native part, which writes its figures to `target/bench/parts/{part}.json`:
//!    the emulator's throughput bench, the DTDL validation bench (1,000 interfaces natively in
//!    the crate and through the emulator's `POST /models`), the gateway's added-latency bench,
//!    and the in-browser benches (wasm-bindgen-test in headless Chromium, release):
//!    `acquire_token_silent` and DTDL validation of the same 1,000 interfaces;
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

/// The wasm benches: the test module (`tests/it/{module}.rs`, also the runner's filter: it
/// takes one) and the part it prints.
const WASM_PARTS: [(&str, &str); 2] = [
    ("bench_silent", "auth-silent"),
    ("bench_dtdl", "dtdl-browser"),
];

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

    let bundle_target = crate::build::default_target_dir();
    crate::build::build(&dist, &bundle_target)?;

    native_part(&parts, "emulator", "twinscope-emulator", "throughput")?;
    native_part(&parts, "dtdl", "twinscope-emulator", "dtdl_validation")?;
    native_part(&parts, "gateway", "twinscope-gateway", "added_latency")?;
    for (test, part) in WASM_PARTS {
        wasm_part(&parts, test, part)?;
    }

    // The linked wasm, before wasm-split, wasm-bindgen and wasm-opt: it still has a name
    // section, so the auth module's share can be attributed function by function.
    let wasm_with_names = crate::build::linked_wasm(&bundle_target);
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

/// A wasm bench in headless Chromium (release): runs the tests of `tests/it/{module}.rs` and
/// writes the part they print as one `BENCH {part} {json}` line; `part` must be among them.
fn wasm_part(parts: &Path, module: &str, part: &str) -> Result<(), String> {
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
            module,
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
        let (printed, json) = rest
            .split_once(' ')
            .ok_or_else(|| format!("malformed bench line `{rest}`"))?;
        let file = parts.join(format!("{printed}.json"));
        std::fs::write(&file, json).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        found |= printed == part;
    }
    if found {
        Ok(())
    } else {
        Err(format!(
            "`{line}` printed no `{WASM_PART_PREFIX}{part} …` line"
        ))
    }
}
