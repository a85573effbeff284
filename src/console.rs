//! The browser console: the log's records and panics.
//!
//! A record is one line, `LEVEL target: message`, through the console method of its level,
//! with `(file:line)` after the target when the build keeps source locations (`trunk serve`,
//! the tests). The release bundle's have none (`-Zlocation-detail=none`: `xtask/src/build.rs`):
//! its lines name the module that logged (`twinscope::session`), never the `<redacted>:0` that
//! location would read. A panic is `console.error`ed with its message, its place where the
//! build kept it, and the JavaScript stack: in the release bundle the stack's
//! `wasm-function[N]` frames are where, named by `cargo xtask symbolize`.

use log::{Level, Log, Metadata, Record};

/// Sends every panic's message and stack to the console (before the wasm traps).
pub fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map(|l| (l.file(), l.line(), l.column()));
        write(
            Level::Error,
            &panic_report(payload_text(info.payload()), place, &stack()),
        );
    }));
}

/// A panic's payload as text: `panic!("…")`'s `&str` or a formatted message's `String`.
fn payload_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// The JavaScript stack where this is called (empty natively).
fn stack() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let error = js_sys::Error::new("");
        js_sys::Reflect::get(&error, &"stack".into())
            .ok()
            .and_then(|stack| stack.as_string())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

/// What the console says of a panic: its message (a payload that is not text is said to be
/// one), its place if the build kept it (a redacted one has line 0), and the stack.
fn panic_report(message: Option<&str>, place: Option<(&str, u32, u32)>, stack: &str) -> String {
    let message = message.unwrap_or("(a panic whose payload is not text)");
    let place = match place {
        Some((file, line, column)) if line != 0 => format!(" at {file}:{line}:{column}"),
        _ => String::new(),
    };
    format!("panicked{place}: {message}\n\nStack:\n\n{stack}")
}

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
    fn a_panic_says_its_message_its_place_where_kept_and_the_stack() {
        let stack = "Error\n    at https://twinscope.example/twinscope-0123456789abcdef_bg.wasm:wasm-function[12]:0x3";
        for (message, place, expected) in [
            (
                Some("called `Option::unwrap()` on a `None` value"),
                Some(("src/session.rs", 223, 9)),
                "panicked at src/session.rs:223:9: called `Option::unwrap()` on a `None` value",
            ),
            // The release bundle's: `-Zlocation-detail=none`.
            (
                Some("called `Option::unwrap()` on a `None` value"),
                Some(("<redacted>", 0, 0)),
                "panicked: called `Option::unwrap()` on a `None` value",
            ),
            (None, None, "panicked: (a panic whose payload is not text)"),
        ] {
            assert_eq!(
                panic_report(message, place, stack),
                format!("{expected}\n\nStack:\n\n{stack}")
            );
        }
    }

    #[test]
    fn a_payload_is_text_whether_given_or_formatted() {
        let given: Box<dyn std::any::Any + Send> = Box::new("index out of bounds");
        let formatted: Box<dyn std::any::Any + Send> = Box::new(format!("{} of {}", 3, 2));
        let other: Box<dyn std::any::Any + Send> = Box::new(7_u32);
        assert_eq!(payload_text(&*given), Some("index out of bounds"));
        assert_eq!(payload_text(&*formatted), Some("3 of 2"));
        assert_eq!(payload_text(&*other), None);
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
