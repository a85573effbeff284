//! `cargo xtask setup`: installs what is missing, says what and why, and is quick when
//! nothing is.

use std::process::Command;
use std::time::Instant;

use crate::process::{output, run_visible};

pub const TRUNK_REQUIREMENT: &str = "^0.21";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub fn run() -> Result<(), String> {
    let started = Instant::now();
    let mut installed = Vec::new();

    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t.trim() == WASM_TARGET) {
        eprintln!("setup: the {WASM_TARGET} target is missing; the SPA compiles to it");
        let mut cmd = Command::new("rustup");
        cmd.args(["target", "add", WASM_TARGET]);
        run_visible(cmd)?;
        installed.push(WASM_TARGET.to_owned());
    }

    // The split release bundle compiles the standard library with the app (`build.rs`:
    // `-Zbuild-std`), which needs the nightly toolchain and its `rust-src`. An installed
    // nightly is used as it is (not updated); only what is missing is fetched.
    let nightly = crate::build::TOOLCHAIN;
    let toolchains = output("rustup", &["toolchain", "list"]).unwrap_or_default();
    if !toolchains
        .lines()
        .any(|t| t.trim().starts_with(&format!("{nightly}-")))
    {
        eprintln!(
            "setup: the {nightly} toolchain is missing; the release bundle builds the standard library with it"
        );
        let mut cmd = Command::new("rustup");
        cmd.args([
            "toolchain",
            "install",
            nightly,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ]);
        run_visible(cmd)?;
        installed.push(format!("{nightly} toolchain with rust-src"));
    } else if !output(
        "rustup",
        &["component", "list", "--installed", "--toolchain", nightly],
    )
    .unwrap_or_default()
    .lines()
    .any(|c| c.trim() == "rust-src")
    {
        eprintln!(
            "setup: {nightly}'s rust-src is missing; the release bundle builds the standard library from it"
        );
        let mut cmd = Command::new("rustup");
        cmd.args(["component", "add", "--toolchain", nightly, "rust-src"]);
        run_visible(cmd)?;
        installed.push(format!("{nightly} rust-src"));
    }

    let missing_debian: Vec<(&str, &str)> = [
        (
            "chromium",
            "chromium",
            "headless browser for the wasm and end-to-end tests",
        ),
        ("chromedriver", "chromium-driver", "WebDriver for Chromium"),
        ("wasm-opt", "binaryen", "shrinks the release wasm"),
        (
            "nginx",
            "nginx",
            "the deploy/nginx recipe, run by the end-to-end tests",
        ),
        (
            "caddy",
            "caddy",
            "the deploy/caddy recipe, run by the end-to-end tests",
        ),
    ]
    .into_iter()
    .filter(|(binary, _, _)| output("which", &[binary]).is_none())
    .map(|(binary, package, why)| {
        eprintln!("setup: `{binary}` is missing ({why}); installing Debian's `{package}`");
        (binary, package)
    })
    .collect();
    if !missing_debian.is_empty() {
        install_debian(&missing_debian.iter().map(|(_, p)| *p).collect::<Vec<_>>())?;
        installed.extend(missing_debian.iter().map(|(_, p)| p.to_string()));
    }

    // The emulator's Azure SDK test (`emulator/tests/it/adt_azure_sdk.rs`) installs
    // Microsoft's Python SDK from PyPI into a virtual environment of its own.
    if output("python3", &["-c", "import venv, ensurepip"]).is_none() {
        eprintln!(
            "setup: Python 3 with venv is missing (the emulator runs Microsoft's Azure Digital Twins SDK for Python in a test); installing Debian's `python3-venv`"
        );
        install_debian(&["python3", "python3-venv"])?;
        installed.push("python3-venv".to_owned());
    }

    let bindgen = locked_wasm_bindgen_version()?;
    let have_bindgen = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have_bindgen != format!("wasm-bindgen {bindgen}") {
        eprintln!(
            "setup: wasm-bindgen-cli {bindgen} is needed (Cargo.lock pins wasm-bindgen {bindgen}; found `{}`)",
            if have_bindgen.is_empty() {
                "none"
            } else {
                &have_bindgen
            }
        );
        // Not `--locked`: the CLI's own lock file names a crate the registry no longer has.
        let mut cmd = Command::new("cargo");
        cmd.args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &bindgen,
            "--force",
        ]);
        run_visible(cmd)?;
        installed.push(format!("wasm-bindgen-cli {bindgen}"));
    }

    let have_trunk = output("trunk", &["--version"]).unwrap_or_default();
    if !have_trunk.starts_with("trunk 0.21.") {
        eprintln!(
            "setup: trunk {TRUNK_REQUIREMENT} is needed to build the SPA (found `{}`); this takes several minutes",
            if have_trunk.is_empty() {
                "none"
            } else {
                &have_trunk
            }
        );
        let mut cmd = Command::new("cargo");
        cmd.args([
            "install",
            "trunk",
            "--version",
            TRUNK_REQUIREMENT,
            "--locked",
            "--force",
        ]);
        run_visible(cmd)?;
        installed.push("trunk".to_owned());
    }

    // wasm-split-cli splits the release bundle's wasm at the lazy screens (`build.rs`); its
    // version matches the `wasm_split_helpers` that Leptos uses. It prints no version, so its
    // presence is checked, and the version by cargo's record of what it installed.
    let split = crate::build::WASM_SPLIT_CRATE;
    let split_version = crate::build::WASM_SPLIT_VERSION;
    if !installed_by_cargo(split, split_version) {
        eprintln!(
            "setup: wasm-split-cli ({split} {split_version}) is needed to split the release bundle's wasm"
        );
        let mut cmd = Command::new("cargo");
        cmd.args([
            "install",
            split,
            "--version",
            split_version,
            "--features",
            "build-binary",
            "--locked",
            "--force",
        ]);
        run_visible(cmd)?;
        installed.push(format!("wasm-split-cli ({split} {split_version})"));
    }

    let took = started.elapsed().as_secs_f64();
    if installed.is_empty() {
        eprintln!("setup: everything is present ({took:.1}s)");
    } else {
        eprintln!("setup: installed {} ({took:.0}s)", installed.join(", "));
    }
    Ok(())
}

