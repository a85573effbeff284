//! The glue's classes that no Rust code hands to JavaScript, and the main module's exports
//! only they call.
//!
//! Every `#[wasm_bindgen]` struct of every crate linked in becomes a class of wasm-bindgen's
//! glue and exports of the main module, used or not: Leptos links `server_fn`, which links
//! `wasm-streams`, whose three stream adapters (`IntoUnderlyingSource`, `…Sink`,
//! `…ByteSource`) exist for server functions' streamed bodies, which a client-only app never
//! has. A class whose objects the Rust code returns to JavaScript is built by the glue through
//! `NAME.__wrap`; one without it cannot come to exist, and the page imports nothing of the glue
//! but its `init`. So such a class goes, with its `Symbol.dispose` line and its
//! finalization registry, and so do the exports of the main module only it called: wasm-opt
//! then drops the code they kept.
//!
//! The glue is wasm-bindgen 0.2's (`--target web`): a class is `export class NAME {` up to a
//! `}` alone on a line, its registry `const NAMEFinalization = …;`. Should the glue not look
//! like that, or the name still occur once the class is out, the class stays.

/// `glue` without its dead classes, and the exports only they called.
pub fn drop_dead_classes(glue: &str) -> (String, Vec<String>) {
    let mut glue = glue.to_owned();
    let mut removed = String::new();
    for name in exported_classes(&glue) {
        if glue.contains(&format!("{name}.__wrap")) {
            continue;
        }
        let Some((without, pieces)) = without_class(&glue, &name) else {
            continue;
        };
        if mentions(&without, &name) {
            continue;
        }
        glue = without;
        removed.push_str(&pieces);
    }
    let mut exports: Vec<String> = wasm_members(&removed)
        .into_iter()
        .filter(|e| !glue.contains(&format!("wasm.{e}")))
        .collect();
    exports.sort();
    exports.dedup();
    (glue, exports)
}

fn exported_classes(glue: &str) -> Vec<String> {
    glue.lines()
        .filter_map(|l| l.strip_prefix("export class ")?.strip_suffix(" {"))
        .filter(|n| is_identifier(n))
        .map(str::to_owned)
        .collect()
}

/// Whether `c` can be part of a JavaScript identifier (the ASCII ones the glue uses).
pub fn is_part(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_part)
}

/// `glue` without class `name`, its dispose line and its registry; and what was taken out.
fn without_class(glue: &str, name: &str) -> Option<(String, String)> {
    let start = glue.find(&format!("export class {name} {{\n"))?;
    let end = start + glue[start..].find("\n}\n")? + 3;
    // Its body indented: the `}` found closes this class, not a later one.
    let body = &glue[start..end - 3];
    if body
        .lines()
        .skip(1)
        .any(|l| !l.is_empty() && !l.starts_with(' '))
    {
        return None;
    }
    let mut rest = format!("{}{}", &glue[..start], &glue[end..]);
    let mut taken = glue[start..end].to_owned();
    let dispose =
        format!("if (Symbol.dispose) {name}.prototype[Symbol.dispose] = {name}.prototype.free;\n");
    if let Some(at) = rest.find(&dispose) {
        rest.replace_range(at..at + dispose.len(), "");
    }
    let registry = format!("const {name}Finalization = ");
    if let Some(at) = rest.find(&registry) {
        let end = at + rest[at..].find(";\n")? + 2;
        taken.push_str(&rest[at..end]);
        rest.replace_range(at..end, "");
    }
    Some((rest, taken))
}

/// Where `word` occurs in `text` not inside a longer identifier.
pub fn whole(text: &str, word: &str) -> Vec<usize> {
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(|&at| {
            !text[at + word.len()..].chars().next().is_some_and(is_part)
                && !text[..at].chars().next_back().is_some_and(is_part)
        })
        .collect()
}

/// Whether `name` occurs in `text` as a whole identifier.
pub fn mentions(text: &str, name: &str) -> bool {
    !whole(text, name).is_empty()
}

/// The `wasm.NAME` members `text` uses.
fn wasm_members(text: &str) -> Vec<String> {
    text.match_indices("wasm.")
        .map(|(at, m)| {
            text[at + m.len()..]
                .chars()
                .take_while(|c| is_part(*c))
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape wasm-bindgen 0.2.130 writes (`--target web`), cut down.
    const GLUE: &str = "\
let wasm;
export class IntoUnderlyingSink {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        IntoUnderlyingSinkFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_intounderlyingsink_free(ptr, 0);
    }
    write(chunk) {
        const ret = wasm.intounderlyingsink_write(this.__wbg_ptr, chunk);
        return takeObject(ret, wasm.__wbindgen_export_2);
    }
}
if (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;

export class Handle {
    static __wrap(ptr) {
        const obj = Object.create(Handle.prototype);
        obj.__wbg_ptr = ptr;
        return obj;
    }
    close() {
        wasm.handle_close(this.__wbg_ptr);
    }
}

function takeObject(x, f) { return wasm.__wbindgen_export_2(x); }
const IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));
const HandleFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_handle_free(ptr, 1));
function __wbg_get_imports() { return { x: (p) => Handle.__wrap(p) }; }
export { initSync, __wbg_init as default };
";

    #[test]
    fn a_class_rust_never_hands_over_goes_with_the_exports_only_it_called() {
        let (glue, exports) = drop_dead_classes(GLUE);
        assert!(!glue.contains("IntoUnderlyingSink"), "{glue}");
        assert_eq!(
            exports,
            vec![
                "__wbg_intounderlyingsink_free".to_owned(),
                "intounderlyingsink_write".to_owned()
            ],
            "an export the rest of the glue still calls stays"
        );
        // A class built through `__wrap` stays, whole, with its registry.
        assert!(glue.contains("export class Handle {"));
        assert!(glue.contains("wasm.handle_close"));
        assert!(glue.contains("const HandleFinalization = "));
        assert!(glue.contains("function takeObject"));
        assert!(
            glue.starts_with("let wasm;\n\nexport class Handle {"),
            "{glue}"
        );
    }

    #[test]
    fn a_class_still_named_elsewhere_or_of_another_shape_stays() {
        let used = GLUE.replace(
            "function __wbg_get_imports",
            "const s = new IntoUnderlyingSink();\nfunction __wbg_get_imports",
        );
        let (glue, exports) = drop_dead_classes(&used);
        assert_eq!(glue, used);
        assert!(exports.is_empty());
        // A class whose end is not where wasm-bindgen puts it is left alone.
        let odd = GLUE.replace(
            "\n}\nif (Symbol.dispose) IntoUnderlyingSink",
            "}\nif (Symbol.dispose) IntoUnderlyingSink",
        );
        let (glue, _) = drop_dead_classes(&odd);
        assert!(glue.contains("IntoUnderlyingSink"));
        // Names are whole identifiers: a longer name does not count as a mention.
        assert!(!mentions("IntoUnderlyingSinkFoo x", "IntoUnderlyingSink"));
        assert!(mentions("(IntoUnderlyingSink)", "IntoUnderlyingSink"));
    }
}
