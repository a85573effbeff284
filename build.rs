//! The screens' stylesheet (`style/screens.css`), minified into `OUT_DIR` for
//! `src/pages/instance.rs` to include (see there why it is not in the page).

include!("build_support/css.rs");

fn main() {
    let source = "style/screens.css";
    println!("cargo::rerun-if-changed={source}");
    println!("cargo::rerun-if-changed=build_support/css.rs");
    let css = std::fs::read_to_string(source).expect("style/screens.css is readable");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("screens.css");
    std::fs::write(out, minify_css(&css)).expect("OUT_DIR is writable");
}
