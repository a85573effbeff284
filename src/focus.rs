//! Focus after a client-side navigation goes to the new page's main heading, as a screen
//! reader or keyboard user expects (a full page load would put them at the top): otherwise
//! focus is left on `body`, or on a link that no longer exists.
//!
//! Pages render their heading at once or after a short load (an instance page waits for the
//! role check), so the heading is looked for a few times over [`WAIT_MS`]; if the user
//! moved focus into the page meanwhile, it is left where they put it. The first page of a
//! load is not touched (the browser starts at the top). Focusing does not scroll: the
//! router (or the browser, going back) has already put the page where it belongs.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// How long to look for the new page's heading.
pub const WAIT_MS: f64 = 5_000.0;
/// Between looks.
const STEP_MS: i32 = 50;

/// Moves focus to `main h1` whenever the path changes (not on the first render). Call once,
/// inside the router.
pub fn focus_heading_after_navigation() {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path) {
            // The heading on screen now may still be the old page's: it is not the one.
            let old = main_heading();
            let origin = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            watch(js_sys::Date::now(), Seen { old, origin }, None);
        }
        path
    });
}

fn main_heading() -> Option<web_sys::Element> {
    web_sys::window()?
        .document()?
        .query_selector("main h1")
        .ok()
        .flatten()
}

/// What was on screen when the path changed: the old page's heading (not the one to focus)
/// and what had focus (the link or menu item that was chosen).
struct Seen {
    old: Option<web_sys::Element>,
    origin: Option<web_sys::Element>,
}

/// Looks for the new page's heading and focuses it; looks again until [`WAIT_MS`] have
/// passed, in case the page replaces the heading while loading (focus falls back to `body`
/// then). `done`: the heading focused so far. Once the user moves focus anywhere else, it is
/// theirs.
fn watch(started: f64, seen: Seen, done: Option<web_sys::Element>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if js_sys::Date::now() - started > WAIT_MS {
        return;
    }
    let active = document.active_element();
    let done = match done {
        // Still there: stop if the user moved focus, else keep watching.
        Some(h) if h.is_connected() => {
            if !active.is_some_and(|a| a.is_same_node(Some(h.as_ref()))) {
                return;
            }
            Some(h)
        }
        // The page replaced the focused heading (focus fell to `body`): focus the new one.
        Some(_) if on_body(&document) => focus_new_heading(seen.old.as_ref()),
        Some(_) => return,
        // Not yet focused: only while focus is nowhere the user chose.
        None if focus_is_free(&document, seen.origin.as_ref()) => {
            focus_new_heading(seen.old.as_ref())
        }
        None => return,
    };
    let again = Closure::once_into_js(move || watch(started, seen, done));
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(again.unchecked_ref(), STEP_MS);
    }
}

/// Focuses the page's main heading unless it is still the old page's; the heading focused.
fn focus_new_heading(old: Option<&web_sys::Element>) -> Option<web_sys::Element> {
    let heading = main_heading()
        .filter(|h| h.is_connected() && !old.is_some_and(|o| o.is_same_node(Some(h.as_ref()))))?;
    let target = heading.clone().dyn_into::<web_sys::HtmlElement>().ok()?;
    if !target.has_attribute("tabindex") {
        let _ = target.set_attribute("tabindex", "-1");
    }
    focus_without_scrolling(&target);
    Some(heading)
}

fn on_body(document: &web_sys::Document) -> bool {
    match (document.active_element(), document.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => active.is_same_node(Some(body.as_ref())),
        (Some(_), None) => false,
    }
}

/// `element.focus({preventScroll: true})`: the router (or the browser, going back) has
/// already put the page where it belongs.
fn focus_without_scrolling(element: &web_sys::HtmlElement) {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"preventScroll".into(), &true.into());
    let focus = js_sys::Reflect::get(element, &"focus".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match focus {
        Some(focus) => {
            let _ = focus.call1(element, &options);
        }
        None => {
            let _ = element.focus();
        }
    }
}

/// Whether focus is nowhere the user chose since the path changed: on `body`, on nothing,
/// on an element that left the page (the link that was clicked), or still on the navigation
/// control that was chosen (a header menu item, or a screen link of the instance navigation,
/// which stays while the screens change under it); not on anything the user focused since.
fn focus_is_free(document: &web_sys::Document, origin: Option<&web_sys::Element>) -> bool {
    let Some(active) = document.active_element() else {
        return true;
    };
    let chosen_in_navigation = origin.is_some_and(|o| o.is_same_node(Some(active.as_ref())))
        && active.closest("header, nav").ok().flatten().is_some();
    on_body(document) || !active.is_connected() || chosen_in_navigation
}
