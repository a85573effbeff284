//! The top bar: brand, the theme switch and the account menu; the session notice below it.

use leptos::prelude::*;
use leptos_router::components::A;

use super::account::AccountMenu;
use super::session_notice::SessionNotice;
use super::theme::ThemeToggle;
use crate::session::Session;

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
                {move || use_context::<Session>().map(|_| view! { <AccountMenu/> })}
            </nav>
        </header>
        {move || use_context::<Session>().map(|_| view! { <SessionNotice/> })}
    }
}
