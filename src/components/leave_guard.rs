//! Unsaved edits are not lost by accident: leaving a page that holds them asks first.
//!
//! While `dirty` holds, [`use_leave_guard`]
//! - catches a click on any link of ours (in the capture phase, before the router sees it) and
//!   asks in a [`ConfirmDialog`] whether to leave; "Leave without saving" then goes where the
//!   link pointed;
//! - keeps a guard entry on the history stack (the same address, pushed when the edits begin),
//!   so Back first lands on the page itself, where the same question is asked; "Stay" puts the
//!   guard back, "Leave without saving" goes back for real;
//! - asks the browser's own question when the tab is reloaded or closed (`beforeunload`).
//!
//! Saving or discarding (`dirty` false) takes the guard entry off the stack again. Leaving on
//! purpose (after deleting the twin) goes through [`LeaveGuard::leave_to`], which asks nothing.
//! Something else of the page that would drop the edits without a link (the Twins workspace
//! selecting another twin for its inspector, or running a query) goes through
//! [`LeaveGuard::ask_before`].

use leptos::ev;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::components::confirm::ConfirmDialog;

/// Marks our history entry (`history.state`).
pub const GUARD_STATE: &str = "twinscope:unsaved-guard";

/// Where the person tried to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaving {
    /// A link of ours: path, query and fragment.
    Link(String),
    /// The browser's Back.
    Back,
    /// An action of the page that drops the edits ([`LeaveGuard::ask_before`]).
    Action,
}

/// Whether a click on a link to `target` (path, query and fragment, same origin) leaves the
/// page at `current` (path and query): a link to the page itself or to a place in it does not.
pub fn link_leaves(current: &str, target: &str) -> bool {
    let without_fragment = target.split('#').next().unwrap_or(target);
    without_fragment != current
}

/// The router's `navigate`.
type Navigate = Box<dyn Fn(&str, NavigateOptions)>;

/// The guard of one page. Copy it into handlers freely.
#[derive(Clone, Copy)]
pub struct LeaveGuard {
    pending: RwSignal<Option<Leaving>>,
    /// Our guard entry is on top of the history stack.
    pushed: StoredValue<bool>,
    /// The next `popstate` is ours (taking the guard entry off); ignore it.
    ignore_pop: StoredValue<bool>,
    /// The person chose to leave: nothing is asked any more.
    released: StoredValue<bool>,
    dirty: Signal<bool>,
    navigate: StoredValue<Navigate, LocalStorage>,
    /// What [`Leaving::Action`] does once the person agrees.
    then: StoredValue<Option<Box<dyn FnOnce()>>, LocalStorage>,
}

impl std::fmt::Debug for LeaveGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaveGuard")
            .field("pending", &self.pending.get_untracked())
            .field("pushed", &self.pushed.get_value())
            .field("released", &self.released.get_value())
            .finish_non_exhaustive()
    }
}

fn history() -> Option<web_sys::History> {
    web_sys::window()?.history().ok()
}

fn href_now() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

fn on_guard_entry() -> bool {
    history()
        .and_then(|h| h.state().ok())
        .and_then(|s| s.as_string())
        .is_some_and(|s| s == GUARD_STATE)
}

fn push_guard() {
    if let Some(h) = history() {
        let _ = h.push_state_with_url(&GUARD_STATE.into(), "", Some(&href_now()));
    }
}

/// The link a click landed on, if it is one of ours the router would follow: path, query
/// and fragment.
fn our_link(event: &web_sys::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.meta_key()
        || event.alt_key()
        || event.ctrl_key()
        || event.shift_key()
    {
        return None;
    }
    let anchor = event
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("a[href]")
        .ok()??
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .ok()?;
    let origin = web_sys::window()?.location().origin().ok()?;
    let external = anchor.get_attribute("rel").unwrap_or_default();
    if !anchor.target().is_empty()
        || anchor.has_attribute("download")
        || external.split_whitespace().any(|r| r == "external")
        || anchor.origin() != origin
    {
        // The browser leaves the app: `beforeunload` asks.
        return None;
    }
    Some(format!(
        "{}{}{}",
        anchor.pathname(),
        anchor.search(),
        anchor.hash()
    ))
}

