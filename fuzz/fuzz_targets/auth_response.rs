//! The authorization response in the address bar (`auth::response`), and the return path
//! that comes back through storage (`auth::return_path`), on arbitrary text.
//!
//! Invariants beyond "no panic": `strip` removes every response parameter, so parsing its
//! output never finds a response; a parsed response's `state`/`iss` are the accessors'
//! values; an accepted return path starts with exactly one `/` and no backslash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use twinscope::auth::response::{self, AuthorizationResponse};
use twinscope::auth::return_path::ReturnPath;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match response::parse(text) {
        Ok(Some(parsed)) => {
            let rendered = format!("{parsed:?}");
            if let AuthorizationResponse::Code { code, .. } = &parsed {
                if code.len() >= 8 && !rendered.is_empty() {
                    assert!(!rendered.contains(code.as_str()), "Debug redacts the code");
                }
            }
            let _ = (parsed.state(), parsed.iss());
        }
        Ok(None) => {}
        Err(error) => {
            let _ = error.to_string();
        }
    }
    let stripped = response::strip(text);
    assert_eq!(
        response::parse(&stripped),
        Ok(None),
        "strip({text:?}) = {stripped:?} still holds a response"
    );
    if let Ok(path) = ReturnPath::parse(text) {
        let s = path.as_str();
        assert!(s.starts_with('/') && !s.starts_with("//"), "{s:?}");
        assert!(!s.contains('\\'), "{s:?}");
    }
});
