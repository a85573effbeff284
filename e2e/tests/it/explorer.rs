//! The explorer in Chromium against the emulator's ARM and ADT, through the gateway.

use serde_json::json;
use twinscope_e2e::Browser;
use twinscope_e2e::person::open_signed_in;
use twinscope_e2e::stack::{CAMPUS, CONTOSO, FABRIKAM, Stack, screenshot_dir};

async fn signed_in(path: &str, upn: &str, password: &str) -> (Stack, Browser) {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in(&stack, path, (upn, password)).await;
    (stack, browser)
}

#[tokio::test]
async fn instances_are_discovered_and_a_query_shows_twins() {
    let (stack, browser) = signed_in(
        &format!("/t/{CONTOSO}"),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser
        .find_by_role("button", "Run")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = browser
        .wait_for_script(
            "const g = document.querySelector('[role=grid]'); return g && Number(g.getAttribute('aria-rowcount')) > 10 ? Number(g.getAttribute('aria-rowcount')) : null",
            "query results",
        )
        .await
        .unwrap();
    assert!(rows.as_i64().unwrap() > 10, "{rows}");
    // Twin values are text: the seeded `<script>` name shows as characters, runs nowhere.
    let rendered = browser
        .wait_for_script(
            "return document.body.innerText.includes('<script>alert(1)</script>') && !document.querySelector('main script') ? true : null",
            "markup shown as text",
        )
        .await
        .unwrap();
    assert_eq!(rendered, true);
    // The DOM stays bounded: only the rows in view are rendered.
    let rendered_rows = browser
        .eval("return document.querySelectorAll('[role=grid] [role=row]').length")
        .await
        .unwrap();
    assert!(rendered_rows.as_i64().unwrap() < 200, "{rendered_rows}");
    browser
        .screenshot(&screenshot_dir().join("query.png"))
        .await
        .unwrap();
    let _ = stack;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_reader_finds_no_write_controls_and_switching_tenant_leaves_nothing_behind() {
    let (stack, browser) = signed_in(
        &format!("/t/{CONTOSO}/i/{CAMPUS}/twins"),
        "megan@contoso.onmicrosoft.com",
        "Megan-dev-1",
    )
    .await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser
        .find_by_role("button", "Run")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_script("const g = document.querySelector('[role=grid] [role=gridcell]'); return g ? true : null", "rows")
        .await
        .unwrap();
    let has_write = browser
        .eval("return [...document.querySelectorAll('button')].some(b => /^(Create|Delete|Upload|Decommission)/.test(b.textContent.trim()))")
        .await
        .unwrap();
    assert_eq!(has_write, false, "a Twins.Reader sees no write controls");
    // Switch to Fabrikam: nothing of Contoso's instance stays on screen.
    browser
        .eval(&format!("history.pushState(null, '', '/t/{FABRIKAM}'); dispatchEvent(new PopStateEvent('popstate')); return true;"))
        .await
        .unwrap();
    browser.find_by_role("heading", "Fabrikam").await.unwrap();
    let leftover = browser
        .eval(&format!("return document.body.innerText.includes('{CAMPUS}') || !!document.querySelector('[role=grid]')"))
        .await
        .unwrap();
    assert_eq!(leftover, false, "no Contoso data after the switch");
    let _ = stack;
    browser.close().await.unwrap();
}
