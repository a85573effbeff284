//! Hostile conditions only a real browser shows (issue #8): two tabs signing in at once, the
//! back button after sign-in, and tokens kept out of console output, the address bar and
//! error pages. Against the release build behind the gateway, with the identity emulator.

use std::time::Duration;

use serde_json::json;
use twinscope_e2e::Browser;
use twinscope_e2e::pages::{AppHeader, EmulatorSignIn};
use twinscope_e2e::stack::{CONTOSO, FABRIKAM, Stack};

/// Where the console recorder keeps what the page printed (the app's own origin).
const CONSOLE_KEY: &str = "e2e.console";

/// Runs before any page script in every document: records every console call and uncaught
/// error into `localStorage[CONSOLE_KEY]`, then prints as usual.
const CONSOLE_RECORDER: &str = r#"(() => {
  const KEY = 'e2e.console';
  const keep = (line) => { try { localStorage.setItem(KEY, (localStorage.getItem(KEY) || '') + line + '\n'); } catch (e) {} };
  const show = (a) => { try { return typeof a === 'string' ? a : (a && a.stack) ? a.stack : JSON.stringify(a); } catch (e) { return String(a); } };
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    const original = console[level].bind(console);
    console[level] = (...args) => { keep(level + ': ' + args.map(show).join(' ')); return original(...args); };
  }
  addEventListener('error', (e) => keep('uncaught: ' + e.message));
  addEventListener('unhandledrejection', (e) => keep('unhandled: ' + show(e.reason)));
})();"#;

struct Fixture {
    stack: Stack,
    browser: Browser,
}

impl Fixture {
    async fn new() -> Self {
        Self {
            stack: Stack::start(json!({}))
                .await
                .expect("emulator and gateway start"),
            browser: Browser::start().await.expect("headless Chromium starts"),
        }
    }

