//! `cargo xtask build [--dist DIR] [--target-dir DIR]`: the release bundle, with the instance
//! screens in wasm modules of their own that load when a screen first opens.
//!
//! Trunk cannot split a module (wasm-split must run on the linked module, before wasm-bindgen,
//! and Trunk's hooks run before cargo or after wasm-opt: trunk-rs/trunk#1022), so the release
//! pipeline is this one:
//! 1. cargo (nightly, `-Zbuild-std` with `optimize_for_size`: the standard library compiled
//!    with the app, for size) the SPA for wasm32 with the `wasm-release` profile and
//!    `--cfg twinscope_split` (the screen groups in `src/pages/instance.rs` become `wasm_split`
//!    split points), `--cfg erase_components` (Leptos erases component and route types: less
//!    generic code), panics without source locations (`-Zlocation-detail=none`), linked
//!    with `--emit-relocs` (wasm-split reads the relocations);
//! 2. `wasm-split-cli`: the main module, a module per split point, modules of code that split
//!    points share, and the link module `__wasm_split.js` that loads them;
//! 3. `wasm-bindgen --target web --keep-lld-exports` on the main module (the other modules
//!    import the linker's exports: memory, the function table, the stack pointer);
//! 4. the link module goes into the glue, so loading the app stays two requests (glue and
//!    wasm) and the page's `script-src 'self'` covers every script;
//! 5. `wasm-opt` on every module, with the level and flags of `index.html`'s Rust link and
//!    `-g` (names kept for the symbol maps; the code is the same); the main module's externref
//!    export repaired (`wasm_fix`, Debian's binaryen 108); functions reordered
//!    (`function_order`), each module's function names read into its symbol map, custom
//!    sections out;
//! 6. content-hashed names (`stem-<16 hex>`, which the gateway caches as immutable), the glue
//!    naming the modules' hashed names;
//! 7. the page: Trunk builds a copy of `index.html` without its Rust asset (stylesheet inline and
//!    minified, the hashed favicon, `config.json`), then the loader (`Trunk.toml`'s
//!    `pattern_script`) and the preload links go in, and, as in the post-build hook, the CSP
//!    meta gets the hashes of the inline loader and stylesheet and every asset gets its
//!    `.br`/`.gz` siblings; the symbol maps go beside the bundle (`<dist>.symbols`, never
//!    served: `crate::symbols`).
//!
//! `trunk serve` and a plain `trunk build --release` compile the screens in as ordinary code
//! (no `twinscope_split`): the same app in one module.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::process::run_visible;
use crate::split_roots;

/// The cargo binary and the output name of the glue and the main module.
const APP: &str = "twinscope";
/// The cfgs of the split build (see the module documentation).
const SPLIT_RUSTFLAGS: &str =
    "--cfg twinscope_split --cfg erase_components -Clink-args=--emit-relocs";
/// Panics without their source location: the message stays (the app's panic hook prints it
/// and the stack: `src/console.rs`), the file, line and column go, and with them 5.8 kB
/// Brotli, 6.8 kB gzip of the main module (2026-12-06). Where a panic happened is read from
/// its stack instead: the build writes each module's function names beside the bundle
/// (`crate::symbols`), and `cargo xtask symbolize` names the function of every frame.
/// `cargo xtask dev` builds keep the locations.
const PANIC_LOCATIONS: &str = "-Zlocation-detail=none";
/// The toolchain of the split build: `-Zbuild-std` needs nightly and its `rust-src` (`cargo
/// xtask setup` installs both; `trunk serve` and a plain `trunk build` stay on stable).
pub const TOOLCHAIN: &str = "nightly";
/// The standard library compiled with the app, for size: with `optimize_for_size` (smaller
/// algorithms in `core`/`alloc`) and LTO across it, the main module is 18.8 kB smaller Brotli
/// (29.7 kB gzip) than with the prebuilt one. Panics still reach the app's panic hook
/// and its message: `panic_immediate_abort` would save more but print nothing.
const BUILD_STD: [&str; 2] = [
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];
/// The cargo profile of release builds (`index.html`'s `data-cargo-profile-release`).
const PROFILE: &str = "wasm-release";
/// What wasm-split names its link module, and what the wasm imports it as.
const LINK_MODULE: &str = "__wasm_split.js";
/// The crate that installs `wasm-split-cli`, at the version that matches Leptos's
/// `wasm_split_helpers` (`cargo xtask setup` installs it).
pub const WASM_SPLIT_CRATE: &str = "wasm_split_cli_support";
pub const WASM_SPLIT_VERSION: &str = "0.2.4";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut dist = None;
    let mut target = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--dist" => dist = Some(value()?),
            "--target-dir" => target = Some(value()?),
            other => {
                return Err(format!(
                    "unknown argument `{other}` (try --dist DIR, --target-dir DIR)"
                ));
            }
        }
    }
    let target = target.unwrap_or_else(default_target_dir);
    let dist = dist.unwrap_or_else(|| target.join("dist"));
    // No `setup` here: the Dockerfile's build stage installs just these tools, not the test
    // browsers; a missing tool's error says to run `cargo xtask setup`.
    build(&dist, &target)
}

