//! Signing in, in Chromium, against the identity emulator: the release build behind the
//! gateway, the real redirect flow, the real sign-in page.

use std::time::Duration;

use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::pages::{AppHeader, EmulatorSignIn};
use twinscope_e2e::stack::{CONTOSO, FABRIKAM, Stack, screenshot_dir};

struct Fixture {
    stack: Stack,
    browser: Browser,
}

impl Fixture {
    async fn new(config: Value) -> Self {
        Self {
            stack: Stack::start(config)
                .await
                .expect("emulator and gateway start"),
            browser: Browser::start().await.expect("headless Chromium starts"),
        }
    }

    /// Opens `path` signed out, signs in on the emulator's page, and waits to be back.
    async fn sign_in_at(&self, path: &str, upn: &str, password: &str) {
        self.browser.goto(&self.stack.url(path)).await.unwrap();
        self.start_sign_in_if_offered().await;
        EmulatorSignIn::expect(&self.browser)
            .await
            .unwrap()
            .sign_in_as(upn, password)
            .await
            .unwrap();
    }

    /// Deep links redirect by themselves; the start page offers a button.
    async fn start_sign_in_if_offered(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let url = self.browser.client().current_url().await.unwrap();
            if url.as_str().starts_with(self.stack.emulator.base_url()) {
                return;
            }
            let button = self
                .browser
                .eval("const b=[...document.querySelectorAll('main button')].find(b=>b.textContent.trim()==='Sign in with your work account'); if(b){b.click(); return true;} return false;")
                .await
                .unwrap();
            if button == Value::Bool(true) || std::time::Instant::now() > deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn path(&self) -> String {
        let url = self.browser.client().current_url().await.unwrap();
        format!(
            "{}{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default(),
            url.fragment().map(|f| format!("#{f}")).unwrap_or_default()
        )
    }

    /// The claims of the cached access token for `tenant` and ADT, read from storage.
    async fn adt_token_tid(&self, tenant: &str) -> Option<String> {
        let script = format!(
            "for (const s of [sessionStorage, localStorage]) {{ for (let i = 0; i < s.length; i++) {{ const k = s.key(i); \
             if (k.startsWith('twinscope.token.at.') && k.includes('.{tenant}.') && k.includes('digitaltwins')) {{ \
             const t = JSON.parse(s.getItem(k)).secret.split('.')[1].replace(/-/g,'+').replace(/_/g,'/'); \
             return JSON.parse(atob(t)).tid; }} }} }} return null;"
        );
        self.browser
            .eval(&script)
            .await
            .unwrap()
            .as_str()
            .map(str::to_owned)
    }
}

#[tokio::test]
async fn a_contoso_user_signs_in_from_a_deep_link_and_comes_back_to_it() {
    let f = Fixture::new(json!({})).await;
    f.sign_in_at("/settings", "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "adele@contoso.onmicrosoft.com"
    );
    assert_eq!(
        f.path().await,
        "/settings",
        "back where they started, no code in the address bar"
    );
    let history = f.browser.eval("return history.length").await.unwrap();
    assert!(history.as_i64().unwrap() <= 4, "{history}");
    // Nothing secret is in the page's text or URL.
    let body = f
        .browser
        .eval("return document.body.innerText + location.href")
        .await
        .unwrap();
    assert!(
        !body.as_str().unwrap().contains("eyJ"),
        "no token on screen"
    );
    f.browser
        .screenshot(&screenshot_dir().join("signed-in.png"))
        .await
        .unwrap();
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn a_guest_switches_to_fabrikam_and_gets_a_fabrikam_token_without_a_password() {
    let f = Fixture::new(json!({})).await;
    f.sign_in_at(
        &format!("/t/{CONTOSO}"),
        "megan@contoso.onmicrosoft.com",
        "Megan-dev-1",
    )
    .await;
    f.browser.find_by_role("heading", "Contoso").await.unwrap();
    let role = f.browser.find_by_role("main", "").await.ok();
    drop(role);
    f.browser
        .wait_for_script(
            "return document.body.innerText.includes('Your role here: Twins.Reader')",
            "the Contoso role",
        )
        .await
        .unwrap();
    // The switch: a client-side navigation, no sign-in page, no password.
    f.browser
        .eval(&format!("history.pushState(null, '', '/t/{FABRIKAM}'); dispatchEvent(new PopStateEvent('popstate')); return true;"))
        .await
        .unwrap();
    f.browser
        .wait_for_script(
            "return document.body.innerText.includes('Your role here: Twins.Writer')",
            "the Fabrikam role",
        )
        .await
        .unwrap();
    assert_eq!(
        f.path().await,
        format!("/t/{FABRIKAM}"),
        "never left the app"
    );
    assert_eq!(
        f.adt_token_tid(FABRIKAM).await.as_deref(),
        Some(FABRIKAM),
        "a Fabrikam-issued ADT token"
    );
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn a_northwind_user_needs_consent_and_succeeds_after_an_admin_gives_it() {
    let f = Fixture::new(json!({})).await;
    f.sign_in_at("/", "lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await;
    let alert = f.browser.find_by_role("alert", "").await;
    drop(alert);
    f.browser
        .wait_for_script(
            "return document.body.innerText.includes('has not approved twinscope')",
            "the consent explanation",
        )
        .await
        .unwrap();
    f.browser
        .find_by_role("link", "What your administrator needs to do")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    f.browser
        .find_by_role("heading", "Setting up your organisation")
        .await
        .unwrap();
    f.browser
        .screenshot(&screenshot_dir().join("onboarding.png"))
        .await
        .unwrap();
    f.browser
        .find_by_role("link", "Approve twinscope for the organisation")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    EmulatorSignIn::expect(&f.browser)
        .await
        .unwrap()
        .sign_in_as("nestor@northwind.onmicrosoft.com", "Nestor-dev-1")
        .await
        .unwrap();
    f.browser
        .wait_for_script(
            "return document.body.innerText.includes('now approved for your organisation')",
            "the consent confirmation",
        )
        .await
        .unwrap();
    // Lynne tries again and gets in.
    f.browser.goto(&f.stack.url("/settings")).await.unwrap();
    f.start_sign_in_if_offered().await;
    EmulatorSignIn::expect(&f.browser)
        .await
        .unwrap()
        .sign_in_as("lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await
        .unwrap();
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "lynne@northwind.onmicrosoft.com"
    );
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn back_after_signing_in_goes_to_the_page_before_the_sign_in() {
    // The person came from elsewhere, followed a deep link, signed in. Back goes to where they
    // were, in one press: not to the identity platform's page, which, still signed in, sends
    // its answer to the old sign-in straight back (before: the start page, then the same
    // organisation again on the next press).
    let f = Fixture::new(json!({})).await;
    f.browser
        .goto("data:text/html,<h1>Elsewhere</h1>")
        .await
        .unwrap();
    let tenant = format!("/t/{CONTOSO}");
    f.sign_in_at(&tenant, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    f.browser.find_by_role("heading", "Contoso").await.unwrap();
    assert_eq!(f.path().await, tenant);

    f.browser.client().back().await.unwrap();
    f.browser
        .wait_for_script(
            "return location.href.startsWith('data:') && document.body.innerText.includes('Elsewhere')",
            "the page before the sign-in",
        )
        .await
        .unwrap();
    // It stays there: nothing sends the person on by itself.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        f.browser
            .client()
            .current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with("data:"),
        "Back stays where it went"
    );

    // Forward comes back to the organisation, still signed in, and no code in any address.
    f.browser.client().forward().await.unwrap();
    f.browser.find_by_role("heading", "Contoso").await.unwrap();
    assert_eq!(f.path().await, tenant);
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "adele@contoso.onmicrosoft.com"
    );
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn a_tampered_state_is_refused_with_a_clear_message() {
    let f = Fixture::new(json!({})).await;
    f.browser.goto(&f.stack.url("/")).await.unwrap();
    f.start_sign_in_if_offered().await;
    EmulatorSignIn::expect(&f.browser).await.unwrap();
    // Someone edits the state on its way through the identity platform.
    let url = f.browser.client().current_url().await.unwrap();
    let tampered: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            if k == "state" {
                (k.into_owned(), "forged-state".to_owned())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    let mut forged = url.clone();
    forged.query_pairs_mut().clear().extend_pairs(tampered);
    f.browser.goto(forged.as_str()).await.unwrap();
    EmulatorSignIn::expect(&f.browser)
        .await
        .unwrap()
        .sign_in_as("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .unwrap();
    f.browser
        .wait_for_script(
            "return document.body.innerText.includes('does not belong to a sign-in started here')",
            "the refusal",
        )
        .await
        .unwrap();
    AppHeader::new(&f.browser)
        .expect_signed_out()
        .await
        .unwrap();
    assert_eq!(
        f.path().await,
        "/",
        "the response is gone from the address bar"
    );
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn after_24_hours_the_user_is_asked_to_sign_in_again() {
    let f = Fixture::new(json!({})).await;
    f.sign_in_at(
        &format!("/t/{CONTOSO}"),
        "megan@contoso.onmicrosoft.com",
        "Megan-dev-1",
    )
    .await;
    f.browser.find_by_role("heading", "Contoso").await.unwrap();
    f.stack.emulator.state().clock.advance(24 * 3600 + 60);
    // Fabrikam needs a new token: the refresh token is past the SPA limit.
    f.browser
        .goto(&f.stack.url(&format!("/t/{FABRIKAM}")))
        .await
        .unwrap();
    f.browser
        .find_by_role("heading", "Sign in to continue")
        .await
        .unwrap();
    f.browser
        .wait_for_script(
            "return document.body.innerText.includes('sign in again')",
            "the reason",
        )
        .await
        .unwrap();
    f.browser.find_by_role("button", "Sign in").await.unwrap();
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn signing_out_in_one_tab_signs_out_the_other() {
    let f = Fixture::new(json!({ "cacheLocation": "localStorage" })).await;
    f.sign_in_at("/settings", "alex@contoso.onmicrosoft.com", "Alex-dev-1")
        .await;
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    let first = f.browser.client().window().await.unwrap();
    let second = f.browser.client().new_window(true).await.unwrap().handle;
    f.browser
        .client()
        .switch_to_window(second.clone())
        .await
        .unwrap();
    f.browser.goto(&f.stack.url("/settings")).await.unwrap();
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "alex@contoso.onmicrosoft.com"
    );
    f.browser.client().switch_to_window(first).await.unwrap();
    AppHeader::new(&f.browser).sign_out().await.unwrap();
    f.browser.client().switch_to_window(second).await.unwrap();
    let signed_out = f
        .browser
        .wait_for_script("return !document.querySelector('header summary') && document.body.innerText.includes('you signed out in another tab or window')", "the other tab to sign out")
        .await;
    if let Err(e) = signed_out {
        let header = f.browser.eval("return location.href + ' ' + document.body.innerText + ' ' + JSON.stringify(Object.keys(localStorage))").await.unwrap();
        panic!("{e}: {header}");
    }
    f.browser
        .find_by_role("heading", "Sign in to continue")
        .await
        .unwrap();
    f.browser.close().await.unwrap();
}
