//! The wasm-bindgen glue, minified (oxc: compress, mangle local names, no whitespace or
//! comments) before it is hashed and written: the glue is in every first load, and wasm-bindgen
//! writes it for reading (79 kB raw, 10.5 kB Brotli in December 2026; 8.1 kB minified).
//! Trunk's own minifier (minify-js 0.5.6) cannot parse its `export default`.
//!
//! Exported names, property names and string literals are kept: the page's loader imports
//! `default`, the wasm imports the glue's functions by property name, and the link module
//! fetches the lazy modules by the (hashed) file names in its strings.

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions, CommentOptions};
use oxc_minifier::{CompressOptions, MangleOptions, Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;

/// `module` (an ES module) minified; a module that does not parse is an error naming the
/// first problem.
pub fn minify(module: &str) -> Result<String, String> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, module, SourceType::mjs()).parse();
    if let Some(problem) = parsed.diagnostics.first() {
        return Err(format!(
            "the glue does not parse as a JavaScript module: {problem}"
        ));
    }
    let mut program = parsed.program;
    let options = MinifierOptions {
        mangle: Some(MangleOptions::default()),
        mangle_properties: None,
        compress: Some(CompressOptions::smallest()),
    };
    let minified = Minifier::new(options).minify(&allocator, &mut program);
    Ok(Codegen::new()
        .with_options(CodegenOptions {
            minify: true,
            comments: CommentOptions::disabled(),
            ..CodegenOptions::default()
        })
        .with_scoping(minified.scoping)
        .build(&program)
        .code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_exports_properties_and_strings_and_drops_the_rest() {
        let glue = r#"
// wasm-bindgen's glue, in small
let wasm;
function __wbg_get_imports() {
    const imports = {};
    imports.wbg = {};
    imports.wbg.__wbg_log_1234 = function(arg0, arg1) {
        console.log(getStringFromWasm0(arg0, arg1));
    };
    return imports;
}
function getStringFromWasm0(pointer, length) {
    /* a long comment that must go */
    return `${pointer}:${length}`;
}
const loadChunk = () => fetch(new URL("./chunk_4-0123456789abcdef.wasm", import.meta.url));
async function __wbg_init(module_or_path) {
    return { imports: __wbg_get_imports(), loadChunk };
}
export { __wbg_get_imports as initSync };
export default __wbg_init;
"#;
        let out = minify(glue).unwrap();
        for kept in [
            "__wbg_log_1234",
            "./chunk_4-0123456789abcdef.wasm",
            "import.meta.url",
            "export default",
            "as initSync",
        ] {
            assert!(out.contains(kept), "{kept} in {out}");
        }
        for gone in [
            "getStringFromWasm0",
            "a long comment",
            "wasm-bindgen's glue",
            "\n    ",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.len() < glue.len() / 2, "{out}");
    }

    #[test]
    fn a_module_that_does_not_parse_is_an_error() {
        let error = minify("export default function (").unwrap_err();
        assert!(error.contains("does not parse"), "{error}");
    }
}