fn install_debian(packages: &[&str]) -> Result<(), String> {
    let is_root = output("id", &["-u"]).as_deref() == Some("0");
    let prefix: Vec<&str> = if is_root {
        Vec::new()
    } else if output("which", &["sudo"]).is_some() {
        vec!["sudo", "-n"]
    } else {
        return Err(format!(
            "installing {} needs root; run `apt-get install -y {}` as root, then try again",
            packages.join(", "),
            packages.join(" ")
        ));
    };
    let apt = |args: &[&str]| {
        let mut all = prefix.clone();
        all.push("apt-get");
        all.extend(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run_visible(cmd)
    };
    apt(&["update"])?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(packages);
    apt(&install)
}

/// Whether `cargo install` put `krate` at `version` on this machine and its binaries are on
/// the PATH (`cargo install --list`: `name vX.Y.Z:` then its binaries, indented).
fn installed_by_cargo(krate: &str, version: &str) -> bool {
    let list = output("cargo", &["install", "--list"]).unwrap_or_default();
    let mut lines = list.lines();
    while let Some(line) = lines.next() {
        if line == format!("{krate} v{version}:") {
            return lines
                .take_while(|l| l.starts_with(' '))
                .all(|binary| output("which", &[binary.trim()]).is_some());
        }
    }
    false
}

/// The `wasm-bindgen` version in `Cargo.lock`, which the CLI must match exactly.
pub fn locked_wasm_bindgen_version() -> Result<String, String> {
    let path = crate::root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("{} has no wasm-bindgen package", path.display()))
}
