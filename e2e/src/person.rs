//! Acting as a person: typing one key at a time, clicking only what is on screen (and
//! failing when it is not), pressing keys on whatever has focus, reading what is shown, and
//! looking at the page at a person's window sizes. [`Person`] is the one fixture for it: the
//! emulator and gateway, a headless Chromium, and what a person does with them.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::stack::{Stack, screenshot_dir};
use crate::{Browser, Result, WAIT};

/// Phone, desktop and wide-desktop window sizes the screens are looked at.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1440, 900);
pub const WIDE: (u32, u32) = (2560, 1440);

/// A person at a browser: the whole system (emulator and gateway) and their own headless
/// Chromium, its window 1,440 px wide.
#[derive(Debug)]
pub struct Person {
    pub stack: Stack,
    pub browser: Browser,
}

impl Person {
    pub async fn start() -> Self {
        let person = Self {
            stack: Stack::start(json!({}))
                .await
                .expect("emulator and gateway start"),
            browser: Browser::start().await.expect("headless Chromium starts"),
        };
        set_viewport(&person.browser, DESKTOP).await.unwrap();
        person
    }

    /// Opens `path` signed out; the app sends them to sign in; they type their name and
    /// password.
    pub async fn sign_in_at(&self, path: &str, upn: &str, password: &str) {
        self.browser.goto(&self.stack.url(path)).await.unwrap();
        sign_in_by_typing(&self.browser, upn, password)
            .await
            .unwrap();
    }

    /// From the start page's button.
    pub async fn sign_in_from_the_start_page(&self, upn: &str, password: &str) {
        self.browser.goto(&self.stack.url("/")).await.unwrap();
        let button = self
            .browser
            .find_by_role("button", "Sign in with your work account")
            .await
            .unwrap();
        click_in_view(&self.browser, &button, "the start page's sign-in button")
            .await
            .unwrap();
        sign_in_by_typing(&self.browser, upn, password)
            .await
            .unwrap();
    }

    /// The address bar's path and query.
    pub async fn path(&self) -> String {
        let url = self.browser.client().current_url().await.unwrap();
        format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        )
    }

    /// Clicks the account menu's button in the header and waits for the menu's body (whose
    /// code comes with the first opening).
    pub async fn open_account_menu(&self) {
        let summary = self
            .browser
            .client()
            .find(fantoccini::Locator::Css("header summary"))
            .await
            .unwrap();
        click_in_view(&self.browser, &summary, "the account menu")
            .await
            .unwrap();
        self.browser
            .wait_for_script(
                "return document.querySelector('header details[open] .account__menu .account__section') ? true : null",
                "the account menu to open",
            )
            .await
            .unwrap();
    }

    pub async fn menu_is_open(&self) -> bool {
        self.browser
            .eval("return !!document.querySelector('header details[open]')")
            .await
            .unwrap()
            == true
    }

    /// Screenshots of the screen as it is now at 1,440 and 390 px wide (`issue15-{name}-{w}.png`),
    /// failing if the page scrolls sideways at either width; back to 1,440 after.
    pub async fn look_at(&self, name: &str) {
        for size in [DESKTOP, PHONE] {
            let file = screenshot_dir().join(format!("issue15-{name}-{}.png", size.0));
            if let Some(problem) = self.screenshot_at(size, &file).await {
                panic!("{name} {problem}");
            }
        }
        set_viewport(&self.browser, DESKTOP).await.unwrap();
    }

    /// Resizes the window to `size`, saves a screenshot of the viewport as `file`, and says
    /// how the page scrolls sideways at that width, if it does (`"at 390 px scrolls sideways
    /// by 12 px: [...]"`). The window keeps the size.
    pub async fn screenshot_at(&self, size: (u32, u32), file: &Path) -> Option<String> {
        set_viewport(&self.browser, size).await.unwrap();
        let (over, sticking_out) = sideways_overflow(&self.browser).await.unwrap();
        self.browser.screenshot(file).await.unwrap();
        (over > 0).then(|| {
            format!(
                "at {} px scrolls sideways by {over} px: {sticking_out:?}",
                size.0
            )
        })
    }

    /// The `tid` of the cached Digital Twins token for `tenant`.
    pub async fn adt_token_tid(&self, tenant: &str) -> Option<String> {
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

    /// The page's visible text.
    pub async fn text(&self) -> String {
        visible_text(&self.browser).await.unwrap()
    }
}

