//! Every screen checked with axe-core in Chromium (no serious or critical violations), with a
//! screenshot of each into `screenshot_dir()`.

use serde_json::json;
use twinscope_e2e::Browser;
use twinscope_e2e::a11y::{FAILING_IMPACTS, serious_violations};
use twinscope_e2e::pages::{EmulatorSignIn, LandingPage};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};
use twinscope_e2e::transfer_page::{API_VERSION, TransferPage, adt_call};

/// Runs axe on the current screen, keeps what fails under `screen`, and takes the screenshot
/// `{screen}.png`.
async fn check(browser: &Browser, screen: &str, failures: &mut Vec<String>) {
    // Let transitions and late layout settle before measuring contrast.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let found = serious_violations(browser)
        .await
        .unwrap_or_else(|e| panic!("{screen}: axe-core could not run: {e}"));
    failures.extend(found.iter().map(|v| format!("{screen}: {v}")));
    browser
        .screenshot(&screenshot_dir().join(format!("{screen}.png")))
        .await
        .unwrap();
}

#[tokio::test]
async fn every_screen_has_no_serious_accessibility_violations() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    let mut failures = Vec::new();

    LandingPage::open(&browser, stack.gateway.base_url())
        .await
        .unwrap();
    check(&browser, "landing", &mut failures).await;

    browser.goto(&stack.url("/onboarding")).await.unwrap();
    browser
        .find_by_role("heading", "Setting up your organisation")
        .await
        .unwrap();
    check(&browser, "onboarding", &mut failures).await;

    browser
        .goto(&stack.url(&format!("/t/{CONTOSO}")))
        .await
        .unwrap();
    EmulatorSignIn::expect(&browser)
        .await
        .unwrap()
        .sign_in_as("alex@contoso.onmicrosoft.com", "Alex-dev-1")
        .await
        .unwrap();
    browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap();
    check(&browser, "tenant", &mut failures).await;

    browser.goto(&stack.url("/settings")).await.unwrap();
    browser.find_by_role("heading", "Settings").await.unwrap();
    check(&browser, "settings", &mut failures).await;

    let instance = format!("/t/{CONTOSO}/i/{CAMPUS}");
    browser
        .goto(&stack.url(&format!("{instance}/twins")))
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
        .wait_for_script(
            "return document.querySelector('[role=grid] [role=gridcell]') ? true : null",
            "query results",
        )
        .await
        .unwrap();
    check(&browser, "query", &mut failures).await;

    let (status, rooms) = adt_call(
        &browser,
        CONTOSO,
        "POST",
        &format!("/adt/{CAMPUS}/query?{API_VERSION}"),
        Some(&json!({"query": "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:twinscope:seed:Room;1')"})),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{rooms}");
    let room = rooms["value"][0]["$dtId"].as_str().unwrap().to_owned();
    browser
        .goto(&stack.url(&format!("{instance}/twins/{room}")))
        .await
        .unwrap();
    browser
        .find_by_role("heading", &format!("Twin {room}"))
        .await
        .unwrap();
    browser
        .wait_for_script(
            "return document.querySelector('main form, main input, main dl') ? true : null",
            "the twin's properties",
        )
        .await
        .unwrap();
    check(&browser, "twin", &mut failures).await;

    browser
        .goto(&stack.url(&format!("{instance}/models")))
        .await
        .unwrap();
    browser
        .wait_for_script(
            "return document.body.innerText.includes('dtmi:twinscope:seed:Room;1') ? true : null",
            "the models",
        )
        .await
        .unwrap();
    check(&browser, "models", &mut failures).await;

    browser
        .goto(&stack.url(&format!("{instance}/graph")))
        .await
        .unwrap();
    browser
        .wait_for_script(
            "return document.querySelector('svg [data-twin]') ? true : null",
            "twins drawn",
        )
        .await
        .unwrap();
    check(&browser, "graph", &mut failures).await;

    browser
        .goto(&stack.url(&format!("{instance}/transfer")))
        .await
        .unwrap();
    let page = TransferPage::expect(&browser).await.unwrap();
    let downloads = tempfile::tempdir().unwrap();
    page.export("JSON", "contoso-campus-export.json", downloads.path())
        .await
        .unwrap();
    check(&browser, "transfer", &mut failures).await;

    assert!(
        failures.is_empty(),
        "{} {FAILING_IMPACTS:?} accessibility violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
    browser.close().await.unwrap();
}
