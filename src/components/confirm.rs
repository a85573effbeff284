//! The question asked before anything is destroyed or lost: a real modal dialog.
//!
//! [`ConfirmDialog`] is a `<dialog>` opened with `showModal()`, so the page behind it is inert
//! and focus moves into it (to the cancelling button: the safe choice is the default one).
//! Esc cancels, as does the cancelling button; either way focus goes back to what had it when
//! the dialog opened (the button that asked for it). The dialog's heading names what goes and
//! its body says what else goes with it; the confirming button repeats the action. The caller
//! shows the dialog while some signal says so and removes it in `on_confirm`/`on_cancel`.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Element ids of one dialog (several may exist over a page's life).
fn next_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What had focus when the dialog opened, to give focus back to.
fn focused_now() -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Gives focus back to `element` if it is still on the page.
pub fn focus_if_connected(element: Option<&web_sys::HtmlElement>) {
    if let Some(element) = element.filter(|e| e.is_connected()) {
        let _ = element.focus();
    }
}

/// A modal confirmation. `confirm` is the text of the button that does it (`None`: a notice
/// with only the cancelling button, e.g. "this cannot be deleted yet").
#[component]
pub fn ConfirmDialog(
    /// The heading: the question, naming what goes.
    #[prop(into)]
    title: String,
    /// The confirming button's text ("Delete relationship").
    #[prop(optional, into)]
    confirm: Option<String>,
    /// The cancelling button's text.
    #[prop(default = "Cancel".to_owned(), into)]
    cancel: String,
    /// Runs when the person confirms; the dialog has closed by then.
    #[prop(optional, into)]
    on_confirm: Option<Callback<()>>,
    /// Runs on Cancel or Esc; focus is already back where it was.
    #[prop(into)]
    on_cancel: Callback<()>,
    children: Children,
) -> impl IntoView {
    let n = next_id();
    let (title_id, body_id) = (format!("confirm-{n}-title"), format!("confirm-{n}-body"));
    let (labelled_by, described_by) = (title_id.clone(), body_id.clone());
    let dialog = NodeRef::<html::Dialog>::new();
    let cancel_button = NodeRef::<html::Button>::new();
    // Local: DOM nodes stay on the thread that made them.
    let opener = StoredValue::new_local(focused_now());

    // Open as a modal once in the page, focus on the safe choice.
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
            if let Some(b) = cancel_button.get() {
                let _ = b.focus();
            }
        }
    });

    let close = move || {
        if let Some(d) = dialog.get_untracked()
            && d.open()
        {
            d.close();
        }
    };
    let do_cancel = move || {
        close();
        opener.with_value(|o| focus_if_connected(o.as_ref()));
        on_cancel.run(());
    };
    let do_confirm = move || {
        close();
        opener.with_value(|o| focus_if_connected(o.as_ref()));
        if let Some(confirmed) = on_confirm {
            confirmed.run(());
        }
    };
    let role = if confirm.is_some() {
        "alertdialog"
    } else {
        "dialog"
    };
    let confirm_button = confirm.map(|text| {
        view! {
            <button type="button" class="button button--danger" on:click=move |_| do_confirm()>
                {text}
            </button>
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            role=role
            aria-modal="true"
            aria-labelledby=labelled_by
            aria-describedby=described_by
            on:keydown=move |e| {
                if e.key() == "Escape" {
                    e.prevent_default();
                    e.stop_propagation();
                    do_cancel();
                }
            }
            // A close request the browser makes itself (Esc not seen as a key, a system back).
            on:cancel=move |e: web_sys::Event| {
                e.prevent_default();
                do_cancel();
            }
        >
            <h2 id=title_id class="dialog__title">{title}</h2>
            <div id=body_id class="dialog__body">{children()}</div>
            <div class="toolbar dialog__actions">
                {confirm_button}
                <button type="button" class="button button--ghost" node_ref=cancel_button
                    on:click=move |_| do_cancel()>
                    {cancel}
                </button>
            </div>
        </dialog>
    }
}
