//! JSON for the first load: the reader and writer of what the shell, sign-in and the tenant
//! page exchange — token answers, ID-token claims, discovery, Resource Manager, the
//! configuration, what the app keeps in storage, Azure Digital Twins error bodies. The
//! instance screens, which the first load does not carry, read twins, models and files with
//! `serde_json` itself.
//!
//! Why not `serde_json` here: its reader and writer (the generic deserializer, its error
//! machinery, the serializer) were 23 kB of the main module; these are a few. Both give and
//! take `serde_json::Value`, so the code around them is the same either way.
//!
//! Invariants, checked against `serde_json` itself (`tests`, and the fuzz target
//! `json_reader`):
//! - [`parse`] accepts exactly the texts `serde_json::from_slice::<Value>` accepts and gives the
//!   same value, with two differences, both on purpose: an object that names a member twice
//!   is refused ([`JsonProblem::DuplicateKey`]; serde_json keeps the last, so two readers of a
//!   token could disagree about its claims), and a number with a fraction or exponent is the
//!   correctly rounded `f64` (serde_json's default is best-effort: a long mantissa can come
//!   out a few units in the last place off; with its `float_roundtrip` it reads as this
//!   does); in the browser, JavaScript's `Number` rounds it, so the number reader of the
//!   standard library is not carried.
//! - [`to_string`] writes exactly serde_json's compact text.

use serde_json::{Map, Number, Value};

/// Objects and arrays nested deeper than this are refused (serde_json's limit too).
const MAX_DEPTH: usize = 127;

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} at line {line} column {column}")]
pub struct JsonError {
    pub problem: JsonProblem,
    /// 1-based.
    pub line: usize,
    /// 1-based, in bytes; one past the last byte of the line when the text ends.
    pub column: usize,
}

/// What is wrong with a text that is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonProblem {
    #[error("the text ends before the value does")]
    Eof,
    #[error("expected a value")]
    ExpectedValue,
    #[error("expected {0}")]
    Expected(&'static str),
    #[error("a member name must be a string")]
    KeyMustBeAString,
    #[error("the member `{0}` is named twice")]
    DuplicateKey(String),
    #[error("a control character (U+0000 to U+001F) inside a string")]
    ControlCharacter,
    #[error("an invalid escape")]
    InvalidEscape,
    #[error("a lone surrogate in a \\u escape")]
    LoneSurrogate,
    #[error("a string that is not UTF-8")]
    NotUtf8,
    #[error("an invalid number")]
    InvalidNumber,
    #[error("a number out of range")]
    NumberOutOfRange,
    #[error("values nested more than {MAX_DEPTH} deep")]
    TooDeep,
    #[error("characters after the value")]
    TrailingCharacters,
}

/// An object from `"name": value` pairs, each value converted with `Value::from`
/// (`serde_json::json!` would send each through serde_json's serializer).
macro_rules! object {
    ($($name:literal: $value:expr),* $(,)?) => {
        serde_json::Value::Object(serde_json::Map::from_iter([
            $(($name.to_owned(), serde_json::Value::from($value))),*
        ]))
    };
}
pub(crate) use object;

