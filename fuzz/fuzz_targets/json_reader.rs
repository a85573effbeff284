//! The first load's JSON reader and writer (`twinscope::json`) against serde_json on
//! arbitrary bytes.
//!
//! Invariants checked beyond "no panic": `parse` accepts a text exactly when serde_json does,
//! except for a member named twice (which only `parse` refuses); where both accept, the
//! values are the same (serde_json with `float_roundtrip`, so that its floats too are
//! correctly rounded); what `to_string` writes is serde_json's text and reads back as the
//! same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use twinscope::json::{self, JsonProblem};

fuzz_target!(|data: &[u8]| {
    let ours = json::parse(data);
    let theirs = serde_json::from_slice::<Value>(data);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs),
        (Err(e), Ok(_)) => assert!(
            matches!(e.problem, JsonProblem::DuplicateKey(_)),
            "refused what serde_json reads: {e}"
        ),
        (Ok(ours), Err(e)) => panic!("read what serde_json refuses ({e}): {ours:?}"),
        (Err(_), Err(_)) => {}
    }
    if let Ok(value) = ours {
        let text = json::to_string(&value);
        assert_eq!(text, value.to_string());
        assert_eq!(json::parse(text.as_bytes()).as_ref(), Ok(&value), "{text}");
    }
});

