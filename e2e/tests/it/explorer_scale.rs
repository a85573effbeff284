//! The explorer against an instance of about 10,000 twins: the query screen pages through
//! all of them (progress and Stop while it runs, 429s retried) with a bounded DOM, and the
//! graph screen draws twins that open on click.

use serde_json::json;
use twinscope_e2e::Browser;
use twinscope_e2e::pages::EmulatorSignIn;
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack};
use twinscope_emulator::{Options, Throttle};

const TWINS: u32 = 10_000;

async fn scaled_stack_signed_in(path: &str) -> (Stack, Browser) {
    let options = Options {
        scale: Some(TWINS),
        ..Default::default()
    };
    let stack = Stack::start_with(json!({}), options)
        .await
        .expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    browser.goto(&stack.url(path)).await.unwrap();
    EmulatorSignIn::expect(&browser)
        .await
        .unwrap()
        .sign_in_as("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .unwrap();
    (stack, browser)
}

#[tokio::test]
async fn ten_thousand_twins_page_into_a_bounded_grid() {
    let (stack, browser) = scaled_stack_signed_in(&format!("/t/{CONTOSO}/i/{CAMPUS}/twins")).await;
    let seeded = stack.emulator.adt().twin_count(CAMPUS).unwrap();
    assert!(seeded >= TWINS as usize, "{seeded} twins seeded");
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    // Every second request is refused with 429 + Retry-After: 1, so paging takes a while
    // and each refused page is retried by the client.
    assert!(
        stack
            .emulator
            .adt()
            .set_throttle(CAMPUS, Throttle::EveryNth(2))
    );
    browser
        .find_by_role("button", "Run")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // While it runs: progress and a Stop button.
    browser.find_by_role("button", "Stop").await.unwrap();
    let running = browser
        .wait_for_script(
            "const s = document.querySelector('.query-progress'); return s && s.textContent.startsWith('Running') ? s.textContent : null",
            "progress while paging",
        )
        .await
        .unwrap();
    assert!(running.as_str().unwrap().contains("page"), "{running}");
    let done = browser
        .wait_for_script(
            "const s = document.querySelector('.query-progress'); return s && s.textContent.startsWith('Done') ? s.textContent : null",
            "every page",
        )
        .await;
    let done = match done {
        Ok(done) => done,
        // Ten pages with a one-second retry each can outlast the default wait once.
        Err(_) => browser
            .wait_for_script(
                "const s = document.querySelector('.query-progress'); return s && s.textContent.startsWith('Done') ? s.textContent : null",
                "every page",
            )
            .await
            .unwrap(),
    };
    let rowcount = browser
        .eval("return Number(document.querySelector('[role=grid]').getAttribute('aria-rowcount'))")
        .await
        .unwrap();
    // The header row counts too.
    assert!(
        rowcount.as_u64().unwrap() > seeded as u64,
        "aria-rowcount {rowcount} for {seeded} twins ({done})"
    );
    assert!(rowcount.as_u64().unwrap() > u64::from(TWINS));
    let rendered = browser
        .eval("return document.querySelectorAll('[role=grid] [role=row]').length")
        .await
        .unwrap();
    assert!(
        rendered.as_u64().unwrap() < 300,
        "{rendered} rows in the DOM"
    );
    // Scrolled to the end, the last rows render and the DOM stays bounded.
    let last = browser
        .wait_for_script(
            "const g = document.querySelector('[role=grid]'); const v = g.matches('.grid__viewport') ? g : g.querySelector('.grid__viewport'); \
             v.scrollTop = v.scrollHeight; v.dispatchEvent(new Event('scroll')); \
             const idx = [...g.querySelectorAll('[role=row]')].map(r => Number(r.getAttribute('aria-rowindex'))); \
             return Math.max(...idx) === Number(g.getAttribute('aria-rowcount')) ? idx.length : null",
            "the last row after scrolling",
        )
        .await
        .unwrap();
    assert!(last.as_u64().unwrap() < 300, "{last} rows after scrolling");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_graph_of_a_large_instance_draws_twins_that_open_on_click() {
    let (_stack, browser) = scaled_stack_signed_in(&format!("/t/{CONTOSO}/i/{CAMPUS}/graph")).await;
    browser.find_by_role("heading", "Graph").await.unwrap();
    let drawn = browser
        .wait_for_script(
            "const n = document.querySelectorAll('svg [data-twin]').length; return n > 0 ? n : null",
            "twins drawn",
        )
        .await
        .unwrap();
    assert!(drawn.as_u64().unwrap() > 1, "{drawn}");
    let id = browser
        .eval("return document.querySelector('svg [data-twin]').getAttribute('data-twin')")
        .await
        .unwrap();
    let id = id.as_str().unwrap().to_owned();
    let node = browser
        .client()
        .find(fantoccini::Locator::Css(&format!(
            "svg [data-twin={}]",
            json!(id)
        )))
        .await
        .unwrap();
    let label = node.attr("aria-label").await.unwrap().unwrap_or_default();
    // Accessible: a named button, found again by role and name.
    let node = browser.find_by_role("button", &label).await.unwrap();
    node.click().await.unwrap();
    browser
        .find_by_role("button", "Open")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let opened = browser
        .wait_for_script(
            "return location.pathname.includes('/twins/') ? decodeURIComponent(location.pathname.split('/twins/')[1]) : null",
            "the twin page",
        )
        .await
        .unwrap();
    assert_eq!(opened.as_str().unwrap(), id);
    browser.close().await.unwrap();
}
