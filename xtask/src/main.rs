//! `cargo xtask setup|dev|build|test|bench|fuzz`: the project's own commands.
//!
//! Only the standard library, `ctrlc` and the small `inline-csp` crate (for Trunk's
//! post-build hook): this crate builds in seconds, so `cargo xtask dev` on a fresh machine
//! starts installing what is missing right away.

mod bench;
mod build;
mod compress;
mod dead_classes;
mod dev;
mod function_order;
mod fuzz;
mod minify_js;
mod process;
mod redirect_server;
mod setup;
mod short_names;
mod split_roots;
mod symbols;
mod test;
mod wasm_binary;
mod wasm_fix;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install what building and testing need (wasm32 target, trunk, wasm-bindgen-cli,
          chromium, chromedriver, binaryen); quick when everything is there
  dev     run twinscope on the local emulator: http://localhost:8080/
            --port N           serve the app on port N (default 8080; 0 picks a free one)
            --emulator-port N  run the emulator on port N (default 8480; 0 picks a free one)
            --in-memory        the emulator keeps no data between runs
            --no-setup         skip the setup check
  build   the release bundle with lazy screens (cargo, wasm-split, wasm-bindgen, wasm-opt,
          the page); used by test, bench and deploy/Dockerfile
            --dist DIR        where the bundle goes (default target/release-bundle/dist)
            --target-dir DIR  cargo's target directory (default target/release-bundle)
          beside the bundle, never served: DIR.symbols, each module's function names
  symbolize  a stack the browser printed for the release bundle (standard input), each
          wasm frame followed by the function it names (standard output)
            --symbols DIR     the maps (default target/release-bundle/dist.symbols)
  test    the checks in stages; no STAGE runs them all (as CI does):
          fmt, clippy, native, wasm (headless Chromium), release, e2e (headless Chromium)
            STAGE…       only these stages, e.g. `cargo xtask test native`
            --list       list the stages and what each does
  bench   the benchmark report (target/bench/report.md, report.json): bundle sizes, load,
          sign-in, query, paging and graph times in headless Chromium, silent token
          acquisition, emulator and gateway throughput, DTDL validation of 1,000
          interfaces (browser, emulator, native), and the MSAL.js peer page
            --runs N     runs per figure (default 7)
  fuzz    run the cargo-fuzz targets (nightly) one after another; fails on any crash
            --seconds N  time per target (default 600)
            TARGET…      only these (jwt_claims, auth_response, adt_query, json_patch,
                         dtdl_models, json_reader)
";

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Trunk's post-build hook, on its staging directory: repairs binaryen's wasm export, then
/// writes the CSP hash sources of the page's inline loader and stylesheet into its meta tag
/// (what `trunk serve` sends; the gateway recomputes them for what it serves); for a release
/// build, last, the `.br`/`.gz` siblings of its assets (`compress.rs`).
fn post_build(dir: &Path) -> Result<(), String> {
    wasm_fix::run(dir)?;
    let index = dir.join("index.html");
    if let Some(origin) = std::env::var_os(dev::EMULATOR_ORIGIN_ENV) {
        let origin = origin.to_string_lossy();
        for file in [dir.join("config.json"), index.clone()] {
            move_emulator(&file, &origin)?;
        }
    }
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
    if std::env::var("TRUNK_PROFILE").is_ok_and(|p| p == "release") {
        compress::run(dir)?;
    }
    Ok(())
}

/// `cargo xtask dev --emulator-port N`: the staged file names the emulator at `origin`
/// instead of the default (the authority and ARM endpoint in `config.json`, `connect-src` in
/// the page's CSP).
fn move_emulator(file: &Path, origin: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    if !text.contains(dev::DEFAULT_EMULATOR_ORIGIN) {
        return Err(format!(
            "{} does not name the emulator at {}; cannot point it at {origin}",
            file.display(),
            dev::DEFAULT_EMULATOR_ORIGIN
        ));
    }
    std::fs::write(file, text.replace(dev::DEFAULT_EMULATOR_ORIGIN, origin))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
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
        "build" => build::run(rest),
        "symbolize" => symbols::run(rest),
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
