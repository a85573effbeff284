//! Issue #16: the instance screens are lazy. In the split release bundle (`cargo xtask build`)
//! the first load fetches none of their modules; each group's module comes the first time one
//! of its screens opens, through the glue (the CSP allows it), and every screen then works:
//! no console error, no CSP violation, and a screenshot of each for a person to look at.

use serde_json::json;
use twinscope_e2e::pages::{ModelsPage, TwinDetail, contosos_page_signed_in_as_adele};
use twinscope_e2e::person::click_in_view;
use twinscope_e2e::problems::{assert_no_problems, recording_problems};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};
use twinscope_e2e::{Browser, release_dist, sizes};

/// The lazy modules this document fetched so far (paths).
async fn lazy_fetched(browser: &Browser) -> Vec<String> {
    let fetched = browser.eval(sizes::FETCHED_PATHS).await.unwrap();
    sizes::paths(&fetched)
        .into_iter()
        .filter(|p| p.ends_with(".wasm") && !p.ends_with("_bg.wasm"))
        .collect()
}

/// Follows a link to `path` in place, as a click on one of the app's links does (the router
/// navigates without loading a document).
async fn open_in_place(browser: &Browser, path: &str) {
    browser
        .eval(&format!(
            "const a = document.createElement('a'); a.href = {}; document.body.appendChild(a); a.click(); a.remove(); return true;",
            json!(path)
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn each_screen_group_loads_its_module_when_a_screen_first_opens() {
    // The bundle under test is the split one: lazy modules beside the main wasm.
    let lazy_in_dist: Vec<String> = std::fs::read_dir(release_dist())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wasm") && !n.ends_with("_bg.wasm"))
        .collect();
    assert!(
        lazy_in_dist
            .iter()
            .any(|n| n.starts_with("split_query_and_twin_screens"))
            && lazy_in_dist
                .iter()
                .any(|n| n.starts_with("split_models_graph_transfer_screens")),
        "TWINSCOPE_DIST is not the split bundle of `cargo xtask build`: {lazy_in_dist:?}"
    );

    let stack = Stack::start(json!({})).await.expect("stack starts");
    let twin = {
        let instance = stack.emulator.adt().instance(CAMPUS).expect("campus");
        let store = instance.store();
        let mut ids: Vec<String> = store.state.twins.keys().cloned().collect();
        ids.sort();
        ids.into_iter().next().expect("the campus has twins")
    };
    let browser = recording_problems().await;
    contosos_page_signed_in_as_adele(&browser, &stack)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Not one lazy module before a screen is opened is checked by the first-load ratchet
    // (`shell.rs`); here, the query page's group arrives with it.
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
        .wait_for_script(
            "return document.querySelector('[role=grid] [role=gridcell]') ? true : null",
            "query results",
        )
        .await
        .unwrap();
    let after_query = lazy_fetched(&browser).await;
    assert!(
        after_query
            .iter()
            .any(|p| p.contains("split_query_and_twin_screens")),
        "{after_query:?}"
    );
    assert!(
        !after_query
            .iter()
            .any(|p| p.contains("split_models_graph_transfer_screens")),
        "the other group is not fetched for the query page: {after_query:?}"
    );
    // Its group's module and at most the one both groups share (`src/pages/instance.rs`).
    assert!(after_query.len() <= 2, "{after_query:?}");
    let shots = screenshot_dir();
    browser
        .screenshot(&shots.join("lazy-query.png"))
        .await
        .unwrap();

    let base = format!("/t/{CONTOSO}/i/{CAMPUS}");
    let encoded: String = url::form_urlencoded::byte_serialize(twin.as_bytes()).collect();
    open_in_place(&browser, &format!("{base}/twins/{encoded}")).await;
    TwinDetail::expect(&browser, &twin).await.unwrap();
    assert_eq!(
        lazy_fetched(&browser).await,
        after_query,
        "the twin page is in the query page's module"
    );
    browser
        .screenshot(&shots.join("lazy-twin.png"))
        .await
        .unwrap();

    browser
        .find_by_role("link", "Models")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ModelsPage::expect(&browser).await.unwrap();
    let after_models = lazy_fetched(&browser).await;
    assert!(
        after_models
            .iter()
            .any(|p| p.contains("split_models_graph_transfer_screens")),
        "{after_models:?}"
    );
    assert_eq!(
        after_models.len(),
        after_query.len() + 1,
        "only the models group's own module is new: {after_models:?}"
    );
    browser
        .screenshot(&shots.join("lazy-models.png"))
        .await
        .unwrap();

    browser
        .find_by_role("link", "Graph")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_script(
            "const s = document.querySelector('.graph-status'); return s && s.textContent.includes('The query returned') && document.querySelector('[data-twin]') ? true : null",
            "the graph drawn",
        )
        .await
        .unwrap();
    browser
        .screenshot(&shots.join("lazy-graph.png"))
        .await
        .unwrap();

    browser
        .find_by_role("link", "Import/export")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find_by_role("heading", "Import and export")
        .await
        .unwrap();
    browser
        .screenshot(&shots.join("lazy-transfer.png"))
        .await
        .unwrap();
    assert_eq!(
        lazy_fetched(&browser).await,
        after_models,
        "graph and import/export are in the models page's module"
    );

    assert_no_problems(&browser).await;
    browser.close().await.unwrap();
}

/// A module that does not arrive (the network, or a deployment that replaced the bundle the
/// page came from) is said on the page, and the rest of the app keeps working: the other
/// group's screens still open.
#[tokio::test]
async fn a_screen_whose_module_does_not_arrive_says_so_and_the_app_goes_on() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    let instance = contosos_page_signed_in_as_adele(&browser, &stack)
        .await
        .unwrap();
    for (cmd, params) in [
        ("Network.enable", json!({})),
        (
            "Network.setBlockedURLs",
            json!({ "urls": ["*split_query_and_twin_screens*"] }),
        ),
    ] {
        browser
            .cdp(cmd, params)
            .await
            .expect("DevTools blocks the module");
    }
    instance.click().await.unwrap();
    browser
        .find_by_role("heading", "This screen could not be loaded")
        .await
        .unwrap();
    browser
        .find_by_role("button", "Reload the page")
        .await
        .unwrap();
    browser
        .screenshot(&screenshot_dir().join("lazy-not-loaded.png"))
        .await
        .unwrap();
    // The app did not abort: the other group's module loads and its screen works.
    browser
        .find_by_role("link", "Models")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ModelsPage::expect(&browser).await.unwrap();
    browser.close().await.unwrap();
}

/// An instance's screen module is fetched while the shell checks the person's access, not
/// after it: neither needs the other, and far from the service each is a round trip (the
/// module also its download). Here every request to the instance is held back (paused in the
/// browser, never answered): the tenant page lists the instances all the same (their access
/// marks wait, the list does not), and the models screen's modules arrive while the page
/// still says "Checking your access…".
#[tokio::test]
async fn a_screens_module_comes_while_the_shell_checks_access() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    browser
        .cdp(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*/adt/*" }] }),
        )
        .await
        .expect("DevTools holds the instance's requests");
    contosos_page_signed_in_as_adele(&browser, &stack)
        .await
        .unwrap();
    assert!(lazy_fetched(&browser).await.is_empty());
    open_in_place(&browser, &format!("/t/{CONTOSO}/i/{CAMPUS}/models")).await;
    let mut fetched = Vec::new();
    for _ in 0..100 {
        fetched = lazy_fetched(&browser).await;
        if fetched.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        fetched.len() == 2
            && fetched
                .iter()
                .any(|p| p.contains("split_models_graph_transfer_screens")),
        "the models screen's module and the shared one, while access is checked: {fetched:?}"
    );
    let text = browser
        .eval("return document.querySelector('body').innerText")
        .await
        .unwrap();
    assert!(
        text.as_str()
            .unwrap_or_default()
            .contains("Checking your access…"),
        "{text}"
    );
    browser.close().await.unwrap();
}

/// The pages a person seldom opens (settings, onboarding, the page after signing out) are a
/// module of their own, and share none with the screens (`src/pages/lazy.rs`): opening
/// Settings from the account menu fetches that one module, nothing the screens use; a screen
/// opened afterwards still costs its group's module and the shared one, not a module more.
#[tokio::test]
async fn settings_come_as_one_module_that_shares_none_with_the_screens() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = recording_problems().await;
    contosos_page_signed_in_as_adele(&browser, &stack)
        .await
        .unwrap();
    assert!(lazy_fetched(&browser).await.is_empty());

    let summary = browser
        .client()
        .find(fantoccini::Locator::Css("header summary"))
        .await
        .unwrap();
    click_in_view(&browser, &summary, "the account menu")
        .await
        .unwrap();
    let settings = browser.find_by_role("link", "Settings").await.unwrap();
    click_in_view(&browser, &settings, "Settings")
        .await
        .unwrap();
    browser.find_by_role("heading", "Settings").await.unwrap();
    browser.find_by_role("heading", "Accounts").await.unwrap();
    let after_settings = lazy_fetched(&browser).await;
    assert!(
        after_settings.len() == 1 && after_settings[0].contains("split_seldom_pages"),
        "the seldom pages' module alone: {after_settings:?}"
    );
    browser
        .screenshot(&screenshot_dir().join("lazy-settings.png"))
        .await
        .unwrap();

    browser.client().back().await.unwrap();
    let instance = browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap();
    click_in_view(&browser, &instance, "the campus instance")
        .await
        .unwrap();
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    let after_query = lazy_fetched(&browser).await;
    let new: Vec<&String> = after_query
        .iter()
        .filter(|p| !after_settings.contains(p))
        .collect();
    assert!(
        new.len() == 2
            && new
                .iter()
                .any(|p| p.contains("split_query_and_twin_screens")),
        "the query group's module and the screens' shared one, nothing more: {after_query:?}"
    );
    assert_no_problems(&browser).await;
    browser.close().await.unwrap();
}
