//! Precompressed siblings of the release bundle's assets, written by the post-build hook:
//! `{file}.br` (Brotli, quality 11) and `{file}.gz` (gzip by Zopfli: the same format every
//! gzip client reads, about 4 % smaller than zlib's level 9; 344.2 instead of 359.3 kB for
//! the main wasm on 2026-12-04, about 4 s per megabyte with both block limits tried, see
//! [`gzip`]) beside every wasm, js,
//! css and svg file, which the gateway serves by `Accept-Encoding`. `index.html` (rewritten
//! per response by the gateway) and `config.json` (replaceable per deployment) get none.
//! Release builds only: a debug wasm is large and rebuilt often.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The kinds of file that get siblings.
const COMPRESSED: &[&str] = &["wasm", "js", "css", "svg"];

/// Writes the siblings for every eligible file directly in `dir`; returns the files written.
pub fn run(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let eligible = path.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| COMPRESSED.contains(&e));
        if !eligible {
            continue;
        }
        let raw =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for (suffix, bytes) in [("br", brotli(&raw)?), ("gz", gzip(&raw)?)] {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{suffix}"));
            let sibling = PathBuf::from(name);
            std::fs::write(&sibling, bytes)
                .map_err(|e| format!("cannot write {}: {e}", sibling.display()))?;
            written.push(sibling);
        }
    }
    Ok(written)
}

fn brotli(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(raw).map_err(|e| format!("brotli: {e}"))?;
    }
    Ok(out)
}

/// Zopfli's gzip with its default limit of 15 deflate blocks and without a limit, whichever
/// is smaller: a module of several hundred kilobytes has more parts that each want their own
/// Huffman codes (the main wasm 1.2 kB smaller unlimited on 2026-12-06), while Zopfli warns
/// that no limit can hurt on some inputs.
fn gzip(raw: &[u8]) -> Result<Vec<u8>, String> {
    let limited = zopfli_gzip(raw, zopfli::Options::default())?;
    // `u16::MAX`, not the documented 0: zopfli 0.8.4's `blocksplit_lz77` reads 0 as "no
    // split at all".
    let unlimited = zopfli_gzip(
        raw,
        zopfli::Options {
            maximum_block_splits: u16::MAX,
            ..zopfli::Options::default()
        },
    )?;
    Ok(if unlimited.len() < limited.len() {
        unlimited
    } else {
        limited
    })
}

fn zopfli_gzip(raw: &[u8], options: zopfli::Options) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    zopfli::compress(options, zopfli::Format::Gzip, raw, &mut out)
        .map_err(|e| format!("gzip: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn assets_get_siblings_that_decompress_to_them_and_the_page_gets_none() {
        let dir = std::env::temp_dir().join(format!("twinscope-compress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("app-0123456789abcdef_bg.wasm"), &wasm).unwrap();
        std::fs::write(
            dir.join("app-0123456789abcdef.js"),
            "export const x = 1;\n".repeat(500),
        )
        .unwrap();
        std::fs::write(dir.join("index.html"), "<!DOCTYPE html>").unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        let written = run(&dir).unwrap();
        assert_eq!(written.len(), 4, "{written:?}");
        assert!(!dir.join("index.html.br").exists());
        assert!(!dir.join("config.json.gz").exists());

        let br = std::fs::read(dir.join("app-0123456789abcdef_bg.wasm.br")).unwrap();
        let mut unbr = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut unbr)
            .unwrap();
        assert_eq!(unbr, wasm);
        assert!(br.len() < wasm.len() / 10, "{} bytes", br.len());
        let gz = std::fs::read(dir.join("app-0123456789abcdef_bg.wasm.gz")).unwrap();
        let mut ungz = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut ungz)
            .unwrap();
        assert_eq!(ungz, wasm);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_gzip_sibling_is_smaller_than_zlibs_level_9() {
        // Real text rather than a made-up pattern: this crate's own sources.
        let text = [include_str!("build.rs"), include_str!("compress.rs")].concat();
        let zopfli = gzip(text.as_bytes()).unwrap();
        let mut ungz = Vec::new();
        flate2::read::GzDecoder::new(&zopfli[..])
            .read_to_end(&mut ungz)
            .unwrap();
        assert_eq!(ungz, text.as_bytes());
        let mut level_9 = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
        level_9.write_all(text.as_bytes()).unwrap();
        let level_9 = level_9.finish().unwrap();
        assert!(
            zopfli.len() < level_9.len(),
            "Zopfli's gzip ({} bytes) is not smaller than zlib's level 9 ({} bytes)",
            zopfli.len(),
            level_9.len()
        );
    }

    #[test]
    fn gzip_splits_into_more_blocks_than_zopflis_default_where_that_pays() {
        // 32 parts of 1 kB, each drawing from its own eight bytes with skewed frequencies:
        // each part wants its own Huffman codes, more than Zopfli's default 15 blocks give.
        let mut x: u32 = 12345;
        let mut input = Vec::new();
        for part in 0..32u32 {
            for _ in 0..1024 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345) & 0x7fff_ffff;
                let mut r = (x >> 16) & 0xffff;
                let mut k = 0;
                while r & 1 == 1 && k < 7 {
                    k += 1;
                    r >>= 1;
                }
                input.push(((part * 7 + k) & 0xff) as u8);
            }
        }
        let chosen = gzip(&input).unwrap();
        let default = zopfli_gzip(&input, zopfli::Options::default()).unwrap();
        assert!(
            chosen.len() < default.len(),
            "{} bytes, Zopfli's default {}",
            chosen.len(),
            default.len()
        );
        let mut ungz = Vec::new();
        flate2::read::GzDecoder::new(&chosen[..])
            .read_to_end(&mut ungz)
            .unwrap();
        assert_eq!(ungz, input);
        // Why `u16::MAX` and not the documented 0: 0 splits nothing in this Zopfli.
        let zero = zopfli_gzip(
            &input,
            zopfli::Options {
                maximum_block_splits: 0,
                ..zopfli::Options::default()
            },
        )
        .unwrap();
        assert!(zero.len() > default.len(), "0 splits again: use it");
    }
}
