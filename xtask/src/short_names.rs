//! Short names for what the main module and the glue name each other by.
//!
//! - **Closure exports.** wasm-bindgen names the shims that call Rust closures from
//!   JavaScript after their whole signature (`wasm_bindgen_<hash>___convert__closures_____invoke___web_sys_<hash>___…`,
//!   60 to 200 characters), and that name is written twice: in the main module's export
//!   section and in the glue, as `wasm.NAME` (the glue's own function of the same name is
//!   local, and the minifier shortens it). Nothing else uses them (the lazy modules import
//!   only the memory, the table and `__wasm_split_shared0`), so they become `__wbg_cN`: about
//!   1.2 kB raw each in the module and the glue, 0.35 kB Brotli, off every first load
//!   ([`shorten`]).
//! - **Imports.** Every function the glue gives the main module is named after the binding
//!   and a 16-digit hash (`__wbg_appendChild_dbf7ad2f48413560`), once in the module's import
//!   section and once as a key of the glue's import object; 280 of them, whose hashes no
//!   compressor can shorten. Each becomes a name of one or two letters in both ([`shorten_imports`]):
//!   the module 3.8 kB and the glue 2.8 kB smaller Brotli. The lazy modules are instantiated
//!   with only `__wasm_split`'s memory, table and shared function, so nothing else names them.

use crate::dead_classes::{mentions, whole};
use crate::wasm_binary::{
    SECTION_EXPORT, SECTION_IMPORT, read_leb, replace_section, sections, skip_import_description,
    skip_name, write_leb,
};

/// What wasm-bindgen's closure-shim exports start with (after its crate hash).
const SHIM: &str = "___convert__closures";

/// `module` and `glue` with the closure shims' exports renamed in both; the number renamed.
pub fn shorten(module: &[u8], glue: &str) -> Result<(Vec<u8>, String, usize), String> {
    let names = export_names(module)?;
    let mut renames: Vec<(String, String)> = Vec::new();
    for name in &names {
        if name.starts_with("wasm_bindgen_") && name.contains(SHIM) {
            let short = format!("__wbg_c{}", renames.len());
            if names.contains(&short) || mentions(glue, &short) {
                return Err(format!("the short name {short} is taken"));
            }
            renames.push((name.clone(), short));
        }
    }
    let mut glue = glue.to_owned();
    for (long, short) in &renames {
        let uses = format!("wasm.{long}");
        if !mentions(&glue, &uses) {
            return Err(format!("the glue never calls the export {long}"));
        }
        glue = replace_whole(&glue, &uses, &format!("wasm.{short}"));
    }
    let module = rename_exports(module, &renames)?;
    Ok((module, glue, renames.len()))
}

fn export_names(module: &[u8]) -> Result<Vec<String>, String> {
    let (sections, _) = sections(module)?;
    let Some(&(_, start, end)) = sections.iter().find(|(id, _, _)| *id == SECTION_EXPORT) else {
        return Ok(Vec::new());
    };
    let body = &module[start..end];
    let mut pos = 0;
    let mut names = Vec::new();
    for _ in 0..read_leb(body, &mut pos)? {
        names.push(skip_name(body, &mut pos)?);
        pos += 1;
        read_leb(body, &mut pos)?;
    }
    Ok(names)
}

fn rename_exports(module: &[u8], renames: &[(String, String)]) -> Result<Vec<u8>, String> {
    let parsed = sections(module)?;
    let Some(export) = parsed.0.iter().position(|(id, _, _)| *id == SECTION_EXPORT) else {
        return Ok(module.to_vec());
    };
    let (_, start, end) = parsed.0[export];
    let body = &module[start..end];
    let mut pos = 0;
    let count = read_leb(body, &mut pos)?;
    let mut out = Vec::with_capacity(body.len());
    write_leb(count, &mut out);
    for _ in 0..count {
        let name = skip_name(body, &mut pos)?;
        let entry = pos;
        pos += 1;
        read_leb(body, &mut pos)?;
        let name = renames
            .iter()
            .find(|(long, _)| *long == name)
            .map_or(name.as_str(), |(_, short)| short.as_str());
        write_leb(
            u32::try_from(name.len()).map_err(|_| "name too long")?,
            &mut out,
        );
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body.get(entry..pos).ok_or("truncated export")?);
    }
    out.extend_from_slice(&body[pos..]);
    Ok(replace_section(module, &parsed, export, &out))
}

/// How each key of the glue's import object begins (wasm-bindgen writes one per line).
const KEY_INDENT: &str = "\n        ";

