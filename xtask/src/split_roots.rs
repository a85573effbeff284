//! Keeps what an *isolated* split point shares with the other split points in the main module.
//!
//! wasm-split puts the code each combination of split points shares, and the main module does
//! not reach, in a module of its own (`chunk_N.wasm`), which every split point of the
//! combination then fetches first. For the screen groups that is the point: the code both use
//! comes once. For the pages a person seldom opens (`src/pages/lazy.rs`) it is not: what they
//! share with the screens (a component, a view type's code) would become extra modules that
//! every screen fetches, one more request each. So those split points are *isolated*: after
//! a split, every function of a shared module that serves an isolated split point is exported
//! from the linked module (wasm-split roots the main module at its exports) and the split runs
//! again, until no shared module serves one. What is rooted so goes to every first load, and
//! only what really is shared: today a few kilobytes.
//!
//! wasm-split names the split points each shared module serves in a comment of its link module
//! (`/* a, b */` above `const __chunk_N = makeLoad(…"./chunk_N.wasm"…)`); function names come
//! from the modules' `name` sections (the linked module has one: it is linked with
//! `--emit-relocs`, and wasm-split keeps names).

use std::collections::BTreeMap;

use crate::wasm_binary::{
    SECTION_CODE, SECTION_DATA, SECTION_DATA_COUNT, SECTION_ELEMENT, SECTION_EXPORT,
    SECTION_FUNCTION, function_names, imported_functions, read_leb, replace_section,
    retain_exports, sections, skip_name, write_leb,
};

/// The split points (`wasm_split` module names) that must not share a module with another.
pub const ISOLATED: &[&str] = &["seldom_pages"];

/// What the exports that root a function are called: `{PREFIX}{n}`.
pub const PREFIX: &str = "__twinscope_main";

const EXTERNAL_FUNCTION: u8 = 0;

/// The shared modules of a link module (`chunk_N`) that serve an isolated split point and
/// another one, with the split points each serves.
pub fn shared_with_isolated(link_js: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut users: Option<Vec<String>> = None;
    for line in link_js.lines().map(str::trim) {
        if let Some(list) = line.strip_prefix("/*").and_then(|l| l.strip_suffix("*/")) {
            users = Some(list.split(',').map(|s| s.trim().to_owned()).collect());
            continue;
        }
        let chunk = line
            .strip_prefix("const __")
            .and_then(|l| l.split_once(" = makeLoad("))
            .map(|(name, _)| name)
            .filter(|name| name.starts_with("chunk_"));
        if let (Some(chunk), Some(list)) = (chunk, users.take())
            && list.len() > 1
            && list.iter().any(|u| ISOLATED.contains(&u.as_str()))
        {
            found.push((chunk.to_owned(), list));
        }
    }
    found
}

const I32_CONST: u8 = 0x41;
const END: u8 = 0x0b;

