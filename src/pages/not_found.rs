//! Any path no route claims.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    let location = use_location();
    view! {
        <main id="main" class="page page--message" aria-labelledby="not-found-title" tabindex="-1">
            <h1 id="not-found-title">"Page not found"</h1>
            <p>"Nothing lives at " <code>{move || location.pathname.get()}</code> "."</p>
            <p><A href="/">"Back to the start page"</A></p>
        </main>
    }
}
