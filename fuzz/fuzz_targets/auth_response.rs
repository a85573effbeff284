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
            // Debug shows `state` and `iss` as they are and never the code: the rendering is
            // exactly the one a response without a code would have. (Looking for the code's
            // text in the rendering gave false alarms: eight `+` decode to eight spaces, which
            // may occur inside a shown `state` or `iss`, or a quote after them.)
            if let AuthorizationResponse::Code { state, iss, .. } = &parsed {
                assert_eq!(
                    format!("{parsed:?}"),
                    format!("Code {{ code: \"<redacted>\", state: {state:?}, iss: {iss:?} }}"),
                    "Debug redacts the code"
                );
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
