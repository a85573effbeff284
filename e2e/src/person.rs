//! Acting as a person: typing one key at a time, clicking only what is on screen (and
//! failing when it is not), pressing keys on whatever has focus, reading what is shown, and
//! looking at the page at a person's window sizes.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::Value;

use crate::{Browser, Result, WAIT};

/// Phone and desktop widths the screens are looked at.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1440, 900);

/// Types `text` one character at a time, as a keyboard does.
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