/// `module` and `glue` with every import from `glue_module` (the import module wasm-bindgen
/// names the glue's own functions after: `./{app}_bg.js`) renamed in both; the number
/// renamed. Each import must be a key of the glue's import object (`NAME: function(…`) and
/// named nowhere else in the glue, else the build stops: the glue would no longer give the
/// module what it imports.
pub fn shorten_imports(
    module: &[u8],
    glue: &str,
    glue_module: &str,
) -> Result<(Vec<u8>, String, usize), String> {
    let parsed = sections(module)?;
    let Some(section) = parsed.0.iter().position(|(id, _, _)| *id == SECTION_IMPORT) else {
        return Ok((module.to_vec(), glue.to_owned(), 0));
    };
    let (_, start, end) = parsed.0[section];
    let body = &module[start..end];
    let mut pos = 0;
    let count = read_leb(body, &mut pos)?;
    let mut out = Vec::with_capacity(body.len());
    write_leb(count, &mut out);
    let mut glue = glue.to_owned();
    let mut renamed = 0;
    for _ in 0..count {
        let from = skip_name(body, &mut pos)?;
        let name = skip_name(body, &mut pos)?;
        let entry = pos;
        skip_import_description(body, &mut pos)?;
        let name = if from == glue_module {
            let short = short_name(renamed);
            renamed += 1;
            glue = rename_key(&glue, &name, &short)?;
            short
        } else {
            name
        };
        for part in [&from, &name] {
            write_leb(
                u32::try_from(part.len()).map_err(|_| "name too long")?,
                &mut out,
            );
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(body.get(entry..pos).ok_or("truncated import")?);
    }
    out.extend_from_slice(body.get(pos..).unwrap_or_default());
    Ok((
        replace_section(module, &parsed, section, &out),
        glue,
        renamed,
    ))
}

/// The `n`th short name: `a`…`Z`, then `aa`, `ba`, …: a JavaScript identifier that needs no
/// quotes as a key.
fn short_name(mut n: usize) -> String {
    const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const NEXT: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$";
    let mut name = String::from(FIRST[n % FIRST.len()] as char);
    n /= FIRST.len();
    while n > 0 {
        n -= 1;
        name.push(NEXT[n % NEXT.len()] as char);
        n /= NEXT.len();
    }
    name
}

/// `glue` with the import object's key `long` renamed `short`; an error unless `long` is
/// named exactly once in the glue, as such a key, and `short` is no key yet.
fn rename_key(glue: &str, long: &str, short: &str) -> Result<String, String> {
    let at = whole(glue, long);
    let [at] = at[..] else {
        return Err(format!(
            "the glue names the import {long} {} times, expected once (as its import object's key)",
            at.len()
        ));
    };
    if !glue[..at].ends_with(KEY_INDENT) || !glue[at + long.len()..].starts_with(": function(") {
        return Err(format!(
            "the glue names the import {long} other than as its import object's key"
        ));
    }
    if glue.contains(&format!("{KEY_INDENT}{short}: ")) {
        return Err(format!(
            "the short name {short} is taken in the import object"
        ));
    }
    Ok(format!(
        "{}{short}{}",
        &glue[..at],
        &glue[at + long.len()..]
    ))
}

fn replace_whole(text: &str, word: &str, by: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in whole(text, word) {
        out.push_str(&text[last..at]);
        out.push_str(by);
        last = at + word.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The import module of the glue's functions, as wasm-bindgen names it for `twinscope`.
    const GLUE_MODULE: &str = "./twinscope_bg.js";

    const LONG: &str = "wasm_bindgen_c5e2b7cd4c5d73d3___convert__closures_____invoke_______true_";
    const LONGER: &str =
        "wasm_bindgen_c5e2b7cd4c5d73d3___convert__closures_____invoke_______true__1_";

    fn name(out: &mut Vec<u8>, s: &str) {
        write_leb(s.len() as u32, out);
        out.extend_from_slice(s.as_bytes());
    }

    /// A module with only an export section: `(name, function index)` each.
    fn module(exports: &[&str]) -> Vec<u8> {
        let mut body = Vec::new();
        write_leb(exports.len() as u32, &mut body);
        for (i, export) in exports.iter().enumerate() {
            name(&mut body, export);
            body.push(0);
            write_leb(i as u32, &mut body);
        }
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        out.push(SECTION_EXPORT);
        write_leb(body.len() as u32, &mut out);
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn closure_shims_get_short_names_in_the_module_and_the_glue_alike() {
        let glue = format!(
            "function a(x) {{ wasm.{LONG}(x); }}\nfunction b(x) {{ return wasm.{LONGER}(x, wasm.{LONG}); }}\nwasm.memory;\n"
        );
        let (out, glue, n) = shorten(&module(&["memory", LONG, LONGER, "main"]), &glue).unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            export_names(&out).unwrap(),
            ["memory", "__wbg_c0", "__wbg_c1", "main"]
        );
        assert_eq!(
            glue,
            "function a(x) { wasm.__wbg_c0(x); }\nfunction b(x) { return wasm.__wbg_c1(x, wasm.__wbg_c0); }\nwasm.memory;\n",
            "a name that begins another is replaced only whole"
        );
        // The function indices stay with their exports.
        assert_eq!(out, module(&["memory", "__wbg_c0", "__wbg_c1", "main"]));
    }

    #[test]
    fn only_the_exports_change_and_a_shim_the_glue_never_calls_stops_the_build() {
        // The glue's own function of the same name is local: it keeps its name (the minifier
        // shortens it), only the export it calls is renamed.
        let wrapper = format!("function {LONG}(x) {{ wasm.{LONG}(x); }}");
        let (_, glue, _) = shorten(&module(&[LONG]), &wrapper).unwrap();
        assert_eq!(glue, format!("function {LONG}(x) {{ wasm.__wbg_c0(x); }}"));
        assert!(shorten(&module(&[LONG]), "wasm.memory;").is_err());
        // A short name already in use is not taken twice.
        let taken = format!("wasm.{LONG}(); wasm.__wbg_c0();");
        assert!(shorten(&module(&[LONG, "__wbg_c0"]), &taken).is_err());
        // Nothing to rename: the module comes back as it was.
        let plain = module(&["memory", "main"]);
        assert_eq!(
            shorten(&plain, "wasm.memory;").unwrap(),
            (plain, "wasm.memory;".to_owned(), 0)
        );
    }

    /// A module with only an import section: `(module, name)` functions of type 0, then a
    /// memory `env.memory` (limits with a maximum).
    fn importing(imports: &[(&str, &str)]) -> Vec<u8> {
        let mut body = Vec::new();
        write_leb(imports.len() as u32 + 1, &mut body);
        for (i, (from, import)) in imports.iter().enumerate() {
            name(&mut body, from);
            name(&mut body, import);
            body.push(0);
            write_leb(i as u32, &mut body);
        }
        name(&mut body, "env");
        name(&mut body, "memory");
        body.extend_from_slice(&[2, 1, 17, 200, 1]);
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        out.push(SECTION_IMPORT);
        write_leb(body.len() as u32, &mut out);
        out.extend_from_slice(&body);
        out
    }

    const NEW: &str = "__wbg_new_bb74001155cb8ca8";
    const GENERIC: &str = "__wbindgen_generic_0000000000000001";
    const LOAD: &str = "__wasm_split_load_screens";

    fn import_object(keys: &[&str]) -> String {
        let mut glue = String::from(
            "function __wbg_get_imports() {\n    const import0 = {\n        __proto__: null,",
        );
        for key in keys {
            glue.push_str(&format!(
                "\n        {key}: function(arg0) {{\n            return arg0;\n        }},"
            ));
        }
        glue.push_str("\n    };\n    return { \"./twinscope_bg.js\": import0 };\n}\n");
        glue
    }

    #[test]
    fn imports_from_the_glue_get_short_names_in_the_module_and_the_glue_alike() {
        let module = importing(&[
            (GLUE_MODULE, NEW),
            ("./__wasm_split.js", LOAD),
            (GLUE_MODULE, GENERIC),
        ]);
        let (out, glue, n) =
            shorten_imports(&module, &import_object(&[GENERIC, NEW]), GLUE_MODULE).unwrap();
        assert_eq!(n, 2);
        // In the module: renamed in order, the other module's import and the memory as they
        // were, every description (type index, limits) unchanged.
        assert_eq!(
            out,
            importing(&[
                (GLUE_MODULE, "a"),
                ("./__wasm_split.js", LOAD),
                (GLUE_MODULE, "b")
            ])
        );
        assert_eq!(glue, import_object(&["b", "a"]));
    }

    #[test]
    fn an_import_the_glue_names_elsewhere_or_not_as_a_key_stops_the_build() {
        let module = importing(&[(GLUE_MODULE, NEW)]);
        // Named again outside the import object.
        let twice = format!("{}const f = {NEW};\n", import_object(&[NEW]));
        let error = shorten_imports(&module, &twice, GLUE_MODULE).unwrap_err();
        assert!(error.contains("2 times"), "{error}");
        // Not given at all.
        let error = shorten_imports(&module, &import_object(&[GENERIC]), GLUE_MODULE).unwrap_err();
        assert!(error.contains("0 times"), "{error}");
        // Named once, but not as a key.
        let error = shorten_imports(&module, &format!("wasm.{NEW}();"), GLUE_MODULE).unwrap_err();
        assert!(error.contains("other than as"), "{error}");
        // A key already called what the import would become.
        let error = shorten_imports(&module, &import_object(&["a", NEW]), GLUE_MODULE).unwrap_err();
        assert!(error.contains("taken"), "{error}");
        // A name that only begins another is not it.
        let longer = format!("{NEW}_2");
        let module = importing(&[(GLUE_MODULE, NEW), (GLUE_MODULE, &longer)]);
        let (_, glue, _) =
            shorten_imports(&module, &import_object(&[&longer, NEW]), GLUE_MODULE).unwrap();
        assert_eq!(glue, import_object(&["b", "a"]));
    }

    #[test]
    fn short_names_are_distinct_identifiers_shortest_first() {
        let names: Vec<String> = (0..5000).map(short_name).collect();
        assert_eq!(names[..3], ["a", "b", "c"]);
        assert_eq!(names[51], "Z");
        assert_eq!(names[52..54], ["aa", "ba"]);
        assert!(names.iter().all(|n| n.len() <= 3));
        assert!(names[..52 + 52 * 64].iter().all(|n| n.len() <= 2));
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "no name twice");
        for n in &names {
            assert!(n.chars().next().unwrap().is_ascii_alphabetic(), "{n}");
            assert!(n.chars().all(crate::dead_classes::is_part), "{n}");
        }
    }
}