fn current_place() -> String {
    web_sys::window()
        .map(|w| {
            let l = w.location();
            format!(
                "{}{}",
                l.pathname().unwrap_or_default(),
                l.search().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// Guards the current page while `dirty`. Render [`LeaveGuard::dialog`] in the page.
pub fn use_leave_guard(dirty: Signal<bool>) -> LeaveGuard {
    let navigate = use_navigate();
    let guard = LeaveGuard {
        pending: RwSignal::new(None),
        pushed: StoredValue::new(false),
        ignore_pop: StoredValue::new(false),
        released: StoredValue::new(false),
        dirty,
        navigate: StoredValue::new_local(Box::new(navigate)),
        then: StoredValue::new_local(None),
    };
    let asking = move || !guard.released.get_value() && guard.dirty.get_untracked();

    // The guard entry follows the edits.
    Effect::new(move |_| {
        let dirty = guard.dirty.get();
        if guard.released.get_value() {
            return;
        }
        if dirty && !guard.pushed.get_value() {
            push_guard();
            guard.pushed.set_value(true);
        } else if !dirty && guard.pushed.get_value() {
            guard.pushed.set_value(false);
            if on_guard_entry()
                && let Some(h) = history()
            {
                guard.ignore_pop.set_value(true);
                let _ = h.back();
            }
        }
    });

    // Back took the guard entry off: ask (unless the app steps off it to leave for a sign-in
    // with the edits kept).
    let session = use_context::<crate::session::Session>();
    let leaving_kept = move || session.is_some_and(|s| s.leaving_with_drafts_kept());
    let pops = window_event_listener(ev::popstate, move |_| {
        if leaving_kept() {
            return;
        }
        if guard.ignore_pop.get_value() {
            guard.ignore_pop.set_value(false);
            return;
        }
        if !guard.pushed.get_value() || on_guard_entry() {
            return;
        }
        guard.pushed.set_value(false);
        if asking() {
            guard.pending.set(Some(Leaving::Back));
        }
    });

    // A link of ours: ask before the router follows it.
    let clicks = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
        if !asking() {
            return;
        }
        if let Some(target) = our_link(&e)
            && link_leaves(&current_place(), &target)
        {
            e.prevent_default();
            guard.pending.set(Some(Leaving::Link(target)));
        }
    })
    .into_js_value();
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback_and_bool("click", clicks.unchecked_ref(), true);
    }
    let clicks = StoredValue::new_local(clicks);

    // The router's address (the app's, not this page's), to tell a page taken down in place
    // from one being left.
    let location = leptos_router::hooks::use_location();

    // Reload or close: the browser's own question (not when the app leaves for a sign-in
    // with the edits kept for after it).
    let unloads = window_event_listener_untyped("beforeunload", move |e| {
        if asking() && !leaving_kept() {
            e.prevent_default();
            let _ = js_sys::Reflect::set(&e, &"returnValue".into(), &"".into());
        }
    });

    on_cleanup(move || {
        pops.remove();
        unloads.remove();
        // Taken down on its own entry with no navigation under way (the session ended under
        // the edits, taking the page with it): the entry goes too, so the sign-in that follows
        // takes the page's own entry and Back after it does not meet the same address again.
        // (Leaving on purpose released the guard; a navigation changes the router's address
        // before the history's.)
        let staying = location
            .pathname
            .try_get_untracked()
            .zip(location.search.try_get_untracked())
            .is_some_and(|(path, query)| match query.as_str() {
                "" => path == current_place(),
                query => format!("{path}?{query}") == current_place(),
            });
        if guard.released.try_get_value() == Some(false)
            && staying
            && on_guard_entry()
            && let Some(h) = history()
        {
            let _ = h.back();
        }
        if let (Some(w), Some(f)) = (web_sys::window(), clicks.try_get_value()) {
            let _ =
                w.remove_event_listener_with_callback_and_bool("click", f.unchecked_ref(), true);
        }
    });
    guard
}

impl LeaveGuard {
    /// Starts over for a page that now shows something else (another twin): asks again.
    pub fn reset(self) {
        self.released.set_value(false);
        self.pending.set(None);
    }

    /// Leaves for `path` without asking (the edits no longer matter, e.g. the twin is gone).
    pub fn leave_to(self, path: &str) {
        self.released.set_value(true);
        self.pending.set(None);
        let replace = self.pushed.get_value() && on_guard_entry();
        self.pushed.set_value(false);
        self.navigate.with_value(|n| {
            n(
                path,
                NavigateOptions {
                    replace,
                    ..NavigateOptions::default()
                },
            )
        });
    }

    /// Whether `other` is this guard.
    pub fn same(self, other: LeaveGuard) -> bool {
        self.pending == other.pending
    }

    /// Does `action` (which drops the edits) now if nothing is unsaved, else once the person
    /// chooses "Leave without saving"; "Stay" drops the action.
    pub fn ask_before(self, action: impl FnOnce() + 'static) {
        let asking = !self.released.get_value() && self.dirty.get_untracked();
        if !asking {
            action();
            return;
        }
        self.then.set_value(Some(Box::new(action)));
        self.pending.set(Some(Leaving::Action));
    }

    fn stay(self) {
        if self.pending.get_untracked() == Some(Leaving::Back) && !self.released.get_value() {
            push_guard();
            self.pushed.set_value(true);
        }
        self.then.set_value(None);
        self.pending.set(None);
    }

    fn leave(self) {
        match self.pending.get_untracked() {
            Some(Leaving::Link(path)) => self.leave_to(&path),
            Some(Leaving::Back) => {
                self.released.set_value(true);
                self.pending.set(None);
                if let Some(h) = history() {
                    let _ = h.back();
                }
            }
            Some(Leaving::Action) => {
                self.released.set_value(true);
                self.pending.set(None);
                let action = self.then.try_update_value(Option::take).flatten();
                if let Some(action) = action {
                    action();
                }
            }
            None => {}
        }
    }

    /// The question, while one is pending. `what` names what would be lost.
    pub fn dialog(self, what: Signal<String>) -> impl IntoView {
        move || {
            self.pending.with(Option::is_some).then(|| {
                view! {
                    <ConfirmDialog
                        title="Leave without saving?"
                        confirm="Leave without saving"
                        cancel="Stay"
                        on_confirm=move |()| self.leave()
                        on_cancel=move |()| self.stay()
                    >
                        <p>{move || what.get()}</p>
                    </ConfirmDialog>
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_to_the_page_itself_does_not_leave_it() {
        let here = "/t/x/i/h/twins/room-1";
        assert!(!link_leaves(here, here));
        assert!(!link_leaves(here, &format!("{here}#relationships")));
        assert!(link_leaves(here, "/t/x/i/h/twins"));
        assert!(link_leaves(here, "/t/x/i/h/twins/room-2"));
        assert!(link_leaves("/t/x/i/h/twins?q=1", "/t/x/i/h/twins?q=2"));
    }
}
