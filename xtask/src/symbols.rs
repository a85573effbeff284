//! Where a panic or a trap in the release bundle happened: the served modules carry no names
//! and their panics no source locations (`-Zlocation-detail=none`, see `build.rs`), so the
//! build writes, beside the bundle and never served, each module's function names by index
//! (`<dist>.symbols/<module>.txt`), and `cargo xtask symbolize` turns the frames of a stack
//! the browser printed (`…/twinscope-<hash>_bg.wasm:wasm-function[3333]:0x6f273`) into the
//! functions they name.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The directory of the symbol maps of the bundle in `dist`: its sibling `<dist>.symbols`
/// (outside `dist`, so no server of the bundle serves them).
pub fn dir_for(dist: &Path) -> PathBuf {
    let mut name = dist.as_os_str().to_owned();
    name.push(".symbols");
    PathBuf::from(name)
}

/// The symbol map of a module: one `index name` line per named function, by index (the
/// index V8 prints as `wasm-function[index]`: imported functions count first).
pub fn map(names: &[(u32, String)]) -> String {
    let mut text = String::new();
    for (index, name) in names {
        text.push_str(&format!("{index} {name}\n"));
    }
    text
}

/// Reads a symbol map written by [`map`].
fn parse_map(text: &str) -> Result<BTreeMap<u32, &str>, String> {
    text.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (index, name) = line
                .split_once(' ')
                .ok_or_else(|| format!("not `index name`: {line}"))?;
            let index = index
                .parse()
                .map_err(|_| format!("not a function index: {line}"))?;
            Ok((index, name))
        })
        .collect()
}

/// `stack` with the function each wasm frame names after it (` = name`); frames of a module
/// `maps` has no map for, or an index it does not name, say so instead.
pub fn symbolize(stack: &str, maps: &BTreeMap<String, String>) -> Result<String, String> {
    const FRAME: &str = ":wasm-function[";
    let parsed: BTreeMap<&str, BTreeMap<u32, &str>> = maps
        .iter()
        .map(|(module, text)| {
            parse_map(text)
                .map(|map| (module.as_str(), map))
                .map_err(|e| format!("{module}: {e}"))
        })
        .collect::<Result<_, String>>()?;
    let mut out = String::new();
    for line in stack.lines() {
        out.push_str(line);
        if let Some(at) = line.find(FRAME) {
            let module = line[..at]
                .rsplit(|c: char| c == '/' || c == '(' || c.is_whitespace())
                .next()
                .unwrap_or_default();
            let index = line[at + FRAME.len()..]
                .split(']')
                .next()
                .and_then(|i| i.parse::<u32>().ok());
            let said = match (parsed.get(module), index) {
                (None, _) => format!("(no symbol map for `{module}`)"),
                (Some(_), None) => "(not a function index)".to_owned(),
                (Some(map), Some(index)) => match map.get(&index) {
                    Some(name) => (*name).to_owned(),
                    None => format!("(function {index} has no name in the map of `{module}`)"),
                },
            };
            out.push_str(" = ");
            out.push_str(&said);
        }
        out.push('\n');
    }
    Ok(out)
}

/// `cargo xtask symbolize [--symbols DIR]`: a stack on standard input, symbolized on standard
/// output, with the maps of `DIR` (default: those of `cargo xtask build`'s default bundle).
pub fn run(args: &[String]) -> Result<(), String> {
    let dir = match args {
        [] => dir_for(&crate::build::default_target_dir().join("dist")),
        [flag, dir] if flag == "--symbols" => PathBuf::from(dir),
        _ => return Err("usage: cargo xtask symbolize [--symbols DIR] < stack.txt".to_owned()),
    };
    let mut maps = BTreeMap::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        format!(
            "cannot read the symbol maps in {} ({e}): build the bundle first (`cargo xtask build`)",
            dir.display()
        )
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if let Some(module) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".txt"))
        {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            maps.insert(module.to_owned(), text);
        }
    }
    let mut stack = String::new();
    std::io::stdin()
        .read_to_string(&mut stack)
        .map_err(|e| format!("cannot read the stack from standard input: {e}"))?;
    print!("{}", symbolize(&stack, &maps)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wasm_frame_gets_the_function_its_module_map_names() {
        let main = "twinscope-0123456789abcdef_bg.wasm";
        let maps = BTreeMap::from([(
            main.to_owned(),
            map(&[
                (0, "glue.a".to_owned()),
                (3333, "__wbindgen_malloc".to_owned()),
                (4000, "<twinscope::session::Session>::resolve".to_owned()),
            ]),
        )]);
        let stack = format!(
            "RuntimeError: unreachable\n    at http://localhost:8090/{main}:wasm-function[3333]:0x6f273\n    \
             at resolve (https://twinscope.example/{main}:wasm-function[4000]:0x1)\n    \
             at https://twinscope.example/chunk_4-0123456789abcdef.wasm:wasm-function[7]:0x2\n    \
             at http://localhost:8090/{main}:wasm-function[12]:0x3\n    \
             at eval (eval at executeAsyncScript (:464:26), <anonymous>:6:61)"
        );
        let said = symbolize(&stack, &maps).unwrap();
        let lines: Vec<&str> = said.lines().collect();
        assert_eq!(lines[0], "RuntimeError: unreachable");
        assert!(
            lines[1].ends_with(":0x6f273 = __wbindgen_malloc"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(" = <twinscope::session::Session>::resolve"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].ends_with(" = (no symbol map for `chunk_4-0123456789abcdef.wasm`)"),
            "{}",
            lines[3]
        );
        assert!(lines[4].ends_with(
            "function 12 has no name in the map of `twinscope-0123456789abcdef_bg.wasm`)"
        ));
        assert!(!lines[5].contains(" = "), "not a wasm frame: {}", lines[5]);
    }

    #[test]
    fn a_damaged_map_is_an_error_that_names_it() {
        let maps = BTreeMap::from([("m.wasm".to_owned(), "12 f\nthirteen g\n".to_owned())]);
        let error = symbolize("x", &maps).unwrap_err();
        assert!(
            error.starts_with("m.wasm: not a function index: thirteen g"),
            "{error}"
        );
    }

    #[test]
    fn the_maps_sit_beside_the_bundle_not_in_it() {
        assert_eq!(
            dir_for(Path::new("/srv/bundle/dist")),
            Path::new("/srv/bundle/dist.symbols")
        );
    }
}
