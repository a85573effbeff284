//! `cargo xtask bench`: build a release bundle, then measure it in headless Chromium.

use std::process::Command;

use crate::dev::target_dir;
use crate::process::run_visible;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut runs = "7".to_owned();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a value")?.clone(),
            other => return Err(format!("unknown argument `{other}` (try --runs N)")),
        }
    }
    crate::setup::run()?;
    let out = target_dir().join("bench");
    let dist = out.join("dist");
    let mut build = Command::new("trunk");
    build
        .current_dir(crate::root())
        .args(["build", "--release", "--offline", "--dist"])
        .arg(&dist);
    run_visible(build)?;
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
        .arg(&out);
    if std::env::var_os("CHROMEDRIVER").is_none() {
        bench.env("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
    run_visible(bench)
}
