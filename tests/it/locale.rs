//! Dates in the reader's locale (issue #15), in a real browser: `Intl.DateTimeFormat`
//! through `format::format_millis`, and the `LocalTime` component keeping the raw value.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use twinscope::components::local_time::LocalTime;
use twinscope::format::{format_millis, parse_timestamp};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn timestamps_read_in_the_locale_asked_for() {
    let millis = parse_timestamp("2026-12-04T00:40:19.8632017Z").unwrap();
    assert_eq!(
        format_millis(millis, Some("en-GB"), Some("UTC")),
        "4 Dec 2026, 00:40"
    );
    assert_eq!(
        format_millis(millis, Some("de-DE"), Some("UTC")),
        "04.12.2026, 00:40"
    );
    let us = format_millis(millis, Some("en-US"), Some("UTC"));
    assert!(
        us.starts_with("Dec 4, 2026") && us.contains("12:40"),
        "{us}"
    );
    // The reader's own locale and zone: some text, never the raw ISO value.
    let own = format_millis(millis, None, None);
    assert!(!own.is_empty() && !own.contains('T'), "{own}");
}

#[wasm_bindgen_test]
fn a_local_time_shows_the_readable_date_and_keeps_the_raw_value_on_hover() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let raw = "2026-12-04T00:40:19.8632017Z";
    let _handle = crate::mounted::mount(&host, move || view! { <LocalTime raw=raw/> });
    let time = host.query_selector("time").unwrap().expect("a <time>");
    assert_eq!(time.get_attribute("datetime").as_deref(), Some(raw));
    assert_eq!(time.get_attribute("title").as_deref(), Some(raw));
    let shown = time.text_content().unwrap_or_default();
    assert!(!shown.is_empty() && shown != raw, "{shown}");
    // A value that is not a timestamp is shown as it is.
    let other: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&other).unwrap();
    let _other = crate::mounted::mount(&other, || view! { <LocalTime raw="soon"/> });
    assert_eq!(other.text_content().as_deref(), Some("soon"));
}
