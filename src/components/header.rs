//! The top bar: brand, navigation and the theme switch. Account and tenant controls join it
//! once sign-in exists.

use leptos::prelude::*;
use leptos_router::components::A;

use super::theme::ThemeToggle;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="app-header">
            <A href="/" attr:class="brand" attr:aria-label="twinscope home">
                <span class="brand__mark" aria-hidden="true"></span>
                <span class="brand__name">"twinscope"</span>
            </A>
            <nav class="app-header__nav" aria-label="Main">
                <ThemeToggle/>
            </nav>
        </header>
    }
}
