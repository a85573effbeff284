//! `cargo xtask setup|dev|test|bench|fuzz`: the project's own commands.
//!
//! Only the standard library, `ctrlc` and the small `inline-csp` crate (for Trunk's
//! post-build hook): this crate builds in seconds, so `cargo xtask dev` on a fresh machine
//! starts installing what is missing right away.

mod bench;
mod dev;
mod fuzz;
mod process;
mod setup;
mod test;
mod wasm_fix;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install what building and testing need (wasm32 target, trunk, wasm-bindgen-cli,
          chromium, chromedriver, binaryen); quick when everything is there
  dev     run twinscope on the local emulator: http://localhost:8080/
            --port N     serve the app on port N (default 8080)
            --no-setup   skip the setup check
  test    everything: fmt, clippy, native tests, wasm tests in headless Chromium,
          end-to-end tests against a release build
  bench   the benchmark report (target/bench/report.md, report.json): bundle sizes, load,
          sign-in, query, paging and graph times in headless Chromium, silent token
          acquisition, emulator and gateway throughput, and the MSAL.js peer page
            --runs N     runs per figure (default 7)
  fuzz    run the cargo-fuzz targets (nightly) one after another; fails on any crash
            --seconds N  time per target (default 600)
            TARGET…      only these (jwt_claims, auth_response, adt_query, json_patch)
";

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Trunk's post-build hook, on its staging directory: repairs binaryen's wasm export, then
/// writes the CSP hash sources of the page's inline loader and stylesheet into its meta tag
/// (what `trunk serve` sends; the gateway recomputes them for what it serves).
fn post_build(dir: &Path) -> Result<(), String> {
    wasm_fix::run(dir)?;
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    if inline_csp::meta_csp_content(&html).is_none() {
        return Err(format!(
            "{} has no Content-Security-Policy meta tag to allow its inline loader in",
            index.display()
        ));
    }
    let hashed = inline_csp::hash_meta(&html);
    if hashed != html {
        std::fs::write(&index, hashed)
            .map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "setup" => setup::run(),
        "dev" => dev::run(rest),
        "test" => test::run(rest),
        "bench" => bench::run(rest),
        "fuzz" => fuzz::run(rest),
        // Trunk's post-build hook (see `Trunk.toml`); not for people.
        "post-build" => match std::env::var_os("TRUNK_STAGING_DIR") {
            Some(dir) => post_build(Path::new(&dir)),
            None => {
                Err("TRUNK_STAGING_DIR is not set; Trunk runs this after each build".to_owned())
            }
        },
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {command}: {message}");
            ExitCode::FAILURE
        }
    }
}