/// `main` with the data of `chunk`, a shared module without functions (text that two split
/// points use, and no code): rooting cannot move data, since wasm-split places it beside the
/// functions that use it, so its segments are added to the main module's instead. They are
/// active segments at fixed addresses of the one memory, which the chunk would have written
/// when it arrived; the main module writes them when it starts. Returns how many bytes moved.
/// A chunk with code or table elements, or with a segment that is not active at a constant
/// address, is an error.
pub fn fold_data(main: &[u8], chunk: &[u8]) -> Result<(Vec<u8>, usize), String> {
    let (chunk_sections, _) = sections(chunk)?;
    if let Some((id, _, _)) = chunk_sections.iter().find(|(id, start, end)| {
        [SECTION_FUNCTION, SECTION_ELEMENT, SECTION_CODE].contains(id)
            && end > start
            && chunk[*start] != 0
    }) {
        return Err(format!(
            "the shared module has a section {id} (code or elements): only data can be folded"
        ));
    }
    let mut segments = Vec::new();
    let mut count = 0;
    let mut moved = 0;
    if let Some(&(_, start, end)) = chunk_sections.iter().find(|s| s.0 == SECTION_DATA) {
        let body = &chunk[start..end];
        let mut pos = 0;
        for _ in 0..read_leb(body, &mut pos)? {
            let segment = pos;
            if read_leb(body, &mut pos)? != 0 || body.get(pos) != Some(&I32_CONST) {
                return Err(
                    "a data segment of the shared module is not active at a constant address"
                        .to_owned(),
                );
            }
            pos += 1;
            while body.get(pos).is_some_and(|b| b & 0x80 != 0) {
                pos += 1;
            }
            pos += 1;
            if body.get(pos) != Some(&END) {
                return Err("a data segment's address is not a constant".to_owned());
            }
            pos += 1;
            let len = read_leb(body, &mut pos)? as usize;
            pos += len;
            if pos > body.len() {
                return Err("truncated data segment".to_owned());
            }
            if len > 0 {
                segments.extend_from_slice(&body[segment..pos]);
                count += 1;
                moved += len;
            }
        }
    }
    if count == 0 {
        return Ok((main.to_vec(), 0));
    }
    let parsed = sections(main)?;
    let data = parsed
        .0
        .iter()
        .position(|s| s.0 == SECTION_DATA)
        .ok_or("the main module has no data section")?;
    let (_, start, end) = parsed.0[data];
    let mut pos = start;
    let total = read_leb(main, &mut pos)? + count;
    let mut body = Vec::with_capacity(end - start + segments.len());
    write_leb(total, &mut body);
    body.extend_from_slice(&main[pos..end]);
    body.extend_from_slice(&segments);
    let mut out = replace_section(main, &parsed, data, &body);
    let parsed = sections(&out)?;
    if let Some(index) = parsed.0.iter().position(|s| s.0 == SECTION_DATA_COUNT) {
        let mut body = Vec::new();
        write_leb(total, &mut body);
        out = replace_section(&out, &parsed, index, &body);
    }
    Ok((out, moved))
}

/// `link_js` without the loader of `chunk` (`chunk_N`) and without it among any loader's
/// dependencies: its data is in the main module now ([`fold_data`]).
pub fn drop_chunk(link_js: &str, chunk: &str) -> Result<String, String> {
    let name = format!("__{chunk}");
    let start = link_js
        .find(&format!("const {name} = makeLoad("))
        .ok_or_else(|| format!("no loader of {chunk}"))?;
    // Its `/* users */` line goes with it.
    let start = link_js[..start]
        .trim_end_matches('\n')
        .rfind('\n')
        .filter(|&line| link_js[line + 1..start].trim_start().starts_with("/*"))
        .map_or(start, |line| line + 1);
    let end = link_js[start..]
        .find("]);\n")
        .map(|at| start + at + "]);\n".len())
        .ok_or_else(|| format!("the loader of {chunk} does not end"))?;
    let out = format!("{}{}", &link_js[..start], &link_js[end..])
        .replace(&format!("{name}, "), "")
        .replace(&format!(", {name}]"), "]")
        .replace(&format!("[{name}]"), "[]");
    let left = out
        .match_indices(&name)
        .any(|(at, _)| !out[at + name.len()..].starts_with(|c: char| c.is_ascii_digit()));
    if left {
        return Err(format!("{chunk} is still named after its loader went"));
    }
    Ok(out)
}

/// What wasm-split appends to the name of the stub it writes for a call into another module.
const SHIM: &str = " indirect_call_shim";

/// The names of the functions a module defines (not those it imports, nor wasm-split's call
/// stubs), from its `name` section.
pub fn defined_function_names(module: &[u8]) -> Result<Vec<String>, String> {
    let imported = imported_functions(module)?;
    Ok(function_names(module)?
        .into_iter()
        .filter(|(index, name)| *index >= imported && !name.ends_with(SHIM))
        .map(|(_, name)| name)
        .collect())
}

