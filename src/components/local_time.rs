//! A timestamp as people read it: in their locale and time zone, with the service's raw
//! value on hover (`title`) and in `<time datetime>` for assistive technology and copying.

use leptos::prelude::*;

use crate::format::local_date_time;

/// `raw` (RFC 3339) shown in the user's locale; a value that is not a timestamp is shown as
/// it is.
#[component]
pub fn LocalTime(#[prop(into)] raw: String) -> impl IntoView {
    let shown = local_date_time(&raw).unwrap_or_else(|| raw.clone());
    view! { <time class="local-time" datetime=raw.clone() title=raw>{shown}</time> }
}
