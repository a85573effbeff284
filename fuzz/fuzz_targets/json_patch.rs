//! The emulator's JSON Patch (`twinscope_emulator::adt::patch`) on arbitrary JSON.
//!
//! Input `[document, patch]` patches that document; any other JSON value is used as the
//! patch over a fixed twin. Invariants beyond "no panic": `apply` leaves its input as it
//! was; a successful patch of top-level `replace`s keeps the member names; the
//! relationship-properties form never lets a `$` member through.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use twinscope_emulator::adt::patch::{self, Op};

fn fixed_twin() -> Value {
    json!({
        "$dtId": "room-1",
        "$metadata": {"$model": "dtmi:test:Room;1"},
        "name": "Lab",
        "temperature": 21.5,
        "tags": ["a", "b", "c"],
        "comp": {"x": {"y": [1, {"z": null}]}}
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (document, patch_doc) = match input {
        Value::Array(mut pair) if pair.len() == 2 && pair[1].is_array() => {
            let ops = pair.pop().expect("two items");
            (pair.pop().expect("two items"), ops)
        }
        other => (fixed_twin(), other),
    };
    let Ok(ops) = patch::parse(&patch_doc) else {
        return;
    };
    let before = document.clone();
    let result = patch::apply(&document, &ops);
    assert_eq!(document, before, "apply never touches its input");
    if let (Ok(after), Value::Object(map)) = (&result, &document) {
        let only_replaces = ops
            .iter()
            .all(|op| matches!(op, Op::Replace(p, _) if p.len() == 1));
        if only_replaces {
            let keys: Vec<_> = map.keys().collect();
            let after_keys: Vec<_> = after
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            assert_eq!(keys, after_keys, "top-level replaces keep the member names");
        }
        if patch::apply_to_properties(map, &ops, |_| false).is_ok() {
            assert!(
                ops.iter()
                    .all(|op| op.path().first().is_none_or(|t| !t.starts_with('$'))),
                "a `$` member was patched as a property"
            );
        }
    }
});
