//! The navigation of one instance: where it is (the organisation by name, the instance by
//! its short name, its full host on hover; the screens show it in full) and its screens. At 390 px
//! the place is one line, cut with an ellipsis, and the screens wrap below it. The shell that
//! shows it stays while the screens change (child routes), so the current screen is marked
//! from the location (`A` sets `aria-current="page"`; a twin's page marks Twins).

use leptos::prelude::*;
use leptos_router::components::A;

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
    view! {
        <nav class="instance-nav" aria-label="Instance">
            <p class="instance-nav__place">
                <a class="instance-nav__org" href=org_href><OrganisationName tenant/></a>
                <span class="instance-nav__sep" aria-hidden="true">"/"</span>
                <strong class="instance-nav__instance" title=full>{short}</strong>
            </p>
            <Show when=move || screens.get()>
                <ul class="instance-nav__screens">
                    <li><A href=format!("{base}/twins")>"Twins"</A></li>
                    <li><A href=format!("{base}/models")>"Models"</A></li>
                    <li><A href=format!("{base}/graph")>"Graph"</A></li>
                    <li><A href=format!("{base}/transfer")>"Import/export"</A></li>
                </ul>
            </Show>
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
