//! Repairs a defect of Debian's binaryen 108: when it rewrites a module with two tables
//! (wasm-bindgen's `funcref` table and its `externref` table), the export
//! `__wbindgen_externrefs` comes out pointing at table 0, the `funcref` one, and the app dies
//! at start with "WebAssembly.Table.set(): Argument 1 is invalid for table".
//!
//! Run by Trunk after every build (`Trunk.toml`, `[[hooks]] post_build`). It finds the one
//! `externref` table and makes the export name it. A module that is already right is left
//! byte-for-byte alone, so the step is safe on debug builds too.

use std::path::Path;

use crate::wasm_binary::{
    Import, SECTION_EXPORT, SECTION_IMPORT, SECTION_TABLE, imports, read_leb, replace_section,
    sections, skip_limits, skip_name, write_leb,
};

pub const EXPORT: &str = "__wbindgen_externrefs";
const EXTERNREF: u8 = 0x6f;
const EXTERNAL_TABLE: u8 = 1;

#[derive(Debug, PartialEq, Eq)]
pub enum Fix {
    AlreadyRight,
    Repointed { from: u32, to: u32 },
    NoSuchExport,
}

/// Table types in index order (imported tables first, as the index space counts them).
fn table_types(module: &[u8], sections: &[(u8, usize, usize)]) -> Result<Vec<u8>, String> {
    let mut types = Vec::new();
    for &(id, start, end) in sections {
        let body = &module[start..end];
        let mut pos = 0;
        match id {
            SECTION_IMPORT => types.extend(imports(body)?.into_iter().filter_map(|i| match i {
                Import::Table { element } => Some(element),
                _ => None,
            })),
            SECTION_TABLE => {
                for _ in 0..read_leb(body, &mut pos)? {
                    types.push(*body.get(pos).ok_or("truncated table")?);
                    pos += 1;
                    skip_limits(body, &mut pos)?;
                }
            }
            _ => {}
        }
    }
    Ok(types)
}

/// Returns the repaired module (unchanged when nothing needed doing) and what was done.
pub fn fix_module(module: &[u8]) -> Result<(Vec<u8>, Fix), String> {
    // (id, body start, body end) per section, and where each section's header starts.
    let parsed = sections(module)?;
    let (sections, _) = &parsed;
    let types = table_types(module, sections)?;
    let externref: Vec<u32> = (0..types.len() as u32)
        .filter(|&i| types[i as usize] == EXTERNREF)
        .collect();

    let Some(export) = sections.iter().position(|(id, _, _)| *id == SECTION_EXPORT) else {
        return Ok((module.to_vec(), Fix::NoSuchExport));
    };
    let (_, start, end) = sections[export];
    let body = &module[start..end];
    let mut pos = 0;
    let mut new_body = Vec::with_capacity(body.len());
    let count = read_leb(body, &mut pos)?;
    write_leb(count, &mut new_body);
    let mut fix = Fix::NoSuchExport;
    for _ in 0..count {
        let name_start = pos;
        let name = skip_name(body, &mut pos)?;
        new_body.extend_from_slice(&body[name_start..pos]);
        let kind = *body.get(pos).ok_or("truncated export")?;
        pos += 1;
        let index = read_leb(body, &mut pos)?;
        new_body.push(kind);
        let mut index_out = index;
        if kind == EXTERNAL_TABLE && name == EXPORT {
            if types.get(index as usize) == Some(&EXTERNREF) {
                fix = Fix::AlreadyRight;
            } else {
                let [target] = externref.as_slice() else {
                    return Err(format!(
                        "expected exactly one externref table, found {}",
                        externref.len()
                    ));
                };
                index_out = *target;
                fix = Fix::Repointed {
                    from: index,
                    to: *target,
                };
            }
        }
        write_leb(index_out, &mut new_body);
    }
    new_body.extend_from_slice(&body[pos..]);
    if !matches!(fix, Fix::Repointed { .. }) {
        return Ok((module.to_vec(), fix));
    }
    let out = replace_section(module, &parsed, export, &new_body);
    Ok((out, fix))
}

/// Repairs every `*_bg.wasm` in `dir` (Trunk's staging directory).
pub fn run(dir: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with("_bg.wasm") {
            continue;
        }
        let module =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (fixed, fix) = fix_module(&module).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Fix::Repointed { from, to } = fix {
            std::fs::write(&path, fixed)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "xtask: {}: export {EXPORT} re-pointed from table {from} to table {to} (binaryen 108 defect)",
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a funcref table (0x70) and an externref table (0x6f), exporting
    /// `__wbindgen_externrefs` as table `export_index`, plus a trailing custom section.
    fn module(export_index: u8) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // table section: 2 tables: funcref min 1 max 1; externref min 4
        m.extend_from_slice(&[SECTION_TABLE, 8, 2, 0x70, 1, 1, 1, EXTERNREF, 0, 4]);
        let name = EXPORT.as_bytes();
        let mut exports = vec![2u8];
        exports.push(name.len() as u8);
        exports.extend_from_slice(name);
        exports.extend_from_slice(&[EXTERNAL_TABLE, export_index]);
        exports.extend_from_slice(&[6, b'm', b'e', b'm', b'o', b'r', b'y', 2, 0]);
        m.push(SECTION_EXPORT);
        m.push(exports.len() as u8);
        m.extend_from_slice(&exports);
        m.extend_from_slice(&[0, 3, 1, b'x', 9]);
        m
    }

    #[test]
    fn repoints_the_export_at_the_externref_table() {
        let (fixed, fix) = fix_module(&module(0)).unwrap();
        assert_eq!(fix, Fix::Repointed { from: 0, to: 1 });
        assert_eq!(fixed, module(1));
    }

    #[test]
    fn a_correct_module_is_left_alone() {
        let (fixed, fix) = fix_module(&module(1)).unwrap();
        assert_eq!(fix, Fix::AlreadyRight);
        assert_eq!(fixed, module(1));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(fix_module(b"not wasm").is_err());
        let mut truncated = module(0);
        truncated.truncate(20);
        assert!(fix_module(&truncated).is_err());
    }
}
