//! Performance marks the browser bench reads (`performance.getEntriesByName(name)`).
//!
//! Every function is a no-op where the Performance API is missing (natively, in unit tests,
//! or in a browser without it), and a failure to set a mark is ignored: marks are for
//! measuring, never for behaviour. Times are the marks' `startTime` (milliseconds since the
//! document's navigation start).

/// The user asked for a query to run (Run, Ctrl+Enter or a `?q=` link).
pub const QUERY_RUN: &str = "twinscope:query-run";
/// The first page of a query's rows has been painted.
pub const QUERY_FIRST_ROWS: &str = "twinscope:query-first-rows";
/// Every page of a query has arrived and been painted.
pub const QUERY_ALL_ROWS: &str = "twinscope:query-all-rows";
/// The graph view got new data and starts laying it out.
pub const GRAPH_LAYOUT_START: &str = "twinscope:graph-layout-start";
/// The graph layout has finished (before drawing).
pub const GRAPH_LAYOUT_END: &str = "twinscope:graph-layout-end";
/// The laid-out graph has been painted.
pub const GRAPH_DRAWN: &str = "twinscope:graph-drawn";

/// The Twins workspace has been painted with its models listed.
pub const WORKSPACE_SHOWN: &str = "twinscope:workspace-shown";

/// Sets the mark `name` now.
pub fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark(name);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}

/// Sets the mark `name` once what is on the page now has been painted: in a task queued from
/// the next animation frame, i.e. after that frame's style, layout and paint. Reactive
/// updates already scheduled (Leptos effects run as microtasks) are included.
pub fn mark_after_paint(name: &'static str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::{JsCast, JsValue};
        let Some(window) = web_sys::window() else {
            return;
        };
        let after_frame = Closure::once_into_js(move || {
            let set = Closure::once_into_js(move || mark(name));
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    set.unchecked_ref::<js_sys::Function>(),
                    0,
                );
            }
        });
        let frame: &JsValue = &after_frame;
        let _ = window.request_animation_frame(frame.unchecked_ref());
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}
