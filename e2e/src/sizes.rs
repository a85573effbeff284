//! What a first load downloads.
//!
//! - [`FirstLoad`]: the first-load set of one page of the app, the files its document actually
//!   fetched from its own origin (the navigation and Resource Timing entries, read in Chromium
//!   with [`FETCHED_PATHS`]: the page, the glue, the main wasm, the favicon; not the lazy
//!   screens' modules, not `/adt/` calls), each measured as the server sends it
//!   ([`as_served`]: Brotli, gzip and uncompressed bodies on the wire).
//! - [`measure`]: every file of a directory by kind, gzip -9 (the MSAL.js peer page, whose
//!   directory is exactly its first load).

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

/// Bytes of one kind of file in the bundle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    pub raw: u64,
    pub gzip: u64,
}

impl std::ops::AddAssign for Size {
    fn add_assign(&mut self, other: Self) {
        self.raw += other.raw;
        self.gzip += other.gzip;
    }
}

/// The first-load payload of a Trunk `dist`, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleSizes {
    pub wasm: Size,
    pub js: Size,
    pub css: Size,
    pub html: Size,
}

impl BundleSizes {
    pub fn total(&self) -> Size {
        let mut total = Size::default();
        for s in [self.wasm, self.js, self.css, self.html] {
            total += s;
        }
        total
    }
}

pub fn gzip_len(bytes: &[u8]) -> std::io::Result<u64> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// Measures every `.wasm`, `.js`, `.css` and `.html` file directly in `dist` (precompressed
/// siblings are not counted twice).
pub fn measure(dist: &Path) -> std::io::Result<BundleSizes> {
    let mut sizes = BundleSizes::default();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let slot = match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => &mut sizes.wasm,
            Some("js") => &mut sizes.js,
            Some("css") => &mut sizes.css,
            Some("html") => &mut sizes.html,
            _ => continue,
        };
        let bytes = std::fs::read(&path)?;
        *slot += Size {
            raw: bytes.len() as u64,
            gzip: gzip_len(&bytes)?,
        };
    }
    Ok(sizes)
}

/// Bytes of the first-load set, or of one file of it, as the server sends them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wire {
    /// Uncompressed (`Accept-Encoding: identity`).
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl std::ops::AddAssign for Wire {
    fn add_assign(&mut self, other: Self) {
        self.raw += other.raw;
        self.gzip += other.gzip;
        self.brotli += other.brotli;
    }
}

/// One fetched file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedFile {
    /// The path fetched (no query or fragment).
    pub path: String,
    pub wire: Wire,
}

/// The files one page fetched from its origin on a first load, as served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirstLoad {
    pub files: Vec<ServedFile>,
}

impl FirstLoad {
    pub fn total(&self) -> Wire {
        let mut total = Wire::default();
        for f in &self.files {
            total += f.wire;
        }
        total
    }

    /// The files of one kind: `wasm`, `js`, `json`, or `html` for the document (a path with
    /// no extension of those).
    pub fn kind(&self, kind: &str) -> Wire {
        let mut total = Wire::default();
        for f in self.files.iter().filter(|f| kind_of(&f.path) == kind) {
            total += f.wire;
        }
        total
    }

    /// A one-line account of the files, e.g. `/t/x 4,093 B · /app-1.js 9,853 B …` (Brotli).
    pub fn describe(&self) -> String {
        self.files
            .iter()
            .map(|f| format!("{} {} B", f.path, f.wire.brotli))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The kind of a fetched path: its extension if `wasm`, `js`, `json` or `css`, else `html`
/// (the page, under whatever route it was opened).
pub fn kind_of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or_default();
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => "wasm",
        Some("js") => "js",
        Some("json") => "json",
        Some("css") => "css",
        _ => "html",
    }
}

/// Script (WebDriver `execute`): the paths the current document fetched from its own origin
/// so far, in order: the navigation entry (the page), then Resource Timing's entries, without
/// the instance pass-through (`/adt/`, data rather than the app). Query and fragment dropped.
pub const FETCHED_PATHS: &str = "return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]\
    .map(e => new URL(e.name)).filter(u => u.origin === location.origin && !u.pathname.startsWith('/adt/'))\
    .map(u => u.pathname);";

/// Measures `paths` (each once, in order) as the server at `addr` sends them: the body of a
/// `GET` with `Accept-Encoding: br`, with `gzip`, and with `identity`.
pub async fn as_served(addr: SocketAddr, paths: &[String]) -> crate::Result<FirstLoad> {
    let mut load = FirstLoad::default();
    for path in paths {
        if load.files.iter().any(|f| &f.path == path) {
            continue;
        }
        let mut wire = Wire::default();
        for (accept, slot) in [
            ("br", &mut wire.brotli),
            ("gzip", &mut wire.gzip),
            ("identity", &mut wire.raw),
        ] {
            let r = crate::raw_http::raw_request(addr, "GET", path, &[("Accept-Encoding", accept)])
                .await?;
            if r.status != 200 {
                return Err(format!("GET {path} ({accept}) answered {}", r.status).into());
            }
            *slot = r.body.len() as u64;
        }
        load.files.push(ServedFile {
            path: path.clone(),
            wire,
        });
    }
    Ok(load)
}

/// The same-origin paths a [`FETCHED_PATHS`] result lists.
pub fn paths(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetched_paths_are_sorted_by_kind() {
        assert_eq!(
            kind_of("/t/0a2e/i/x.api.weu.digitaltwins.azure.net/twins"),
            "html"
        );
        assert_eq!(kind_of("/"), "html");
        assert_eq!(kind_of("/twinscope-0123456789abcdef_bg.wasm"), "wasm");
        assert_eq!(kind_of("/twinscope-0123456789abcdef.js"), "js");
        assert_eq!(kind_of("/config.json"), "json");
        let load = FirstLoad {
            files: vec![
                ServedFile {
                    path: "/".into(),
                    wire: Wire {
                        raw: 10,
                        gzip: 5,
                        brotli: 4,
                    },
                },
                ServedFile {
                    path: "/a_bg.wasm".into(),
                    wire: Wire {
                        raw: 100,
                        gzip: 50,
                        brotli: 40,
                    },
                },
            ],
        };
        assert_eq!(
            load.total(),
            Wire {
                raw: 110,
                gzip: 55,
                brotli: 44
            }
        );
        assert_eq!(load.kind("wasm").brotli, 40);
        assert_eq!(load.kind("js"), Wire::default());
        assert_eq!(load.describe(), "/ 4 B · /a_bg.wasm 40 B");
    }

    #[test]
    fn counts_each_kind_and_ignores_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a-0123456789abcdef_bg.wasm"),
            vec![0u8; 1000],
        )
        .unwrap();
        std::fs::write(dir.path().join("a.js"), "x".repeat(300)).unwrap();
        std::fs::write(dir.path().join("b.js"), "y".repeat(200)).unwrap();
        std::fs::write(dir.path().join("a.js.gz"), "zz").unwrap();
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        let sizes = measure(dir.path()).unwrap();
        assert_eq!(sizes.wasm.raw, 1000);
        assert_eq!(sizes.js.raw, 500);
        assert_eq!(sizes.css, Size::default());
        assert!(
            sizes.wasm.gzip > 0 && sizes.wasm.gzip < 100,
            "zeros compress well: {:?}",
            sizes.wasm
        );
        assert_eq!(sizes.total().raw, 1500);
    }
}