/// Reads one JSON value (RFC 8259), with nothing but whitespace around it.
pub fn parse(text: &[u8]) -> Result<Value, JsonError> {
    let mut reader = Reader { text, at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at < text.len() {
        return Err(reader.fail(JsonProblem::TrailingCharacters));
    }
    Ok(value)
}

/// Writes `value` as serde_json's `to_string` does: compact, members in the map's order.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (name, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let b = c as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn fail(&self, problem: JsonProblem) -> JsonError {
        let before = &self.text[..self.at.min(self.text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        JsonError {
            problem,
            line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
            column: 1 + before.len() - line_start,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, not consumed; the end of the text is an error.
    fn next_token(&mut self) -> Result<u8, JsonError> {
        self.skip_whitespace();
        self.peek().ok_or_else(|| self.fail(JsonProblem::Eof))
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        Ok(match self.next_token()? {
            b'{' => Value::Object(self.object(depth + 1)?),
            b'[' => Value::Array(self.array(depth + 1)?),
            b'"' => Value::String(self.string()?),
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            b't' => self.word("true", Value::Bool(true))?,
            b'f' => self.word("false", Value::Bool(false))?,
            b'n' => self.word("null", Value::Null)?,
            _ => return Err(self.fail(JsonProblem::ExpectedValue)),
        })
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        for &expected in word.as_bytes() {
            match self.peek() {
                Some(b) if b == expected => self.at += 1,
                Some(_) => return Err(self.fail(JsonProblem::ExpectedValue)),
                None => return Err(self.fail(JsonProblem::Eof)),
            }
        }
        Ok(value)
    }

    /// At the opening bracket; `depth` counts it.
    fn array(&mut self, depth: usize) -> Result<Vec<Value>, JsonError> {
        let mut items = Vec::new();
        let mut more = self.open(depth, b']')?;
        while more {
            items.push(self.value(depth)?);
            more = self.next_item(b']', "`,` or `]`")?;
        }
        Ok(items)
    }

    /// At the opening brace; `depth` counts it.
    fn object(&mut self, depth: usize) -> Result<Map<String, Value>, JsonError> {
        let mut members = Map::new();
        let mut more = self.open(depth, b'}')?;
        while more {
            if self.next_token()? != b'"' {
                return Err(self.fail(JsonProblem::KeyMustBeAString));
            }
            let name_at = self.at;
            let name = self.string()?;
            if self.next_token()? != b':' {
                return Err(self.fail(JsonProblem::Expected("`:`")));
            }
            self.at += 1;
            let value = self.value(depth)?;
            if members.contains_key(&name) {
                self.at = name_at;
                return Err(self.fail(JsonProblem::DuplicateKey(name)));
            }
            members.insert(name, value);
            more = self.next_item(b'}', "`,` or `}`")?;
        }
        Ok(members)
    }

    /// At an array's or object's opening character, `depth` deep: steps over it; whether an
    /// item follows (false when `close` does, which is stepped over too). Inlined, as is
    /// [`Self::next_item`]: as functions of their own they cost the first load 0.2 kB Brotli.
    #[inline(always)]
    fn open(&mut self, depth: usize, close: u8) -> Result<bool, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.fail(JsonProblem::TooDeep));
        }
        self.at += 1;
        let empty = self.next_token()? == close;
        if empty {
            self.at += 1;
        }
        Ok(!empty)
    }

    /// After an item: steps over the `,` before another (true) or over `close` (false);
    /// anything else is `expected`'s error.
    #[inline(always)]
    fn next_item(&mut self, close: u8, expected: &'static str) -> Result<bool, JsonError> {
        let more = match self.next_token()? {
            b',' => true,
            b if b == close => false,
            _ => return Err(self.fail(JsonProblem::Expected(expected))),
        };
        self.at += 1;
        Ok(more)
    }

    /// At the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.fail(JsonProblem::Eof));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        None => return Err(self.fail(JsonProblem::Eof)),
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        Some(_) => return Err(self.fail(JsonProblem::InvalidEscape)),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(escaped.encode_utf8(&mut buf).as_bytes());
                }
                0..0x20 => return Err(self.fail(JsonProblem::ControlCharacter)),
                b => out.push(b),
            }
            self.at += 1;
        }
        let string = String::from_utf8(out).map_err(|_| self.fail(JsonProblem::NotUtf8))?;
        self.at += 1;
        Ok(string)
    }

    /// At the `u` of `\uXXXX`; leaves `at` on the escape's last digit (of the second escape
    /// of a surrogate pair).
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.text.get(self.at + 1..self.at + 3) != Some(b"\\u") {
                    return Err(self.fail(JsonProblem::LoneSurrogate));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.fail(JsonProblem::LoneSurrogate));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.fail(JsonProblem::LoneSurrogate)),
            code => code,
        };
        char::from_u32(code).ok_or_else(|| self.fail(JsonProblem::LoneSurrogate))
    }

    /// At a `u`: reads the four hex digits after it and stops on the last.
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0;
        for _ in 0..4 {
            self.at += 1;
            let digit = match self.peek() {
                None => return Err(self.fail(JsonProblem::Eof)),
                Some(b) => char::from(b).to_digit(16),
            };
            code = code * 16 + digit.ok_or_else(|| self.fail(JsonProblem::InvalidEscape))?;
        }
        Ok(code)
    }

    /// At a `-` or digit. An integer is a `u64` (or an `i64` when negative) where it fits,
    /// as serde_json has it; anything else is an `f64`.
    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            None => return Err(self.fail(JsonProblem::Eof)),
            Some(_) => return Err(self.fail(JsonProblem::InvalidNumber)),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        // Only ASCII digits, signs, `.` and `e` were read.
        let text = std::str::from_utf8(&self.text[start..self.at]).unwrap_or_default();
        if integer {
            let number = if negative {
                // serde_json reads `-0` as the float -0.0.
                text.parse::<i64>()
                    .ok()
                    .filter(|&n| n != 0)
                    .map(Number::from)
            } else {
                text.parse::<u64>().ok().map(Number::from)
            };
            if let Some(number) = number {
                return Ok(number);
            }
        }
        float(text)
            .and_then(Number::from_f64)
            .ok_or_else(|| self.fail(JsonProblem::NumberOutOfRange))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    /// One digit or more.
    fn some_digits(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            None => Err(self.fail(JsonProblem::Eof)),
            Some(_) => Err(self.fail(JsonProblem::InvalidNumber)),
        }
    }
}

