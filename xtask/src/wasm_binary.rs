//! Reading and writing the few parts of the WebAssembly binary format the build touches
//! (sections, LEB128 numbers, names, imports): the export repair (`wasm_fix`), the split
//! roots (`split_roots`), the glue's dead classes (`dead_classes`), short names
//! (`short_names`), and the modules without custom sections.

pub fn read_leb(bytes: &[u8], pos: &mut usize) -> Result<u32, String> {
    let mut value: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*pos).ok_or("truncated LEB128")?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value).map_err(|_| "LEB128 out of range".to_owned());
        }
    }
    Err("LEB128 too long".to_owned())
}

pub fn write_leb(mut value: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn skip_limits(bytes: &[u8], pos: &mut usize) -> Result<(), String> {
    let flags = *bytes.get(*pos).ok_or("truncated limits")?;
    *pos += 1;
    read_leb(bytes, pos)?;
    if flags & 1 == 1 {
        read_leb(bytes, pos)?;
    }
    Ok(())
}

pub fn skip_name(bytes: &[u8], pos: &mut usize) -> Result<String, String> {
    let len = read_leb(bytes, pos)? as usize;
    let name = bytes.get(*pos..*pos + len).ok_or("truncated name")?;
    *pos += len;
    Ok(String::from_utf8_lossy(name).into_owned())
}

pub const SECTION_CUSTOM: u8 = 0;
/// The function names' subsection of the `name` custom section.
pub const NAME_FUNCTIONS: u8 = 1;
pub const SECTION_IMPORT: u8 = 2;
pub const SECTION_FUNCTION: u8 = 3;
pub const SECTION_TABLE: u8 = 4;
pub const SECTION_EXPORT: u8 = 7;
pub const SECTION_ELEMENT: u8 = 9;
pub const SECTION_CODE: u8 = 10;
pub const SECTION_DATA: u8 = 11;
pub const SECTION_DATA_COUNT: u8 = 12;

/// `module` with only the exports whose names `keep` accepts.
pub fn retain_exports(module: &[u8], keep: impl Fn(&str) -> bool) -> Result<Vec<u8>, String> {
    let parsed = sections(module)?;
    let (sections, _) = &parsed;
    let Some(export) = sections.iter().position(|(id, _, _)| *id == SECTION_EXPORT) else {
        return Ok(module.to_vec());
    };
    let (_, start, end) = sections[export];
    let body = &module[start..end];
    let mut pos = 0;
    let mut kept = Vec::with_capacity(body.len());
    let mut count = 0;
    for _ in 0..read_leb(body, &mut pos)? {
        let entry = pos;
        let name = skip_name(body, &mut pos)?;
        pos += 1;
        read_leb(body, &mut pos)?;
        if keep(&name) {
            kept.extend_from_slice(body.get(entry..pos).ok_or("truncated export")?);
            count += 1;
        }
    }
    let mut new_body = Vec::with_capacity(kept.len() + 5);
    write_leb(count, &mut new_body);
    new_body.extend_from_slice(&kept);
    new_body.extend_from_slice(&body[pos..]);
    Ok(replace_section(module, &parsed, export, &new_body))
}

/// `module` with the body of section number `index` (in [`sections`]' order) replaced by
/// `body`; the section keeps its id and place.
pub fn replace_section(
    module: &[u8],
    (sections, headers): &Sections,
    index: usize,
    body: &[u8],
) -> Vec<u8> {
    let (id, _, end) = sections[index];
    let mut out = Vec::with_capacity(module.len() + body.len());
    out.extend_from_slice(&module[..headers[index]]);
    out.push(id);
    write_leb(body.len() as u32, &mut out);
    out.extend_from_slice(body);
    out.extend_from_slice(&module[end..]);
    out
}

/// Per section `(id, body start, body end)`, and where each section's header starts.
pub type Sections = (Vec<(u8, usize, usize)>, Vec<usize>);

/// The module's sections, after checking its magic number.
pub fn sections(module: &[u8]) -> Result<Sections, String> {
    if module.get(..4) != Some(b"\0asm") {
        return Err("not a WebAssembly module".to_owned());
    }
    let mut sections = Vec::new();
    let mut headers = Vec::new();
    let mut pos = 8;
    while pos < module.len() {
        headers.push(pos);
        let id = module[pos];
        pos += 1;
        let size = read_leb(module, &mut pos)? as usize;
        if pos + size > module.len() {
            return Err("truncated section".to_owned());
        }
        sections.push((id, pos, pos + size));
        pos += size;
    }
    Ok((sections, headers))
}

/// What one import adds to its index space (only a table's element type is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Import {
    Function,
    Table { element: u8 },
    Memory,
    Global,
    Tag,
}