/// Types `text` one character at a time, as a keyboard does.
/// Waits until `script` returns something other than `null`/`false` and returns it; fails
/// the test naming `what` otherwise.
pub async fn wait_for(browser: &Browser, script: &str, what: &str) -> Value {
    browser
        .wait_for_script(script, what)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Scrolls the button named `name` into view and clicks it where it shows.
pub async fn click_button(browser: &Browser, name: &str) {
    let button = browser.find_by_role("button", name).await.unwrap();
    scroll_and_click(browser, &button, name).await;
}

/// A fresh Chromium that opened `path` of the app and signed in on the emulator's page by
/// typing, as a person does.
pub async fn open_signed_in(stack: &Stack, path: &str, (upn, password): (&str, &str)) -> Browser {
    let browser = Browser::start().await.expect("Chromium starts");
    browser.goto(&stack.url(path)).await.unwrap();
    sign_in_by_typing(&browser, upn, password)
        .await
        .unwrap_or_else(|e| panic!("signing in as {upn} at {path}: {e}"));
    browser
}

/// [`open_signed_in`] in a Chromium that records what went wrong in its pages
/// ([`crate::problems`]).
pub async fn open_signed_in_recording(
    stack: &Stack,
    path: &str,
    (upn, password): (&str, &str),
) -> Browser {
    let browser = crate::problems::recording_problems().await;
    browser.goto(&stack.url(path)).await.unwrap();
    sign_in_by_typing(&browser, upn, password)
        .await
        .unwrap_or_else(|e| panic!("signing in as {upn} at {path}: {e}"));
    browser
}

/// "Sign in to continue" answered as a person does: the page's own "Sign in" (the bar at the
/// top has one too), then the credentials typed on the identity platform's page.
pub async fn sign_in_again_from_the_page(browser: &Browser, (upn, password): (&str, &str)) {
    let again = browser
        .client()
        .find(fantoccini::Locator::XPath(
            "//main//button[normalize-space()='Sign in']",
        ))
        .await
        .expect("the page's own Sign in");
    scroll_and_click(browser, &again, "the page's Sign in").await;
    sign_in_by_typing(browser, upn, password)
        .await
        .unwrap_or_else(|e| panic!("signing in again as {upn}: {e}"));
}

/// The identity platform ends `upn`'s session (revoked; the 24 hours running out alike),
/// then the person presses `button`, whose request needs a new token: the page asks to sign
/// in again.
pub async fn session_ends_then_press(stack: &Stack, browser: &Browser, upn: &str, button: &str) {
    assert!(
        stack.emulator.identity().revoke_sessions(upn),
        "{upn} had a session"
    );
    let pressed = browser
        .find_by_role("button", button)
        .await
        .unwrap_or_else(|e| panic!("the {button} button: {e}"));
    scroll_and_click(browser, &pressed, button).await;
    browser
        .find_by_role("heading", "Sign in to continue")
        .await
        .unwrap_or_else(|e| panic!("after {button}, the page asks to sign in again: {e}"));
}

/// Back on a page with unsaved edits, as a person presses it: the question, answered with
/// "Leave without saving".
pub async fn back_and_leave_without_saving(browser: &Browser) {
    browser.client().back().await.expect("Back");
    crate::pages::Dialog::expect(browser, "Leave without saving?")
        .await
        .expect("Back asks about the unsaved edits")
        .press("Leave without saving")
        .await
        .expect("Leave without saving");
}

pub async fn type_text(field: &Element, text: &str) -> Result<()> {
    for c in text.chars() {
        field.send_keys(&c.to_string()).await?;
    }
    Ok(())
}

/// Where an element is, relative to the viewport, and whether it is the thing a click at
/// its centre would hit.
async fn placement(browser: &Browser, element: &Element) -> Result<Value> {
    let arg = serde_json::to_value(element)?;
    Ok(browser
        .client()
        .execute(
            "const e = arguments[0]; const r = e.getBoundingClientRect(); \
             const x = r.left + r.width / 2, y = r.top + r.height / 2; \
             const inView = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 \
               && r.bottom <= innerHeight && r.right <= innerWidth; \
             const hit = inView ? document.elementFromPoint(x, y) : null; \
             return { inView, onTop: !!hit && (hit === e || e.contains(hit)), \
               top: r.top, bottom: r.bottom, left: r.left, right: r.right, \
               width: innerWidth, height: innerHeight };",
            vec![arg],
        )
        .await?)
}

/// Fails unless `element` is wholly inside the viewport and nothing covers its centre.
pub async fn assert_in_view(browser: &Browser, element: &Element, what: &str) -> Result<()> {
    let place = placement(browser, element).await?;
    if place["inView"] == true && place["onTop"] == true {
        Ok(())
    } else {
        Err(format!("{what} is not on screen where a person could click it: {place}").into())
    }
}

/// Clicks `element` after checking a person could see it: wholly in the viewport, not
/// covered. Waits a little for an animation or a late layout before failing.
pub async fn click_in_view(browser: &Browser, element: &Element, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match assert_in_view(browser, element, what).await {
            Ok(()) => break,
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    element.click().await?;
    Ok(())
}

/// Scrolls `element` to the middle of the viewport and clicks it where it shows, as
/// [`click_in_view`] checks a person could.
pub async fn try_scroll_and_click(browser: &Browser, element: &Element, what: &str) -> Result<()> {
    scroll_to(browser, element).await?;
    click_in_view(browser, element, what).await
}

/// [`try_scroll_and_click`], failing the test (naming `what`) if a person could not see or
/// reach the element.
pub async fn scroll_and_click(browser: &Browser, element: &Element, what: &str) {
    try_scroll_and_click(browser, element, what)
        .await
        .unwrap_or_else(|e| panic!("scrolling to and clicking {what}: {e}"));
}

/// Scrolls so that `element` is in the middle of the viewport, as a person scrolls to
/// something further down.
pub async fn scroll_to(browser: &Browser, element: &Element) -> Result<()> {
    let arg = serde_json::to_value(element)?;
    browser
        .client()
        .execute(
            "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})",
            vec![arg],
        )
        .await?;
    Ok(())
}

/// Presses a key on whatever has focus now.
pub async fn press(browser: &Browser, key: Key) -> Result<()> {
    let focused = browser.client().active_element().await?;
    focused.send_keys(&key.to_string()).await?;
    Ok(())
}

/// What has focus: its tag, role-relevant text and id, e.g. `h1 "Contoso" #tenant-title`.
pub async fn focused(browser: &Browser) -> Result<String> {
    let value = browser
        .eval(
            "const e = document.activeElement; if (!e) return 'nothing'; \
             return e.tagName.toLowerCase() + ' ' + JSON.stringify((e.innerText || '').trim().slice(0, 80)) + (e.id ? ' #' + e.id : '');",
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Waits until the focused element is the `main h1`, and returns its text.
pub async fn expect_heading_focused(browser: &Browser) -> Result<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = browser
            .eval(
                "const h = document.querySelector('main h1'); \
                 return h && document.activeElement === h ? h.innerText.trim() : null;",
            )
            .await?;
        if let Some(text) = found.as_str() {
            return Ok(text.to_owned());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "focus never reached the page's heading; it is on {}",
                focused(browser).await?
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page's visible text.
pub async fn visible_text(browser: &Browser) -> Result<String> {
    let value = browser.eval("return document.body.innerText").await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Resizes the window so that the page's viewport is `width` × `height` CSS pixels.
pub async fn set_viewport(browser: &Browser, (width, height): (u32, u32)) -> Result<()> {
    browser.client().set_window_size(width, height).await?;
    let inner = browser.eval("return [innerWidth, innerHeight]").await?;
    let (w, h) = (
        inner[0].as_u64().unwrap_or(u64::from(width)) as i64,
        inner[1].as_u64().unwrap_or(u64::from(height)) as i64,
    );
    let (dw, dh) = (i64::from(width) - w, i64::from(height) - h);
    if dw != 0 || dh != 0 {
        browser
            .client()
            .set_window_size(
                (i64::from(width) + dw) as u32,
                (i64::from(height) + dh) as u32,
            )
            .await?;
    }
    // Let the layout follow.
    tokio::time::sleep(Duration::from_millis(150)).await;
    Ok(())
}

/// How far the page is wider than the viewport (0 when nothing scrolls sideways), and the
/// elements sticking out, for the failure message.
pub async fn sideways_overflow(browser: &Browser) -> Result<(i64, Vec<String>)> {
    let value = browser
        .eval(
            "const w = document.documentElement.clientWidth; \
             const over = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5) \
               .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + JSON.stringify((e.innerText || '').slice(0, 40))); \
             return [document.documentElement.scrollWidth - w, over];",
        )
        .await?;
    Ok((
        value[0].as_i64().unwrap_or(0),
        serde_json::from_value(value[1].clone()).unwrap_or_default(),
    ))
}

/// Whether any line of `selector`'s text was broken inside a word (a line box ending where
/// the text has no space or hyphen), as a long GUID or name would be when it overflows.
pub async fn wraps_mid_word(browser: &Browser, selector: &str) -> Result<bool> {
    let script = format!(
        "const e = document.querySelector({}); if (!e) return false; \
         const r = document.createRange(); const t = e.innerText; let mid = false; \
         const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT); let n; \
         while ((n = walker.nextNode())) {{ let lastTop = null; \
           for (let i = 0; i < n.length; i++) {{ r.setStart(n, i); r.setEnd(n, i + 1); \
             const rect = r.getClientRects()[0]; if (!rect) continue; \
             if (lastTop !== null && rect.top > lastTop + 2) {{ const prev = n.data[i - 1]; \
               if (prev && !/[\\s\\-·]/.test(prev) && !/\\s/.test(n.data[i])) mid = true; }} \
             lastTop = rect.top; }} }} return mid;",
        Value::from(selector)
    );
    Ok(browser.eval(&script).await? == Value::Bool(true))
}

/// Signs in on the identity emulator's page the way a person does: clicks the field, types
/// the name and the password key by key, clicks "Sign in".
pub async fn sign_in_by_typing(browser: &Browser, upn: &str, password: &str) -> Result<()> {
    crate::pages::EmulatorSignIn::expect(browser).await?;
    let login = browser.find_by_role("textbox", "Email or username").await?;
    click_in_view(browser, &login, "the email field").await?;
    login.clear().await?;
    type_text(&login, upn).await?;
    let password_field = browser
        .client()
        .find(fantoccini::Locator::Css("input[type=password]"))
        .await?;
    click_in_view(browser, &password_field, "the password field").await?;
    type_text(&password_field, password).await?;
    let button = browser.find_by_role("button", "Sign in").await?;
    click_in_view(browser, &button, "Sign in").await?;
    Ok(())
}

/// The tenant switcher's button for the organisation titled `title` (as shown), waiting for
/// it to be listed; `None` after the wait when there is none.
pub async fn switcher_entry(
    browser: &Browser,
    scope: &str,
    title: &str,
) -> Result<Option<Element>> {
    let deadline = Instant::now() + WAIT;
    loop {
        let buttons = browser
            .client()
            .find_all(fantoccini::Locator::Css(&format!(
                "{scope} .tenant-switcher__item"
            )))
            .await?;
        for button in buttons {
            let name = button
                .find(fantoccini::Locator::Css(".tenant-switcher__name"))
                .await?
                .text()
                .await?;
            if name.trim() == title {
                return Ok(Some(button));
            }
        }
        if Instant::now() > deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The titles the switcher under `scope` lists now.
pub async fn switcher_titles(browser: &Browser, scope: &str) -> Result<Vec<String>> {
    let value = browser
        .eval(&format!(
            "return [...document.querySelectorAll({})].map(e => e.innerText.trim())",
            Value::from(format!("{scope} .tenant-switcher__name"))
        ))
        .await?;
    Ok(serde_json::from_value(value)?)
}

/// The script that tells whether the workspace's inspector shows the twin `id` with its
/// properties (for [`wait_for`]).
pub fn inspecting(id: &str) -> String {
    format!(
        "const a = document.querySelector('.workspace-inspector'); \
         return a && a.querySelector('#inspect-props-title') && a.querySelector('.workspace-inspector__id').textContent === {} ? true : null",
        serde_json::json!(id)
    )
}

/// Clicks the first row of the workspace's results where it shows and waits until the
/// inspector shows that twin; returns its id.
pub async fn inspect_first_result(browser: &Browser) -> String {
    let first = browser
        .client()
        .find(Locator::Css(
            "[role=grid] .grid__body .grid__row .grid__cell:first-child",
        ))
        .await
        .unwrap();
    let id = first.text().await.unwrap();
    click_in_view(browser, &first, "the first row")
        .await
        .unwrap();
    wait_for(browser, &inspecting(&id), "the row's twin in the inspector").await;
    id
}
