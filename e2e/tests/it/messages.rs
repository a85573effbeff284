//! Messages in place (issue #15, problems 7 and 10), as a person meets them: a deep link
//! that survives a refused sign-in, sign-out that ends on our own page, the approval link
//! used by someone who is not an administrator, and the account menu's Escape and outside
//! click.

use fantoccini::key::Key;
use twinscope_e2e::a11y::assert_no_serious_violations;
use twinscope_e2e::pages::AppHeader;
use twinscope_e2e::person::{Person, click_in_view, focused, press, sign_in_by_typing};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, screenshot_dir};

#[tokio::test]
async fn a_deep_link_survives_a_refused_sign_in_and_the_next_sign_in_lands_on_it() {
    let p = Person::start().await;
    let deep = format!(
        "/t/{CONTOSO}/i/{CAMPUS}/twins?q=SELECT%20*%20FROM%20DIGITALTWINS%20T%20WHERE%20T.%24dtId%20%3D%20%27site-1%27"
    );
    // First with an account whose organisation has not approved twinscope.
    p.sign_in_at(&deep, "lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await;
    p.browser
        .find_by_role("heading", "Sign in to continue")
        .await
        .unwrap();
    assert_eq!(p.path().await, deep, "still where they were going");
    assert!(p.text().await.contains("has not approved twinscope"));
    assert_no_serious_violations(&p.browser, "the sign-in gate after a refusal").await;
    p.look_at("sign-in-refused").await;
    // Then with another account: back on the deep link, its query in the editor.
    let another = p
        .browser
        .find_by_role("button", "Use another account")
        .await
        .unwrap();
    click_in_view(&p.browser, &another, "Use another account")
        .await
        .unwrap();
    sign_in_by_typing(&p.browser, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .unwrap();
    p.browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    assert_eq!(p.path().await, deep);
    assert_eq!(
        AppHeader::new(&p.browser).signed_in_user().await.unwrap(),
        "adele@contoso.onmicrosoft.com"
    );
    let query = p
        .browser
        .eval("const t = document.querySelector('main textarea'); return t ? t.value : null")
        .await
        .unwrap();
    assert_eq!(
        query, "SELECT * FROM DIGITALTWINS T WHERE T.$dtId = 'site-1'",
        "the deep link's query is on screen"
    );
    p.browser.close().await.unwrap();
}

#[tokio::test]
async fn signing_out_ends_on_the_apps_own_signed_out_page() {
    let p = Person::start().await;
    p.sign_in_at("/settings", "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    p.browser.find_by_role("heading", "Settings").await.unwrap();
    p.open_account_menu().await;
    let sign_out = p.browser.find_by_role("button", "Sign out").await.unwrap();
    click_in_view(&p.browser, &sign_out, "Sign out")
        .await
        .unwrap();
    p.browser
        .find_by_role("heading", "You are signed out")
        .await
        .unwrap();
    // It went through the identity platform's sign-out and came back to stay.
    p.browser
        .wait_for_script(
            &format!(
                "const nav = performance.getEntriesByType('navigation')[0]; \
                 return location.origin === {0} && location.pathname === '/signed-out' && nav && nav.name === {0} + '/' ? true : null",
                serde_json::Value::from(p.stack.gateway.base_url())
            ),
            "back on the app's signed-out page",
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let url = p.browser.client().current_url().await.unwrap();
    assert!(
        url.as_str().starts_with(p.stack.gateway.base_url()) && url.path() == "/signed-out",
        "stayed on our page, not the identity platform's sign-in form: {url}"
    );
    p.browser
        .find_by_role("heading", "You are signed out")
        .await
        .unwrap();
    let text = p.text().await;
    assert!(
        text.contains("adele@contoso.onmicrosoft.com is signed out of twinscope"),
        "{text}"
    );
    AppHeader::new(&p.browser)
        .expect_signed_out()
        .await
        .unwrap();
    p.browser
        .find_by_role("button", "Sign in again")
        .await
        .unwrap();
    let tokens = p
        .browser
        .eval("return Object.keys(sessionStorage).concat(Object.keys(localStorage)).filter(k => k.startsWith('twinscope.token.')).length")
        .await
        .unwrap();
    assert_eq!(tokens, 0, "no token left");
    assert_no_serious_violations(&p.browser, "signed out").await;
    p.look_at("signed-out").await;
    p.browser.close().await.unwrap();
}

#[tokio::test]
async fn someone_who_is_not_an_administrator_is_told_who_has_to_approve() {
    let p = Person::start().await;
    p.sign_in_from_the_start_page("lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await;
    let explain = p
        .browser
        .find_by_role("link", "What your administrator needs to do")
        .await
        .unwrap();
    click_in_view(&p.browser, &explain, "What your administrator needs to do")
        .await
        .unwrap();
    p.browser
        .find_by_role("heading", "Setting up your organisation")
        .await
        .unwrap();
    let approve = p
        .browser
        .find_by_role("link", "Approve twinscope for the organisation")
        .await
        .unwrap();
    click_in_view(&p.browser, &approve, "the approval link")
        .await
        .unwrap();
    // Lynne approves with her own account, which is not an administrator of Northwind.
    sign_in_by_typing(&p.browser, "lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await
        .unwrap();
    p.browser
        .find_by_role(
            "heading",
            "An administrator of Northwind Traders has to approve twinscope",
        )
        .await
        .unwrap();
    assert_eq!(
        p.path().await,
        "/onboarding",
        "the approval's answer left the address bar"
    );
    let text = p.text().await;
    assert!(
        !text.contains("has no `state`") && !text.contains("sign-in response"),
        "no protocol talk instead of the reason: {text}"
    );
    assert!(text.contains("not an administrator"), "{text}");
    assert_no_serious_violations(&p.browser, "onboarding after a refused approval").await;
    p.look_at("approval-refused").await;
    p.browser.close().await.unwrap();
}

#[tokio::test]
async fn the_account_menu_closes_on_escape_and_on_a_click_outside() {
    let p = Person::start().await;
    p.sign_in_at("/settings", "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    let heading = p.browser.find_by_role("heading", "Settings").await.unwrap();
    p.open_account_menu().await;
    press(&p.browser, Key::Escape).await.unwrap();
    p.browser
        .wait_for_script(
            "return document.querySelector('header details[open]') ? null : true",
            "Escape to close the menu",
        )
        .await
        .unwrap();
    let on = focused(&p.browser).await.unwrap();
    assert!(
        on.starts_with("summary"),
        "focus back on the menu's button: {on}"
    );
    p.open_account_menu().await;
    p.browser
        .screenshot(&screenshot_dir().join("issue15-account-menu-1440.png"))
        .await
        .unwrap();
    click_in_view(&p.browser, &heading, "the page heading")
        .await
        .unwrap();
    p.browser
        .wait_for_script(
            "return document.querySelector('header details[open]') ? null : true",
            "a click outside to close the menu",
        )
        .await
        .unwrap();
    p.browser.close().await.unwrap();
}