/// The correctly rounded value of a JSON number's text; infinite when out of range.
#[cfg(target_arch = "wasm32")]
fn float(text: &str) -> Option<f64> {
    Some(js_sys::parse_float(text))
}

/// The correctly rounded value of a JSON number's text; infinite when out of range.
#[cfg(not(target_arch = "wasm32"))]
fn float(text: &str) -> Option<f64> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's reading of `text`, as this module's contract has it (see the module's
    /// invariants).
    fn serde_reading(text: &[u8]) -> Option<Value> {
        serde_json::from_slice(text).ok()
    }

    /// Same acceptance and value as serde_json; written back exactly as serde_json writes it.
    fn check(text: &str) {
        let ours = parse(text.as_bytes());
        match (serde_reading(text.as_bytes()), &ours) {
            (Some(theirs), Ok(ours)) => {
                assert_eq!(ours, &theirs, "{text:?}");
                assert_eq!(to_string(ours), theirs.to_string(), "{text:?}");
            }
            (None, Err(_)) => {}
            (theirs, ours) => panic!("{text:?}: serde_json {theirs:?}, ours {ours:?}"),
        }
    }

    #[test]
    fn accepts_and_refuses_what_serde_json_does() {
        for text in [
            "null",
            "true",
            "false",
            " \t\r\n0 ",
            "-0",
            "0",
            "1",
            "-1",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "-1.5e3",
            "1E+2",
            "1e-2",
            "0.1",
            "123456789012345678901234567890",
            "1e308",
            "\"\"",
            "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
            "\"\\u0041\\u00e9\\u20AC\"",
            "\"\\ud83d\\ude00\"",
            "\"é😀\"",
            "[]",
            "[1,[2,[3]]]",
            "{}",
            "{\"a\":{\"b\":[]}}",
            " { \"a\" : 1 , \"b\" : [ true , null ] } ",
            "{\"z\":1,\"a\":2}",
            // Refused by both.
            "",
            " ",
            "nul",
            "nulx",
            "tru",
            "True",
            "01",
            "-",
            "-a",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "0x10",
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "[",
            "[1",
            "[1,",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,}",
            "{1:1}",
            "{\"a\" 1}",
            "{\"a\":1 \"b\":2}",
            "\"abc",
            "\"a\\\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\ud800\"",
            "\"\\ud800x\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "\"a\nb\"",
            "\"\u{1f}\"",
            "1 2",
            "[] x",
            "{}}",
            "\u{feff}1",
            "'a'",
        ] {
            check(text);
        }
        for bytes in [&b"\"\xff\""[..], b"\"\xc3\"", b"\"\xed\xa0\x80\"", b"\xff"] {
            assert_eq!(
                serde_reading(bytes).is_some(),
                parse(bytes).is_ok(),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn nesting_is_refused_past_127_levels_as_serde_json_does() {
        for depth in [127, 128, 129, 500] {
            check(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            check(&format!(
                "{}1{}",
                "{\"a\":".repeat(depth),
                "}".repeat(depth)
            ));
        }
    }

    /// Values drawn from a seeded generator: strings with every kind of character, numbers
    /// of every kind, nesting; serde_json writes them, both read them back.
    #[test]
    fn generated_values_read_and_write_as_serde_json_does() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        fn generate(next: &mut dyn FnMut() -> u64, depth: u32) -> Value {
            match next() % if depth > 4 { 5 } else { 7 } {
                0 => Value::Null,
                1 => Value::Bool(next().is_multiple_of(2)),
                2 => Value::from(next() >> (next() % 64)),
                3 => match Number::from_f64(f64::from_bits(next())) {
                    Some(n) => Value::Number(n),
                    None => Value::from(-((next() >> 1) as i64)),
                },
                4 => Value::String(
                    (0..next() % 12)
                        .filter_map(|_| {
                            char::from_u32(match next() % 4 {
                                0 => (next() % 0x20) as u32,
                                1 => (next() % 0x80) as u32,
                                2 => (next() % 0x800) as u32,
                                _ => (next() % 0x11_0000) as u32,
                            })
                        })
                        .collect(),
                ),
                5 => Value::Array((0..next() % 5).map(|_| generate(next, depth + 1)).collect()),
                _ => Value::Object(
                    (0..next() % 5)
                        .map(|i| (format!("k{i}{}", next() % 3), generate(next, depth + 1)))
                        .collect(),
                ),
            }
        }
        for _ in 0..3_000 {
            let value = generate(&mut next, 0);
            let text = serde_json::to_string(&value).unwrap();
            assert_eq!(to_string(&value), text);
            assert_eq!(parse(text.as_bytes()).as_ref(), Ok(&value), "{text}");
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            assert_eq!(parse(pretty.as_bytes()).as_ref(), Ok(&value), "{pretty}");
        }
    }

    /// Where serde_json's default reading of a float is off, ours is the correctly rounded
    /// value (the last text was found by the fuzz target `json_reader`: serde_json reads
    /// 5.58888888888889e110).
    #[test]
    fn floats_are_correctly_rounded() {
        for text in [
            "0.1",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "4.9e-324",
            "9007199254740993",
            "0.30000000000000004",
            "2.00000000000000011102230246251565404236316680908203125",
            "-1e-400",
            "55888888888888888877777777e88",
        ] {
            let ours = parse(text.as_bytes()).unwrap();
            assert_eq!(ours.as_f64(), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn an_error_says_what_and_where() {
        let check = |text: &str, problem: JsonProblem, line: usize, column: usize| {
            assert_eq!(
                parse(text.as_bytes()),
                Err(JsonError {
                    problem,
                    line,
                    column
                }),
                "{text:?}"
            );
        };
        check("", JsonProblem::Eof, 1, 1);
        check(
            "{\n  \"a\": 1,\n  \"b\" 2\n}",
            JsonProblem::Expected("`:`"),
            3,
            7,
        );
        check(
            "{\"a\":1,\n\"a\":2}",
            JsonProblem::DuplicateKey("a".into()),
            2,
            1,
        );
        check("[1,]", JsonProblem::ExpectedValue, 1, 4);
        check("\"\\ud800\"", JsonProblem::LoneSurrogate, 1, 7);
        check("{} {}", JsonProblem::TrailingCharacters, 1, 4);
        check("1e999", JsonProblem::NumberOutOfRange, 1, 6);
        assert_eq!(
            parse(b"{\"a\" 1}").unwrap_err().to_string(),
            "expected `:` at line 1 column 6"
        );
    }
}