/// How many functions the module imports (they come first in the function index space).
pub fn imported_functions(module: &[u8]) -> Result<u32, String> {
    let (sections, _) = sections(module)?;
    let Some(&(_, start, end)) = sections.iter().find(|(id, _, _)| *id == SECTION_IMPORT) else {
        return Ok(0);
    };
    let functions = imports(&module[start..end])?
        .into_iter()
        .filter(|i| *i == Import::Function)
        .count();
    u32::try_from(functions).map_err(|_| "too many imports".to_owned())
}

/// The imports an import section's `body` declares, in order.
pub fn imports(body: &[u8]) -> Result<Vec<Import>, String> {
    let mut pos = 0;
    let count = read_leb(body, &mut pos)?;
    let mut imports = Vec::new();
    for _ in 0..count {
        skip_name(body, &mut pos)?;
        skip_name(body, &mut pos)?;
        imports.push(skip_import_description(body, &mut pos)?);
    }
    Ok(imports)
}

/// Reads past the description of an import (after its module and name): what it imports.
pub fn skip_import_description(body: &[u8], pos: &mut usize) -> Result<Import, String> {
    let kind = *body.get(*pos).ok_or("truncated import")?;
    *pos += 1;
    Ok(match kind {
        0 => {
            read_leb(body, pos)?;
            Import::Function
        }
        1 => {
            let element = *body.get(*pos).ok_or("truncated import")?;
            *pos += 1;
            skip_limits(body, pos)?;
            Import::Table { element }
        }
        2 => {
            skip_limits(body, pos)?;
            Import::Memory
        }
        3 => {
            *pos += 2;
            Import::Global
        }
        4 => {
            *pos += 1;
            read_leb(body, pos)?;
            Import::Tag
        }
        other => return Err(format!("unknown import kind {other}")),
    })
}

/// `module` without its custom sections (names, producers, target features: for tools, not
/// for browsers); and the names of those taken out.
pub fn without_custom_sections(module: &[u8]) -> Result<(Vec<u8>, Vec<String>), String> {
    let (sections, headers) = sections(module)?;
    let mut out = module[..8].to_vec();
    let mut dropped = Vec::new();
    for (&(id, start, end), &header) in sections.iter().zip(&headers) {
        if id == SECTION_CUSTOM {
            let mut pos = start;
            dropped.push(skip_name(module, &mut pos)?);
        } else {
            out.extend_from_slice(&module[header..end]);
        }
    }
    Ok((out, dropped))
}

/// `(function index, name)` from the `name` section's function names.
pub fn function_names(module: &[u8]) -> Result<Vec<(u32, String)>, String> {
    let (sections, _) = sections(module)?;
    for &(id, start, end) in &sections {
        if id != SECTION_CUSTOM {
            continue;
        }
        let body = &module[start..end];
        let mut pos = 0;
        if skip_name(body, &mut pos)? != "name" {
            continue;
        }
        while pos < body.len() {
            let sub = body[pos];
            pos += 1;
            let size = read_leb(body, &mut pos)? as usize;
            let sub_end = pos + size;
            if sub_end > body.len() {
                return Err("truncated name section".to_owned());
            }
            if sub == NAME_FUNCTIONS {
                let mut names = Vec::new();
                for _ in 0..read_leb(body, &mut pos)? {
                    let index = read_leb(body, &mut pos)?;
                    names.push((index, skip_name(body, &mut pos)?));
                }
                return Ok(names);
            }
            pos = sub_end;
        }
    }
    Err("the module has no function names (a `name` section)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
        out.push(id);
        write_leb(body.len() as u32, out);
        out.extend_from_slice(body);
    }

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        write_leb(name.len() as u32, &mut body);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        body
    }

    #[test]
    fn custom_sections_leave_and_every_other_section_stays_in_place() {
        let header = b"\0asm\x01\0\0\0".to_vec();
        let mut module = header.clone();
        section(&mut module, 1, &[1, 0x60, 0, 0]);
        section(&mut module, SECTION_CUSTOM, &custom("producers", &[0; 200]));
        section(&mut module, 3, &[1, 0]);
        section(&mut module, 10, &[1, 2, 0, 0x0b]);
        section(
            &mut module,
            SECTION_CUSTOM,
            &custom("target_features", b"+bulk"),
        );
        let (out, dropped) = without_custom_sections(&module).unwrap();
        assert_eq!(dropped, ["producers", "target_features"]);
        let mut expected = header;
        section(&mut expected, 1, &[1, 0x60, 0, 0]);
        section(&mut expected, 3, &[1, 0]);
        section(&mut expected, 10, &[1, 2, 0, 0x0b]);
        assert_eq!(out, expected);
        // Nothing to take out: the same bytes.
        assert_eq!(
            without_custom_sections(&out).unwrap(),
            (out.clone(), vec![])
        );
        assert!(without_custom_sections(b"not wasm").is_err());
    }
}
