//! The navigation of one instance: where it is (the organisation by name, the instance by
//! its short name, its full host on hover; the screens show it in full) and its screens. At 390 px
//! the place is one line, cut with an ellipsis, and the screens wrap below it.

use leptos::prelude::*;

use crate::components::organisation::OrganisationName;
use crate::ids::{AdtHost, TenantId};
use crate::pages::instance::Screen;

/// `contoso-campus` of `contoso-campus.api.weu.digitaltwins.azure.net`.
pub fn short_name(host: &AdtHost) -> &str {
    host.as_str().split('.').next().unwrap_or(host.as_str())
}

#[component]
pub fn InstanceNav(tenant: TenantId, host: AdtHost, screen: Screen) -> impl IntoView {
    let base = format!("/t/{tenant}/i/{host}");
    let current = |s: Screen| (s == screen).then_some("page");
    let full = host.to_string();
    let short = short_name(&host).to_owned();
    let org_href = format!("/t/{tenant}");
    view! {
        <nav class="instance-nav" aria-label="Instance">
            <p class="instance-nav__place">
                <a class="instance-nav__org" href=org_href><OrganisationName tenant/></a>
                <span class="instance-nav__sep" aria-hidden="true">"/"</span>
                <strong class="instance-nav__instance" title=full>{short}</strong>
            </p>
            <ul class="instance-nav__screens">
                <li><a href=format!("{base}/twins") aria-current=current(Screen::Twins)>"Twins"</a></li>
                <li><a href=format!("{base}/models") aria-current=current(Screen::Models)>"Models"</a></li>
                <li><a href=format!("{base}/graph") aria-current=current(Screen::Graph)>"Graph"</a></li>
                <li><a href=format!("{base}/transfer") aria-current=current(Screen::Transfer)>"Import/export"</a></li>
            </ul>
        </nav>
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