    /// Installs [`CONSOLE_RECORDER`] for every document this tab loads from now on.
    async fn record_console(&self) {
        self.browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": CONSOLE_RECORDER }),
            )
            .await
            .expect("DevTools accepts the console recorder");
    }

    /// Opens `path` signed out, which redirects to (or offers) the sign-in page.
    async fn open_sign_in(&self, path: &str) {
        self.browser.goto(&self.stack.url(path)).await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let url = self.browser.client().current_url().await.unwrap();
            if url.as_str().starts_with(self.stack.emulator.base_url()) {
                break;
            }
            let _ = self
                .browser
                .eval("const b=[...document.querySelectorAll('main button')].find(b=>b.textContent.trim()==='Sign in with your work account'); if(b){b.click();} return true;")
                .await;
            assert!(std::time::Instant::now() < deadline, "no sign-in page");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        EmulatorSignIn::expect(&self.browser).await.unwrap();
    }

    async fn sign_in(&self, path: &str, upn: &str, password: &str) {
        self.open_sign_in(path).await;
        EmulatorSignIn::expect(&self.browser)
            .await
            .unwrap()
            .sign_in_as(upn, password)
            .await
            .unwrap();
    }

    async fn location(&self) -> String {
        self.browser
            .eval("return location.href")
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every credential the app holds in this tab's storage: access and refresh tokens.
    async fn stored_secrets(&self) -> Vec<String> {
        let value = self
            .browser
            .eval(
                "const out = []; for (const s of [sessionStorage, localStorage]) { for (let i = 0; i < s.length; i++) { \
                 const k = s.key(i); if (!k.startsWith('twinscope.token.')) continue; \
                 try { const v = JSON.parse(s.getItem(k)); for (const f of ['secret', 'token', 'refreshToken']) { if (typeof v[f] === 'string') out.push(v[f]); } } catch (e) {} } } \
                 return out;",
            )
            .await
            .unwrap();
        value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What the page printed so far (this origin), and a probe proving the recorder works.
    async fn console_output(&self) -> String {
        self.browser
            .eval("console.log('e2e-probe'); return 1;")
            .await
            .unwrap();
        let text = self
            .browser
            .eval(&format!(
                "return localStorage.getItem('{CONSOLE_KEY}') || ''"
            ))
            .await
            .unwrap();
        let text = text.as_str().unwrap_or_default().to_owned();
        assert!(
            text.contains("e2e-probe"),
            "the console recorder is not running"
        );
        text
    }

    async fn page_text(&self) -> String {
        self.browser
            .eval("return document.documentElement.outerHTML + '\\n' + document.body.innerText + '\\n' + location.href + '\\n' + document.title")
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// The one leak check: none of `secrets`, and nothing shaped like a JWT, is in `text`.
fn check_no_secret(text: &str, secrets: &[String], place: &str) {
    assert!(!text.contains("eyJ"), "something JWT-shaped in {place}");
    for secret in secrets {
        let head: String = secret.chars().take(24).collect();
        assert!(!text.contains(&head), "a stored token appears in {place}");
    }
}

#[tokio::test]
async fn two_tabs_signing_in_at_once_both_finish_signed_in() {
    let f = Fixture::new().await;
    f.open_sign_in("/settings").await;
    let first = f.browser.client().window().await.unwrap();
    let second = f.browser.client().new_window(true).await.unwrap().handle;
    f.browser
        .client()
        .switch_to_window(second.clone())
        .await
        .unwrap();
    f.open_sign_in(&format!("/t/{CONTOSO}")).await;
    // The second tab finishes first, then the first one.
    EmulatorSignIn::expect(&f.browser)
        .await
        .unwrap()
        .sign_in_as("alex@contoso.onmicrosoft.com", "Alex-dev-1")
        .await
        .unwrap();
    f.browser.find_by_role("heading", "Contoso").await.unwrap();
    f.browser.client().switch_to_window(first).await.unwrap();
    EmulatorSignIn::expect(&f.browser)
        .await
        .unwrap()
        .sign_in_as("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .unwrap();
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "adele@contoso.onmicrosoft.com"
    );
    assert!(!f.location().await.contains("code="));
    f.browser.client().switch_to_window(second).await.unwrap();
    f.browser.goto(&f.stack.url("/settings")).await.unwrap();
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "alex@contoso.onmicrosoft.com",
        "each tab keeps its own sign-in"
    );
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn the_back_button_after_sign_in_replays_nothing_and_stays_signed_in() {
    let f = Fixture::new().await;
    f.sign_in("/settings", "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    let secrets = f.stored_secrets().await;
    assert!(!secrets.is_empty(), "signed in with tokens");
    f.browser.client().back().await.unwrap();
    // Back travels to the identity platform's page, which, still signed in, answers the old
    // request at once: the app does not redeem that answer, takes it out of the address and
    // steps on back, out of the app to where the person was before the sign-in.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let href = f.location().await;
        if !href.starts_with(&f.stack.url("/")) && !href.starts_with(f.stack.emulator.base_url()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "stuck at {href}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Forward: the app again, signed in as before, no response in the address bar.
    f.browser.client().forward().await.unwrap();
    f.browser.find_by_role("heading", "Settings").await.unwrap();
    assert!(!f.location().await.contains("code="));
    assert!(!f.location().await.contains("state="));
    assert_eq!(
        AppHeader::new(&f.browser).signed_in_user().await.unwrap(),
        "adele@contoso.onmicrosoft.com"
    );
    let (mut after, mut before) = (f.stored_secrets().await, secrets.clone());
    after.sort();
    before.sort();
    assert_eq!(
        after, before,
        "the answer was not redeemed again: the tokens are those of the sign-in"
    );
    let text = f.page_text().await;
    check_no_secret(&text, &secrets, "the page after going back");
    f.browser.close().await.unwrap();
}

#[tokio::test]
async fn tokens_never_appear_in_console_output_the_address_bar_or_error_pages() {
    let f = Fixture::new().await;
    f.record_console().await;
    f.sign_in(
        &format!("/t/{CONTOSO}"),
        "megan@contoso.onmicrosoft.com",
        "Megan-dev-1",
    )
    .await;
    f.browser.find_by_role("heading", "Contoso").await.unwrap();
    // A second tenant's token too (a silent refresh-token grant).
    f.browser
        .goto(&f.stack.url(&format!("/t/{FABRIKAM}")))
        .await
        .unwrap();
    f.browser.find_by_role("heading", "Fabrikam").await.unwrap();
    let secrets = f.stored_secrets().await;
    assert!(
        secrets.len() >= 2,
        "tokens for both tenants: {}",
        secrets.len()
    );
    check_no_secret(&f.location().await, &secrets, "the address bar");
    check_no_secret(&f.page_text().await, &secrets, "the tenant page");
    // An error page: a forged sign-in response carrying a code-shaped secret.
    let code = "0.AQ-e2e-secret-code-value-must-not-show";
    f.browser
        .goto(&f.stack.url(&format!("/#code={code}&state=forged-state")))
        .await
        .unwrap();
    // Signed in already, the app may refuse it with a message or drop it silently; either
    // way the response must leave the address bar and nothing of it may be shown.
    let consumed = format!(
        "return document.documentElement.dataset.shell === 'mounted' && !location.href.includes({}) ? true : null",
        serde_json::json!(code)
    );
    if let Err(e) = f
        .browser
        .wait_for_script(&consumed, "the response consumed")
        .await
    {
        panic!(
            "{e}; the address bar still holds the code: {}",
            f.location().await
        );
    }
    let error_page = f.page_text().await;
    check_no_secret(&error_page, &secrets, "the error page");
    assert!(!error_page.contains(code), "the code is on the error page");
    // An unknown route and a broken instance link are error pages too.
    for path in ["/no/such/page", "/t/not-a-guid/i/evil.example/twins"] {
        f.browser.goto(&f.stack.url(path)).await.unwrap();
        f.browser
            .wait_for_script(
                "return document.querySelector('main h1') ? true : null",
                path,
            )
            .await
            .unwrap();
        check_no_secret(&f.page_text().await, &secrets, path);
    }
    let console = f.console_output().await;
    check_no_secret(&console, &secrets, "console output");
    assert!(!console.contains(code), "the code was printed");
    f.browser.close().await.unwrap();
}