/// `module` with one more export per function named in `names` (`{PREFIX}{n}`), so that
/// wasm-split keeps them in the main module. Returns how many functions were rooted; a name
/// the module does not have is an error.
pub fn root_functions(module: &[u8], names: &[String]) -> Result<(Vec<u8>, usize), String> {
    let mut by_name: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let all = function_names(module)?;
    for (index, name) in &all {
        by_name.entry(name.as_str()).or_default().push(*index);
    }
    let mut indices = Vec::new();
    for name in names {
        let found = by_name
            .get(name.as_str())
            .ok_or_else(|| format!("the linked module has no function named {name}"))?;
        indices.extend(found);
    }
    indices.sort_unstable();
    indices.dedup();

    let parsed = sections(module)?;
    let (sections, _) = &parsed;
    let export = sections
        .iter()
        .position(|(id, _, _)| *id == SECTION_EXPORT)
        .ok_or("the linked module has no export section")?;
    let (_, start, end) = sections[export];
    let body = &module[start..end];
    let mut pos = 0;
    let count = read_leb(body, &mut pos)?;
    let already = (0..count).try_fold(0, |rooted, _| -> Result<u32, String> {
        let name = skip_name(body, &mut pos)?;
        pos += 1;
        read_leb(body, &mut pos)?;
        Ok(rooted + u32::from(name.starts_with(PREFIX)))
    })?;
    let mut new_body = Vec::with_capacity(body.len() + indices.len() * 24);
    write_leb(count + indices.len() as u32, &mut new_body);
    new_body.extend_from_slice(&body[leb_len(body)?..]);
    for (n, index) in indices.iter().enumerate() {
        let name = format!("{PREFIX}{}", already as usize + n);
        write_leb(name.len() as u32, &mut new_body);
        new_body.extend_from_slice(name.as_bytes());
        new_body.push(EXTERNAL_FUNCTION);
        write_leb(*index, &mut new_body);
    }
    let out = replace_section(module, &parsed, export, &new_body);
    Ok((out, indices.len()))
}

/// The split main module without the rooting exports: once split, what the lazy modules use
/// of it they reach through its function table, and the exports would only be bytes.
pub fn unroot(module: &[u8]) -> Result<Vec<u8>, String> {
    retain_exports(module, |name| !name.starts_with(PREFIX))
}

fn leb_len(bytes: &[u8]) -> Result<usize, String> {
    let mut pos = 0;
    read_leb(bytes, &mut pos)?;
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wasm_binary::{NAME_FUNCTIONS, SECTION_CUSTOM, SECTION_IMPORT};

    fn name(out: &mut Vec<u8>, s: &str) {
        write_leb(s.len() as u32, out);
        out.extend_from_slice(s.as_bytes());
    }

    fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
        out.push(id);
        write_leb(body.len() as u32, out);
        out.extend_from_slice(body);
    }

    /// A module importing `imports` functions (and a table), exporting `exports` (function
    /// index 0 each) and naming functions `names` (index order, imports first). No code: only
    /// what this module reads.
    fn module(imports: u32, exports: &[&str], names: &[&str]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        let mut body = Vec::new();
        write_leb(imports + 1, &mut body);
        for i in 0..imports {
            name(&mut body, "env");
            name(&mut body, &format!("f{i}"));
            body.extend_from_slice(&[0, 0]);
        }
        name(&mut body, "env");
        name(&mut body, "table");
        body.extend_from_slice(&[1, 0x70, 0, 1]);
        section(&mut m, SECTION_IMPORT, &body);
        let mut body = Vec::new();
        write_leb(exports.len() as u32, &mut body);
        for export in exports {
            name(&mut body, export);
            body.extend_from_slice(&[EXTERNAL_FUNCTION, 0]);
        }
        section(&mut m, SECTION_EXPORT, &body);
        let mut list = Vec::new();
        write_leb(names.len() as u32, &mut list);
        for (index, n) in (0u32..).zip(names) {
            write_leb(index, &mut list);
            name(&mut list, n);
        }
        let mut body = Vec::new();
        name(&mut body, "name");
        body.push(0); // a module name subsection first, to be skipped
        write_leb(2, &mut body);
        name(&mut body, "m");
        body.push(NAME_FUNCTIONS);
        write_leb(list.len() as u32, &mut body);
        body.extend_from_slice(&list);
        section(&mut m, SECTION_CUSTOM, &body);
        m
    }

    const LINK: &str = r#"import { initSync } from "./twinscope.js";
