//! In the browser, the first load's JSON reader (`twinscope::json`) has JavaScript round
//! the numbers with a fraction or exponent: the same correctly rounded values the standard
//! library's reader (which the main module does not carry) gives natively.
#![cfg(target_arch = "wasm32")]

use serde_json::Value;
use twinscope::json::{self, JsonProblem};
use wasm_bindgen_test::*;

/// Number texts of every kind: shortest forms of random doubles, long mantissas, halfway
/// cases, subnormals, the ends of the range.
fn number_texts() -> Vec<String> {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut texts: Vec<String> = [
        "0.1",
        "-0.0",
        "1e-7",
        "2.2250738585072011e-308",
        "2.2250738585072014e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "1.7976931348623157e308",
        "9007199254740993.0",
        "9007199254740992.5",
        "0.1000000000000000055511151231257827021181583404541015625",
        "123456789012345678901234567890e-20",
        "1e22",
        "1e23",
        "8.98846567431158e307",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    for _ in 0..2_000 {
        let x = f64::from_bits(next());
        if x.is_finite() {
            texts.push(format!("{x:e}"));
            texts.push(format!("{x:.25e}"));
        }
        let digits = next() % 10_000_000_000_000_000_000;
        let exponent = (next() % 700) as i64 - 350;
        texts.push(format!("{digits}.{}e{exponent}", next() % 1000));
    }
    texts
}

#[wasm_bindgen_test]
fn numbers_are_the_correctly_rounded_doubles() {
    for text in number_texts() {
        let expected: f64 = text.parse().unwrap();
        match json::parse(text.as_bytes()) {
            Ok(Value::Number(n)) => assert_eq!(
                n.as_f64().map(f64::to_bits),
                Some(expected.to_bits()),
                "{text}"
            ),
            other => {
                assert!(expected.is_infinite(), "{text}: {other:?}");
                assert!(
                    matches!(other, Err(ref e) if e.problem == JsonProblem::NumberOutOfRange),
                    "{text}: {other:?}"
                );
            }
        }
    }
}