/// Where release bundles are built: `target/release-bundle`, shared by `cargo xtask test`,
/// `bench` and `build`, apart from the debug builds (other RUSTFLAGS would rebuild them).
pub fn default_target_dir() -> PathBuf {
    crate::dev::target_dir().join("release-bundle")
}

/// The linked wasm before splitting: it still has its name section (for twiggy).
pub fn linked_wasm(target_dir: &Path) -> PathBuf {
    target_dir
        .join("wasm32-unknown-unknown")
        .join(PROFILE)
        .join(format!("{APP}.wasm"))
}

/// Builds the split bundle into `dist` (emptied first), compiling in `target_dir`.
pub fn build(dist: &Path, target_dir: &Path) -> Result<(), String> {
    let root = crate::root();
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_owned()
        } else {
            std::env::current_dir().map_or_else(|_| p.to_owned(), |d| d.join(p))
        }
    };
    let (dist, target_dir) = (absolute(dist), absolute(target_dir));
    let index = read(&root.join("index.html"))?;
    let trunk_toml = read(&root.join("Trunk.toml"))?;
    let opt = WasmOpt::from_index(&index)?;
    let loader_pattern = pattern_script(&trunk_toml)?;

    // 1. cargo
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    if !rustflags.is_empty() {
        rustflags.push(' ');
    }
    rustflags.push_str(SPLIT_RUSTFLAGS);
    rustflags.push(' ');
    rustflags.push_str(PANIC_LOCATIONS);
    let mut cargo = Command::new("cargo");
    cargo
        .current_dir(&root)
        .arg(format!("+{TOOLCHAIN}"))
        .args(BUILD_STD)
        .args([
            "build",
            "--profile",
            PROFILE,
            "--target",
            crate::setup::WASM_TARGET,
            "--bin",
            APP,
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", &rustflags);
    run_visible(cargo).map_err(|e| {
        format!(
            "{e} (if the {TOOLCHAIN} toolchain or its rust-src is missing: `cargo xtask setup`)"
        )
    })?;
    let linked = linked_wasm(&target_dir);

    let work = target_dir.join("split-bundle");
    let _ = std::fs::remove_dir_all(&work);
    let (split, bindgen, page, page_dist) = (
        work.join("split"),
        work.join("bindgen"),
        work.join("page"),
        work.join("page-dist"),
    );

    // 2. wasm-split, again with what an isolated split point shares rooted in the main module
    //    until it shares nothing (`split_roots`)
    split_module(&linked, &split, &work)?;

    // 3. wasm-bindgen on the main module, without the exports that rooted code in it
    let main_split = split.join(format!("{APP}.wasm"));
    let unrooted = split_roots::unroot(
        &std::fs::read(&main_split)
            .map_err(|e| format!("cannot read {}: {e}", main_split.display()))?,
    )?;
    write(&main_split, &unrooted)?;
    let mut cmd = Command::new("wasm-bindgen");
    cmd.args([
        "--target",
        "web",
        "--keep-lld-exports",
        "--no-typescript",
        "--out-name",
        APP,
        "--out-dir",
    ])
    .arg(&bindgen)
    .arg(split.join(format!("{APP}.wasm")));
    run_visible(cmd).map_err(|e| format!("{e} (run `cargo xtask setup`)"))?;

    //    and without the classes no Rust code hands to JavaScript, nor the exports only they
    //    called (`dead_classes`)
    let (glue, dead) =
        crate::dead_classes::drop_dead_classes(&read(&bindgen.join(format!("{APP}.js")))?);
    let main_bg = bindgen.join(format!("{APP}_bg.wasm"));
    let kept = crate::wasm_binary::retain_exports(
        &std::fs::read(&main_bg).map_err(|e| format!("cannot read {}: {e}", main_bg.display()))?,
        |name| !dead.iter().any(|d| d == name),
    )?;
    //    and with short names for the closure shims' exports and the glue's imports
    //    (`short_names`)
    let (kept, glue, shortened) = crate::short_names::shorten(&kept, &glue)?;
    eprintln!("build: {shortened} closure shims' exports renamed __wbg_c0…");
    let (kept, glue, shortened) =
        crate::short_names::shorten_imports(&kept, &glue, &format!("./{APP}_bg.js"))?;
    eprintln!("build: {shortened} imports from the glue renamed a, b, …");
    write(&main_bg, &kept)?;
    eprintln!(
        "build: {} exports of classes the app never creates dropped ({})",
        dead.len(),
        dead.join(", ")
    );

    // 4. the link module into the glue
    let glue = inline_link_module(&glue, &read(&split.join(LINK_MODULE))?)?;

    // 5. wasm-opt on every module; 6. hashed names
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let mut modules: Vec<(String, Vec<u8>)> = Vec::new();
    let mut chunks: Vec<PathBuf> = std::fs::read_dir(&split)
        .map_err(|e| format!("cannot read {}: {e}", split.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "wasm") && p.file_stem().is_some_and(|s| s != APP)
        })
        .collect();
    chunks.sort();
    let mut glue = glue;
    // (the modules' function names, for `<dist>.symbols`)
    let mut symbol_maps: Vec<(String, String)> = Vec::new();
    for chunk in &chunks {
        let stem = chunk
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Served {
            bytes, symbol_map, ..
        } = as_served(&opt.run(chunk, &work.join("opt.wasm"))?)
            .map_err(|e| format!("{}: {e}", chunk.display()))?;
        let name = format!("{stem}-{}.wasm", content_hash(&[&bytes]));
        symbol_maps.push((name.clone(), symbol_map));
        let reference = format!("\"./{stem}.wasm\"");
        if glue.matches(&reference).count() != 1 {
            return Err(format!(
                "the glue names {reference} {} times, expected once",
                glue.matches(&reference).count()
            ));
        }
        glue = glue.replace(&reference, &format!("\"./{name}\""));
        modules.push((name, bytes));
    }
    let main = opt.run(
        &bindgen.join(format!("{APP}_bg.wasm")),
        &work.join("opt.wasm"),
    )?;
    let (main, fix) = crate::wasm_fix::fix_module(&main)?;
    let Served {
        bytes: main,
        symbol_map,
        custom,
    } = as_served(&main).map_err(|e| format!("main module: {e}"))?;
    eprintln!(
        "build: custom sections taken out of the modules: {}",
        custom.join(", ")
    );
    if let crate::wasm_fix::Fix::Repointed { from, to } = fix {
        eprintln!(
            "build: export {} re-pointed from table {from} to table {to} (binaryen 108 defect)",
            crate::wasm_fix::EXPORT
        );
    }
    let glue = crate::minify_js::minify(&glue)?;
    let hash = content_hash(&[glue.as_bytes(), &main]);
    let (js_name, wasm_name) = (format!("{APP}-{hash}.js"), format!("{APP}-{hash}_bg.wasm"));
    symbol_maps.push((wasm_name.clone(), symbol_map));
    modules.push((wasm_name.clone(), main));

    // 7. the page
    std::fs::create_dir_all(&page).map_err(|e| format!("cannot create {}: {e}", page.display()))?;
    let (staged, files) = stage_page(&index)?;
    write(&page.join("index.html"), staged.as_bytes())?;
    for file in files {
        let to = page.join(&file);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::copy(root.join(&file), &to)
            .map_err(|e| format!("cannot copy {file} to {}: {e}", to.display()))?;
    }
    write(&page.join("Trunk.toml"), STAGE_TRUNK_TOML.as_bytes())?;
    let mut trunk = Command::new("trunk");
    trunk
        .current_dir(&page)
        .args(["build", "--release", "--offline", "--config"])
        .arg(page.join("Trunk.toml"))
        .arg("--dist")
        .arg(&page_dist);
    run_visible(trunk).map_err(|e| format!("{e} (run `cargo xtask setup`)"))?;

    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    for entry in std::fs::read_dir(&page_dist)
        .map_err(|e| format!("cannot read {}: {e}", page_dist.display()))?
        .flatten()
    {
        let path = entry.path();
        let name = entry.file_name();
        let is_sibling = path.extension().is_some_and(|e| e == "br" || e == "gz");
        if path.is_file() && !is_sibling {
            std::fs::copy(&path, dist.join(&name))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    write(&dist.join(&js_name), glue.as_bytes())?;
    for (name, bytes) in &modules {
        write(&dist.join(name), bytes)?;
    }
    let html = read(&dist.join("index.html"))?;
    let loader = loader_html(&loader_pattern, &js_name, &wasm_name);
    let html = inline_csp::hash_meta(&insert_before_head_end(&html, &loader)?);
    write(&dist.join("index.html"), html.as_bytes())?;
    let compressed = crate::compress::run(&dist)?;
    let symbols = crate::symbols::dir_for(&dist);
    let _ = std::fs::remove_dir_all(&symbols);
    std::fs::create_dir_all(&symbols)
        .map_err(|e| format!("cannot create {}: {e}", symbols.display()))?;
    for (module, map) in &symbol_maps {
        write(&symbols.join(format!("{module}.txt")), map.as_bytes())?;
    }
    eprintln!(
        "build: {} ({js_name}, {wasm_name}, {} lazy modules, {} compressed siblings)",
        dist.display(),
        modules.len() - 1,
        compressed.len()
    );
    Ok(())
}

/// A module as it is served, and what the build keeps of it beside the bundle.
struct Served {
    bytes: Vec<u8>,
    /// Its function names by index, as served (`crate::symbols`).
    symbol_map: String,
    /// The names of the custom sections taken out.
    custom: Vec<String>,
}

/// An optimised module as it is served: its functions in the order that compresses best
/// (`function_order`), its function names read for its symbol map once they no longer move,
/// then without its custom sections (names, producers, target features).
fn as_served(optimised: &[u8]) -> Result<Served, String> {
    let ordered = crate::function_order::by_signature_and_size(optimised)?;
    let names = crate::wasm_binary::function_names(&ordered)?;
    let (bytes, custom) = crate::wasm_binary::without_custom_sections(&ordered)?;
    Ok(Served {
        bytes,
        symbol_map: crate::symbols::map(&names),
        custom,
    })
}

/// The staged page's Trunk configuration: `Trunk.toml`'s `[build]` settings that shape the
/// page (hashed names, minified on release), without its Rust asset's settings and its
/// post-build hook (this pipeline does those steps itself).
const STAGE_TRUNK_TOML: &str =
    "[build]\ntarget = \"index.html\"\nfilehash = true\nminify = \"on_release\"\n";

/// Splits `linked` into `split`; while a shared module serves an isolated split point, roots
/// that module's functions in the main module and splits again.
fn split_module(linked: &Path, split: &Path, work: &Path) -> Result<(), String> {
    const ROUNDS: usize = 4;
    std::fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let mut input = linked.to_owned();
    let mut rooted = 0;
    for _ in 0..ROUNDS {
        let _ = std::fs::remove_dir_all(split);
        let mut cmd = Command::new("wasm-split-cli");
        cmd.arg(&input)
            .arg(split)
            .args(["--target", "web", "--out-name", APP]);
        run_visible(cmd).map_err(|e| format!("{e} (run `cargo xtask setup`)"))?;
        let shared = split_roots::shared_with_isolated(&read(&split.join(LINK_MODULE))?);
        let mut names = Vec::new();
        let mut data_only = Vec::new();
        for (chunk, users) in &shared {
            let path = split.join(format!("{chunk}.wasm"));
            let module =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let defined = split_roots::defined_function_names(&module)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if defined.is_empty() {
                data_only.push((chunk, users, path, module));
                continue;
            }
            eprintln!(
                "xtask: {chunk} ({} functions) is shared by {}: into the main module",
                defined.len(),
                users.join(", ")
            );
            names.extend(defined);
        }
        if names.is_empty() {
            // No code is shared now; data that is goes into the main module as it is.
            if rooted > 0 {
                eprintln!(
                    "xtask: {rooted} functions shared by an isolated split point kept in the main module"
                );
            }
            if !data_only.is_empty() {
                fold_data_only(split, &data_only)?;
            }
            return Ok(());
        }
        let module =
            std::fs::read(&input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        let (patched, n) = split_roots::root_functions(&module, &names)
            .map_err(|e| format!("{}: {e}", input.display()))?;
        rooted += n;
        input = work.join("rooted.wasm");
        write(&input, &patched)?;
    }
    Err(format!(
        "after {ROUNDS} rounds a shared module still serves an isolated split point ({}): see `src/pages/lazy.rs`",
        split_roots::ISOLATED.join(", ")
    ))
}

/// Folds the shared modules that hold only data into the split main module, and takes their
/// loaders out of the link module (`split_roots::fold_data`).
fn fold_data_only(
    split: &Path,
    chunks: &[(&String, &Vec<String>, PathBuf, Vec<u8>)],
) -> Result<(), String> {
    let main_path = split.join(format!("{APP}.wasm"));
    let mut main = std::fs::read(&main_path)
        .map_err(|e| format!("cannot read {}: {e}", main_path.display()))?;
    let link_path = split.join(LINK_MODULE);
    let mut link = read(&link_path)?;
    for (chunk, users, path, module) in chunks {
        let (folded, bytes) = split_roots::fold_data(&main, module)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        main = folded;
        link = split_roots::drop_chunk(&link, chunk)?;
        std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        eprintln!(
            "xtask: {chunk} (data only, {bytes} bytes) is shared by {}: its data into the main module",
            users.join(", ")
        );
    }
    write(&main_path, &main)?;
    write(&link_path, link.as_bytes())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The first 16 hex digits of the SHA-256 of the parts, in order.
fn content_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `wasm-opt` as `index.html`'s Rust link asks Trunk to run it (`data-wasm-opt`,
/// `data-wasm-opt-params`).
#[derive(Debug, PartialEq, Eq)]
struct WasmOpt {
    level: String,
    params: Vec<String>,
}

impl WasmOpt {
    fn from_index(html: &str) -> Result<Self, String> {
        let link = rust_link(html).ok_or("index.html has no <link data-trunk rel=\"rust\">")?;
        let tag = &html[link.0..link.1];
        let level = attribute(tag, "data-wasm-opt").unwrap_or("z").to_owned();
        let params = attribute(tag, "data-wasm-opt-params")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        Ok(Self { level, params })
    }

    /// Optimises `input` through `scratch`; returns the optimised bytes.
    /// The functions keep their names (`-g`: the same code, measured byte for byte, with the
    /// name section the symbol maps are read from; the build drops it from what it serves).
    fn run(&self, input: &Path, scratch: &Path) -> Result<Vec<u8>, String> {
        let mut cmd = Command::new("wasm-opt");
        cmd.arg(format!("-O{}", self.level))
            .args(&self.params)
            .arg("-g")
            .arg(input)
            .arg("-o")
            .arg(scratch);
        run_visible(cmd).map_err(|e| format!("{e} (run `cargo xtask setup`)"))?;
        std::fs::read(scratch).map_err(|e| format!("cannot read {}: {e}", scratch.display()))
    }
}

/// Byte range of the `<link data-trunk rel="rust" …>` tag.
fn rust_link(html: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = html[from..].find("<link") {
        let start = from + i;
        let end = start + html[start..].find('>')? + 1;
        let tag = &html[start..end];
        if tag.contains("data-trunk") && attribute(tag, "rel") == Some("rust") {
            return Some((start, end));
        }
        from = end;
    }
    None
}

/// The double-quoted value of `name` in one tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag
        .find(&needle)
        .or_else(|| tag.find(&format!("\n{}", &needle[1..])))?
        + needle.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// `index.html` for Trunk without its Rust asset (this pipeline builds the app), and the files
/// its other `data-trunk` links name (relative to the page, as in the repository).
fn stage_page(html: &str) -> Result<(String, Vec<String>), String> {
    let (start, end) = rust_link(html).ok_or("index.html has no <link data-trunk rel=\"rust\">")?;
    let page = format!("{}{}", &html[..start], &html[end..]);
    let mut files = Vec::new();
    let mut from = 0;
    while let Some(i) = page[from..].find("<link") {
        let start = from + i;
        let end = start + page[start..].find('>').ok_or("unterminated <link")? + 1;
        let tag = &page[start..end];
        from = end;
        if let Some(href) = attribute(tag, "href").filter(|_| tag.contains("data-trunk")) {
            if href.starts_with('/') || href.split('/').any(|s| s == "..") {
                return Err(format!(
                    "index.html: a data-trunk href outside the repository: {href}"
                ));
            }
            files.push(href.to_owned());
        }
    }
    Ok((page, files))
}

/// `Trunk.toml`'s `pattern_script`: the page's inline loader, with `{base}`, `{js}`, `{wasm}`.
fn pattern_script(trunk_toml: &str) -> Result<String, String> {
    let line = trunk_toml
        .lines()
        .find_map(|l| l.trim().strip_prefix("pattern_script = \""))
        .ok_or("Trunk.toml has no pattern_script")?;
    let value = line
        .strip_suffix('"')
        .ok_or("Trunk.toml's pattern_script is not a one-line string")?;
    Ok(value.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// The loader script and the preload links Trunk writes for its Rust asset.
fn loader_html(pattern: &str, js: &str, wasm: &str) -> String {
    let script = pattern
        .replace("{base}", "/")
        .replace("{js}", js)
        .replace("{wasm}", wasm);
    format!(
        "{script}<link rel=\"modulepreload\" href=\"/{js}\" crossorigin><link rel=\"preload\" href=\"/{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
    )
}

fn insert_before_head_end(html: &str, insert: &str) -> Result<String, String> {
    let at = html
        .find("</head>")
        .ok_or("the built page has no </head> to put the loader before")?;
    Ok(format!("{}{insert}{}", &html[..at], &html[at..]))
}

/// The glue with wasm-split's link module in it: wasm-bindgen imports the link module once per
/// split point (`import * as importN from "./__wasm_split.js"`); each import becomes a
/// constant naming the link module's exports, which are defined in the glue itself (the link
/// module's import of `initSync` from the glue is then the glue's own function).
fn inline_link_module(glue: &str, link: &str) -> Result<String, String> {
    let mut names = Vec::new();
    let mut body = String::new();
    for line in link.lines() {
        if line.starts_with("import ") {
            if !line.contains("initSync") {
                return Err(format!("unexpected import in {LINK_MODULE}: {line}"));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("export const ") {
            let name = rest
                .split([' ', '='])
                .next()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("unexpected export in {LINK_MODULE}: {line}"))?;
            names.push(name.to_owned());
            body.push_str("const ");
            body.push_str(rest);
        } else if line.starts_with("export ") {
            return Err(format!("unexpected export in {LINK_MODULE}: {line}"));
        } else {
            body.push_str(line);
        }
        body.push('\n');
    }
    if names.is_empty() {
        return Err(format!("{LINK_MODULE} exports no loader"));
    }
    let link_object = "__wasm_split_link";
    let mut out = format!(
        "// wasm-split's {LINK_MODULE}, inlined: it loads the lazy modules.\nconst {link_object} = (() => {{\n{body}return {{ {} }};\n}})();\n",
        names.join(", ")
    );
    let mut imports = 0;
    for line in glue.lines() {
        let trimmed = line.trim_end_matches(';');
        if let Some(rest) = trimmed.strip_prefix("import * as ")
            && let Some((alias, module)) = rest.split_once(" from ")
            && module.trim_matches(['"', '\'']) == format!("./{LINK_MODULE}")
        {
            out.push_str(&format!("const {alias} = {link_object};\n"));
            imports += 1;
            continue;
        }
        if line.starts_with("import ") {
            return Err(format!("unexpected import in the glue: {line}"));
        }
        out.push_str(line);
        out.push('\n');
    }
    if imports == 0 {
        return Err(format!(
            "the glue does not import {LINK_MODULE}: was the wasm built with --cfg twinscope_split?"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"<head>
    <link data-trunk rel="inline" href="style/main.css">
    <link data-trunk rel="icon" href="public/favicon.svg">
    <link data-trunk rel="rust" data-bin="twinscope" data-cargo-profile-release="wasm-release"
          data-wasm-opt="z" data-integrity="none" data-wasm-opt-params="--enable-bulk-memory --enable-sign-ext">
  </head>"#;

    #[test]
    fn the_page_is_staged_without_its_rust_asset_with_the_files_it_names() {
        let (page, files) = stage_page(INDEX).unwrap();
        assert!(!page.contains("rel=\"rust\""), "{page}");
        assert!(page.contains(r#"<link data-trunk rel="inline" href="style/main.css">"#));
        assert!(page.contains("</head>"));
        assert_eq!(files, ["style/main.css", "public/favicon.svg"]);
        let outside = INDEX.replace("public/favicon.svg", "../favicon.svg");
        assert!(stage_page(&outside).is_err());
    }

    #[test]
    fn wasm_opt_follows_the_rust_link() {
        assert_eq!(
            WasmOpt::from_index(INDEX).unwrap(),
            WasmOpt {
                level: "z".into(),
                params: vec!["--enable-bulk-memory".into(), "--enable-sign-ext".into()],
            }
        );
        assert!(WasmOpt::from_index("<head></head>").is_err());
    }

    #[test]
    fn the_page_carries_public_favicon_svg_as_its_icon() {
        // One source for the icon: the page's data URL is the file, URL-encoded.
        let root = crate::root();
        let index = read(&root.join("index.html")).unwrap();
        let svg = read(&root.join("public/favicon.svg")).unwrap();
        let encoded = svg
            .trim()
            .replace('"', "'")
            .replace('%', "%25")
            .replace('<', "%3C")
            .replace('>', "%3E")
            .replace('#', "%23");
        assert!(
            index.contains(&format!(
                "<link rel=\"icon\" href=\"data:image/svg+xml,{encoded}\">"
            )),
            "index.html's icon is not public/favicon.svg as it is now: update the data URL"
        );
    }

    #[test]
    fn the_repository_page_and_trunk_toml_are_understood() {
        let root = crate::root();
        let index = read(&root.join("index.html")).unwrap();
        let opt = WasmOpt::from_index(&index).unwrap();
        assert_eq!(opt.level, "z");
        assert!(opt.params.contains(&"--enable-reference-types".to_owned()));
        let pattern = pattern_script(&read(&root.join("Trunk.toml")).unwrap()).unwrap();
        let loader = loader_html(&pattern, "app-1.js", "app-1_bg.wasm");
        assert!(
            loader.starts_with(
                "<script type=\"module\">import('/app-1.js').then(m=>m.default({module_or_path:'/app-1_bg.wasm'}))"
            ),
            "{loader}"
        );
        let (_, files) = stage_page(&index).unwrap();
        assert!(files.contains(&"style/main.css".to_owned()), "{files:?}");
    }

    #[test]
    fn the_link_module_is_inlined_into_the_glue() {
        let link = "import { initSync } from \"./twinscope.js\";\n\nlet shared = undefined;\nfunction makeLoad(f) { return f; }\nexport const __wasm_split_load_a_1 = makeLoad(() => fetch(new URL(\"./split_a_1.wasm\", import.meta.url)));\nexport const __wasm_split_load_b_2 = makeLoad(2);\n";
        let glue = "import * as import1 from \"./__wasm_split.js\"\nimport * as import2 from \"./__wasm_split.js\"\n\nfunction __wbg_get_imports() {\n    return { \"./__wasm_split.js\": import1, \"./__wasm_split.js\": import2 };\n}\nfunction initSync(module) {}\nexport { initSync, __wbg_init as default };\n";
        let out = inline_link_module(glue, link).unwrap();
        assert!(!out.contains("import "), "{out}");
        assert!(
            out.contains("const __wasm_split_load_a_1 = makeLoad("),
            "{out}"
        );
        assert!(
            out.contains("return { __wasm_split_load_a_1, __wasm_split_load_b_2 };"),
            "{out}"
        );
        assert!(
            out.contains(
                "const import1 = __wasm_split_link;\nconst import2 = __wasm_split_link;\n"
            )
        );
        assert!(out.contains("export { initSync, __wbg_init as default };"));
        assert_eq!(out.matches("export ").count(), 1, "{out}");
        // A glue built without the split cfg has nothing to inline into.
        assert!(inline_link_module("function initSync() {}\n", link).is_err());
        // Anything else imported would be a request (or a failure) the CSP and tests miss.
        assert!(
            inline_link_module(&format!("import * as x from \"./other.js\"\n{glue}"), link)
                .is_err()
        );
    }

    #[test]
    fn hashes_are_sixteen_hex_digits_of_the_content() {
        let h = content_hash(&[b"a", b"b"]);
        assert_eq!(h.len(), 16);
        assert_eq!(h, content_hash(&[b"ab"]));
        assert_ne!(h, content_hash(&[b"ba"]));
    }

    #[test]
    fn the_loader_goes_before_the_head_ends() {
        assert_eq!(
            insert_before_head_end("<head><title>t</title></head><body>", "<x>").unwrap(),
            "<head><title>t</title><x></head><body>"
        );
        assert!(insert_before_head_end("<body>", "<x>").is_err());
    }
}
