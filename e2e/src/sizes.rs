//! What a first load downloads: the bundle's files by kind, raw and gzip-compressed.

use std::io::Write;
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

#[cfg(test)]
mod tests {
    use super::*;

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
