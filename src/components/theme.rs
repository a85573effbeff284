//! Light, dark or the system's theme, remembered in `localStorage`.
//!
//! The choice is written to `<html data-theme>`; `style/` does the rest.

use leptos::prelude::*;

const STORAGE_KEY: &str = "twinscope.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    fn from_str(s: &str) -> Self {
        match s {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::System,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    fn next(self) -> Self {
        match self {
            Self::System => Self::Light,
            Self::Light => Self::Dark,
            Self::Dark => Self::System,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::System => "Theme: system",
            Self::Light => "Theme: light",
            Self::Dark => "Theme: dark",
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn saved_theme() -> Theme {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map(|s| Theme::from_str(&s))
        .unwrap_or(Theme::System)
}

fn apply(theme: Theme) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = match theme {
            Theme::System => root.remove_attribute("data-theme"),
            other => root.set_attribute("data-theme", other.as_str()),
        };
    }
}

/// Called once at boot, before mounting, so the first paint has the right colours.
pub fn apply_saved_theme() {
    apply(saved_theme());
}

/// A button that cycles system → light → dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(saved_theme());
    let cycle = move |_| {
        let next = theme.get_untracked().next();
        theme.set(next);
        apply(next);
        if let Some(s) = storage() {
            // A full or disabled storage only loses the preference, never the page.
            let _ = s.set_item(STORAGE_KEY, next.as_str());
        }
    };
    view! {
        <button type="button" class="button button--ghost" on:click=cycle
            title="Switch between the system, light and dark themes">
            {move || theme.get().label()}
        </button>
    }
}
