//! Short names for the main module's closure exports.
//!
//! wasm-bindgen names the shims that call Rust closures from JavaScript after their whole
//! signature (`wasm_bindgen_<hash>___convert__closures_____invoke___web_sys_<hash>___…`, 60 to
//! 200 characters), and that name is written twice: in the main module's export section and
//! in the glue, as `wasm.NAME` (the glue's own function of the same name is local, and the
//! minifier shortens it). Nothing else uses them (the lazy modules import only the memory,
//! the table and `__wasm_split_shared0`), so they become `__wbg_cN`: about 1.2 kB raw each
//! in the module and the glue, 0.35 kB Brotli, off every first load.

use crate::dead_classes::{mentions, whole};
use crate::wasm_binary::{
    SECTION_EXPORT, read_leb, replace_section, sections, skip_name, write_leb,
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
}
