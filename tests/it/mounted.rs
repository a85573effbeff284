//! A view mounted for one wasm test and taken down completely when the test ends.
//!
//! `leptos::mount::mount_to`'s handle unmounts the view when dropped, but the reactive owner
//! only goes when its last reference does, and async work (a `Transition`, a `Suspend`) can
//! keep one alive. A `Router` left behind that way keeps its window click listener, takes
//! the next test's link clicks (it calls `preventDefault`, so the next test's router never
//! sees them) and navigates a page that is gone. [`Mounted`] runs the owner's cleanups
//! (the router's listeners go with them) and removes its element, whatever the test's order.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use leptos::mount::UnmountHandle;
use leptos::prelude::*;
use leptos::tachys::view::Mountable;

pub struct Mounted<M: Mountable> {
    handle: Option<UnmountHandle<M>>,
    owner: Rc<RefCell<Option<Owner>>>,
    root: web_sys::HtmlElement,
}

/// Mounts `view` into `root` (already in the document).
pub fn mount<F, N>(root: &web_sys::HtmlElement, view: F) -> Mounted<N::State>
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    let owner = Rc::new(RefCell::new(None::<Owner>));
    let seen = owner.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        *seen.borrow_mut() = Owner::current();
        view()
    });
    Mounted {
        handle: Some(handle),
        owner,
        root: root.clone(),
    }
}

impl<M: Mountable> Drop for Mounted<M> {
    fn drop(&mut self) {
        drop(self.handle.take());
        if let Some(owner) = self.owner.borrow_mut().take() {
            owner.cleanup();
        }
        self.root.remove();
    }
}
