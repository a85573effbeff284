//! The log's records on the browser console, one line each: `LEVEL target: message` through
//! the console method of its level, with `(file:line)` after the target when the build keeps
//! source locations (`trunk serve`, the tests). The release bundle's have none
//! (`-Zlocation-detail=none`: `xtask/src/build.rs`): its lines name the module that logged
//! (`twinscope::session`), never the `<redacted>:0` that location would read.

use log::{Level, Log, Metadata, Record};

/// Sends the log's records of `level` and above to the console; a logger set already stays.
pub fn init(level: Level) {
    static LOGGER: Console = Console;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level.to_level_filter());
    }
}

struct Console;

impl Log for Console {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            write(record.level(), &line(record));
        }
    }

    fn flush(&self) {}
}

/// `text` through the console method of `level`.
#[cfg(target_arch = "wasm32")]
fn write(level: Level, text: &str) {
    use web_sys::console;
    let text = wasm_bindgen::JsValue::from(text);
    match level {
        Level::Error => console::error_1(&text),
        Level::Warn => console::warn_1(&text),
        Level::Info => console::info_1(&text),
        Level::Debug => console::log_1(&text),
        Level::Trace => console::debug_1(&text),
    }
}

/// Natively (unit tests), standard error.
#[cfg(not(target_arch = "wasm32"))]
fn write(_level: Level, text: &str) {
    eprintln!("{text}");
}

/// A record's console line.
fn line(record: &Record<'_>) -> String {
    let (level, target, text) = (record.level(), record.target(), record.args());
    match (record.file(), record.line()) {
        // A location the build kept (a redacted one reads `<redacted>`, line 0).
        (Some(file), Some(line)) if line != 0 => {
            format!("{level} {target} ({file}:{line}): {text}")
        }
        _ => format!("{level} {target}: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file: Option<&'static str>, line_number: Option<u32>, expected: &str) {
        assert_eq!(
            line(
                &Record::builder()
                    .level(Level::Warn)
                    .target("twinscope::session")
                    .file_static(file)
                    .line(line_number)
                    .args(format_args!(
                        "sign-in did not complete: {}",
                        "invalid_grant"
                    ))
                    .build()
            ),
            expected
        );
    }

    #[test]
    fn a_line_names_the_module_and_the_place_only_where_the_build_kept_it() {
        check(
            Some("src/session.rs"),
            Some(223),
            "WARN twinscope::session (src/session.rs:223): sign-in did not complete: invalid_grant",
        );
        // The release bundle's records: `-Zlocation-detail=none`.
        check(
            Some("<redacted>"),
            Some(0),
            "WARN twinscope::session: sign-in did not complete: invalid_grant",
        );
        check(
            None,
            None,
            "WARN twinscope::session: sign-in did not complete: invalid_grant",
        );
    }
}
