//! The navigation of one instance: where it is (the organisation by name, the instance by
//! its short name, its full host on hover; the screens show it in full) and its screens. At 390 px
//! the place is one line, cut with an ellipsis, and the screens wrap below it. The shell that
//! shows it stays while the screens change (child routes), so the current screen is marked
//! from the location (`aria-current="page"`; a twin's page marks Twins).
//!
//! Each tab leads back to its screen as it was left: the screens keep their query, selection
//! and view in the address (the workspace `?q=…&twin=…`, the graph `?q=…&layout=…`), and the
//! nav remembers the last address it saw of each, so Twins → Models → Twins does not start a
//! fresh workspace. The memory is the shell's: another instance or tenant starts afresh.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use leptos_router::location::Location;

use crate::components::organisation::OrganisationName;
use crate::ids::{AdtHost, TenantId};

/// `contoso-campus` of `contoso-campus.api.weu.digitaltwins.azure.net`.
pub fn short_name(host: &AdtHost) -> &str {
    host.as_str().split('.').next().unwrap_or(host.as_str())
}

/// `screens`: whether the screens are listed; not while the instance is refused to this user
/// (the place still shows, and no screen is marked as open under the refusal).
#[component]
pub fn InstanceNav(
    tenant: TenantId,
    host: AdtHost,
    #[prop(into)] screens: Signal<bool>,
) -> impl IntoView {
    let base = format!("/t/{tenant}/i/{host}");
    let full = host.to_string();
    let short = short_name(&host).to_owned();
    let org_href = format!("/t/{tenant}");
    let location = use_location();
    let twins = Tab::new(format!("{base}/twins"), location.clone());
    let models = Tab::new(format!("{base}/models"), location.clone());
    let graph = Tab::new(format!("{base}/graph"), location.clone());
    let transfer = Tab::new(format!("{base}/transfer"), location);
    view! {
        <nav class="instance-nav" aria-label="Instance">
            <p class="instance-nav__place">
                <a class="instance-nav__org" href=org_href><OrganisationName tenant/></a>
                <span class="instance-nav__sep" aria-hidden="true">"/"</span>
                <strong class="instance-nav__instance" title=full>{short}</strong>
            </p>
            <Show when=move || screens.get()>
                <ul class="instance-nav__screens">
                    <li>{twins.link("Twins")}</li>
                    <li>{models.link("Models")}</li>
                    <li>{graph.link("Graph")}</li>
                    <li>{transfer.link("Import/export")}</li>
                </ul>
            </Show>
        </nav>
    }
}

/// One screen's link: to the screen's address as last seen (its query, selection and view
/// are in the address), marked current on the screen and on pages under it (a twin's page
/// marks Twins). `A` would compare its whole href, query included, with the path.
#[derive(Clone, Copy)]
struct Tab {
    href: Signal<String>,
    current: Signal<bool>,
}

impl Tab {
    fn new(path: String, location: Location) -> Self {
        let pathname = location.pathname;
        // The screen's query string as last seen, kept while other screens are shown.
        let last_search = Memo::new({
            let path = path.clone();
            move |previous: Option<&String>| {
                if pathname.with(|p| *p == path) {
                    location.search.get()
                } else {
                    previous.cloned().unwrap_or_default()
                }
            }
        });
        let href = Signal::derive({
            let path = path.clone();
            move || match last_search.get() {
                search if search.is_empty() => path.clone(),
                search => format!("{path}?{search}"),
            }
        });
        let current = Signal::derive(move || {
            pathname.with(|p| *p == path || p.starts_with(&format!("{path}/")))
        });
        Self { href, current }
    }

    fn link(self, label: &'static str) -> impl IntoView {
        let current = move || self.current.get().then_some("page");
        view! { <a href=self.href aria-current=current>{label}</a> }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_name_is_the_first_label() {
        let host = AdtHost::parse("contoso-campus.api.weu.digitaltwins.azure.net").unwrap();
        assert_eq!(short_name(&host), "contoso-campus");
    }
}