/* models_graph_transfer_screens, query_and_twin_screens */
const __chunk_3 = makeLoad(() => {
    const src = fetch(new URL("./chunk_3.wasm", import.meta.url));
}, []);
/* models_graph_transfer_screens, query_and_twin_screens, seldom_pages */
const __chunk_4 = makeLoad(() => {
}, []);
/* query_and_twin_screens, seldom_pages */
const __chunk_6 = makeLoad(() => {
}, []);
const __wasm_split_load_seldom_pages = wrapAsyncCb(makeLoad(() => {
}, [__chunk_4, __chunk_6]));
"#;

    #[test]
    fn finds_the_shared_modules_that_serve_an_isolated_split_point() {
        let found = shared_with_isolated(LINK);
        let chunks: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(chunks, ["chunk_4", "chunk_6"]);
        assert_eq!(found[1].1, ["query_and_twin_screens", "seldom_pages"]);
        let screens_only = LINK.replace(", seldom_pages", "");
        assert!(shared_with_isolated(&screens_only).is_empty());
    }

    /// A data section of active segments at constant addresses.
    fn data(segments: &[(u32, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        write_leb(segments.len() as u32, &mut body);
        for (address, bytes) in segments {
            body.extend_from_slice(&[0, I32_CONST]);
            // A signed LEB128 of a small positive address: one or two bytes.
            if *address < 64 {
                body.push(*address as u8);
            } else {
                body.extend_from_slice(&[(*address as u8 & 0x7f) | 0x80, (*address >> 7) as u8]);
            }
            body.push(END);
            write_leb(bytes.len() as u32, &mut body);
            body.extend_from_slice(bytes);
        }
        body
    }

    /// The data segments of `module` as `(address, bytes)`, and its data count if it has one.
    fn segments(module: &[u8]) -> (Vec<(u32, Vec<u8>)>, Option<u32>) {
        let (sections, _) = sections(module).unwrap();
        let mut found = Vec::new();
        let &(_, start, end) = sections.iter().find(|s| s.0 == SECTION_DATA).unwrap();
        let body = &module[start..end];
        let mut pos = 0;
        for _ in 0..read_leb(body, &mut pos).unwrap() {
            assert_eq!(&body[pos..pos + 2], [0, I32_CONST]);
            pos += 2;
            let address = read_leb(body, &mut pos).unwrap();
            assert_eq!(body[pos], END);
            pos += 1;
            let len = read_leb(body, &mut pos).unwrap() as usize;
            found.push((address, body[pos..pos + len].to_vec()));
            pos += len;
        }
        assert_eq!(pos, body.len(), "nothing after the segments");
        let count = sections
            .iter()
            .find(|s| s.0 == SECTION_DATA_COUNT)
            .map(|&(_, start, _)| {
                let mut pos = start;
                read_leb(module, &mut pos).unwrap()
            });
        (found, count)
    }

    #[test]
    fn a_shared_module_of_data_only_is_folded_into_the_main_one_with_its_count() {
        let mut main = module(0, &["memory"], &["f"]);
        section(&mut main, SECTION_DATA_COUNT, &[1]);
        section(&mut main, SECTION_DATA, &data(&[(8, b"main")]));
        let mut chunk = module(0, &[], &[]);
        section(
            &mut chunk,
            SECTION_DATA,
            &data(&[(100, b"problems; "), (120, b""), (40, b"x")]),
        );
        let (folded, moved) = fold_data(&main, &chunk).unwrap();
        assert_eq!(moved, 11);
        assert_eq!(
            segments(&folded),
            (
                vec![
                    (8, b"main".to_vec()),
                    (100, b"problems; ".to_vec()),
                    (40, b"x".to_vec())
                ],
                Some(3)
            )
        );
        // Everything else as it was.
        assert_eq!(
            function_names(&folded).unwrap(),
            function_names(&main).unwrap()
        );
        assert_eq!(exports(&folded), exports(&main));
    }

    #[test]
    fn a_shared_module_with_code_or_a_passive_segment_is_not_folded() {
        let mut main = module(0, &["memory"], &["f"]);
        section(&mut main, SECTION_DATA, &data(&[(8, b"main")]));
        let mut with_code = module(0, &[], &[]);
        section(&mut with_code, SECTION_FUNCTION, &[1, 0]);
        section(&mut with_code, SECTION_CODE, &[1, 2, 0, END]);
        assert!(
            fold_data(&main, &with_code)
                .unwrap_err()
                .contains("only data")
        );
        let mut passive = module(0, &[], &[]);
        section(&mut passive, SECTION_DATA, &[1, 1, 1, b'p']);
        assert!(
            fold_data(&main, &passive)
                .unwrap_err()
                .contains("not active")
        );
    }

    #[test]
    fn a_folded_chunk_leaves_the_link_module_and_every_loader_s_dependencies() {
        let link = drop_chunk(LINK, "chunk_4").unwrap();
        assert!(!link.contains("chunk_4"), "{link}");
        assert!(link.contains("}, [__chunk_6]));"), "{link}");
        assert!(link.contains("/* query_and_twin_screens, seldom_pages */\nconst __chunk_6"));
        let link = drop_chunk(&link, "chunk_6").unwrap();
        assert!(link.contains("}, []));"), "{link}");
        assert_eq!(shared_with_isolated(&link), []);
        // The other loaders are untouched.
        assert!(link.contains("const __chunk_3 = makeLoad("));
        assert!(drop_chunk(&link, "chunk_9").is_err());
        // `chunk_4` is not `chunk_40`.
        let with_40 = LINK.replace(
            "[__chunk_4, __chunk_6]",
            "[__chunk_40, __chunk_4, __chunk_6]",
        );
        assert!(
            drop_chunk(&with_40, "chunk_4")
                .unwrap()
                .contains("[__chunk_40, __chunk_6]")
        );
    }

    #[test]
    fn names_the_functions_a_module_defines_not_those_it_imports() {
        let shim = format!("f{SHIM}");
        let m = module(2, &["memory"], &["imp0", "imp1", "LocalTime", &shim, "fmt"]);
        assert_eq!(defined_function_names(&m).unwrap(), ["LocalTime", "fmt"]);
        assert_eq!(
            defined_function_names(&module(0, &[], &["a"])).unwrap(),
            ["a"]
        );
    }

    /// The exports of `module` as `(name, kind, index)`, reading the whole section.
    fn exports(module: &[u8]) -> Vec<(String, u8, u32)> {
        let (sections, _) = sections(module).unwrap();
        let &(_, start, end) = sections.iter().find(|s| s.0 == SECTION_EXPORT).unwrap();
        let body = &module[start..end];
        let mut pos = 0;
        let mut exports = Vec::new();
        for _ in 0..read_leb(body, &mut pos).unwrap() {
            let name = skip_name(body, &mut pos).unwrap();
            let kind = body[pos];
            pos += 1;
            exports.push((name, kind, read_leb(body, &mut pos).unwrap()));
        }
        assert_eq!(pos, body.len(), "nothing after the exports");
        exports
    }

    #[test]
    fn roots_named_functions_as_exports_after_the_existing_ones() {
        let m = module(1, &["main"], &["imp", "a", "b", "a"]);
        let (rooted, n) = root_functions(&m, &["a".to_owned()]).unwrap();
        // Both functions called `a` (index 1 and 3).
        assert_eq!(n, 2);
        assert_eq!(
            exports(&rooted),
            [
                ("main".to_owned(), EXTERNAL_FUNCTION, 0),
                (format!("{PREFIX}0"), EXTERNAL_FUNCTION, 1),
                (format!("{PREFIX}1"), EXTERNAL_FUNCTION, 3)
            ]
        );
        // The rest of the module is as it was, and a second round numbers on.
        assert_eq!(
            function_names(&rooted).unwrap(),
            function_names(&m).unwrap()
        );
        assert_eq!(imported_functions(&rooted).unwrap(), 1);
        let (again, n) = root_functions(&rooted, &["b".to_owned()]).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            exports(&again).last(),
            Some(&(format!("{PREFIX}2"), EXTERNAL_FUNCTION, 2))
        );
        // Unrooted after the split: the module as it was.
        assert_eq!(unroot(&again).unwrap(), m);
        assert_eq!(unroot(&m).unwrap(), m);
    }

    #[test]
    fn a_name_the_module_lacks_or_garbage_is_an_error_not_a_panic() {
        let m = module(1, &["main"], &["imp", "a"]);
        let error = root_functions(&m, &["nope".to_owned()]).unwrap_err();
        assert!(error.contains("no function named nope"), "{error}");
        assert!(root_functions(b"not wasm", &[]).is_err());
        let mut truncated = m.clone();
        truncated.truncate(m.len() - 3);
        assert!(defined_function_names(&truncated).is_err());
        let error = defined_function_names(b"\0asm\x01\0\0\0").unwrap_err();
        assert!(error.contains("no function names"), "{error}");
    }
}
