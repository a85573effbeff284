//! A timestamp as people read it: in their locale and time zone, with the service's raw
//! value on hover (`title`) and in `<time datetime>` for assistive technology and copying.

use leptos::prelude::*;

use crate::format::{format_millis, local_date_time, rfc3339_from_unix};

/// `raw` (RFC 3339) shown in the user's locale; a value that is not a timestamp is shown as
/// it is.
#[component]
pub fn LocalTime(#[prop(into)] raw: String) -> impl IntoView {
    let shown = local_date_time(&raw).unwrap_or_else(|| raw.clone());
    time(raw, shown)
}

/// A moment given in seconds since the epoch, shown as [`LocalTime`] shows one. (The settings
/// page's: it need not read a timestamp's text, so the seldom pages' module shares no reader
/// with the screens, which would keep it in the first load.)
#[component]
pub fn LocalTimeAt(seconds: i64) -> impl IntoView {
    time(
        rfc3339_from_unix(seconds),
        format_millis(seconds.saturating_mul(1_000), None, None),
    )
}

fn time(raw: String, shown: String) -> impl IntoView {
    view! { <time class="local-time" datetime=raw.clone() title=raw>{shown}</time> }
}
